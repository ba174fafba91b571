"""Pure matching: Wikidata candidates for a place of ours → scored, explained matches → a decision.

A candidate is a Wikidata item one of whose labels or aliases is one of the place's names (in any
language looked up, compared without case and diacritics). Its score adds four parts:

========  ======  =================================================================================
part      weight  earned when
========  ======  =================================================================================
name      0.4     a label or alias equals one of our names (always: that is how it was found)
type      0.2     instance of a human settlement or an administrative territorial entity (a country
                  or sovereign state for our countries); otherwise the candidate is rejected
country   0.2     its country (P17) is our place's country (for countries: the same ISO 3166-1
                  code, P297); a different one rejects it; nothing to compare earns nothing
distance  0.2     full within ``near`` km of our coordinates, falling to nothing at ``far`` km;
                  beyond ``far`` the candidate is rejected; no coordinates earn nothing
========  ======  =================================================================================

A place is linked only when its best candidate scores at least the threshold *and* no other
candidate comes within :data:`AMBIGUITY_MARGIN` of it: ambiguous and weak cases go to a person.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from rdflib import Literal, URIRef

from twinning_kg.linking.places import Place
from twinning_kg.vocabulary import WD

NAME_WEIGHT: Final = 0.4
TYPE_WEIGHT: Final = 0.2
COUNTRY_WEIGHT: Final = 0.2
DISTANCE_WEIGHT: Final = 0.2
#: A runner-up this close to the best candidate makes the place ambiguous.
AMBIGUITY_MARGIN: Final = 0.1
HUMAN_SETTLEMENT: Final = WD.Q486972
ADMINISTRATIVE_ENTITY: Final = WD.Q56061
COUNTRY: Final = WD.Q6256
SOVEREIGN_STATE: Final = WD.Q3624078
#: Classes (reached by P31/P279*) that make an item a fit for each kind of place.
FITTING_CLASSES: Final[dict[str, frozenset[URIRef]]] = {
    "municipality": frozenset({HUMAN_SETTLEMENT, ADMINISTRATIVE_ENTITY}),
    "region": frozenset({ADMINISTRATIVE_ENTITY}),
    "country": frozenset({COUNTRY, SOVEREIGN_STATE}),
}
#: (near, far) in km: full distance score within near, rejected beyond far.
DISTANCE_KM: Final[dict[str, tuple[float, float]]] = {
    "municipality": (10.0, 100.0),
    "region": (50.0, 300.0),
    "country": (300.0, 1500.0),
}
_SPECIAL_LETTERS: Final = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae", "Æ": "AE"}
    | {"œ": "oe", "Œ": "OE", "\u0131": "i", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D"}
)
_POINT: Final = re.compile(r"\s*Point\(\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*\)\s*", re.I)


def strip_diacritics(text: str) -> str:
    """``text`` without accents and with special letters spelled in ASCII; case is kept.

    >>> strip_diacritics("Brześć, Łódź, Ваўкавыск")
    'Brzesc, Lodz, Ваукавыск'
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise(text: str) -> str:
    """The form names are compared in: no diacritics, case-folded, single spaces.

    >>> normalise("  Berdyczów ") == normalise("berdyczow")
    True
    """
    return " ".join(strip_diacritics(text).casefold().split())


def parse_point(wkt: str) -> tuple[float, float] | None:
    """``(lat, lon)`` from a WKT ``Point(lon lat)`` as Wikidata writes P625; None otherwise.

    Coordinates on another globe come with the globe's IRI first and are not on Earth: None.

    >>> parse_point("Point(22.27139 52.165)")
    (52.165, 22.27139)
    >>> parse_point("<http://www.wikidata.org/entity/Q405> Point(1 2)") is None
    True
    """
    found = _POINT.fullmatch(wkt)
    if found is None:
        return None
    lon, lat = float(found.group(1)), float(found.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two ``(lat, lon)`` points, in km.

    >>> round(distance_km((52.165, 22.27139), (52.09755, 23.68775)))
    97
    """
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def qid_number(item: URIRef) -> int:
    """The number of a Wikidata item (for a stable order); 0 for anything else.

    >>> qid_number(URIRef("http://www.wikidata.org/entity/Q36"))
    36
    """
    text = str(item)
    tail = text[len(str(WD)) + 1 :] if text.startswith(str(WD) + "Q") else ""
    return int(tail) if tail.isdigit() else 0


@dataclass(frozen=True, slots=True)
class Candidate:
    """A Wikidata item found by one of a place's names, with what the endpoint said about it."""

    place: URIRef
    item: URIRef
    names: frozenset[Literal]
    countries: frozenset[URIRef] = frozenset()
    iso_codes: frozenset[str] = frozenset()
    coordinates: frozenset[tuple[float, float]] = frozenset()
    classes: frozenset[URIRef] = frozenset()
    label: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Match:
    """A scored candidate; ``rejected`` says why it cannot be the place, if it cannot."""

    item: URIRef
    score: float
    names: tuple[str, ...]
    fits_type: bool
    country: str
    country_ok: bool | None
    distance_km: float | None
    rejected: str | None = None
    label: str = ""
    description: str = ""

    @property
    def viable(self) -> bool:
        """Not rejected."""
        return self.rejected is None

    def explain(self) -> str:
        """One line saying how the score came about (English)."""
        parts = [f"name {' / '.join(repr(n) for n in self.names)}"]
        parts.append("right type" if self.fits_type else "wrong type")
        parts.append(f"country {self.country}")
        if self.distance_km is None:
            parts.append("no coordinates to compare")
        else:
            parts.append(f"{self.distance_km:.1f} km away")
        text = f"{self.score:.2f}: " + ", ".join(parts)
        return f"{text}; rejected: {self.rejected}" if self.rejected else text


@dataclass(frozen=True, slots=True)
class Decision:
    """What reconciliation concludes for one place.

    ``outcome`` is ``accepted``, ``ambiguous``, ``weak`` (best below the threshold) or ``no-match``
    for a place without a link; ``confirmed``, ``differs`` or ``unconfirmed`` for a rechecked one.
    """

    place: Place
    outcome: str
    matches: tuple[Match, ...]
    note: str = ""

    @property
    def best(self) -> Match | None:
        """The best viable match, if any."""
        return next((m for m in self.matches if m.viable), None)


def score_candidate(place: Place, candidate: Candidate) -> Match:
    """Score one candidate for ``place`` (see the module docstring), explaining each part."""
    ours = {normalise(str(name)) for name in place.names}
    names = tuple(sorted({str(n) for n in candidate.names if normalise(str(n)) in ours}))
    rejected: list[str] = []
    score = NAME_WEIGHT if names else 0.0
    if not names:
        rejected.append("no label or alias is one of our names")
    fits = bool(candidate.classes & FITTING_CLASSES[place.kind])
    if fits:
        score += TYPE_WEIGHT
    else:
        wanted = "a country" if place.kind == "country" else "a settlement or administrative entity"
        rejected.append(f"not an instance of {wanted}")
    if place.kind == "country":
        country, ok = _compare_iso(place, candidate)
    else:
        country, ok = _compare_country(place, candidate)
    if ok is True:
        score += COUNTRY_WEIGHT
    elif ok is False:
        rejected.append(f"country {country}")
    distance = None
    if place.coordinates is not None and candidate.coordinates:
        distance = min(distance_km(place.coordinates, c) for c in candidate.coordinates)
        near, far = DISTANCE_KM[place.kind]
        if distance >= far:
            rejected.append(f"{distance:.0f} km from our coordinates")
        else:
            share = 1.0 if distance <= near else (far - distance) / (far - near)
            score += DISTANCE_WEIGHT * share
    return Match(
        item=candidate.item,
        score=round(score, 3),
        names=names,
        fits_type=fits,
        country=country,
        country_ok=ok,
        distance_km=round(distance, 1) if distance is not None else None,
        rejected="; ".join(rejected) or None,
        label=candidate.label,
        description=candidate.description,
    )


def _short(items: Iterable[URIRef]) -> str:
    return ", ".join(str(i).rsplit("/", 1)[-1] for i in sorted(items, key=qid_number)) or "none"


def _compare_country(place: Place, candidate: Candidate) -> tuple[str, bool | None]:
    if place.country_item is None:
        return "not compared (ours has no Wikidata link)", None
    if not candidate.countries:
        return "not compared (the item has no P17)", None
    ours = _short([place.country_item])
    if place.country_item in candidate.countries:
        return f"{ours} as ours", True
    return f"{_short(candidate.countries)}, not {ours}", False


def _compare_iso(place: Place, candidate: Candidate) -> tuple[str, bool | None]:
    if place.iso is None or not candidate.iso_codes:
        return "code not compared", None
    if place.iso in candidate.iso_codes:
        return f"code {place.iso} as ours", True
    return f"code {', '.join(sorted(candidate.iso_codes))}, not {place.iso}", False


def decide(
    place: Place,
    candidates: Iterable[Candidate],
    *,
    threshold: float,
    taken: frozenset[URIRef] = frozenset(),
) -> Decision:
    """Score every candidate and decide; ``taken`` holds items already linked to other places.

    Never guesses: a place is ``accepted`` only if its best candidate reaches ``threshold``, no
    other viable candidate is within :data:`AMBIGUITY_MARGIN`, and the item is not ``taken``.
    """
    matches = tuple(
        sorted(
            (score_candidate(place, c) for c in candidates),
            key=lambda m: (not m.viable, -m.score, qid_number(m.item)),
        )
    )
    viable = [m for m in matches if m.viable]
    best = viable[0] if viable else None
    close = [m for m in viable[1:] if best is not None and best.score - m.score < AMBIGUITY_MARGIN]
    if place.item is not None:
        if best is None:
            return Decision(place, "differs", matches, "no candidate fits, ours included")
        if best.item != place.item:
            note = f"the best candidate is {_short([best.item])}, not ours"
            return Decision(place, "differs", matches, note)
        if close or best.score < threshold:
            return Decision(place, "unconfirmed", matches, "our link is not a clear best")
        return Decision(place, "confirmed", matches)
    if best is None:
        return Decision(place, "no-match", matches, "no candidate fits")
    if close:
        others = _short(m.item for m in close)
        return Decision(place, "ambiguous", matches, f"{others} score(s) as well as the best")
    if best.score < threshold:
        note = f"best score {best.score:.2f} is below the threshold {threshold:.2f}"
        return Decision(place, "weak", matches, note)
    if best.item in taken:
        return Decision(place, "ambiguous", matches, "the best item is linked to another place")
    return Decision(place, "accepted", matches)
