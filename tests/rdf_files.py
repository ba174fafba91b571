"""Read a dump or a catalogue the way a harvester would: with rdflib, not with the pyoxigraph
that wrote it."""

from __future__ import annotations

import gzip
import io
import warnings
from typing import Final

from rdflib import Dataset, Graph
from rdflib.term import Node

#: rdflib's parser for each RDF media type.
RDFLIB_FORMATS: Final = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/n-quads": "nquads",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
QUAD_MEDIA_TYPES: Final = ("application/n-quads", "application/ld+json")


def parse_rdf(
    data: bytes, media_type: str, *, compressed: bool = False
) -> tuple[set[tuple[Node, Node, Node]], set[str]]:
    """The distinct triples in ``data`` and the names of its non-empty named graphs."""
    raw = gzip.decompress(data) if compressed else data
    rdflib_format = RDFLIB_FORMATS[media_type]
    if media_type in QUAD_MEDIA_TYPES:
        dataset = Dataset()
        with warnings.catch_warnings():
            # rdflib's own Dataset.parse and JSON-LD parser use what rdflib 7 deprecated.
            warnings.filterwarnings("ignore", "Dataset.default_context", DeprecationWarning)
            warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
            dataset.parse(io.BytesIO(raw), format=rdflib_format)
        triples = {(s, p, o) for s, p, o, _g in dataset.quads((None, None, None, None))}
        graphs = {str(g.identifier) for g in dataset.graphs() if len(g)}
        graphs.discard("urn:x-rdflib:default")
        return triples, graphs
    graph = Graph().parse(io.BytesIO(raw), format=rdflib_format)
    return set(graph), set()
