"""``import``: read the template, map it, validate the result with SHACL, write it atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from twinning_kg.loading import load_dataset, union_graph
from twinning_kg.settings import Settings
from twinning_kg.tabular.mapping import Known, Mapped, map_workbook, read_vocabularies
from twinning_kg.tabular.report import Cell, Problem
from twinning_kg.tabular.terms import CELL_PREFIXES, iri_to_cell
from twinning_kg.tabular.workbook import read_workbook
from twinning_kg.validation import Violation, validate
from twinning_kg.vocabulary import new_graph


@dataclass(slots=True)
class ImportResult:
    """What an import did: the problems (then nothing was written) or the files written."""

    problems: list[Problem] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def _other_cities(data_dir: Path, city: str) -> list[Path]:
    if not data_dir.is_dir():
        return []
    return sorted(
        p
        for p in data_dir.iterdir()
        if p.is_dir() and p.name not in (city,) and not p.name.startswith(".")
    )


def _locate(violation: Violation, mapped: Mapped) -> Cell | None:
    focus, path = violation.focus_node, violation.result_path
    if path is not None:
        for (s, p, o), cell in mapped.cells.items():
            if s == focus and p == path and violation.value in (None, o):
                return cell
        if isinstance(focus, URIRef) and (focus, path) in mapped.columns:
            return mapped.columns[(focus, path)]
    return mapped.rows.get(focus) if isinstance(focus, URIRef) else None


def shacl_problems(mapped: Mapped, *, others: list[Path], settings: Settings) -> list[Problem]:
    """Validate the new files with the ontology and the other cities; name cells, not IRIs."""
    paths = [settings.root / settings.ontology_dir, *others]
    union = union_graph(load_dataset(paths, root=settings.root))
    for graph in mapped.files.values():
        union += graph
    shapes = union_graph(load_dataset([settings.root / settings.shapes_dir]))
    report = validate(union, shapes)
    problems = []
    for violation in report.violations:
        cell = _locate(violation, mapped)
        if cell is None:
            continue  # about data this import does not write
        value = violation.value
        shown = (
            ""
            if value is None
            else (iri_to_cell(value) if isinstance(value, URIRef) else str(value))
        )
        problems.append(
            Problem.at(
                cell,
                shown,
                violation.message or "does not conform",
                "what the shapes require (shapes/)",
                "shacl",
            )
        )
    return problems


def turtle(graph: Graph, *, header: str) -> str:
    """The file's Turtle, with a comment header and the template's prefixes."""
    out = new_graph()
    for prefix, namespace in CELL_PREFIXES.items():
        out.bind(prefix, namespace, override=True, replace=True)
    for triple in graph:
        out.add(triple)
    return f"# {header}\n\n" + out.serialize(format="turtle")


def write_city(files: dict[str, Graph], folder: Path, *, header: str) -> list[Path]:
    """Write the files into a new folder beside ``folder`` and put it in ``folder``'s place."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.import-"))
    try:
        for name, graph in sorted(files.items()):
            with (staging / name).open("w", encoding="utf-8", newline="\n") as stream:
                stream.write(turtle(graph, header=header))
                stream.flush()
                os.fsync(stream.fileno())
        old = None
        if folder.exists():
            old = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.old-"))
            os.replace(folder, old / folder.name)
        os.replace(staging, folder)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [folder / name for name in sorted(files)]


def import_city(
    source: Path, *, city: str, settings: Settings, data_dir: Path | None = None
) -> ImportResult:
    """Import the template at ``source`` as ``{data_dir}/{city}/`` (all or nothing).

    :raises TwinningError: if the template or the data cannot be read.
    """
    data = data_dir if data_dir is not None else settings.root / settings.data_dir
    book = read_workbook(source)
    others = _other_cities(data, city)
    existing = union_graph(load_dataset(others, root=settings.root)) if others else None
    known = Known.read(read_vocabularies(settings.root / settings.ontology_dir), existing)
    mapped = map_workbook(book, city=city, known=known)
    if mapped.problems:
        return ImportResult(problems=mapped.problems)
    problems = shacl_problems(mapped, others=others, settings=settings)
    if problems:
        return ImportResult(problems=problems)
    header = f"data of {city}, imported from the tabular template ({source.name})"
    return ImportResult(written=write_city(mapped.files, data / city, header=header))
