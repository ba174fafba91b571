"""``twinning-kg query`` on the local data: every output format, and the endpoint's own errors
(syntax with position, time limit, updates, SERVICE, the row cap), each as one line on stderr
with exit code 2. The same command against the live server (``--endpoint``) is tested in
``tests/integration/test_cli_query_endpoint.py``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph
from rdflib.namespace import RDFS

from tests.app.responses import parse_rdf
from twinning_kg.cli import main
from twinning_kg.formats import Format
from twinning_kg.vocabulary import TWIN, entity_iri

SIEDLCE = entity_iri("municipality", "siedlce")
DASING = entity_iri("municipality", "dasing")
LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    f"SELECT ?town ?label WHERE {{ VALUES ?town {{ <{SIEDLCE}> <{DASING}> }}"
    " ?town rdfs:label ?label } ORDER BY ?town ?label"
)
CONSTRUCT = (
    f"CONSTRUCT {{ <{DASING}> <{RDFS.label}> ?label }} WHERE {{ <{DASING}> <{RDFS.label}> ?label }}"
)
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def query(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(main, ["query", *args])


def expected_labels(source_graph: Graph) -> list[tuple[str, str]]:
    return sorted(
        (str(town), str(label))
        for town in (SIEDLCE, DASING)
        for label in source_graph.objects(town, RDFS.label)
    )


def assert_one_line_error(result: Result, *fragments: str) -> str:
    """Exit 2, nothing on stdout, one ``error: …`` line on stderr containing ``fragments``."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def test_select_as_an_aligned_table(runner: CliRunner, source_graph: Graph) -> None:
    result = query(runner, LABELS)
    assert result.exit_code == 0, result.stderr
    header, rule, *rows, count = result.stdout.splitlines()
    assert header.split() == ["town", "label"]
    assert set(rule.replace(" ", "")) == {"-"}
    label_column = header.index("label")
    assert rule[label_column - 2 : label_column] == "  "  # two spaces between columns
    assert all(row[label_column - 2 : label_column] == "  " for row in rows)
    expected = expected_labels(source_graph)
    assert count == f"({len(expected)} rows)"
    assert "Siedlce@pl" in result.stdout
    assert "<https://twinning.example.org/id/municipality/siedlce>" in result.stdout


def test_select_as_csv(runner: CliRunner, source_graph: Graph) -> None:
    result = query(runner, LABELS, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert sorted((r["town"], r["label"]) for r in rows) == expected_labels(source_graph)


def test_select_as_tsv(runner: CliRunner, source_graph: Graph) -> None:
    result = query(runner, LABELS, "--format", "tsv")
    assert result.exit_code == 0, result.stderr
    header, *lines = result.stdout.rstrip("\n").split("\n")
    assert header == "?town\t?label"
    assert len(lines) == len(expected_labels(source_graph))
    assert f'<{SIEDLCE}>\t"Siedlce"@pl' in lines


def test_select_as_json(runner: CliRunner, source_graph: Graph) -> None:
    result = query(runner, LABELS, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    rows = [(b["town"]["value"], b["label"]["value"]) for b in data["results"]["bindings"]]
    assert sorted(rows) == expected_labels(source_graph)


@pytest.mark.parametrize(
    ("ask", "expected"),
    [(f"ASK {{ <{SIEDLCE}> a <{TWIN.Municipality}> }}", True), ("ASK { FILTER(false) }", False)],
)
def test_ask_in_every_format(runner: CliRunner, ask: str, expected: bool) -> None:
    word = "true" if expected else "false"
    assert query(runner, ask).stdout == f"{word}\n"
    assert json.loads(query(runner, ask, "--format", "json").stdout)["boolean"] is expected
    csv_bytes = query(runner, ask, "--format", "csv").stdout_bytes
    assert csv_bytes == f"_askResult\r\n{word}\r\n".encode()
    assert query(runner, ask, "--format", "tsv").stdout == f"?_askResult\n{word}\n"


def test_construct_as_a_table_and_csv(runner: CliRunner, source_graph: Graph) -> None:
    labels = set(source_graph.objects(DASING, RDFS.label))
    table = query(runner, CONSTRUCT)
    assert table.exit_code == 0, table.stderr
    assert table.stdout.splitlines()[0].split() == ["subject", "predicate", "object"]
    assert table.stdout.splitlines()[-1] == f"({len(labels)} rows)"
    assert "rdfs:label" in table.stdout
    rows = list(csv.DictReader(io.StringIO(query(runner, CONSTRUCT, "--format", "csv").stdout)))
    assert {r["object"] for r in rows} == {str(label) for label in labels}
    assert {r["subject"] for r in rows} == {str(DASING)}


def test_construct_as_json_is_json_ld(runner: CliRunner, source_graph: Graph) -> None:
    result = query(runner, CONSTRUCT, "--format", "json")
    assert result.exit_code == 0, result.stderr
    graph = parse_rdf(result.stdout, Format.JSONLD)
    assert set(graph) == set(source_graph.triples((DASING, RDFS.label, None)))


def test_describe_as_a_table(runner: CliRunner) -> None:
    result = query(runner, f"DESCRIBE <{DASING}>")
    assert result.exit_code == 0, result.stderr
    assert "rdf:type" in result.stdout
    assert "twin:Municipality" in result.stdout


def test_a_syntax_error_gives_the_position_on_one_line(runner: CliRunner) -> None:
    line = assert_one_line_error(query(runner, "SELECT * WHERE {\n  ?s ?p ?o\n  FILTER(\n}"))
    assert re.search(r"\b4:\d+\b", line), line


def test_the_time_limit_stops_a_runaway(runner: CliRunner) -> None:
    started = time.monotonic()
    result = query(runner, RUNAWAY, "--timeout", "1")
    elapsed = time.monotonic() - started
    assert_one_line_error(result, "time limit")
    assert elapsed < 1 + 1.5 + 2  # the limit, the kill, and loading the data


def test_the_time_limit_setting_applies(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWINNING_SPARQL_TIMEOUT_S", "0.5")
    assert_one_line_error(query(runner, RUNAWAY), "time limit")


@pytest.mark.parametrize(
    "update", ["INSERT DATA { <http://x/s> <http://x/p> 1 }", "CLEAR ALL", r"\u0044ROP ALL"]
)
def test_updates_are_refused_as_on_the_endpoint(runner: CliRunner, update: str) -> None:
    assert_one_line_error(query(runner, update), "read-only")


def test_service_is_refused_as_on_the_endpoint(runner: CliRunner) -> None:
    service = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    assert_one_line_error(query(runner, service), "SERVICE")


def test_not_a_query(runner: CliRunner) -> None:
    assert_one_line_error(query(runner, "hello"), "Not a SPARQL query")


def test_the_row_cap_cuts_and_says_so(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWINNING_SPARQL_ROW_CAP", "3")
    result = query(runner, "SELECT * WHERE { ?s ?p ?o }", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 1 + 3
    assert "row cap" in result.stderr


def test_relative_iris_resolve_against_the_base(runner: CliRunner) -> None:
    result = query(
        runner, "SELECT ?x WHERE { BIND(<id/municipality/dasing> AS ?x) }", "--format", "csv"
    )
    assert result.exit_code == 0, result.stderr
    assert str(DASING) in result.stdout


@pytest.mark.parametrize("args", [["--format", "xml"], ["--timeout", "0"], ["--timeout", "soon"]])
def test_bad_options_exit_2(runner: CliRunner, args: list[str]) -> None:
    result = query(runner, "ASK {}", *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_an_endpoint_that_is_not_http_is_refused(runner: CliRunner) -> None:
    assert_one_line_error(query(runner, "ASK {}", "--endpoint", "file:///etc/passwd"), "http")


def test_literal_cells_escape_line_breaks(runner: CliRunner) -> None:
    result = query(runner, 'SELECT ?text WHERE { BIND("two\\nlines\\tand a tab" AS ?text) }')
    assert result.exit_code == 0, result.stderr
    assert "two\\nlines\\tand a tab" in result.stdout
    assert len(result.stdout.splitlines()) == 4
