"""The store seam: what pages, the SPARQL endpoint, the catalogue and the CLI ask of a store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import pyoxigraph as ox
from rdflib import Graph, URIRef

from twinning_kg.sparql.jobs import QueryExecutor
from twinning_kg.vocabulary import Term

if TYPE_CHECKING:
    from twinning_kg.search import LabelIndex

Row = dict[str, Term]


@dataclass(frozen=True, slots=True)
class DataVersion:
    """Identifies the loaded data: a digest of every source file, and when it last changed."""

    digest: str
    modified: datetime
    triples: int


class GraphStore(Protocol):
    """A read-only view of the published graph."""

    backend: str
    #: Whether :attr:`version` changes exactly when the data does (so that what was rendered
    #: for a version may be kept): true of the embedded store, not of a remote one.
    exact_version: bool

    @property
    def version(self) -> DataVersion:
        """The version of the data served (a digest, when it changed, how many triples)."""
        ...

    def __len__(self) -> int:
        """The number of triples (quads) in the store."""
        ...

    def describe(self, iri: URIRef) -> Graph:
        """The entity's description (CBD) plus its neighbours' labels and types, and incoming links.

        For the IRI of a named graph (a source file), the graph's contents.

        :raises NotFound: if the store says nothing about ``iri``.
        """
        ...

    def describe_triples(self, iri: URIRef) -> list[ox.Triple]:
        """The same description as :meth:`describe`, as pyoxigraph triples (no duplicates).

        What the RDF formats of an entity page serialise without building an rdflib graph.

        :raises NotFound: if the store says nothing about ``iri``.
        """
        ...

    def construct(self, name: str, /, **bindings: Term) -> Graph:
        """Run the packaged CONSTRUCT query ``name`` with ``bindings`` bound."""
        ...

    def construct_triples(self, name: str, /, **bindings: Term) -> list[ox.Triple]:
        """The same as :meth:`construct`, as pyoxigraph triples (no rdflib graph: for bulk)."""
        ...

    def select(self, name: str, /, **bindings: Term) -> list[Row]:
        """Run the packaged SELECT query ``name`` with ``bindings`` bound (never spliced)."""
        ...

    def query_executor(self, *, workers: int, memory_limit_mb: int) -> QueryExecutor:
        """What runs the public's queries (under a time limit, killable)."""
        ...

    def graph_sizes(self) -> list[tuple[str, int]]:
        """The named graphs (one per source file) and their triple counts, by graph IRI."""
        ...

    def label_index(self) -> LabelIndex:
        """The label search index of the data (read from the build when there is one)."""
        ...

    def summary_counts(self) -> tuple[int, int] | None:
        """How many linked resources' summaries this process's pages found kept, and read; None
        for a store that keeps none."""
        ...
