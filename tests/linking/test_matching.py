"""Matching is pure: candidates in, scored and explained matches and a decision out."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef

from twinning_kg.linking.matching import (
    HUMAN_SETTLEMENT,
    SOVEREIGN_STATE,
    Candidate,
    decide,
    normalise,
    score_candidate,
)
from twinning_kg.linking.places import Place
from twinning_kg.vocabulary import WD

OURS = URIRef("https://twinning.example.org/id/municipality/kirov")
RELIGIOUS_TEXT = WD.Q179461


def kirov(**changes: object) -> Place:
    values: dict[str, object] = {
        "iri": OURS,
        "kind": "municipality",
        "label": "Kirov",
        "names": (Literal("Kirów", lang="pl"), Literal("Kirov", lang="en")),
        "country_item": WD.Q159,
        "coordinates": (58.59665, 49.66007),
    }
    values.update(changes)
    return Place(**values)  # type: ignore[arg-type]


def candidate(item: URIRef, **changes: object) -> Candidate:
    values: dict[str, object] = {
        "place": OURS,
        "item": item,
        "names": frozenset({Literal("Kirov", lang="en")}),
        "countries": frozenset({WD.Q159}),
        "coordinates": frozenset({(58.6, 49.66)}),
        "classes": frozenset({HUMAN_SETTLEMENT}),
    }
    values.update(changes)
    return Candidate(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [("Berdyczów", "berdyczow"), ("Wołkowysk", "WOLKOWYSK"), ("Brześć", "Brzesc"), ("São", "sao")],
)
def test_names_compare_without_case_and_diacritics(ours: str, theirs: str) -> None:
    assert normalise(ours) == normalise(theirs)


def test_a_perfect_candidate_scores_one_and_says_why() -> None:
    match = score_candidate(kirov(), candidate(WD.Q5384))
    assert match.score == 1.0
    assert match.viable
    assert "name 'Kirov'" in match.explain()
    assert "country Q159 as ours" in match.explain()


def test_a_namesake_far_away_in_the_same_country_is_rejected_by_distance() -> None:
    decoy = candidate(WD.Q153490, coordinates=frozenset({(54.08, 34.3)}))
    match = score_candidate(kirov(), decoy)
    assert not match.viable
    assert match.rejected is not None
    assert "km from our coordinates" in match.rejected


def test_a_namesake_in_another_country_is_rejected() -> None:
    match = score_candidate(kirov(), candidate(WD.Q12193, countries=frozenset({WD.Q142})))
    assert match.rejected is not None
    assert "country Q142, not Q159" in match.rejected


def test_something_that_is_not_a_place_is_rejected() -> None:
    match = score_candidate(kirov(), candidate(WD.Q1, classes=frozenset({RELIGIOUS_TEXT})))
    assert match.rejected is not None
    assert "not an instance of a settlement" in match.rejected


def test_the_nearer_of_two_viable_candidates_wins_and_is_accepted() -> None:
    near = candidate(WD.Q5384)
    farther = candidate(WD.Q2, coordinates=frozenset({(58.0, 49.0)}))  # about 75 km
    decision = decide(kirov(item=None), [farther, near], threshold=0.75)
    assert decision.outcome == "accepted"
    assert decision.best is not None
    assert decision.best.item == WD.Q5384
    assert [m.item for m in decision.matches] == [WD.Q5384, WD.Q2]


def test_two_equal_candidates_are_ambiguous_never_a_guess() -> None:
    place = kirov(item=None, coordinates=None)
    decision = decide(place, [candidate(WD.Q5384), candidate(WD.Q153490)], threshold=0.75)
    assert decision.outcome == "ambiguous"


def test_a_lone_candidate_below_the_threshold_is_weak() -> None:
    place = kirov(item=None, coordinates=None, country_item=None)
    decision = decide(place, [candidate(WD.Q5384)], threshold=0.75)
    assert decision.outcome == "weak"
    assert decision.best is not None
    assert decision.best.score == pytest.approx(0.6)


def test_an_item_linked_to_another_place_is_not_given_again() -> None:
    place = kirov(item=None)
    decision = decide(place, [candidate(WD.Q5384)], threshold=0.75, taken=frozenset({WD.Q5384}))
    assert decision.outcome == "ambiguous"


def test_no_candidate_is_no_match() -> None:
    assert decide(kirov(item=None), [], threshold=0.75).outcome == "no-match"


def test_recheck_confirms_or_flags_an_existing_link() -> None:
    confirmed = decide(kirov(item=WD.Q5384), [candidate(WD.Q5384)], threshold=0.75)
    assert confirmed.outcome == "confirmed"
    differs = decide(kirov(item=WD.Q153490), [candidate(WD.Q5384)], threshold=0.75)
    assert differs.outcome == "differs"
    assert "Q5384" in differs.note


def test_countries_match_on_their_iso_code() -> None:
    poland = Place(
        URIRef("https://twinning.example.org/id/country/poland"),
        "country",
        "Poland",
        (Literal("Polska", lang="pl"),),
        iso="PL",
    )
    right = Candidate(
        poland.iri, WD.Q36, frozenset({Literal("Polska", lang="pl")}),
        iso_codes=frozenset({"PL"}), classes=frozenset({SOVEREIGN_STATE}),
    )  # fmt: skip
    wrong = Candidate(
        poland.iri, WD.Q2, frozenset({Literal("Polska", lang="pl")}),
        iso_codes=frozenset({"XX"}), classes=frozenset({SOVEREIGN_STATE}),
    )  # fmt: skip
    decision = decide(poland, [wrong, right], threshold=0.75)
    assert decision.outcome == "accepted"
    assert decision.best is not None
    assert decision.best.item == WD.Q36
    assert decision.matches[-1].rejected == "country code XX, not PL"
