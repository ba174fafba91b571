"""Renderers: ``(graph, ref, page) -> body``, one per Format, registered in RENDERERS."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

import pyoxigraph as ox
from flask import render_template
from rdflib import Graph

from twinning_kg.formats import Format
from twinning_kg.store.oxigraph import from_graph, rdflib_triples, to_graph
from twinning_kg.vocabulary import PREFIXES
from twinning_kg.web.pagegraph import PageGraph
from twinning_kg.web.presentation import LinkMaker, Lookup, entity_view
from twinning_kg.web.resolver import EntityRef
from twinning_kg.web.schema_org import schema_org_jsonld


@dataclass(frozen=True, slots=True)
class Page:
    """What a renderer may know about the request besides the graph: language and link maker."""

    lang: str
    link: LinkMaker
    alternates: tuple[tuple[Format, str], ...] = ()


class Description:
    """What a page shows: pyoxigraph triples, as the store gave them, and an rdflib graph of them
    built only when a renderer asks (HTML, JSON-LD, RDF/XML, and Turtle with blank nodes).

    Building the rdflib graph was most of an entity page's cost (bench/README.md, "Profiling").
    """

    __slots__ = ("_graph", "_lookup", "_triples")

    def __init__(self, triples: list[ox.Triple] | None = None, graph: Graph | None = None) -> None:
        if (triples is None) == (graph is None):
            raise ValueError("give exactly one of triples= or graph=")
        self._triples = triples
        self._graph = graph
        self._lookup: Lookup | None = graph

    @property
    def triples(self) -> list[ox.Triple]:
        """The triples, in the store's order."""
        if self._triples is None:
            assert self._graph is not None  # noqa: S101  # one of the two is always set
            self._triples = from_graph(self._graph)
        return self._triples

    @property
    def graph(self) -> Graph:
        """The triples as an rdflib graph with the project's prefixes (built once)."""
        if self._graph is None:
            self._graph = to_graph(self.triples)
        return self._graph

    @property
    def lookup_graph(self) -> Lookup:
        """The triples to look things up in, not to serialise (built once): indexed as rdflib
        would, without an rdflib graph's cost (:class:`PageGraph`)."""
        if self._lookup is None:
            self._lookup = PageGraph(rdflib_triples(self.triples))
        return self._lookup


Renderer = Callable[[Description, EntityRef, Page], str | bytes]


@cache
def jsonld_context() -> dict[str, Any]:
    """The published JSON-LD ``@context`` (``/context.jsonld``), read once from the package."""
    text = resources.files("twinning_kg.web").joinpath("static/context.jsonld").read_text("utf-8")
    context: dict[str, Any] = json.loads(text)["@context"]
    return context


#: The project's prefixes by namespace, for picking the ones a graph uses.
_PREFIX_OF: Final = {str(namespace): prefix for prefix, namespace in PREFIXES.items()}


def _namespace(iri: str) -> str:
    return iri[: max(iri.rfind("/"), iri.rfind("#")) + 1]


def _fast_turtle(triples: list[ox.Triple]) -> bytes | None:
    """Turtle written by pyoxigraph, sorted (the same graph gives the same bytes); None if a
    triple has a blank node.

    About 4x less CPU than rdflib's serializer; graphs with blank nodes (shapes, ontology) keep
    rdflib's nested ``[ … ]`` and ``( … )``.
    """
    iris: set[str] = set()  # each IRI once: its namespace is then cut once, not per use
    for triple in triples:
        subject, obj = triple.subject, triple.object
        if not isinstance(subject, ox.NamedNode):
            return None
        iris.add(subject.value)
        iris.add(triple.predicate.value)
        if isinstance(obj, ox.NamedNode):
            iris.add(obj.value)
        elif isinstance(obj, ox.Literal):
            iris.add(obj.datatype.value)
        else:
            return None  # a blank node
    used: dict[str, str] = {}
    for namespace in {_namespace(iri) for iri in iris}:
        prefix = _PREFIX_OF.get(namespace)
        if prefix is not None:
            used[prefix] = namespace
    ordered = sorted(triples, key=str)
    return ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=dict(sorted(used.items())))


def render_turtle(description: Description, ref: EntityRef, page: Page) -> str | bytes:
    """Turtle with the project's prefixes."""
    fast = _fast_turtle(description.triples)
    return fast if fast is not None else description.graph.serialize(format="turtle")


def render_ntriples(description: Description, ref: EntityRef, page: Page) -> str:
    """N-Triples, one triple per line, sorted so the same graph gives the same bytes."""
    lines = description.graph.serialize(format="nt").splitlines()
    return "\n".join(sorted(line for line in lines if line.strip())) + "\n"


def render_rdfxml(description: Description, ref: EntityRef, page: Page) -> str:
    """RDF/XML, one ``rdf:Description`` per subject.

    Not rdflib's "pretty-xml": it warns on every RDF list (``sh:in``, ``owl:unionOf``) and drops
    any other triple about a list node.
    """
    return description.graph.serialize(format=Format.RDFXML.rdflib_name)


def render_jsonld(description: Description, ref: EntityRef, page: Page) -> str:
    """Compact JSON-LD with the published context, so it reads as plain JSON."""
    return description.graph.serialize(
        format="json-ld", context=jsonld_context(), auto_compact=True, indent=2
    )


def render_html(description: Description, ref: EntityRef, page: Page) -> str:
    """The human page: labels in the reader's language, links, map, timeline, schema.org JSON-LD."""
    graph = description.lookup_graph
    view = entity_view(graph, ref.iri, page.lang, page.link)
    return render_template(
        "entity.html",
        view=view,
        ref=ref,
        lang=page.lang,
        alternates=page.alternates,
        schema_org=schema_org_jsonld(graph, ref.iri, page.lang),
    )


RENDERERS: Final[dict[Format, Renderer]] = {
    Format.HTML: render_html,
    Format.TURTLE: render_turtle,
    Format.JSONLD: render_jsonld,
    Format.NTRIPLES: render_ntriples,
    Format.RDFXML: render_rdfxml,
}
