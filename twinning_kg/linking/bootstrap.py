"""Start a new city's data from the P190 ("twinned administrative body") statements of its item.

:func:`plan_bootstrap` asks the endpoint (through :mod:`twinning_kg.linking.wikidata`) for the
city's non-deprecated P190 statements with their start and end qualifiers
(:func:`~twinning_kg.linking.crosscheck.fetch_twins`), then for the labels, native label,
coordinates, country and ISO code of the city, its partners and their countries
(``bootstrap_wikidata_items``), and decides every IRI: a municipality or country already in the
data folder with the same item keeps its IRI and is not described again, and a partnership whose
two municipalities' items match one of ours is that partnership. Nothing is written here:
:mod:`~twinning_kg.linking.bootstrap_files` turns the :class:`Bootstrap` into Turtle and writes
the folder.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Final

from rdflib import Graph, Literal, URIRef

from twinning_kg.errors import TwinningError
from twinning_kg.linking.crosscheck import Twin, fetch_twins
from twinning_kg.linking.matching import parse_point, qid_number
from twinning_kg.linking.places import OurData, list_partnerships, list_places
from twinning_kg.linking.wikidata import WikidataClient, run_select
from twinning_kg.loading import iter_graphs
from twinning_kg.vocabulary import WD, entity_iri

BATCH_ITEMS: Final = 200
QID: Final = re.compile(r"Q[1-9][0-9]*")
SLUG: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: Letters that Unicode decomposition leaves as they are.
_FOLDED: Final = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d"})


def parse_qid(text: str) -> URIRef:
    """The item IRI of a Q-id (``Q319813``, or the item's IRI or page URL ending in it).

    >>> parse_qid("q319813")
    rdflib.term.URIRef('http://www.wikidata.org/entity/Q319813')

    :raises TwinningError: if ``text`` is not a Q-id.
    """
    tail = text.strip().rstrip("/").rsplit("/", 1)[-1].upper()
    if not QID.fullmatch(tail):
        raise TwinningError(f"--wikidata takes an item's Q-id such as Q319813 (got {text!r})")
    return WD[tail]


def qid(item: URIRef) -> str:
    """The Q-id of an item IRI.

    >>> qid(URIRef("http://www.wikidata.org/entity/Q36"))
    'Q36'
    """
    return str(item).rsplit("/", 1)[-1]


def slugify(text: str) -> str:
    """A lower-case ASCII slug of a name.

    >>> slugify("Przykładowo Wielkie")
    'przykladowo-wielkie'
    >>> slugify("Vilniaus rajono savivaldybė")
    'vilniaus-rajono-savivaldybe'
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLDED))
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text))


@dataclass(slots=True)
class ItemDescription:
    """What the endpoint says about one item; lists sorted, so output is stable."""

    item: URIRef
    labels: dict[str, Literal] = field(default_factory=dict)
    natives: list[Literal] = field(default_factory=list)
    point: tuple[float, float] | None = None
    countries: list[URIRef] = field(default_factory=list)
    iso: str | None = None

    @property
    def name(self) -> str:
        """The English label, else the Polish one, else a native label, else the Q-id."""
        for found in (self.labels.get("en"), self.labels.get("pl"), *self.natives):
            if found is not None:
                return str(found)
        return qid(self.item)

    def is_empty(self) -> bool:
        """True if the endpoint knows nothing about the item."""
        return not (self.labels or self.natives or self.point or self.countries or self.iso)


def fetch_descriptions(
    client: WikidataClient, items: Sequence[URIRef]
) -> dict[URIRef, ItemDescription]:
    """Labels, native labels, coordinates, countries and ISO codes of ``items``.

    :raises UpstreamError: if the endpoint fails or answers with other variables.
    """
    ordered = sorted(set(items), key=qid_number)
    rows = run_select(
        client,
        "bootstrap_wikidata_items",
        variables=("item",),
        rows=[(item,) for item in ordered],
        expect=("item", "label", "native", "coord", "country", "iso"),
        batch_size=BATCH_ITEMS,
    )
    found = {item: ItemDescription(item) for item in ordered}
    points: dict[URIRef, list[str]] = {}
    for row in rows:
        item = row.get("item")
        entry = found.get(item) if isinstance(item, URIRef) else None
        if entry is None:
            continue
        label, native, coord = row.get("label"), row.get("native"), row.get("coord")
        country, iso = row.get("country"), row.get("iso")
        if isinstance(label, Literal) and label.language in ("pl", "en"):
            language = str(label.language)
            if language not in entry.labels or str(label) < str(entry.labels[language]):
                entry.labels[language] = label
        if isinstance(native, Literal) and native.language:
            entry.natives.append(native)
        if isinstance(coord, Literal):
            points.setdefault(entry.item, []).append(str(coord))
        if isinstance(country, URIRef) and str(country).startswith(str(WD)):
            entry.countries.append(country)
        if isinstance(iso, Literal) and re.fullmatch(r"[A-Z]{2}", str(iso)):
            entry.iso = min(entry.iso or str(iso), str(iso))
    for entry in found.values():
        entry.natives = sorted(set(entry.natives), key=lambda n: (n.language or "", str(n)))
        entry.countries = sorted(set(entry.countries), key=qid_number)
        for wkt in sorted(points.get(entry.item, [])):
            entry.point = entry.point or parse_point(wkt)
    return found


@dataclass(slots=True)
class PlannedPlace:
    """A municipality or country the new files name: reused (``existing``) or new."""

    iri: URIRef
    item: URIRef
    kind: str
    existing: bool
    description: ItemDescription
    country: PlannedPlace | None = None

    @property
    def slug(self) -> str:
        """The last segment of the IRI."""
        return str(self.iri).rstrip("/").rsplit("/", 1)[-1]


@dataclass(slots=True)
class PlannedPartnership:
    """One partnership: what Wikidata's statements say, and the IRIs it gets."""

    iri: URIRef
    agreement: URIRef
    partner: PlannedPlace
    twin: Twin
    existing: bool


@dataclass(slots=True)
class Bootstrap:
    """Everything the new city's files will hold, decided before anything is written."""

    slug: str
    city: PlannedPlace
    partnerships: list[PlannedPartnership]
    countries: list[PlannedPlace]
    source: URIRef
    endpoint_url: str
    day: date


def read_other_data(data_folder: Path, city_folder: Path) -> OurData:
    """The data folder without ``city_folder`` (which ``--force`` replaces).

    :raises DataLoadError: if a file does not parse.
    """
    data = OurData(folder=data_folder, graph=Graph())
    if not data_folder.is_dir():
        return data
    for _iri, path, graph in iter_graphs([data_folder], root=data_folder.parent):
        if path.resolve().is_relative_to(city_folder.resolve()):
            continue
        data.add(path, graph)
    return data


def fetch_statements(client: WikidataClient, city_item: URIRef) -> dict[URIRef, Twin]:
    """The city's non-deprecated P190 statements, merged per partner (itself left out).

    :raises UpstreamError: if the endpoint fails.
    :raises TwinningError: if the item has no such statement.
    """
    twins = fetch_twins(client, [city_item])
    found = {
        partner: twin
        for (town, partner), twin in twins.items()
        if town == city_item and partner != city_item and str(partner).startswith(str(WD))
    }
    if not found:
        raise TwinningError(
            f"the SPARQL endpoint {client.endpoint_url} has no P190 (twinned administrative body) "
            f"statement of {qid(city_item)}: nothing to start from"
        )
    return found


class _Minter:
    """Hands out entity IRIs not used yet (in the data or in this run)."""

    def __init__(self, data: OurData) -> None:
        self.taken: set[URIRef] = set(data.defined_in)

    def mint(self, kind: str, slug: str, item: URIRef | None = None) -> URIRef:
        iri = entity_iri(kind, slug)
        if iri in self.taken:
            iri = entity_iri(kind, f"{slug}-{qid(item).lower()}" if item else f"{slug}-2")
        number = 2
        while iri in self.taken:
            number += 1
            iri = entity_iri(kind, f"{slug}-{number}")
        self.taken.add(iri)
        return iri


def plan_bootstrap(
    client: WikidataClient,
    city_item: URIRef,
    twins: dict[URIRef, Twin],
    descriptions: dict[URIRef, ItemDescription],
    data: OurData,
    *,
    slug: str,
    day: date,
) -> Bootstrap:
    """Decide the IRIs and contents of the new city's files; fetch the new countries.

    :raises UpstreamError: if the endpoint fails.
    """
    places = list_places(data)
    ours = {(p.kind, p.item): p.iri for p in places if p.item is not None}
    minter = _Minter(data)

    def municipality(item: URIRef, wanted_slug: str | None = None) -> PlannedPlace:
        description = descriptions.get(item) or ItemDescription(item)
        known = ours.get(("municipality", item))
        if known is not None:
            return PlannedPlace(known, item, "municipality", True, description)
        name_slug = wanted_slug or slugify(description.name) or qid(item).lower()
        iri = minter.mint("municipality", name_slug, item)
        return PlannedPlace(iri, item, "municipality", False, description)

    city = municipality(city_item, slug)
    partners = [municipality(item) for item in sorted(twins, key=qid_number)]
    new_places = [p for p in (city, *partners) if not p.existing]
    country_items = {p.description.countries[0] for p in new_places if p.description.countries}
    missing = [item for item in country_items if ("country", item) not in ours]
    country_descriptions = fetch_descriptions(client, missing) if missing else {}
    countries: dict[URIRef, PlannedPlace] = {}
    for item in sorted(country_items, key=qid_number):
        known = ours.get(("country", item))
        if known is not None:
            countries[item] = PlannedPlace(known, item, "country", True, ItemDescription(item))
        else:
            description = country_descriptions.get(item) or ItemDescription(item)
            iri = minter.mint("country", slugify(description.name) or qid(item).lower(), item)
            countries[item] = PlannedPlace(iri, item, "country", False, description)
    for place in new_places:
        if place.description.countries:
            place.country = countries[place.description.countries[0]]
    existing_partnerships = {
        frozenset(p.items): p.iri
        for p in list_partnerships(data)
        if len(p.items) == 2 and None not in p.items
    }
    planned = []
    for partner in partners:
        twin = twins[partner.item]
        known = existing_partnerships.get(frozenset((city_item, partner.item)))
        pair = f"{city.slug}-{partner.slug}"
        if known is not None:
            agreement = entity_iri("agreement", pair)
            planned.append(PlannedPartnership(known, agreement, partner, twin, existing=True))
            continue
        iri = minter.mint("partnership", pair)
        agreement = minter.mint("agreement", pair)
        planned.append(PlannedPartnership(iri, agreement, partner, twin, existing=False))
    return Bootstrap(
        slug=slug,
        city=city,
        partnerships=planned,
        countries=[c for c in countries.values() if not c.existing],
        source=entity_iri("source", f"wikidata-{qid(city_item).lower()}"),
        endpoint_url=client.endpoint_url,
        day=day,
    )
