"""Every class of bad row is reported at its sheet, row and column, and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.tabular.helpers import data_with_siedlce, edited_template
from twinning_kg.cli import main
from twinning_kg.tabular.report import column_letter
from twinning_kg.tabular.template import headers

# (sheet, row, column, new value) → (kind of problem, a phrase the "expected" text holds)
CASES = {
    "unknown-domain": (
        ("partnerships", 2, "domains", "culture | sprot"),
        "unknown-value",
        "closest: sport",
    ),
    "bad-date": (("events", 2, "date", "31.02.1999"), "bad-date", "1997-05"),
    "missing-required": (("partnerships", 3, "partner", ""), "missing", "partner municipality"),
    "unknown-partner": (
        ("partnerships", 2, "partner", "beispielstat"),
        "unknown-reference",
        "closest: beispielstadt",
    ),
    "bad-qid": (("city", 2, "wikidata", "Q12x"), "bad-qid", "Q645832"),
    "bad-coordinates": (("city", 2, "lat", "152.1"), "bad-coordinates", "-90 and 90"),
    "duplicate-id": (
        ("events", 3, "id", "przykladowo-beispielstadt-exchange"),
        "duplicate-id",
        "events, row 2",
    ),
    "unknown-column": (
        ("partnerships", 1, "domains", "domian"),
        "unknown-column",
        "closest: domains",
    ),
    "shacl": (("partnerships", 2, "status", ""), "shacl", "shapes"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_row_is_reported_where_it_is(runner: CliRunner, tmp_path: Path, case: str) -> None:
    (sheet, row, column, value), kind, hint = CASES[case]
    template = edited_template(tmp_path, sheet, row, column, value)
    data = data_with_siedlce(tmp_path)
    result = runner.invoke(
        main,
        ["import", str(template), "--city", "przykladowo", "--data", str(data), "--format", "json"],
    )
    assert result.exit_code == 1, result.output
    problems = json.loads(result.stdout)
    assert len(problems) == 1, problems
    problem = problems[0]
    wanted_column = "domian" if kind == "unknown-column" else column
    assert (problem["sheet"], problem["row"], problem["column"], problem["kind"]) == (
        sheet,
        row,
        wanted_column,
        kind,
    )
    assert problem["letter"] == column_letter(headers(sheet).index(column))
    assert hint in problem["expected"], problem
    # a multi-valued cell reports the one bad value
    assert problem["value"] == ("" if kind in ("missing", "shacl") else value.split(" | ")[-1])
    assert sorted(p.name for p in data.iterdir()) == ["siedlce"]  # nothing written


def test_text_report_names_the_cell(runner: CliRunner, tmp_path: Path) -> None:
    template = edited_template(tmp_path, "partnerships", 2, "domains", "kulturra")
    result = runner.invoke(
        main, ["import", str(template), "--city", "przykladowo", "--data", str(tmp_path / "d")]
    )
    assert result.exit_code == 1
    letter = column_letter(headers("partnerships").index("domains"))
    assert f"partnerships, row 2, column {letter} (domains): unknown domain" in result.output
    assert "value:    kulturra" in result.output
    assert "closest: culture" in result.output
    assert "nothing was written" in result.output
    assert not (tmp_path / "d").exists()
