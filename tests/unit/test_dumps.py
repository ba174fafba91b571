"""Dumps: canonical blank nodes, sorted output, named graphs where the format can hold them."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.rdf_files import parse_rdf
from twinning_kg.publishing.dumps import (
    DUMP_FORMATS,
    DumpFormat,
    canonicalise,
    render_dump,
    serialise,
    union,
)

EX = "http://example.org/"


def _quads() -> list[ox.Quad]:
    g1, g2 = ox.NamedNode(EX + "g1"), ox.NamedNode(EX + "g2")
    town, shape = ox.NamedNode(EX + "town"), ox.BlankNode()
    p, q = ox.NamedNode(EX + "p"), ox.NamedNode(EX + "q")
    return [
        ox.Quad(town, p, ox.Literal("Siedlce", language="pl"), g1),
        ox.Quad(town, q, shape, g1),
        ox.Quad(shape, p, ox.Literal("1", datatype=ox.NamedNode(EX + "type")), g1),
        ox.Quad(town, p, ox.Literal("Siedlce", language="pl"), g2),  # the same triple twice
        ox.Quad(ox.BlankNode(), p, ox.Literal("another"), g2),
    ]


def test_canonical_blank_nodes_do_not_depend_on_parser_labels() -> None:
    first, second = canonicalise(_quads()), canonicalise(_quads())
    assert first == second
    labels = {str(t) for q in first for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)}
    assert labels == {"_:c14n0", "_:c14n1"}


@pytest.mark.parametrize("fmt", DUMP_FORMATS, ids=lambda f: f.suffix)
def test_every_format_renders_the_same_bytes_twice_and_parses_back(fmt: DumpFormat) -> None:
    data = render_dump(canonicalise(_quads()), fmt)
    assert render_dump(canonicalise(_quads()), fmt) == data
    if fmt.compressed:
        assert data[4:8] == b"\0\0\0\0", "the gzip header carries no time stamp"
    triples, graphs = parse_rdf(data, fmt.media_type, compressed=fmt.compressed)
    assert len(triples) == 4, "the repeated triple counts once"
    assert graphs == ({EX + "g1", EX + "g2"} if fmt.keeps_graphs else set())


def test_union_formats_are_sorted_by_subject() -> None:
    text = render_dump(canonicalise(_quads()), DUMP_FORMATS[1])
    lines = gzip.decompress(text).decode().splitlines()
    assert lines == sorted(lines)


def _whole_dataset_canonical(quads: list[ox.Quad]) -> list[ox.Quad]:
    """RDFC-1.0 over every quad and one sort of all: what ``canonicalise`` must equal."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(dataset, key=lambda q: tuple(map(str, (q.graph_name, *q.triple))))


def test_canonicalising_only_the_blank_node_quads_changes_nothing() -> None:
    root = Path(__file__).resolve().parents[2]
    quads: list[ox.Quad] = []
    for folder in ("ontology", "shapes", "data"):
        for path in sorted((root / folder).rglob("*.ttl")):
            graph = ox.NamedNode(path.resolve().as_uri())
            quads += [
                ox.Quad(t.subject, t.predicate, t.object, graph)
                for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
            ]
    quads += quads[:50]  # repeats count once
    expected = _whole_dataset_canonical(quads)
    assert sum(isinstance(q.subject, ox.BlankNode) for q in expected) > 100
    assert canonicalise(quads) == expected
    distinct = sorted({q.triple for q in expected}, key=lambda t: tuple(map(str, t)))
    assert list(union(expected)) == distinct


def test_gzip_dumps_written_as_they_are_made_equal_compressing_the_whole() -> None:
    """The bytes ``gzip.compress(data, 9, mtime=0)`` gives on Python 3.11 and 3.12 (zlib's own
    gzip wrapper), written here without that call, so they do not change with the version."""
    quads = canonicalise(_quads())
    for fmt in DUMP_FORMATS:
        if fmt.compressed:
            plain = serialise(quads, fmt.rdf_format)
            data = render_dump(quads, fmt)
            assert data == zlib.compress(plain, 9, wbits=31)
            assert data[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03"
            assert gzip.decompress(data) == plain


def test_blank_nodes_in_triple_terms_are_canonicalised() -> None:
    inner = ox.Triple(ox.BlankNode(), ox.NamedNode(EX + "p"), ox.Literal("x"))
    quad = ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "says"), inner)
    first, second = canonicalise([quad]), canonicalise([quad])
    assert first == second
    assert "_:c14n0" in str(first[0])
