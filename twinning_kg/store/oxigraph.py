"""The embedded store: pyoxigraph in memory, one named graph per source file."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from twinning_kg import queries
from twinning_kg.errors import DataLoadError, NotFound
from twinning_kg.loading import ENTITY_PREFIX, discover, graph_iri
from twinning_kg.settings import CANONICAL_BASE_IRI
from twinning_kg.store import DataVersion, Row
from twinning_kg.vocabulary import Term, new_graph

_OX_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES}


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph) -> Term:
    """Convert a pyoxigraph term to the equivalent rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"unsupported term {term!r}")


def to_oxigraph(term: Term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert an rdflib term to the equivalent pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def _rebase(term: ox.NamedNode, base_iri: str) -> ox.NamedNode:
    if term.value.startswith(ENTITY_PREFIX):
        return ox.NamedNode(base_iri + term.value[len(CANONICAL_BASE_IRI) :])
    return term


def _rebased_quads(path: Path, graph: ox.NamedNode, base_iri: str) -> Iterator[ox.Quad]:
    for triple in ox.parse(path=path, format=_OX_FORMATS[path.suffix]):
        s, p, o = triple.subject, triple.predicate, triple.object
        yield ox.Quad(
            _rebase(s, base_iri) if isinstance(s, ox.NamedNode) else s,
            _rebase(p, base_iri),
            _rebase(o, base_iri) if isinstance(o, ox.NamedNode) else o,
            graph,
        )


class OxigraphStore:
    """An in-memory pyoxigraph store; build it with :meth:`from_paths`."""

    backend = "memory"

    def __init__(self, store: ox.Store, version: DataVersion) -> None:
        self._store = store
        self.version = version

    @classmethod
    def from_paths(
        cls, paths: Iterable[Path], *, root: Path = Path(), base_iri: str = CANONICAL_BASE_IRI
    ) -> OxigraphStore:
        """Load every RDF file under ``paths`` into a new store, one named graph per file.

        :raises DataLoadError: naming ``file:line:col`` for the first file that does not parse.
        """
        store = ox.Store()
        digest = hashlib.sha256()
        newest = 0.0
        for path in discover(paths):
            name = ox.NamedNode(str(graph_iri(path, root=root, base_iri=base_iri)))
            data = path.read_bytes()
            digest.update(path.name.encode() + b"\0" + data)
            newest = max(newest, path.stat().st_mtime)
            try:
                if base_iri == CANONICAL_BASE_IRI:
                    store.load(input=data, format=_OX_FORMATS[path.suffix], to_graph=name)
                else:
                    store.extend(list(_rebased_quads(path, name, base_iri)))
            except SyntaxError as exc:
                raise DataLoadError(
                    f"{path}:{exc.lineno}:{exc.offset}: {exc.msg}", path=str(path), line=exc.lineno
                ) from None
        version = DataVersion(
            digest=digest.hexdigest()[:20],
            modified=datetime.fromtimestamp(int(newest), tz=UTC),
            triples=len(store),
        )
        return cls(store, version)

    def _query(self, name: str, bindings: dict[str, Term]) -> object:
        return self._store.query(
            queries.load(name),
            substitutions={ox.Variable(k): to_oxigraph(v) for k, v in bindings.items()},
            use_default_graph_as_union=True,
        )

    def _graph(self, name: str, bindings: dict[str, Term], graph: Graph) -> None:
        result = self._query(name, bindings)
        if not isinstance(result, ox.QueryTriples):
            raise TypeError(f"query {name} is not a CONSTRUCT or DESCRIBE")
        for triple in result:
            graph.add(
                (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object))
            )

    def describe(self, iri: URIRef) -> Graph:
        """See :meth:`GraphStore.describe`."""
        graph = new_graph()
        self._graph("describe_entity", {"entity": iri}, graph)
        self._graph("describe_context", {"entity": iri}, graph)
        if (iri, None, None) in graph or (None, None, iri) in graph:
            return graph
        graph = new_graph()
        self._graph("describe_graph", {"graph": iri}, graph)
        if not graph:
            raise NotFound(f"Nothing is known about <{iri}>.")
        return graph

    def construct(self, name: str, /, **bindings: Term) -> Graph:
        """See :meth:`GraphStore.construct`."""
        graph = new_graph()
        self._graph(name, dict(bindings), graph)
        return graph

    def select(self, name: str, /, **bindings: Term) -> list[Row]:
        """See :meth:`GraphStore.select`."""
        result = self._query(name, bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise TypeError(f"query {name} is not a SELECT")
        names = [v.value for v in result.variables]
        rows: list[Row] = []
        for solution in result:
            row: Row = {}
            for key in names:
                value = solution[key]
                if value is not None:
                    row[key] = to_rdflib(value)
            rows.append(row)
        return rows

    def __len__(self) -> int:
        return len(self._store)
