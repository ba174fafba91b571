"""Dumps: the published graph as whole files, byte for byte the same for the same input.

Quads are read from the store graph by graph, their blank nodes renamed by RDF Dataset
Canonicalization (RDFC-1.0, so labels are ``c14n0``, ``c14n1``… and depend only on the data),
then sorted and serialised by pyoxigraph. Formats that hold named graphs (N-Quads, JSON-LD) keep
one graph per source file; the others hold their union. Gzip members carry no name and no time.
"""

from __future__ import annotations

import heapq
import io
import struct
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO, Final, cast

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from twinning_kg.store import GraphStore
from twinning_kg.store.oxigraph import triple_to_oxigraph
from twinning_kg.vocabulary import PREFIXES

FILE_TYPE: Final = "http://publications.europa.eu/resource/authority/file-type/"
IANA_MEDIA_TYPE: Final = "http://www.iana.org/assignments/media-types/"
GZIP_MEDIA_TYPE: Final = "application/gzip"


@dataclass(frozen=True, slots=True)
class DumpFormat:
    """A dump file format: its suffix, what is inside, and how DCAT-AP names it."""

    suffix: str
    rdf_format: ox.RdfFormat
    media_type: str
    file_type: str
    label: str
    compressed: bool = False

    @property
    def keeps_graphs(self) -> bool:
        """True when the format holds named graphs (one per source file)."""
        return self.rdf_format.supports_datasets

    @property
    def content_type(self) -> str:
        """The media type of the file as served (a gzip file is ``application/gzip``)."""
        return GZIP_MEDIA_TYPE if self.compressed else self.media_type

    @property
    def file_type_iri(self) -> URIRef:
        """The format in the EU file-type vocabulary."""
        return URIRef(FILE_TYPE + self.file_type)

    @property
    def media_type_iri(self) -> URIRef:
        """The media type of the RDF inside, as an IANA IRI (``dcat:mediaType``)."""
        return URIRef(IANA_MEDIA_TYPE + self.media_type)


@dataclass(frozen=True, slots=True)
class Dump:
    """A dump file as written: name, format, download URL, size and SHA-256."""

    name: str
    format: DumpFormat
    url: URIRef
    size: int
    sha256: str


DUMP_FORMATS: Final[tuple[DumpFormat, ...]] = (
    DumpFormat(".ttl", ox.RdfFormat.TURTLE, "text/turtle", "RDF_TURTLE", "Turtle"),
    DumpFormat(
        ".nt.gz",
        ox.RdfFormat.N_TRIPLES,
        "application/n-triples",
        "RDF_N_TRIPLES",
        "N-Triples (gzip)",
        compressed=True,
    ),
    DumpFormat(
        ".nq.gz",
        ox.RdfFormat.N_QUADS,
        "application/n-quads",
        "RDF_N_QUADS",
        "N-Quads (gzip)",
        compressed=True,
    ),
    DumpFormat(".jsonld", ox.RdfFormat.JSON_LD, "application/ld+json", "JSON_LD", "JSON-LD"),
    DumpFormat(".rdf", ox.RdfFormat.RDF_XML, "application/rdf+xml", "RDF_XML", "RDF/XML"),
)

#: The compression of gzip dumps, as an IANA IRI (``dcat:compressFormat``).
GZIP_IRI: Final = URIRef(IANA_MEDIA_TYPE + GZIP_MEDIA_TYPE)

#: Prefixes of Turtle and RDF/XML dumps: the project's, plus those the catalogue and VoID use.
DUMP_PREFIXES: Final = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
DESCRIPTION_PREFIXES: Final = {
    **DUMP_PREFIXES,
    "adms": "http://www.w3.org/ns/adms#",
    "dcatap": "http://data.europa.eu/r5r/",
    "spdx": "http://spdx.org/rdf/terms#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
}


def to_quad(s: Node, p: Node, o: Node, graph: ox.NamedNode | None = None) -> ox.Quad | None:
    """An rdflib triple as a pyoxigraph quad in ``graph`` (default graph if None).

    None for what RDF 1.1 cannot hold (a literal subject, a predicate that is not an IRI).
    """
    triple = triple_to_oxigraph(s, p, o)
    return (
        None if triple is None else ox.Quad(triple.subject, triple.predicate, triple.object, graph)
    )


def read_quads(store: GraphStore, graphs: Iterable[URIRef]) -> list[ox.Quad]:
    """Every quad of the named ``graphs``, read through the store's packaged queries.

    As pyoxigraph terms all the way: at world scale an rdflib graph of the data would take
    several GB (bench/README.md).
    """
    quads: list[ox.Quad] = []
    for graph_iri in graphs:
        name = ox.NamedNode(str(graph_iri))
        quads.extend(
            ox.Quad(t.subject, t.predicate, t.object, name)
            for t in store.construct_triples("describe_graph", graph=graph_iri)
        )
    return quads


def _has_blank_node(quad: ox.Quad | ox.Triple) -> bool:
    """Tell whether a blank node is anywhere in ``quad``, triple terms (RDF-star) included."""
    terms = (quad.subject, quad.object, getattr(quad, "graph_name", None))
    return any(
        isinstance(t, ox.BlankNode) or (isinstance(t, ox.Triple) and _has_blank_node(t))
        for t in terms
    )


def canonicalise(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """Rename blank nodes by RDFC-1.0 and sort: the same data gives the same list.

    Only the quads that hold a blank node go through canonicalisation: RDFC-1.0 labels a blank
    node from the quads that mention it, so the others cannot change a label, and at world scale
    a canonicalisation dataset of everything took gigabytes (bench/README.md, Profiling 5).

    >>> a = [ox.Quad(ox.BlankNode(), ox.NamedNode("http://e/p"), ox.Literal("x"))]
    >>> b = [ox.Quad(ox.BlankNode(), ox.NamedNode("http://e/p"), ox.Literal("x"))]
    >>> canonicalise(a) == canonicalise(b)
    True
    """
    plain: list[ox.Quad] = []
    blank: list[ox.Quad] = []
    for quad in quads:
        (blank if _has_blank_node(quad) else plain).append(quad)
    if blank:
        dataset = ox.Dataset(blank)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        plain.extend(dataset)
    return _sorted_distinct(plain)


def _sorted_distinct(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """``quads`` without repeats, by graph name, then subject, predicate, object (N-Triples text).

    Graph by graph, so that the sort keys of only one graph exist at a time.
    """
    by_graph: dict[str, list[ox.Quad]] = {}
    for quad in quads:
        by_graph.setdefault(str(quad.graph_name), []).append(quad)
    ordered: list[ox.Quad] = []
    for name in sorted(by_graph):
        previous = None
        for quad in sorted(by_graph.pop(name), key=_quad_triple_key):
            if quad != previous:
                ordered.append(quad)
            previous = quad
    return ordered


def _quad_triple_key(quad: ox.Quad) -> tuple[str, str, str]:
    return (str(quad.subject), str(quad.predicate), str(quad.object))


def _triple_key(triple: ox.Triple) -> tuple[str, str, str]:
    return (str(triple.subject), str(triple.predicate), str(triple.object))


def union(quads: Sequence[ox.Quad]) -> Iterator[ox.Triple]:
    """The distinct triples of canonical ``quads``, sorted (subjects grouped, IRIs first).

    A merge of each graph's run of ``quads`` (already sorted within it), made as it is read: at
    world scale a sorted copy of the union took gigabytes.
    """
    runs: list[Sequence[ox.Quad]] = []
    start = 0
    for index in range(1, len(quads) + 1):
        if index == len(quads) or quads[index].graph_name != quads[start].graph_name:
            runs.append(quads[start:index])
            start = index
    previous = None
    for triple in heapq.merge(*((q.triple for q in run) for run in runs), key=_triple_key):
        if triple != previous:
            yield triple
        previous = triple


def serialise(
    quads: Sequence[ox.Quad],
    rdf_format: ox.RdfFormat,
    *,
    prefixes: Mapping[str, str] = DUMP_PREFIXES,
) -> bytes:
    """Serialise canonical ``quads``: named graphs kept if the format can, else their union."""
    output = io.BytesIO()
    serialise_to(output, quads, rdf_format, prefixes=prefixes)
    return output.getvalue()


def serialise_to(
    output: BinaryIO,
    quads: Sequence[ox.Quad],
    rdf_format: ox.RdfFormat,
    *,
    prefixes: Mapping[str, str] = DUMP_PREFIXES,
) -> None:
    """:func:`serialise` written to ``output`` as it is made (a world-scale dump is ~1 GB)."""
    if rdf_format.supports_datasets:
        data: Iterable[ox.Quad] | Iterable[ox.Triple] = quads
    else:
        data = union(quads)
    with_prefixes = rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML)
    ox.serialize(
        data, output, format=rdf_format, prefixes=dict(prefixes) if with_prefixes else None
    )


def write_dump(output: BinaryIO, quads: Sequence[ox.Quad], dump_format: DumpFormat) -> None:
    """Write a dump file: deterministic (a gzip member with no file name and no time stamp)."""
    if not dump_format.compressed:
        serialise_to(output, quads, dump_format.rdf_format)
        return
    zipped = _GzipWriter(output)
    serialise_to(cast(BinaryIO, zipped), quads, dump_format.rdf_format)
    zipped.close()


class _GzipWriter:
    """One gzip member written as it is made, the same bytes on every Python version.

    The header is fixed (no file name, no time stamp, maximum compression, Unix: what
    ``gzip.compress(data, 9, mtime=0)`` wrote up to Python 3.12), then raw deflate, then the
    CRC-32 and size. A ``flush`` does nothing: a flushed deflate block would change the bytes.
    """

    HEADER: Final = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03"

    def __init__(self, output: BinaryIO) -> None:
        self.output = output
        self.compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        self.crc = 0
        self.size = 0
        output.write(self.HEADER)

    def write(self, data: bytes) -> int:
        self.output.write(self.compressor.compress(data))
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        """Nothing: the gzip member ends in :meth:`close`."""

    def close(self) -> None:
        self.output.write(self.compressor.flush())
        self.output.write(struct.pack("<II", self.crc, self.size & 0xFFFFFFFF))


def render_dump(quads: Sequence[ox.Quad], dump_format: DumpFormat) -> bytes:
    """The bytes of a dump file, as :func:`write_dump` writes them."""
    output = io.BytesIO()
    write_dump(output, quads, dump_format)
    return output.getvalue()


def quads_of_graph(graph: Graph) -> list[ox.Quad]:
    """An rdflib graph (the catalogue, the VoID description) as canonical default-graph quads."""
    return canonicalise(quad for s, p, o in graph if (quad := to_quad(s, p, o)) is not None)
