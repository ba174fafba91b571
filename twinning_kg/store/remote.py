"""Any SPARQL 1.1 server as the store (``--store sparql:QUERY_URL``), through SPARQLWrapper.

Pages, the catalogue and the public endpoint all work over it: packaged queries are sent with
their values bound in a VALUES block; public queries pass the same guard as locally and are
forwarded with a client timeout, then re-serialised under the row cap. The server must treat
its default graph as the union of the named graphs (Oxigraph: ``--union-default-graph``;
Fuseki: ``tdb2:unionDefaultGraph``), as twinning-kg's own store does.
"""

from __future__ import annotations

import hashlib
import json
import socket
import time
import urllib.error
from datetime import UTC, datetime
from http.client import HTTPException
from typing import Any, Final

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from twinning_kg import __version__, queries
from twinning_kg.errors import InvalidQuery, NotFound, QueryTimeout, StoreUnavailable
from twinning_kg.search import LabelIndex, index_of
from twinning_kg.sparql.binding import bind_values, inline_iris
from twinning_kg.sparql.jobs import QueryJob, QueryOutcome
from twinning_kg.sparql.results import write_boolean, write_solutions, write_triples
from twinning_kg.store import DataVersion, Row
from twinning_kg.store.oxigraph import from_graph
from twinning_kg.vocabulary import Term, new_graph

USER_AGENT: Final = f"twinning-kg/{__version__} (linked-data publisher; store client)"
VERSION_TTL_S: Final = 60.0
XSD_STRING: Final = "http://www.w3.org/2001/XMLSchema#string"
MALFORMED: Final = "The data store answered something that is not SPARQL results."


def _rdflib_term(binding: dict[str, Any]) -> Term:
    try:
        kind, value = binding.get("type"), str(binding.get("value", ""))
        if kind == "uri":
            return URIRef(value)
        if kind == "bnode":
            return BNode(value)
        if "xml:lang" in binding:
            return Literal(value, lang=str(binding["xml:lang"]))
        datatype = binding.get("datatype")
        return Literal(value, datatype=URIRef(str(datatype)) if datatype else None)
    except (AttributeError, ValueError):  # not a dict, a bad language tag
        raise StoreUnavailable(MALFORMED) from None


def _ox_term(binding: dict[str, Any]) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    try:
        kind, value = binding.get("type"), str(binding.get("value", ""))
        if kind == "uri":
            return ox.NamedNode(value)
        if kind == "bnode":
            return ox.BlankNode(value)
        if "xml:lang" in binding:
            return ox.Literal(value, language=str(binding["xml:lang"]))
        datatype = binding.get("datatype")
        return ox.Literal(value, datatype=ox.NamedNode(str(datatype)) if datatype else None)
    except (AttributeError, ValueError):  # not a dict, a bad IRI or language tag
        raise StoreUnavailable(MALFORMED) from None


def _bound_graph_query(name: str, bindings: dict[str, Term]) -> str:
    """A packaged CONSTRUCT or DESCRIBE with its IRIs written in place, the rest in ``VALUES``."""
    text, rest = inline_iris(queries.load(name), bindings)
    return bind_values(text, rest)


def _solutions(data: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """The variables and rows of SPARQL JSON results.

    :raises StoreUnavailable: if ``data`` does not have their shape.
    """
    head, results = data.get("head", {}), data.get("results", {})
    names = head.get("vars", []) if isinstance(head, dict) else None
    rows = results.get("bindings", []) if isinstance(results, dict) else None
    if not isinstance(names, list) or not isinstance(rows, list):
        raise StoreUnavailable(MALFORMED)
    if not all(isinstance(row, dict) for row in rows):
        raise StoreUnavailable(MALFORMED)
    return [str(name) for name in names], rows


class SparqlEndpointStore:
    """A remote, read-only SPARQL 1.1 query endpoint as the store."""

    #: The remote data may change under us; the version is an estimate refreshed every minute.
    exact_version = False

    def __init__(self, query_url: str, *, timeout_s: float = 30.0) -> None:
        self.query_url = query_url
        self.backend = f"sparql:{query_url}"
        self._timeout_s = timeout_s
        self._version: tuple[float, DataVersion] | None = None

    @classmethod
    def from_spec(cls, spec: str, *, timeout_s: float) -> SparqlEndpointStore:
        """Parse ``QUERY_URL[,update=URL,gsp=URL]`` (update and GSP URLs are for ``push``)."""
        query_url = spec.split(",", 1)[0].strip()
        if not query_url.startswith(("http://", "https://")):
            raise StoreUnavailable(f"not a SPARQL endpoint URL: {query_url!r}")
        return cls(query_url, timeout_s=timeout_s)

    def _client(self, query: str, return_format: str, timeout_s: float) -> SPARQLWrapper:
        client = SPARQLWrapper(self.query_url, agent=USER_AGENT)
        client.setTimeout(max(1, round(timeout_s)))
        client.setMethod("POST")
        client.setQuery(query)
        client.setReturnFormat(return_format)
        return client

    def _fetch(self, query: str, return_format: str, *, timeout_s: float | None = None) -> bytes:
        """POST ``query``; return the raw body. Every failure becomes StoreUnavailable."""
        timeout = timeout_s or self._timeout_s
        client = self._client(query, return_format, timeout)
        try:
            response = client.query().response
            body: bytes = response.read()
            return body
        except SPARQLWrapperException as exc:
            message = str(exc).split("\n", 1)[0]
            if "QueryBadFormed" in type(exc).__name__:
                raise InvalidQuery(f"The store refused the query: {message}") from None
            raise StoreUnavailable(f"The data store failed: {message}") from None
        except TimeoutError:
            raise QueryTimeout("The data store did not answer within the time limit.") from None
        except urllib.error.HTTPError as exc:
            raise StoreUnavailable(f"The data store answered HTTP {exc.code}.") from None
        except (OSError, urllib.error.URLError, HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError | socket.timeout):
                raise QueryTimeout("The data store did not answer within the time limit.") from None
            raise StoreUnavailable(f"The data store is not reachable ({reason}).") from None

    def _json(self, query: str, *, timeout_s: float | None = None) -> dict[str, Any]:
        try:
            data = json.loads(self._fetch(query, JSON, timeout_s=timeout_s))
        except ValueError:
            raise StoreUnavailable("The data store answered something that is not JSON.") from None
        if not isinstance(data, dict):
            raise StoreUnavailable(MALFORMED)
        return data

    def _graph_into(self, query: str, graph: Graph) -> None:
        body = self._fetch(query, TURTLE)
        try:
            for triple in ox.parse(body, format=ox.RdfFormat.TURTLE):
                graph.add(
                    (
                        _rdflib_term(_binding(triple.subject)),
                        _rdflib_term(_binding(triple.predicate)),
                        _rdflib_term(_binding(triple.object)),
                    )
                )
        except SyntaxError:
            raise StoreUnavailable(
                "The data store answered something that is not Turtle."
            ) from None

    @property
    def version(self) -> DataVersion:
        """A digest of the store's size per graph, refreshed every minute (for ETags)."""
        now = time.monotonic()
        if self._version is None or now - self._version[0] > VERSION_TTL_S:
            sizes = self.graph_sizes()
            summary = json.dumps(sizes)
            triples = sum(count for _graph, count in sizes)
            digest = hashlib.sha256(f"{self.query_url}\0{summary}".encode()).hexdigest()[:20]
            previous = self._version[1] if self._version else None
            modified = (
                previous.modified
                if previous is not None and previous.digest == digest
                else datetime.now(tz=UTC).replace(microsecond=0)
            )
            self._version = (now, DataVersion(digest=digest, modified=modified, triples=triples))
        return self._version[1]

    def describe(self, iri: URIRef) -> Graph:
        """See :meth:`GraphStore.describe`."""
        graph = new_graph()
        self._graph_into(_bound_graph_query("describe_entity", {"entity": iri}), graph)
        self._graph_into(_bound_graph_query("describe_context", {"entity": iri}), graph)
        if (iri, None, None) in graph or (None, None, iri) in graph:
            return graph
        graph = new_graph()
        self._graph_into(_bound_graph_query("describe_graph", {"graph": iri}), graph)
        if not graph:
            raise NotFound(f"Nothing is known about <{iri}>.")
        return graph

    def describe_triples(self, iri: URIRef) -> list[ox.Triple]:
        """See :meth:`GraphStore.describe_triples`."""
        return from_graph(self.describe(iri))

    def construct(self, name: str, /, **bindings: Term) -> Graph:
        """See :meth:`GraphStore.construct`."""
        graph = new_graph()
        self._graph_into(_bound_graph_query(name, dict(bindings)), graph)
        return graph

    def construct_triples(self, name: str, /, **bindings: Term) -> list[ox.Triple]:
        """See :meth:`GraphStore.construct_triples`."""
        return from_graph(self.construct(name, **bindings))

    def select(self, name: str, /, **bindings: Term) -> list[Row]:
        """See :meth:`GraphStore.select`."""
        data = self._json(bind_values(queries.load(name), dict(bindings)))
        _names, rows = _solutions(data)
        return [{key: _rdflib_term(value) for key, value in row.items()} for row in rows]

    def graph_sizes(self) -> list[tuple[str, int]]:
        """See :meth:`GraphStore.graph_sizes`: asked of the server each time."""
        try:
            return [(str(r["graph"]), int(str(r["triples"]))) for r in self.select("list_graphs")]
        except (KeyError, ValueError):
            raise StoreUnavailable(MALFORMED) from None

    def label_index(self) -> LabelIndex:
        """See :meth:`GraphStore.label_index`: built from the labels the server holds."""
        return index_of(self)

    def summary_counts(self) -> None:
        """See :meth:`GraphStore.summary_counts`: none kept, the endpoint is asked every time."""
        return None

    def query_executor(self, *, workers: int, memory_limit_mb: int) -> RemoteExecutor:
        """See :meth:`GraphStore.query_executor`: forward to the endpoint, with a timeout."""
        return RemoteExecutor(self)

    def __len__(self) -> int:
        return self.version.triples


def _binding(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        if term.language:
            return {"type": "literal", "value": term.value, "xml:lang": term.language}
        if term.datatype.value != XSD_STRING:
            return {"type": "literal", "value": term.value, "datatype": term.datatype.value}
        return {"type": "literal", "value": term.value}
    raise StoreUnavailable("The data store answered RDF-star triples, which pages do not show.")


class RemoteExecutor:
    """Runs public queries on the remote endpoint, with the client timeout as the time limit."""

    def __init__(self, store: SparqlEndpointStore) -> None:
        self._store = store

    def run(self, job: QueryJob, *, timeout_s: float) -> QueryOutcome:
        """See :class:`QueryExecutor`."""
        if job.default_graphs or job.named_graphs:
            raise InvalidQuery(
                "default-graph-uri and named-graph-uri are not passed to this store."
            )
        outcome = QueryOutcome(media_type=job.media_type)

        def write(data: bytes) -> None:
            outcome.body.write(data)
            outcome.size += len(data)

        started = time.monotonic()
        if job.graph_format is None:
            assert job.results_format is not None  # noqa: S101  # set by the endpoint
            data = self._store._json(job.text, timeout_s=timeout_s)
            if "boolean" in data:
                if not isinstance(data["boolean"], bool):
                    raise StoreUnavailable(MALFORMED)
                written = write_boolean(data["boolean"], job.results_format, write)
            else:
                names, bindings = _solutions(data)
                rows = (
                    {n: (_ox_term(row[n]) if n in row else None) for n in names} for row in bindings
                )
                written = write_solutions(names, rows, job.results_format, write, cap=job.row_cap)
        else:
            body = self._store._fetch(job.text, TURTLE, timeout_s=timeout_s)
            try:
                triples = ox.parse(body, format=ox.RdfFormat.TURTLE)
                written = write_triples(
                    triples, job.graph_format, write, cap=job.row_cap, prefixes=dict(job.prefixes)
                )
            except SyntaxError:
                raise StoreUnavailable(
                    "The data store answered something that is not Turtle."
                ) from None
        if time.monotonic() - started > timeout_s:
            raise QueryTimeout("The query ran past the time limit and was stopped.")
        outcome.rows, outcome.truncated = written.rows, written.truncated
        return outcome

    def close(self) -> None:
        """Nothing to stop: requests end with their timeout."""
