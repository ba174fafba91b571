"""Turn graphs into what templates show: labels in the reader's language, dates as people say.

Pure functions over graphs (:class:`Lookup`: rdflib's, or one page's); no Flask, no store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final, Protocol

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from twinning_kg.vocabulary import GEO, TWIN, WD
from twinning_kg.web.i18n import MONTHS

LinkMaker = Callable[[str], str | None]


class Lookup(Protocol):
    """The reads the pages make of a graph: an rdflib ``Graph`` has them, and so has the lighter
    :class:`twinning_kg.web.pagegraph.PageGraph` an entity page is read from."""

    def objects(
        self, subject: Node | None = None, predicate: Node | None = None
    ) -> Iterator[Node]: ...

    def subjects(
        self,
        predicate: Node | None = None,
        object: Node | None = None,  # rdflib's name
    ) -> Iterator[Node]: ...

    def predicate_objects(self, subject: Node | None = None) -> Iterator[tuple[Node, Node]]: ...

    def subject_predicates(
        self,
        object: Node | None = None,  # rdflib's name
    ) -> Iterator[tuple[Node, Node]]: ...

    def value(self, subject: Node | None = None, predicate: Node | None = ...) -> Node | None: ...

    def __contains__(self, triple: tuple[Node | None, Node | None, Node | None]) -> bool: ...


LABEL_PROPERTIES: Final = (RDFS.label, SKOS.prefLabel, DCTERMS.title)
DATE_PROPERTIES: Final = (TWIN.date, TWIN.startDate, TWIN.signingDate, TWIN.foundingDate)
#: Properties shown first, in this order; the rest follow alphabetically by label.
LEADING: Final = (RDF.type, RDFS.label, TWIN.nativeName, SKOS.altLabel, DCTERMS.description)


@dataclass(frozen=True, slots=True)
class Value:
    """One value as shown: text, an optional link, and what kind of thing it is."""

    text: str
    href: str | None = None
    iri: str | None = None
    lang: str | None = None
    external: bool = False
    wikidata: bool = False


@dataclass(frozen=True, slots=True)
class Row:
    """A property and its values."""

    label: str
    iri: str
    href: str
    values: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class Point:
    """A map marker."""

    label: str
    lat: float
    lon: float
    href: str | None
    main: bool = False

    def as_json(self) -> dict[str, object]:
        """The marker as the map script reads it."""
        return {
            "label": self.label,
            "lat": self.lat,
            "lon": self.lon,
            "href": self.href,
            "main": self.main,
        }


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """A dated thing, sortable by its ISO date prefix."""

    sort_key: str
    when: str
    label: str
    href: str | None
    kind: str


@dataclass(slots=True)
class EntityView:
    """Everything entity.html shows."""

    iri: str
    title: str
    types: list[Value]
    description: str | None
    rows: list[Row]
    incoming: list[Row]
    points: list[Point] = field(default_factory=list)
    timeline: list[TimelineItem] = field(default_factory=list)
    sources: list[Value] = field(default_factory=list)
    members: list[Value] = field(default_factory=list)

    def map_data(self) -> dict[str, object]:
        """Markers, and lines from the main marker to the others, as the map script reads them."""
        main = next((p for p in self.points if p.main), None)
        lines = (
            [
                {"coordinates": ((main.lat, main.lon), (p.lat, p.lon)), "label": p.label}
                for p in self.points
                if not p.main
            ]
            if main
            else []
        )
        return {"points": [p.as_json() for p in self.points], "lines": lines}


def local_name(iri: str) -> str:
    """The last segment of an IRI, for when nothing has a label.

    >>> local_name("http://schema.org/Place")
    'Place'
    """
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1] or iri


def pick_literal(literals: Iterable[Node], lang: str) -> Literal | None:
    """The literal in ``lang``, else in the other site language, else untagged, else any."""
    found = [lit for lit in literals if isinstance(lit, Literal)]
    for wanted in (lang, "en" if lang != "en" else "pl", None):
        for lit in found:
            if lit.language == wanted:
                return lit
    return found[0] if found else None


def label_literal(graph: Lookup, node: Node, lang: str) -> Literal | None:
    """The best label literal of ``node`` for a reader of ``lang``, if it has any."""
    for prop in LABEL_PROPERTIES:
        lit = pick_literal(graph.objects(node, prop), lang)
        if lit is not None:
            return lit
    return None


def label(graph: Lookup, node: Node, lang: str) -> str:
    """The best label of ``node`` for a reader of ``lang``."""
    lit = label_literal(graph, node, lang)
    if lit is not None:
        return str(lit)
    return local_name(str(node)) if isinstance(node, URIRef) else str(node)


def format_date(value: Literal, lang: str) -> str:
    """Format an xsd:date, gYearMonth or gYear the way a reader of ``lang`` writes it.

    >>> format_date(Literal("1997-05", datatype=XSD.gYearMonth), "pl")
    'maj 1997'
    >>> format_date(Literal("1998-07-26", datatype=XSD.date), "en")
    '26 July 1998'
    >>> format_date(Literal("1998-07-26", datatype=XSD.date), "pl")
    '26 lipca 1998'
    """
    text = str(value)
    try:
        if value.datatype == XSD.date:
            year, month, day = text[:10].split("-")
            months = MONTHS["pl-genitive" if lang == "pl" else "en"]
            return f"{int(day)} {months[int(month) - 1]} {year}"
        if value.datatype == XSD.gYearMonth:
            year, month = text[:7].split("-")
            return f"{MONTHS['pl' if lang == 'pl' else 'en'][int(month) - 1]} {year}"
    except (ValueError, IndexError):
        return text
    return text


def is_date(value: Node) -> bool:
    """True for the date literals the model uses."""
    return isinstance(value, Literal) and value.datatype in (XSD.date, XSD.gYearMonth, XSD.gYear)


def when(graph: Lookup, node: Node, lang: str) -> tuple[str, str] | None:
    """``(sort key, text)`` for the date of ``node``: its dateText if any, else its first date."""
    text_lit = pick_literal(graph.objects(node, TWIN.dateText), lang)
    for prop in DATE_PROPERTIES:
        for value in graph.objects(node, prop):
            if isinstance(value, Literal) and is_date(value):
                end = next(
                    (v for v in graph.objects(node, TWIN.endDate) if is_date(v)),
                    None,
                )
                shown = format_date(value, lang)
                if prop == TWIN.startDate and isinstance(end, Literal) and str(end) != str(value):
                    shown = f"{shown} \u2013 {format_date(end, lang)}"
                return str(value), str(text_lit) if text_lit is not None else shown
    return None


def value_view(graph: Lookup, node: Node, lang: str, link: LinkMaker) -> Value:
    """Show one object: a label and a link for IRIs, a formatted date, or the literal text."""
    if isinstance(node, URIRef):
        iri = str(node)
        href = link(iri)
        is_wd = iri.startswith(str(WD))
        lit = label_literal(graph, node, lang)
        text = str(lit) if lit is not None else local_name(iri)
        if is_wd:
            text, lit = f"Wikidata {local_name(iri)}", None
        return Value(
            text=text,
            href=href or iri,
            iri=iri,
            lang=lit.language if lit is not None else None,
            external=href is None,
            wikidata=is_wd,
        )
    if isinstance(node, Literal):
        if is_date(node):
            return Value(text=format_date(node, lang))
        return Value(text=str(node), lang=node.language)
    return Value(text=str(node))


def _rows(
    graph: Lookup, pairs: Iterable[tuple[Node, Node]], lang: str, link: LinkMaker
) -> list[Row]:
    grouped: dict[Node, list[Node]] = {}
    for prop, obj in pairs:
        grouped.setdefault(prop, []).append(obj)
    rows = []
    for prop, objects in grouped.items():
        values = sorted(
            (value_view(graph, o, lang, link) for o in objects),
            key=lambda v: (v.lang not in (lang, None), v.text.casefold()),
        )
        iri = str(prop)
        rows.append(
            Row(
                label=label(graph, prop, lang), iri=iri, href=link(iri) or iri, values=tuple(values)
            )
        )
    order = {str(p): i for i, p in enumerate(LEADING)}
    rows.sort(key=lambda r: (order.get(r.iri, len(order)), r.label.casefold()))
    return rows


def _point(graph: Lookup, node: Node, lang: str, link: LinkMaker, *, main: bool) -> Point | None:
    lat = graph.value(node, GEO.lat)
    lon = graph.value(node, GEO.long)
    if not isinstance(lat, Literal) or not isinstance(lon, Literal):
        return None
    try:
        return Point(
            label=label(graph, node, lang),
            lat=float(lat),
            lon=float(lon),
            href=link(str(node)),
            main=main,
        )
    except ValueError:
        return None


def entity_view(graph: Lookup, iri: URIRef, lang: str, link: LinkMaker) -> EntityView:
    """Build the view of one entity from its description graph."""
    outgoing = [(p, o) for p, o in graph.predicate_objects(iri) if p not in (RDF.type,)]
    description = pick_literal(graph.objects(iri, DCTERMS.description), lang)
    incoming = [(p, s) for s, p in graph.subject_predicates(iri) if s != iri]
    view = EntityView(
        iri=str(iri),
        title=label(graph, iri, lang),
        types=[
            value_view(graph, t, lang, link) for t in sorted(graph.objects(iri, RDF.type), key=str)
        ],
        description=str(description) if description is not None else None,
        rows=_rows(
            graph,
            [(p, o) for p, o in outgoing if p not in (RDFS.label, DCTERMS.description)],
            lang,
            link,
        ),
        incoming=_rows(graph, incoming, lang, link),
        sources=[
            value_view(graph, s, lang, link)
            for s in sorted(set(graph.objects(iri, PROV.wasDerivedFrom)), key=str)
        ],
    )
    if (iri, None, None) not in graph:
        # A document (a named graph): list the labelled resources it holds.
        subjects = {s for s in graph.subjects(RDFS.label) if isinstance(s, URIRef)}
        view.members = sorted(
            (value_view(graph, s, lang, link) for s in subjects), key=lambda v: v.text.casefold()
        )
    main = _point(graph, iri, lang, link, main=True)
    if main is not None:
        view.points.append(main)
        for partner in sorted(set(graph.objects(iri, TWIN.twinnedWith)), key=str):
            point = _point(graph, partner, lang, link, main=False)
            if point is not None:
                view.points.append(point)
    else:
        for place in sorted({o for _p, o in outgoing if isinstance(o, URIRef)}, key=str):
            point = _point(graph, place, lang, link, main=False)
            if point is not None:
                view.points.append(point)
    dated = {s for _p, s in incoming} | {o for _p, o in outgoing if isinstance(o, URIRef)}
    for node in dated:
        found = when(graph, node, lang)
        if found is None and (node, RDF.type, TWIN.Event) in graph:
            found = ("~", "")  # an undated event: listed after the dated ones
        if found is not None:
            kinds = sorted(label(graph, t, lang) for t in graph.objects(node, RDF.type))
            view.timeline.append(
                TimelineItem(
                    sort_key=found[0],
                    when=found[1],
                    label=label(graph, node, lang),
                    href=link(str(node)),
                    kind=", ".join(kinds),
                )
            )
    view.timeline.sort(key=lambda item: (item.sort_key, item.label))
    return view


def same_as(graph: Lookup, iri: URIRef) -> list[str]:
    """The owl:sameAs links of ``iri`` (Wikidata items), as strings."""
    return sorted(str(o) for o in graph.objects(iri, OWL.sameAs))
