"""Enrich linked places with what Wikidata says about their items.

For every item one of our places links to (``owl:sameAs``): its labels in the languages we publish
and in the place's own language, coordinates (P625), country (P17), population (P1082) and official
website (P856), best-ranked values only. :mod:`twinning_kg.linking.records` writes them as a graph
of their own; serving and building read that file and never call out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from rdflib import Literal, URIRef

from twinning_kg.linking.matching import parse_point, qid_number
from twinning_kg.linking.places import PUBLISHED_LANGUAGES, Place
from twinning_kg.linking.values import BindableTerm
from twinning_kg.linking.wikidata import WikidataClient, run_select

BATCH_ITEMS: Final = 200
BATCH_LABEL_ROWS: Final = 600


@dataclass(slots=True)
class ItemFacts:
    """What the endpoint says about one item (each list sorted, so output is stable)."""

    item: URIRef
    labels: list[Literal] = field(default_factory=list)
    coordinates: list[Literal] = field(default_factory=list)
    countries: list[URIRef] = field(default_factory=list)
    populations: list[Literal] = field(default_factory=list)
    websites: list[URIRef] = field(default_factory=list)

    @property
    def point(self) -> tuple[float, float] | None:
        """The first Earth coordinates, as ``(lat, lon)``."""
        for wkt in self.coordinates:
            found = parse_point(str(wkt))
            if found is not None:
                return found
        return None

    def is_empty(self) -> bool:
        """True if the endpoint knows nothing about the item."""
        return not (
            self.labels or self.coordinates or self.countries or self.populations or self.websites
        )


def languages_by_item(places: Sequence[Place]) -> dict[URIRef, tuple[str, ...]]:
    """For each linked item, the languages to fetch labels in: ours, then the place's own."""
    wanted: dict[URIRef, dict[str, None]] = {}
    for place in places:
        if place.item is None:
            continue
        languages = wanted.setdefault(place.item, dict.fromkeys(PUBLISHED_LANGUAGES))
        for language in place.native_languages:
            languages.setdefault(language)
    return {item: tuple(langs) for item, langs in wanted.items()}


def fetch_facts(client: WikidataClient, places: Sequence[Place]) -> dict[URIRef, ItemFacts]:
    """Fetch labels and facts for the items of the linked ``places``, sorted by item.

    :raises UpstreamError: if the endpoint fails or answers with other variables.
    """
    languages = languages_by_item(places)
    items = sorted(languages, key=qid_number)
    label_rows: list[Sequence[BindableTerm]] = [
        (item, Literal(lang)) for item in items for lang in languages[item]
    ]
    labels = run_select(
        client,
        "fetch_wikidata_labels",
        variables=("item", "lang"),
        rows=label_rows,
        expect=("item", "label"),
        batch_size=BATCH_LABEL_ROWS,
    )
    facts_rows = run_select(
        client,
        "fetch_wikidata_facts",
        variables=("item",),
        rows=[(item,) for item in items],
        expect=("item", "coord", "country", "population", "website"),
        batch_size=BATCH_ITEMS,
    )
    facts = {item: ItemFacts(item) for item in items}
    for row in labels:
        item, label = row.get("item"), row.get("label")
        found = facts.get(item) if isinstance(item, URIRef) else None
        if found is not None and isinstance(label, Literal) and label.language:
            found.labels.append(label)
    for row in facts_rows:
        item = row.get("item")
        if not isinstance(item, URIRef) or item not in facts:
            continue
        entry = facts[item]
        coord, country = row.get("coord"), row.get("country")
        population, website = row.get("population"), row.get("website")
        if isinstance(coord, Literal):
            entry.coordinates.append(coord)
        if isinstance(country, URIRef):
            entry.countries.append(country)
        if isinstance(population, Literal):
            entry.populations.append(population)
        if isinstance(website, URIRef):
            entry.websites.append(website)
    for entry in facts.values():
        entry.labels = sorted(set(entry.labels), key=lambda lit: (lit.language or "", str(lit)))
        entry.coordinates = sorted(set(entry.coordinates), key=str)
        entry.countries = sorted(set(entry.countries), key=qid_number)
        entry.populations = sorted(set(entry.populations), key=str)
        entry.websites = sorted(set(entry.websites), key=str)
    return facts
