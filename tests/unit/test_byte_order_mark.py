"""A file saved with a UTF-8 byte order mark, as some Windows editors save, is read like any other
by every reader of source files: ``validate``, the in-memory store (under another base IRI too),
the on-disk store and rdflib (which reads the shapes). pyoxigraph's parsers alone would take the
mark for a character of the document and refuse the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from twinning_kg.errors import DataLoadError
from twinning_kg.loading import UTF8_BOM, read_graph
from twinning_kg.settings import CANONICAL_BASE_IRI
from twinning_kg.store.oxigraph import OxigraphStore, build_store
from twinning_kg.validation import validate_files

TEXT = '@prefix ex: <http://example.org/> .\nex:a ex:b "zażółć" .\n'
TRIPLE = (URIRef("http://example.org/a"), URIRef("http://example.org/b"), Literal("zażółć"))


@pytest.fixture
def marked(tmp_path: Path) -> Path:
    path = tmp_path / "marked.ttl"
    path.write_bytes(UTF8_BOM + TEXT.encode())
    return path


def test_validate_reads_it(marked: Path) -> None:
    assert validate_files([marked], Graph(), root=marked.parent).conforms


def test_an_error_after_the_mark_is_still_on_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.ttl"
    path.write_bytes(UTF8_BOM + TEXT.encode() + b"ex:a ex:b .\n")
    with pytest.raises(DataLoadError, match=r"broken\.ttl:3:\d+: "):
        validate_files([path], Graph(), root=tmp_path)


@pytest.mark.parametrize("base_iri", [CANONICAL_BASE_IRI, "http://localhost:5000/"])
def test_the_memory_store_reads_it(marked: Path, base_iri: str) -> None:
    store = OxigraphStore.from_paths([marked], root=marked.parent, base_iri=base_iri)
    assert len(store) == 1


def test_the_disk_store_reads_it(marked: Path, tmp_path: Path) -> None:
    version = build_store([marked], tmp_path / "store", root=tmp_path)
    assert version.triples == 1


def test_rdflib_reads_it(marked: Path) -> None:
    assert set(read_graph(marked)) == {TRIPLE}
