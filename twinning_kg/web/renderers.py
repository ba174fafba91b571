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
from rdflib import Graph, Literal, URIRef

from twinning_kg.formats import Format
from twinning_kg.store.oxigraph import to_oxigraph
from twinning_kg.vocabulary import PREFIXES
from twinning_kg.web.presentation import LinkMaker, entity_view
from twinning_kg.web.resolver import EntityRef
from twinning_kg.web.schema_org import schema_org_jsonld


@dataclass(frozen=True, slots=True)
class Page:
    """What a renderer may know about the request besides the graph: language and link maker."""

    lang: str
    link: LinkMaker
    alternates: tuple[tuple[Format, str], ...] = ()


Renderer = Callable[[Graph, EntityRef, Page], str | bytes]


@cache
def jsonld_context() -> dict[str, Any]:
    """The published JSON-LD ``@context`` (``/context.jsonld``), read once from the package."""
    text = resources.files("twinning_kg.web").joinpath("static/context.jsonld").read_text("utf-8")
    context: dict[str, Any] = json.loads(text)["@context"]
    return context


#: The project's prefixes by namespace, for picking the ones a graph uses.
_PREFIX_OF: Final = {str(namespace): prefix for prefix, namespace in PREFIXES.items()}


def _fast_turtle(graph: Graph) -> str | None:
    """Turtle written by pyoxigraph, sorted (the same graph gives the same bytes); None if the graph
    has a blank node or a term pyoxigraph refuses.

    About 4x less CPU than rdflib's serializer, which was the largest cost of an entity page
    (bench/README.md, "Profiling"); graphs with blank nodes (shapes, ontology) keep rdflib's
    nested ``[ … ]`` and ``( … )``.
    """
    used: dict[str, str] = {}
    triples: list[ox.Triple] = []
    try:
        for s, p, o in graph:
            if not (isinstance(s, URIRef) and isinstance(p, URIRef)):
                return None
            if not isinstance(o, URIRef | Literal):
                return None  # a blank node
            for iri in (s, p, o.datatype if isinstance(o, Literal) else o):
                if isinstance(iri, URIRef):
                    namespace = iri[: max(iri.rfind("/"), iri.rfind("#")) + 1]
                    prefix = _PREFIX_OF.get(namespace)
                    if prefix is not None:
                        used[prefix] = namespace
            triples.append(ox.Triple(ox.NamedNode(s), ox.NamedNode(p), to_oxigraph(o)))
    except ValueError:
        return None
    triples.sort(key=str)
    body = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=dict(sorted(used.items())))
    return body.decode("utf-8") if body is not None else None


def render_turtle(graph: Graph, ref: EntityRef, page: Page) -> str:
    """Turtle with the project's prefixes."""
    fast = _fast_turtle(graph)
    return fast if fast is not None else graph.serialize(format="turtle")


def render_ntriples(graph: Graph, ref: EntityRef, page: Page) -> str:
    """N-Triples, one triple per line, sorted so the same graph gives the same bytes."""
    lines = graph.serialize(format="nt").splitlines()
    return "\n".join(sorted(line for line in lines if line.strip())) + "\n"


def render_rdfxml(graph: Graph, ref: EntityRef, page: Page) -> str:
    """RDF/XML, one ``rdf:Description`` per subject.

    Not rdflib's "pretty-xml": it warns on every RDF list (``sh:in``, ``owl:unionOf``) and drops
    any other triple about a list node.
    """
    return graph.serialize(format=Format.RDFXML.rdflib_name)


def render_jsonld(graph: Graph, ref: EntityRef, page: Page) -> str:
    """Compact JSON-LD with the published context, so it reads as plain JSON."""
    return graph.serialize(format="json-ld", context=jsonld_context(), auto_compact=True, indent=2)


def render_html(graph: Graph, ref: EntityRef, page: Page) -> str:
    """The human page: labels in the reader's language, links, map, timeline, schema.org JSON-LD."""
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
