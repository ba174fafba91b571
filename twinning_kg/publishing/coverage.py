"""What the data says about itself, for the catalogue: dates, the cities it covers, keywords.

Measured by packaged queries over the graphs whose IRI starts with a prefix (``""`` for the
whole graph, ``{base}graph/data/{city}/`` for one city's records).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS, XSD

from twinning_kg.errors import TwinningError
from twinning_kg.settings import Settings
from twinning_kg.store import GraphStore

COUNTRY: Final = URIRef("http://publications.europa.eu/resource/authority/country")
#: How many partner municipalities lend their names to a dataset's keywords (most twinned first).
KEYWORD_TOWNS: Final = 50
WKT: Final = URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")
_ISO_DATE: Final = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_DATE_TYPES: Final = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}


@dataclass(frozen=True, slots=True)
class Place:
    """A city as spatial coverage: by its Wikidata item (else its own IRI), with its country."""

    iri: URIRef
    labels: tuple[Literal, ...]
    centroid: Literal | None
    country: URIRef | None


@dataclass(frozen=True, slots=True)
class Coverage:
    """What the data says about itself: dates, places, names."""

    issued: Literal | None
    modified: Literal | None
    earliest: Literal | None
    latest: Literal | None
    cities: tuple[Place, ...]
    keywords: tuple[Literal, ...]

    @property
    def places(self) -> tuple[URIRef, ...]:
        """The spatial coverage: each city (its Wikidata item) and each city's EU country."""
        found: dict[URIRef, None] = {}
        for city in self.cities:
            found[city.iri] = None
        for city in self.cities:
            if city.country is not None:
                found[city.country] = None
        return tuple(found)


def iso_date(text: str, *, what: str) -> Literal:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as an ``xsd:gYear``/``gYearMonth``/``date``.

    >>> iso_date("2022", what="x").datatype == XSD.gYear
    True

    :raises TwinningError: for anything else.
    """
    text = text.strip()
    if not _ISO_DATE.match(text):
        raise TwinningError(f"{what}: {text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    return Literal(text, datatype=_DATE_TYPES[len(text)])


@cache
def eu_vocabularies() -> Graph:
    """The controlled-vocabulary values the catalogue may use, typed and labelled."""
    text = resources.files(__package__).joinpath("eu-vocabularies.ttl").read_text(encoding="utf-8")
    return Graph().parse(data=text, format="turtle")


def measure_coverage(
    store: GraphStore,
    settings: Settings,
    *,
    towns: Sequence[URIRef],
    graphs: str = "",
    fallback: Coverage | None = None,
) -> Coverage:
    """Dates, spatial coverage and keywords of the graphs whose IRI starts with ``graphs``.

    ``towns`` are the cities covered; settings override the declared dates, and ``fallback``
    (the whole dataset's coverage) gives the dates a city's own files do not declare.
    """
    prefix = Literal(graphs)
    declared = {
        str(row.get("kind")): row for row in store.select("find_declared_dates", graphs=prefix)
    }
    issued = declared.get("issued", {}).get("earliest")
    modified = declared.get("modified", {}).get("latest")
    if fallback is not None:
        issued = issued or fallback.issued
        modified = modified or fallback.modified
    if settings.catalogue_issued:
        issued = iso_date(settings.catalogue_issued, what="TWINNING_CATALOGUE_ISSUED")
    if settings.catalogue_modified:
        modified = iso_date(settings.catalogue_modified, what="TWINNING_CATALOGUE_MODIFIED")
    dates = store.select("find_date_range", graphs=prefix)
    span = dates[0] if dates else {}
    earliest, latest = span.get("earliest"), span.get("latest")
    return Coverage(
        issued=issued if isinstance(issued, Literal) else None,
        modified=modified if isinstance(modified, Literal) else None,
        earliest=iso_date(str(earliest), what="earliest date") if earliest else None,
        latest=iso_date(str(latest), what="latest date") if latest else None,
        cities=tuple(place for town in towns if (place := describe_place(store, town)) is not None),
        keywords=_partner_keywords(store, prefix),
    )


def _partner_keywords(store: GraphStore, graphs: Literal) -> tuple[Literal, ...]:
    """The names of the :data:`KEYWORD_TOWNS` most twinned partner municipalities (ties: IRI),
    by language and name."""
    names: dict[str, list[Literal]] = {}
    counts: dict[str, int] = {}
    for row in store.select("list_partner_names", graphs=graphs):
        place, name, count = row.get("place"), row.get("name"), row.get("partnerships")
        if isinstance(name, Literal) and place is not None and isinstance(count, Literal):
            names.setdefault(str(place), []).append(name)
            counts[str(place)] = max(counts.get(str(place), 0), int(count))
    chosen = sorted(counts, key=lambda place: (-counts[place], place))[:KEYWORD_TOWNS]
    keywords = {name for place in chosen for name in names[place]}
    return tuple(sorted(keywords, key=lambda name: (name.language or "", str(name))))


def describe_place(store: GraphStore, town: URIRef) -> Place | None:
    """A municipality as spatial coverage (None when ``town`` is not a municipality)."""
    rows = store.select("find_place", place=town)
    if not rows:
        return None
    row = rows[0]
    wikidata = row.get("wikidata")
    vocabulary = eu_vocabularies()
    countries = [
        country
        for country in vocabulary.subjects(SKOS.notation, Literal(str(row.get("code", ""))))
        if isinstance(country, URIRef) and (country, SKOS.inScheme, COUNTRY) in vocabulary
    ]
    return Place(
        iri=wikidata if isinstance(wikidata, URIRef) else town,
        labels=tuple(
            label for key in ("label_pl", "label_en") if isinstance(label := row.get(key), Literal)
        ),
        centroid=_wkt_point(row.get("lat"), row.get("long")),
        country=countries[0] if countries else None,
    )


def _wkt_point(lat: object, long: object) -> Literal | None:
    """A WGS84 point as a GeoSPARQL WKT literal (longitude first), if both are numbers.

    >>> str(_wkt_point(Literal("52.165"), Literal("22.27139")))
    'POINT(22.27139 52.165)'
    """
    try:
        latitude, longitude = float(str(lat)), float(str(long))
    except ValueError:
        return None
    return Literal(f"POINT({longitude} {latitude})", datatype=WKT)
