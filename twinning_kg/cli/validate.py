"""``twinning-kg validate`` and ``twinning-kg stats``."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click
from rdflib import Graph
from rdflib.query import ResultRow

from twinning_kg import queries
from twinning_kg.cli.common import EXIT_NONCONFORMANT, EXIT_OK, reports_errors, settings_of
from twinning_kg.loading import load_dataset, union_graph
from twinning_kg.reports import RENDERERS, REPORT_FORMATS
from twinning_kg.settings import Settings
from twinning_kg.validation import validate_files
from twinning_kg.vocabulary import new_graph


def _data_paths(settings: Settings, paths: Sequence[Path]) -> list[Path]:
    """The ontology is always loaded: shapes check concept values against its SKOS schemes."""
    ontology_dir = settings.root / settings.ontology_dir
    if not paths:
        return [ontology_dir, settings.root / settings.data_dir]
    return [ontology_dir, *paths]


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--shapes",
    "shape_paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="SHACL shapes to validate against (default: the shapes/ folder).",
)
@click.option(
    "--format", "fmt", type=click.Choice(REPORT_FORMATS), default="text", show_default=True
)
@click.pass_context
@reports_errors
def validate(
    ctx: click.Context, paths: tuple[Path, ...], shape_paths: tuple[Path, ...], fmt: str
) -> None:
    """Validate PATHS (default: ontology/ and data/) against the SHACL shapes.

    Exit 0 when the data conforms, 1 when it does not, 2 when validation cannot run.
    """
    settings = settings_of(ctx)
    data_paths = _data_paths(settings, paths)
    shapes = union_graph(load_dataset(shape_paths or [settings.root / settings.shapes_dir]))
    report = validate_files(data_paths, shapes, root=settings.root)
    click.echo(RENDERERS[fmt](report), nl=False)
    sys.exit(EXIT_OK if report.conforms else EXIT_NONCONFORMANT)


def _rows(graph: Graph, name: str) -> list[ResultRow]:
    return [row for row in graph.query(queries.load(name)) if isinstance(row, ResultRow)]


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_context
@reports_errors
def stats(ctx: click.Context, paths: tuple[Path, ...], fmt: str) -> None:
    """Count triples, instances per class, triples per property and label languages."""
    settings = settings_of(ctx)
    graph = new_graph()
    for path in paths or settings.source_dirs:
        for s, p, o in union_graph(load_dataset([path], root=settings.root)):
            graph.add((s, p, o))

    def short(term: object) -> str:
        return graph.namespace_manager.normalizeUri(str(term))

    tables: dict[str, dict[str, int]] = {
        "classes": {short(r[0]): int(r[1]) for r in _rows(graph, "count_classes")},
        "properties": {short(r[0]): int(r[1]) for r in _rows(graph, "count_properties")},
        "label_languages": {str(r[0]): int(r[1]) for r in _rows(graph, "count_label_languages")},
    }
    if fmt == "json":
        click.echo(json.dumps({"triples": len(graph), **tables}, indent=2, ensure_ascii=False))
        return
    click.echo(f"triples: {len(graph)}")
    for section, table in tables.items():
        click.echo(f"\n{section.replace('_', ' ')}:")
        width = max((len(k) for k in table), default=0)
        for key, count in table.items():
            click.echo(f"  {key or '(none)':<{width}}  {count:>6}")
