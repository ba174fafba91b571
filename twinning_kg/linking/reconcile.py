"""Reconcile our places with Wikidata items: find candidates in batches, score them, decide.

Candidates are found by exact label or alias, since that is what Wikidata's query service can look
up quickly: each of a place's names, and the same name without diacritics, in each language of
:data:`LOOKUP_LANGUAGES` plus the languages our data gives the place. Matching then compares names
without case and diacritics (:mod:`twinning_kg.linking.matching`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from rdflib import Literal, URIRef

from twinning_kg.linking.matching import Candidate, Decision, decide, parse_point, strip_diacritics
from twinning_kg.linking.places import Place
from twinning_kg.linking.values import BindableTerm
from twinning_kg.linking.wikidata import WikidataClient, run_select

#: Languages every name is looked up in ("mul" is Wikidata's label for all languages), besides
#: those our data gives the place: the languages of its names and of its country's native name.
LOOKUP_LANGUAGES: Final = (
    "mul", "en", "pl", "de", "fr", "it", "es", "pt", "nl", "sv", "da", "nb", "fi", "cs", "sk",
    "lt", "lv", "et", "be", "uk", "ru", "hu", "ro",
)  # fmt: skip
#: VALUES rows per request: a few kilobytes of query each, well within the service's limits.
BATCH_ROWS: Final = 800
CANDIDATE_VARIABLES: Final = (
    "place", "item", "name", "country", "iso", "coord", "class", "label", "description",
)  # fmt: skip


def lookup_rows(place: Place) -> list[tuple[URIRef, Literal]]:
    """The ``(?place ?name)`` rows for one place: every spelling in every language looked up.

    >>> from rdflib import URIRef, Literal
    >>> p = Place(URIRef("https://twinning.example.org/id/x"), "municipality", "Brest",
    ...           (Literal("Brześć", lang="pl"),))
    >>> rows = lookup_rows(p)
    >>> sorted({str(n) for _p, n in rows}), len(rows) == 2 * len(LOOKUP_LANGUAGES)
    (['Brzesc', 'Brześć'], True)
    """
    spellings = sorted({s for n in place.names for s in (str(n), strip_diacritics(str(n)))})
    languages = dict.fromkeys(LOOKUP_LANGUAGES)
    for name in place.names:
        if name.language:
            languages.setdefault(name.language.lower())
    for language in place.native_languages:
        languages.setdefault(language.lower())
    return [(place.iri, Literal(s, lang=lang)) for s in spellings for lang in languages]


@dataclass(slots=True)
class _Found:
    names: set[Literal] = field(default_factory=set)
    countries: set[URIRef] = field(default_factory=set)
    iso_codes: set[str] = field(default_factory=set)
    coordinates: set[tuple[float, float]] = field(default_factory=set)
    classes: set[URIRef] = field(default_factory=set)
    label: str = ""
    description: str = ""


def find_candidates(
    client: WikidataClient, places: Sequence[Place]
) -> dict[URIRef, list[Candidate]]:
    """Ask the endpoint for every place's candidates, in batches of :data:`BATCH_ROWS` rows.

    :raises UpstreamError: if the endpoint fails or answers with other variables.
    """
    rows: list[Sequence[BindableTerm]] = [row for p in places for row in lookup_rows(p)]
    solutions = run_select(
        client,
        "find_wikidata_candidates",
        variables=("place", "name"),
        rows=rows,
        expect=CANDIDATE_VARIABLES,
        batch_size=BATCH_ROWS,
    )
    found: dict[tuple[URIRef, URIRef], _Found] = {}
    for solution in solutions:
        place, item = solution.get("place"), solution.get("item")
        if not isinstance(place, URIRef) or not isinstance(item, URIRef):
            continue
        entry = found.setdefault((place, item), _Found())
        name, country, iso = solution.get("name"), solution.get("country"), solution.get("iso")
        coord, kind = solution.get("coord"), solution.get("class")
        label, description = solution.get("label"), solution.get("description")
        if isinstance(name, Literal):
            entry.names.add(name)
        if isinstance(country, URIRef):
            entry.countries.add(country)
        if isinstance(iso, Literal):
            entry.iso_codes.add(str(iso))
        if isinstance(coord, Literal) and (point := parse_point(str(coord))) is not None:
            entry.coordinates.add(point)
        if isinstance(kind, URIRef):
            entry.classes.add(kind)
        if isinstance(label, Literal):
            entry.label = entry.label or str(label)
        if isinstance(description, Literal):
            entry.description = entry.description or str(description)
    candidates: dict[URIRef, list[Candidate]] = {p.iri: [] for p in places}
    for (place, item), entry in sorted(found.items()):
        candidates.setdefault(place, []).append(
            Candidate(
                place=place,
                item=item,
                names=frozenset(entry.names),
                countries=frozenset(entry.countries),
                iso_codes=frozenset(entry.iso_codes),
                coordinates=frozenset(entry.coordinates),
                classes=frozenset(entry.classes),
                label=entry.label,
                description=entry.description,
            )
        )
    return candidates


def reconcile(
    client: WikidataClient,
    places: Sequence[Place],
    *,
    threshold: float,
    recheck: bool = False,
) -> list[Decision]:
    """Decide, for each place without a link (and with ``recheck``, each with one), what it is.

    Items already linked to one of our places are never given to another; neither is an item two
    places would both accept.

    :raises UpstreamError: if the endpoint fails.
    """
    wanted = [p for p in places if recheck or p.item is None]
    candidates = find_candidates(client, wanted)
    linked = frozenset(p.item for p in places if p.item is not None)
    decisions = [
        decide(p, candidates.get(p.iri, []), threshold=threshold, taken=linked) for p in wanted
    ]
    accepted: dict[URIRef, int] = {}
    for decision in decisions:
        if decision.outcome == "accepted" and decision.best is not None:
            accepted[decision.best.item] = accepted.get(decision.best.item, 0) + 1
    return [
        Decision(d.place, "ambiguous", d.matches, "two of our places would get this item")
        if d.outcome == "accepted" and d.best is not None and accepted[d.best.item] > 1
        else d
        for d in decisions
    ]
