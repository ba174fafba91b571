"""Dates as people write them, to the xsd type of their precision (or a range of two).

``1998-07-26``, ``26.07.1998``, ``26 lipca 1998`` and ``26 July 1998`` are ``xsd:date``;
``1997-05``, ``maj 1997`` and ``May 1997`` are ``xsd:gYearMonth``; ``1997`` is ``xsd:gYear``;
two of these joined by ``/`` or a dash (``1999/2000``, ``2000-2002`` with an en dash) are a range.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Final

from rdflib import Literal
from rdflib.namespace import XSD

#: Month names (Polish nominative and genitive, English, their usual abbreviations) → number.
MONTHS: Final[dict[str, int]] = {
    name: number
    for number, names in enumerate(
        [
            ("styczeń", "stycznia", "january", "jan", "sty"),
            ("luty", "lutego", "february", "feb", "lut"),
            ("marzec", "marca", "march", "mar"),
            ("kwiecień", "kwietnia", "april", "apr", "kwi"),
            ("maj", "maja", "may"),
            ("czerwiec", "czerwca", "june", "jun", "cze"),
            ("lipiec", "lipca", "july", "jul", "lip"),
            ("sierpień", "sierpnia", "august", "aug", "sie"),
            ("wrzesień", "września", "september", "sep", "sept", "wrz"),
            ("październik", "października", "october", "oct", "paź", "paz"),
            ("listopad", "listopada", "november", "nov", "lis"),
            ("grudzień", "grudnia", "december", "dec", "gru"),
        ],
        start=1,
    )
    for name in names
}

FORMS: Final = (
    "1998-07-26, 26.07.1998, 26 lipca 1998 or 26 July 1998 (a day); 1997-05, maj 1997 or "
    "May 1997 (a month); 1997 (a year); two of them joined by / for a range (1999/2000)"
)

_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DOTTED_DAY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{2})")
_YEAR = re.compile(r"\d{4}")
_NAMED_DAY = re.compile(r"(\d{1,2})\.?\s+(\w+)\.?\s+(\d{4})(?:\s*r\.?)?")
_NAMED_MONTH = re.compile(r"(\w+)\.?\s+(\d{4})(?:\s*r\.?)?")
_RANGE = re.compile(r"(.+?)\s*(?:/|\s[\u2013\u2014-]\s|\u2013|\u2014)\s*(.+)")


class DateError(ValueError):
    """A value that is not a date in any of the accepted forms."""


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A single date (``end`` is None) or a range from ``start`` to ``end``."""

    start: Literal
    end: Literal | None = None


def _day(year: int, month: int, day: int) -> Literal:
    try:
        value = datetime.date(year, month, day)
    except ValueError:
        raise DateError(f"there is no day {day:02d} in month {month:02d} of {year}") from None
    return Literal(value.isoformat(), datatype=XSD.date)


def _month(year: int, month: int) -> Literal:
    if not 1 <= month <= 12:
        raise DateError(f"there is no month {month}")
    return Literal(f"{year:04d}-{month:02d}", datatype=XSD.gYearMonth)


def _month_number(name: str) -> int:
    number = MONTHS.get(name.lower())
    if number is None:
        raise DateError(f"{name!r} is not a month name")
    return number


def parse_single(text: str) -> Literal:
    """Parse one date to ``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear``.

    >>> parse_single("maj 1997")
    rdflib.term.Literal('1997-05', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#gYearMonth'))

    :raises DateError: if ``text`` is none of the accepted forms.
    """
    value = text.strip()
    if match := _ISO_DAY.fullmatch(value):
        return _day(int(match[1]), int(match[2]), int(match[3]))
    if match := _DOTTED_DAY.fullmatch(value):
        return _day(int(match[3]), int(match[2]), int(match[1]))
    if match := _ISO_MONTH.fullmatch(value):
        return _month(int(match[1]), int(match[2]))
    if _YEAR.fullmatch(value):
        return Literal(value, datatype=XSD.gYear)
    if match := _NAMED_DAY.fullmatch(value):
        return _day(int(match[3]), _month_number(match[2]), int(match[1]))
    if match := _NAMED_MONTH.fullmatch(value):
        return _month(int(match[2]), _month_number(match[1]))
    raise DateError(f"{value!r} is not a date")


def parse_date(text: str, *, allow_range: bool = True) -> ParsedDate:
    """Parse a date or, when ``allow_range``, a range of two.

    >>> parse_date("1999/2000").end
    rdflib.term.Literal('2000', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#gYear'))

    :raises DateError: if ``text`` is not a date (or a range where none is allowed).
    """
    value = text.strip()
    try:
        return ParsedDate(parse_single(value))
    except DateError:
        match = _RANGE.fullmatch(value)
        if match is None or not allow_range:
            raise
    start, end = parse_single(match[1]), parse_single(match[2])
    if str(end) < str(start):
        raise DateError(f"the range {value!r} ends before it starts")
    return ParsedDate(start, end)
