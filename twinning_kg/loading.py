"""Read ontology/, data/ and shapes/ into rdflib graphs: one named graph per source file.

A file that does not parse raises :class:`DataLoadError` naming ``file:line:col`` and the parser's
message; it is parsed into a fresh graph, so a half-read file never leaks triples anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Final

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from twinning_kg.errors import DataLoadError
from twinning_kg.settings import CANONICAL_BASE_IRI

#: IRIs under this prefix are the publisher's own and move with the configured base IRI.
ENTITY_PREFIX: Final = CANONICAL_BASE_IRI + "id/"

#: File suffixes we load, and the rdflib parser for each. RDF/XML and JSON-LD are left out on
#: purpose: both parsers can be made to fetch remote documents or expand entities.
PARSERS: Final[dict[str, str]] = {".ttl": "turtle", ".nt": "nt"}
#: The same suffixes, and pyoxigraph's parser for each.
OX_FORMATS: Final[dict[str, ox.RdfFormat]] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
}

#: RDF files found in a folder that are refused by name rather than skipped: a file the office
#: dropped in must never be silently left out (the value says what the file is).
REFUSED: Final[dict[str, str]] = {
    ".rdf": "RDF/XML",
    ".owl": "RDF/XML",
    ".xml": "RDF/XML",
    ".jsonld": "JSON-LD",
    ".json": "JSON-LD",
    ".trig": "TriG",
    ".nq": "N-Quads",
    ".n3": "Notation3",
    ".trix": "TriX",
}


#: A UTF-8 byte order mark. Editors on Windows may write one; rdflib skips it, and so do we where
#: pyoxigraph parses (its parsers take it for a character of the document).
UTF8_BOM: Final = b"\xef\xbb\xbf"


@contextmanager
def opened(path: Path) -> Iterator[BinaryIO]:
    """``path`` open for reading, past a UTF-8 byte order mark if it starts with one."""
    with path.open("rb") as handle:
        if handle.read(len(UTF8_BOM)) != UTF8_BOM:
            handle.seek(0)
        yield handle


def parse_error(path: Path, exc: SyntaxError | OSError) -> DataLoadError:
    """A pyoxigraph parser's error (or an unreadable file) as ``file:line:col: message``."""
    if isinstance(exc, SyntaxError):
        where = "" if exc.lineno is None else f":{exc.lineno}:{exc.offset or 1}"
        return DataLoadError(f"{path}{where}: {exc.msg}", path=str(path), line=exc.lineno)
    return DataLoadError(f"{path}: cannot read: {exc}", path=str(path))


def _refuse(path: Path) -> DataLoadError:
    supported = ", ".join(sorted(PARSERS))
    kind = REFUSED.get(path.suffix.lower())
    why = f"{kind} is not loaded; use {supported}" if kind else f"use {supported}"
    return DataLoadError(f"{path}: unsupported file type ({why})", path=str(path))


def discover(paths: Iterable[Path]) -> list[Path]:
    """List the RDF files under ``paths`` (files or folders), sorted, without duplicates.

    :raises DataLoadError: if a path does not exist, a named file is not a supported format, or
        a folder holds an RDF file of a format that is not loaded (RDF/XML, JSON-LD, …) or a
        symbolic link to nothing: such a file is refused by name, never skipped.
    """
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix in PARSERS:
                    found[child] = None
                elif child.is_file() and child.suffix.lower() in REFUSED:
                    raise _refuse(child)
                elif child.is_symlink() and not child.exists():
                    raise DataLoadError(
                        f"{child}: a symbolic link to nothing (remove it or fix its target)",
                        path=str(child),
                    )
        elif path.is_file():
            if path.suffix not in PARSERS:
                raise _refuse(path)
            found[path] = None
        else:
            raise DataLoadError(f"{path}: no such file or directory", path=str(path))
    return list(found)


def _syntax_error(path: Path, exc: BadSyntax) -> DataLoadError:
    text: bytes = exc._str if isinstance(exc._str, bytes) else str(exc._str).encode()
    offset = min(int(exc._i), len(text))
    line = text.count(b"\n", 0, offset) + 1
    column = offset - (text.rfind(b"\n", 0, offset) + 1) + 1
    return DataLoadError(f"{path}:{line}:{column}: {exc._why}", path=str(path), line=line)


def rebase(node: Node, base_iri: str) -> Node:
    """Move an entity IRI (``{canonical base}id/…``) to ``base_iri``; return others unchanged.

    Vocabulary IRIs (``…/def/…``) stay where they are: the ontology is shared by every publisher.

    >>> rebase(URIRef("https://twinning.example.org/id/x"), "http://localhost:5000/")
    rdflib.term.URIRef('http://localhost:5000/id/x')
    >>> rebase(URIRef("https://twinning.example.org/def/twinning/Event"), "http://localhost:5000/")
    rdflib.term.URIRef('https://twinning.example.org/def/twinning/Event')
    """
    if base_iri != CANONICAL_BASE_IRI and isinstance(node, URIRef):
        text = str(node)
        if text.startswith(ENTITY_PREFIX):
            return URIRef(base_iri + text[len(CANONICAL_BASE_IRI) :])
    return node


def read_graph(path: Path, *, base_iri: str = CANONICAL_BASE_IRI) -> Graph:
    """Parse one file into a new graph, with IRIs moved to ``base_iri``.

    :raises DataLoadError: on a syntax error (``file:line:col: message``) or an unreadable file.
    """
    fmt = PARSERS.get(path.suffix)
    if fmt is None:
        raise DataLoadError(f"{path}: unsupported file type", path=str(path))
    graph = Graph()
    try:
        graph.parse(path, format=fmt)
    except BadSyntax as exc:
        raise _syntax_error(path, exc) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataLoadError(f"{path}: cannot read: {exc}", path=str(path)) from None
    except Exception as exc:  # rdflib raises bare Exceptions for some literal and IRI errors
        raise DataLoadError(f"{path}: {exc}", path=str(path)) from None
    if base_iri == CANONICAL_BASE_IRI:
        return graph
    rebased = Graph()
    for s, p, o in graph:
        rebased.add((rebase(s, base_iri), rebase(p, base_iri), rebase(o, base_iri)))
    return rebased


def graph_iri(path: Path, *, root: Path, base_iri: str = CANONICAL_BASE_IRI) -> URIRef:
    """Name the graph of a source file after its path relative to ``root``, without suffix.

    >>> graph_iri(Path("data/siedlce/sources.ttl"), root=Path())
    rdflib.term.URIRef('https://twinning.example.org/graph/data/siedlce/sources')
    """
    try:
        relative = path.resolve().relative_to(root.resolve())
    except ValueError:
        relative = Path(path.name)
    return URIRef(f"{base_iri}graph/{relative.with_suffix('').as_posix()}")


def iter_graphs(
    paths: Iterable[Path], *, root: Path, base_iri: str = CANONICAL_BASE_IRI
) -> Iterator[tuple[URIRef, Path, Graph]]:
    """Yield ``(graph IRI, file, graph)`` for every RDF file under ``paths``."""
    for path in discover(paths):
        yield (
            graph_iri(path, root=root, base_iri=base_iri),
            path,
            read_graph(path, base_iri=base_iri),
        )


def load_dataset(
    paths: Iterable[Path], *, root: Path = Path(), base_iri: str = CANONICAL_BASE_IRI
) -> Dataset:
    """Load every RDF file under ``paths`` into a Dataset, one named graph per file.

    The default graph is the union of the named graphs, so queries see everything.

    :raises DataLoadError: for the first file that cannot be read or parsed.
    """
    dataset = Dataset(default_union=True)
    for iri, _path, graph in iter_graphs(paths, root=root, base_iri=base_iri):
        named = dataset.graph(iri)
        for triple in graph:
            named.add(triple)
    return dataset


def union_graph(dataset: Dataset) -> Graph:
    """Copy all triples of ``dataset`` into one plain graph (what pySHACL validates)."""
    union = Graph()
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


def shown_path(path: Path, *, root: Path) -> str:
    """``path`` as a report shows it: relative to ``root`` when inside it.

    A symbolic link is not followed: a file linked in from elsewhere is shown where it is
    linked, never by where it points (which would name a folder of the server).
    """
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return str(path)
