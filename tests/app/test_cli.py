"""The command line: validate's exit codes and report, stats, and errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from rdflib import Graph, Literal
from rdflib.namespace import RDF, SH

from tests.conftest import FIXTURES
from twinning_kg.cli import main

VALID = FIXTURES / "two_towns.ttl"


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    """two_towns.ttl with one defect: ``old`` replaced by ``new`` (which must occur once)."""
    text = VALID.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "defect.ttl"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_validate_real_data_conforms_and_exits_0(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "Conforms: 0 violation(s)" in result.output


def test_validate_fixture_conforms(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate", str(VALID)])
    assert result.exit_code == 0, result.output


def test_violation_exits_1_and_names_label_iri_path_file(runner: CliRunner, tmp_path: Path) -> None:
    defect = broken_copy(tmp_path, 'twin:signingDate "', 'twin:signingDate "1998"^^xsd:gYear , "')
    result = runner.invoke(main, ["validate", str(defect)])
    assert result.exit_code == 1, result.output
    assert "Violation:" in result.output
    assert "https://twinning.example.org/id/agreement/" in result.output
    assert "path:    twin:signingDate" in result.output
    assert "defect.ttl" in result.output
    assert "Does not conform" in result.output


def test_json_report(runner: CliRunner, tmp_path: Path) -> None:
    defect = broken_copy(tmp_path, 'twin:signingDate "', 'twin:signingDate "1998"^^xsd:gYear , "')
    result = runner.invoke(main, ["validate", "--format", "json", str(defect)])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["conforms"] is False
    paths = {r["path"] for r in report["results"] if r["severity"] == "Violation"}
    assert "https://twinning.example.org/def/twinning/signingDate" in paths
    assert all(r["file"] for r in report["results"])


def test_turtle_report_is_a_shacl_report(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate", "--format", "turtle", str(VALID)])
    assert result.exit_code == 0
    graph = Graph().parse(data=result.output, format="turtle")
    report = next(graph.subjects(RDF.type, SH.ValidationReport))
    conforms = graph.value(report, SH.conforms)
    assert isinstance(conforms, Literal)
    assert conforms.toPython() is True


def test_syntax_error_exits_2_with_file_line_column(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\n\nex:a ex:b "open .\n', encoding="utf-8")
    result = runner.invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:3:" in result.output
    assert "Traceback" not in result.output


def test_missing_path_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["validate", str(tmp_path / "nothing.ttl")])
    assert result.exit_code == 2
    assert "no such file or directory" in result.output


def test_stats_counts_classes_and_label_languages(runner: CliRunner) -> None:
    result = runner.invoke(main, ["stats", "--format", "json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["classes"]["twin:Partnership"] >= 7
    assert stats["classes"]["twin:Municipality"] >= 8
    assert {"pl", "en"} <= set(stats["label_languages"])
    text = runner.invoke(main, ["stats"])
    assert "twin:Municipality" in text.output
