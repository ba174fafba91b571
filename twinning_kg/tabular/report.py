"""Problems found in a spreadsheet, told in its own terms: sheet, row, column, value, expected."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Final


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index.

    >>> column_letter(0), column_letter(25), column_letter(26)
    ('A', 'Z', 'AA')
    """
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True, slots=True, order=True)
class Cell:
    """Where a value sits: the sheet, the spreadsheet row (the header is row 1) and the column."""

    sheet: str
    row: int
    column: str
    letter: str = ""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing to fix, at one cell (``row`` 1 for a header, 0 for the sheet as a whole)."""

    sheet: str
    row: int
    column: str
    letter: str
    value: str
    problem: str
    expected: str
    kind: str  # what class of problem: unknown-value, bad-date, missing, shacl, …

    @classmethod
    def at(cls, cell: Cell, value: str, problem: str, expected: str, kind: str) -> Problem:
        """A problem at ``cell``."""
        return cls(cell.sheet, cell.row, cell.column, cell.letter, value, problem, expected, kind)


REPORT_FORMATS: Final = ("text", "json")


def render(problems: Sequence[Problem], fmt: str = "text") -> str:
    """The report: one paragraph per problem (text) or a JSON list of objects."""
    ordered = sorted(problems, key=lambda p: (p.sheet, p.row, p.letter.rjust(3), p.problem))
    if fmt == "json":
        return json.dumps([asdict(p) for p in ordered], ensure_ascii=False, indent=2) + "\n"
    lines: list[str] = []
    for p in ordered:
        where = f"{p.sheet}, row {p.row}" if p.row else p.sheet
        if p.column:
            where += f", column {p.letter} ({p.column})" if p.letter else f", column {p.column}"
        lines.append(f"{where}: {p.problem}")
        if p.value:
            lines.append(f"    value:    {p.value}")
        if p.expected:
            lines.append(f"    expected: {p.expected}")
    count = len(ordered)
    lines.append(f"{count} problem{'s' if count != 1 else ''}; nothing was written.")
    return "\n".join(lines) + "\n"
