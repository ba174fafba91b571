"""The home page's view: the cities, partnerships, the map (markers and lines), the timeline.

The data folder may hold several cities (``data/{city}/``); the ``home_graph`` query marks each
folder's home city (``foaf:primaryTopic``), and the page shows every city's partnerships, a
partnership recorded by two cities once (it is one resource).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDF

from twinning_kg.vocabulary import GEO, TWIN
from twinning_kg.web.presentation import (
    LinkMaker,
    Point,
    TimelineItem,
    Value,
    format_date,
    is_date,
    label,
    value_view,
    when,
)


@dataclass(frozen=True, slots=True)
class PartnershipLine:
    """One partnership: who, since when, in what status; and the map line for it."""

    link: Value
    towns: tuple[Value, ...]
    signed: str | None
    sort_key: str
    status: Value | None
    coordinates: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class CityLine:
    """A city whose records the data folder holds, with how many partnerships it has."""

    link: Value
    partnerships: int


#: The most partnerships the home page lists (with its map and timeline); a graph with more
#: gets a page that says how many and where to find them (at world scale: 55,000, 2.4 MB).
HOME_LIST_MAX: Final = 1000


@dataclass(slots=True)
class HomeView:
    """Everything home.html shows; ``listed`` False when there are too many to show."""

    cities: list[CityLine] = field(default_factory=list)
    partnerships: list[PartnershipLine] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    timeline: list[TimelineItem] = field(default_factory=list)
    listed: bool = True
    total: int = 0

    def count_text(self, lang: str) -> str:
        """How many partnerships, as the language writes it: "55 000 partnerstw",
        "1 002 partnerstwa", "55,000 partnerships".

        >>> HomeView(total=1002).count_text("pl"), HomeView(total=1012).count_text("pl")
        ('1\xa0002 partnerstwa', '1\xa0012 partnerstw')
        """
        if lang != "pl":
            return f"{self.total:,} partnerships"
        few = self.total % 10 in (2, 3, 4) and self.total % 100 not in (12, 13, 14)
        number = f"{self.total:,}".replace(",", "\u00a0")
        return f"{number} {'partnerstwa' if few else 'partnerstw'}"

    def map_data(self) -> dict[str, object]:
        """Markers and partnership lines, as the map script reads them."""
        lines = [
            {"coordinates": p.coordinates, "label": p.link.text, "href": p.link.href}
            for p in self.partnerships
            if len(p.coordinates) == 2
        ]
        return {"points": [point.as_json() for point in self.points], "lines": lines}


def _coordinates(graph: Graph, town: URIRef) -> tuple[float, float] | None:
    lat, lon = graph.value(town, GEO.lat), graph.value(town, GEO.long)
    if isinstance(lat, Literal) and isinstance(lon, Literal):
        try:
            return float(lat), float(lon)
        except ValueError:
            return None
    return None


def home_view(graph: Graph, lang: str, link: LinkMaker) -> HomeView:
    """Build the home page from the ``home_graph`` query's result."""
    view = HomeView()
    partner_count: dict[URIRef, int] = {}
    for partnership in graph.subjects(RDF.type, TWIN.Partnership):
        towns = sorted(
            (t for t in graph.objects(partnership, TWIN.partner) if isinstance(t, URIRef)), key=str
        )
        for town in towns:
            partner_count[town] = partner_count.get(town, 0) + 1
        signed_lit = next(
            (
                d
                for a in graph.objects(partnership, TWIN.agreement)
                for d in graph.objects(a, TWIN.signingDate)
            ),
            graph.value(partnership, TWIN.startDate),
        )
        status = graph.value(partnership, TWIN.status)
        coordinates = tuple(c for c in (_coordinates(graph, t) for t in towns) if c is not None)
        view.partnerships.append(
            PartnershipLine(
                link=value_view(graph, partnership, lang, link),
                towns=tuple(value_view(graph, t, lang, link) for t in towns),
                signed=format_date(signed_lit, lang) if isinstance(signed_lit, Literal) else None,
                sort_key=str(signed_lit) if signed_lit is not None else "9999",
                status=value_view(graph, status, lang, link) if status is not None else None,
                coordinates=coordinates,
            )
        )
        agreement = graph.value(partnership, TWIN.agreement)
        if isinstance(signed_lit, Literal) and is_date(signed_lit) and agreement is not None:
            view.timeline.append(
                TimelineItem(
                    sort_key=str(signed_lit),
                    when=format_date(signed_lit, lang),
                    label=label(graph, agreement, lang),
                    href=link(str(agreement)),
                    kind="agreement",
                )
            )
    view.partnerships.sort(key=lambda p: (p.sort_key, p.link.text))
    homes: set[URIRef] = {
        town
        for town in graph.objects(None, FOAF.primaryTopic)
        if isinstance(town, URIRef) and town in partner_count
    }
    if not homes:  # no city folders: the town in the most partnerships stands for the data
        hub = max(partner_count.values(), default=0)
        homes = {town for town, count in partner_count.items() if count == hub and hub > 1}
    for town in homes:
        view.cities.append(
            CityLine(link=value_view(graph, town, lang, link), partnerships=partner_count[town])
        )
    view.cities.sort(key=lambda city: city.link.text)
    for town in sorted(partner_count, key=str):
        found = _coordinates(graph, town)
        if found is not None:
            view.points.append(
                Point(
                    label=label(graph, town, lang),
                    lat=found[0],
                    lon=found[1],
                    href=link(str(town)),
                    main=town in homes,
                )
            )
    for event in set(graph.subjects(RDF.type, TWIN.Event)):
        dated = when(graph, event, lang)
        if dated is not None:
            view.timeline.append(
                TimelineItem(
                    sort_key=dated[0],
                    when=dated[1],
                    label=label(graph, event, lang),
                    href=link(str(event)),
                    kind="event",
                )
            )
    view.timeline.sort(key=lambda item: (item.sort_key, item.label))
    view.total = len(view.partnerships)
    return view


def unlisted_view(total: int) -> HomeView:
    """The home page of a graph with more than :data:`HOME_LIST_MAX` partnerships."""
    return HomeView(listed=False, total=total)
