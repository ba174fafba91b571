"""What our data says that Wikidata linking needs: places, their links, our partnerships.

Read with the packaged queries ``list_linkable_places``, ``list_partnerships`` and
``list_partnership_sources`` over the data folder, always with the canonical base IRI: the files
that linking writes use the same IRIs as the files they sit next to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.query import ResultRow

from twinning_kg import queries
from twinning_kg.loading import iter_graphs
from twinning_kg.vocabulary import TWIN, WD, Term

KINDS: Final = {TWIN.Municipality: "municipality", TWIN.Region: "region", TWIN.Country: "country"}
#: The languages we publish labels in.
PUBLISHED_LANGUAGES: Final = ("pl", "en")


@dataclass(frozen=True, slots=True)
class Place:
    """A municipality, region or country of ours, as linking sees it."""

    iri: URIRef
    kind: str
    label: str
    names: tuple[Literal, ...]
    item: URIRef | None = None
    country_item: URIRef | None = None
    iso: str | None = None
    coordinates: tuple[float, float] | None = None
    native_languages: tuple[str, ...] = ()
    file: Path | None = None


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A source of a partnership (role ``partnership``) or of its status (role ``status``)."""

    iri: URIRef
    role: str
    page: str | None = None


@dataclass(frozen=True, slots=True)
class Partnership:
    """One of our partnerships: its two towns, their items, status and dates, its sources."""

    iri: URIRef
    towns: tuple[URIRef, ...]
    items: tuple[URIRef | None, ...]
    status: str | None = None
    start: Literal | None = None
    end: Literal | None = None
    sources: tuple[SourceRef, ...] = ()


@dataclass(slots=True)
class OurData:
    """The data folder as one graph, and which file defines each typed resource."""

    folder: Path
    graph: Graph
    defined_in: dict[URIRef, Path] = field(default_factory=dict)

    def add(self, path: Path, graph: Graph) -> None:
        """Add the triples of ``path``'s ``graph``; its typed resources are defined there
        unless an earlier file defined them."""
        for triple in graph:
            self.graph.add(triple)
        for subject in graph.subjects(RDF.type, None):
            if isinstance(subject, URIRef):
                self.defined_in.setdefault(subject, path)

    def label(self, node: URIRef, lang: str = "en") -> str:
        """The label of ``node`` in ``lang`` (else any label, else its last path segment)."""
        labels = [o for o in self.graph.objects(node, RDFS.label) if isinstance(o, Literal)]
        for wanted in (lang, "en", "pl", None):
            for found in labels:
                if found.language == wanted:
                    return str(found)
        if labels:
            return str(labels[0])
        return str(node).rstrip("/").rsplit("/", 1)[-1]


def read_data(folder: Path) -> OurData:
    """Load every RDF file under ``folder`` (with canonical IRIs) into one graph.

    :raises DataLoadError: if the folder is missing or a file does not parse.
    """
    data = OurData(folder=folder, graph=Graph())
    for _iri, path, graph in iter_graphs([folder], root=folder.parent):
        data.add(path, graph)
    return data


def _rows(graph: Graph, name: str) -> list[ResultRow]:
    return [row for row in graph.query(queries.load(name)) if isinstance(row, ResultRow)]


def _get(row: ResultRow, name: str) -> Term | None:
    value = row.get(name)
    return value if isinstance(value, URIRef | Literal) else None


def _float(value: Term | None) -> float | None:
    if not isinstance(value, Literal):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


@dataclass(slots=True)
class _Rows:
    """What the rows of one place or partnership say: the first value of each variable."""

    kind: str = ""
    names: set[Literal] = field(default_factory=set)
    values: dict[str, Term] = field(default_factory=dict)
    towns: dict[URIRef, URIRef | None] = field(default_factory=dict)

    def keep(self, row: ResultRow, *keys: str) -> None:
        for key in keys:
            value = _get(row, key)
            if value is not None:
                self.values.setdefault(key, value)

    def iri(self, key: str) -> URIRef | None:
        value = self.values.get(key)
        return value if isinstance(value, URIRef) else None

    def literal(self, key: str) -> Literal | None:
        value = self.values.get(key)
        return value if isinstance(value, Literal) else None


def list_places(data: OurData) -> list[Place]:
    """Every municipality, region and country, sorted by IRI."""
    found: dict[URIRef, _Rows] = {}
    for row in _rows(data.graph, "list_linkable_places"):
        place, kind = row.get("place"), row.get("kind")
        if not isinstance(place, URIRef) or not isinstance(kind, URIRef) or kind not in KINDS:
            continue
        entry = found.setdefault(place, _Rows(kind=KINDS[kind]))
        name = _get(row, "name")
        if isinstance(name, Literal):
            entry.names.add(name)
        entry.keep(row, "item", "countryItem", "countryNative", "iso", "lat", "long")
    places = []
    for iri, entry in sorted(found.items()):
        own = [
            str(o.language)
            for o in data.graph.objects(iri, TWIN.nativeName)
            if isinstance(o, Literal) and o.language
        ]
        country_native = entry.literal("countryNative")
        if not own and country_native is not None and country_native.language:
            own = [country_native.language]
        item = entry.iri("item")
        lat, lon = _float(entry.literal("lat")), _float(entry.literal("long"))
        iso = entry.literal("iso")
        places.append(
            Place(
                iri=iri,
                kind=entry.kind,
                label=data.label(iri),
                names=tuple(sorted(entry.names, key=lambda n: (n.language or "", str(n)))),
                item=item if item is not None and str(item).startswith(str(WD)) else None,
                country_item=entry.iri("countryItem"),
                iso=str(iso) if iso is not None else None,
                coordinates=(lat, lon) if lat is not None and lon is not None else None,
                native_languages=_unique(sorted(own)),
                file=data.defined_in.get(iri),
            )
        )
    return places


def list_partnerships(data: OurData) -> list[Partnership]:
    """Every partnership with its towns (sorted), their items, status, dates and sources."""
    found: dict[URIRef, _Rows] = {}
    for row in _rows(data.graph, "list_partnerships"):
        partnership, town = row.get("partnership"), row.get("town")
        if not isinstance(partnership, URIRef) or not isinstance(town, URIRef):
            continue
        entry = found.setdefault(partnership, _Rows())
        item = _get(row, "item")
        if entry.towns.get(town) is None:
            entry.towns[town] = item if isinstance(item, URIRef) else None
        entry.keep(row, "status", "start", "end", "signed")
    sources: dict[URIRef, set[SourceRef]] = {}
    for row in _rows(data.graph, "list_partnership_sources"):
        partnership, source = row.get("partnership"), row.get("source")
        if isinstance(partnership, URIRef) and isinstance(source, URIRef):
            page = _get(row, "page")
            sources.setdefault(partnership, set()).add(
                SourceRef(source, str(row.get("role")), str(page) if page is not None else None)
            )
    partnerships = []
    for iri, entry in sorted(found.items()):
        ordered = sorted(entry.towns)
        status = entry.iri("status")
        partnerships.append(
            Partnership(
                iri=iri,
                towns=tuple(ordered),
                items=tuple(entry.towns[t] for t in ordered),
                status=str(status).rstrip("/").rsplit("/", 1)[-1] if status is not None else None,
                start=entry.literal("start") or entry.literal("signed"),
                end=entry.literal("end"),
                sources=tuple(sorted(sources.get(iri, set()), key=lambda s: (s.role, s.iri))),
            )
        )
    return partnerships
