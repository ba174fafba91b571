"""Comparing one partnership with Wikidata's P190 statements, and the QuickStatements it yields."""

from __future__ import annotations

from datetime import date

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from twinning_kg.linking.crosscheck import (
    DAY,
    MONTH,
    YEAR,
    CheckReport,
    Finding,
    Twin,
    When,
    compare_direction,
    quickstatements,
    wikidata_when,
)
from twinning_kg.linking.places import Partnership, SourceRef
from twinning_kg.vocabulary import WD

PARTNERSHIP = URIRef("https://twinning.example.org/id/partnership/siedlce-kirov")


def partnership(**changes: object) -> Partnership:
    values: dict[str, object] = {
        "iri": PARTNERSHIP,
        "towns": (URIRef("https://x.org/a"), URIRef("https://x.org/b")),
        "items": (WD.Q5384, WD.Q319813),
        "status": "active",
        "start": Literal("2008-06-30", datatype=XSD.date),
    }
    values.update(changes)
    return Partnership(**values)  # type: ignore[arg-type]


def twin(**changes: object) -> Twin:
    values: dict[str, object] = {"town": WD.Q5384, "partner": WD.Q319813}
    values.update(changes)
    return Twin(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ours", "theirs", "agree"),
    [
        (When("2008-06-30", DAY), When("2008-01-01", YEAR), True),
        (When("2008-06-30", DAY), When("2009-01-01", YEAR), False),
        (When("2008-06", MONTH), When("2008-06-30", DAY), True),
        (When("2008-06-30", DAY), When("2008-06-29", DAY), False),
    ],
)
def test_dates_are_compared_at_the_coarser_precision(ours: When, theirs: When, agree: bool) -> None:
    assert ours.agrees(theirs) is agree


def test_wikidata_times_take_their_precision_or_a_guess() -> None:
    stated = wikidata_when(Literal("2022-01-01T00:00:00Z", datatype=XSD.dateTime), Literal(11))
    assert stated == When("2022-01-01", DAY)
    assert wikidata_when(Literal("2022-01-01T00:00:00Z"), None) == When("2022-01-01", YEAR)
    assert wikidata_when(Literal("2022-03-01T00:00:00Z"), None) == When("2022-03-01", MONTH)
    assert wikidata_when(Literal("1900-01-01T00:00:00Z"), Literal(7)) is None  # a century
    assert wikidata_when(URIRef("http://www.wikidata.org/.well-known/genid/x"), None) is None


def test_a_missing_statement_would_be_added_with_its_dates() -> None:
    ended = partnership(status="ended", end=Literal("2022", datatype=XSD.gYear))
    assert compare_direction(ended, None) == [
        (
            "missing-in-wikidata",
            ("P580\t+2008-06-30T00:00:00Z/11", "P582\t+2022-00-00T00:00:00Z/9"),
        )
    ]


def test_an_end_we_record_and_wikidata_lacks_is_a_status_difference() -> None:
    ended = partnership(status="ended")  # ended, no date known
    start = When("2008-06-30", DAY)
    assert compare_direction(ended, twin(start=start)) == [("status", ("P582\tsomevalue",))]
    assert compare_direction(partnership(), twin(start=start, ended=True)) == [("status", ())]


def test_agreement_and_the_date_differences() -> None:
    assert compare_direction(partnership(), twin(start=When("2008-01-01", YEAR))) == []
    assert compare_direction(partnership(), twin(start=When("2002-01-01", YEAR))) == [
        ("start-date", ())
    ]
    assert compare_direction(partnership(), twin()) == [
        ("start-missing-in-wikidata", ("P580\t+2008-06-30T00:00:00Z/11",))
    ]


def test_quickstatements_cite_the_source_page_or_our_own() -> None:
    sourced = partnership(
        sources=(SourceRef(URIRef("https://x.org/s"), "partnership", "https://example.org/page"),)
    )
    finding = Finding(
        kind="missing-in-wikidata",
        town=WD.Q5384,
        partner=WD.Q319813,
        town_label="Kirov",
        partner_label="Siedlce",
        ours="",
        wikidata="",
        partnership=PARTNERSHIP,
        add=("P580\t+2008-06-30T00:00:00Z/11",),
    )
    report = CheckReport(findings=[finding])
    text = quickstatements(
        report, [sourced], entity_url=lambda iri: f"ours:{iri}", retrieved=date(2025, 1, 2)
    )
    assert text == (
        "Q5384\tP190\tQ319813\tP580\t+2008-06-30T00:00:00Z/11\t"
        'S854\t"https://example.org/page"\tS813\t+2025-01-02T00:00:00Z/11\n'
    )
    unsourced = quickstatements(
        report, [partnership()], entity_url=lambda iri: f"https://pub.example/{iri.rsplit('/')[-1]}",
        retrieved=date(2025, 1, 2),
    )  # fmt: skip
    assert '"https://pub.example/siedlce-kirov"' in unsourced
