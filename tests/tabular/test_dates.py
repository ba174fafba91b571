"""Dates as people write them become the xsd type of their precision, or a range."""

from __future__ import annotations

import pytest
from rdflib import Literal
from rdflib.namespace import XSD

from twinning_kg.tabular.dates import DateError, parse_date

DAY, MONTH, YEAR = XSD.date, XSD.gYearMonth, XSD.gYear


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("1998-07-26", Literal("1998-07-26", datatype=DAY), None),
        ("26.07.1998", Literal("1998-07-26", datatype=DAY), None),
        ("26 lipca 1998", Literal("1998-07-26", datatype=DAY), None),
        ("26 July 1998", Literal("1998-07-26", datatype=DAY), None),
        ("1997-05", Literal("1997-05", datatype=MONTH), None),
        ("maj 1997", Literal("1997-05", datatype=MONTH), None),
        ("May 1997", Literal("1997-05", datatype=MONTH), None),
        ("czerwca 2001 r.", Literal("2001-06", datatype=MONTH), None),
        ("1997", Literal("1997", datatype=YEAR), None),
        ("1999/2000", Literal("1999", datatype=YEAR), Literal("2000", datatype=YEAR)),
        ("2000\u20132002", Literal("2000", datatype=YEAR), Literal("2002", datatype=YEAR)),
        (
            "maj 1997 / 1998-03",
            Literal("1997-05", datatype=MONTH),
            Literal("1998-03", datatype=MONTH),
        ),
    ],
)
def test_accepted_forms(text: str, start: Literal, end: Literal | None) -> None:
    parsed = parse_date(text)
    assert (parsed.start, parsed.start.datatype) == (start, start.datatype)
    assert parsed.end == end


@pytest.mark.parametrize(
    "text", ["1998-02-30", "1998-13", "maj", "Mai 1997", "late 90s", "2002/1999"]
)
def test_rejected(text: str) -> None:
    with pytest.raises(DateError):
        parse_date(text)


def test_a_range_where_one_date_is_expected() -> None:
    with pytest.raises(DateError):
        parse_date("1999/2000", allow_range=False)
