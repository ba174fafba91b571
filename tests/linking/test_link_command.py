"""`twinning-kg link` end to end, through SPARQLWrapper, against a real oxigraph server that holds
the synthetic Wikidata-shaped fixture (tests/fixtures/wikidata/). Every run works on a copy of
data/; the repository's data/ is never written."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS

from tests.conftest import ROOT
from tests.linking.conftest import snapshot
from twinning_kg.cli import main
from twinning_kg.linking.records import SEMAPV, SSSOM
from twinning_kg.vocabulary import GEO, TWIN, WD, WDT

pytestmark = pytest.mark.live

MUNICIPALITY = "https://twinning.example.org/id/municipality/"
SOURCE = "https://twinning.example.org/id/source/"


def link(
    runner: CliRunner, endpoint: str, data: Path, *args: str, input: str | None = None
) -> Result:
    return runner.invoke(
        main, ["link", "--endpoint", endpoint, "--data", str(data), *args], input=input
    )


def links_of(data: Path) -> Graph:
    return Graph().parse(data / "siedlce" / "wikidata-links.ttl")


def test_link_writes_only_clear_links_with_score_and_provenance(
    runner: CliRunner, wikidata_endpoint: str, data_copy: Path
) -> None:
    before = snapshot(data_copy)
    result = link(runner, wikidata_endpoint, data_copy)
    assert result.exit_code == 1, result.output  # Berlin is left to a person
    assert "ambiguous: for a person to decide (1)" in result.stdout
    assert "municipality Berlin" in result.stdout
    assert "Q999999103" in result.stdout and "rejected: country Q30, not Q183" in result.stdout
    assert "rejected: not an instance of a settlement" in result.stdout  # Avesta the scripture

    after = snapshot(data_copy)
    assert set(after) - set(before) == {"siedlce/wikidata-links.ttl"}
    assert all(after[name] == content for name, content in before.items())

    graph = links_of(data_copy)
    assert set(graph.subject_objects(OWL.sameAs)) == {
        (URIRef(MUNICIPALITY + "avesta"), WD.Q83682),
        (URIRef("https://twinning.example.org/id/region/bavaria"), WD.Q980),
    }
    claim = URIRef("https://twinning.example.org/id/claim/wikidata-link-municipality-avesta")
    assert (claim, RDF.type, TWIN.Claim) in graph
    assert graph.value(claim, RDF.object) == WD.Q83682
    assert float(graph.value(claim, SSSOM.confidence)) == 1.0  # type: ignore[arg-type]
    assert graph.value(claim, SSSOM.mapping_justification) == SEMAPV.LexicalMatching
    assert graph.value(claim, DCTERMS.created) == Literal(date.today())
    assert graph.value(claim, PROV.wasDerivedFrom) == URIRef(SOURCE + "wikidata")
    comments = list(graph.objects(claim, RDFS.comment))
    assert all(isinstance(c, Literal) for c in comments)
    assert {c.language for c in comments if isinstance(c, Literal)} == {"pl", "en"}
    assert (URIRef(SOURCE + "wikidata"), RDF.type, TWIN.Source) in graph


def test_a_second_run_leaves_every_file_as_it_was(
    runner: CliRunner, wikidata_endpoint: str, data_copy: Path
) -> None:
    link(runner, wikidata_endpoint, data_copy)
    first = snapshot(data_copy)
    again = link(runner, wikidata_endpoint, data_copy, "--format", "json")
    assert again.exit_code == 1
    report = json.loads(again.stdout)
    assert [p["label"] for p in report["places"]] == ["Berlin"]  # the others are linked now
    assert snapshot(data_copy) == first


def test_output_is_the_same_bytes_from_two_copies(
    runner: CliRunner, wikidata_endpoint: str, tmp_path: Path, data_copy: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    second = other / "data"
    second.mkdir()
    for path in data_copy.rglob("*.ttl"):
        target = second / path.relative_to(data_copy)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    for folder in (data_copy, second):
        link(runner, wikidata_endpoint, folder)
        link(runner, wikidata_endpoint, folder, "--enrich")
    for name in ("wikidata-links.ttl", "wikidata-enrichment.ttl"):
        assert (data_copy / "siedlce" / name).read_bytes() == (
            second / "siedlce" / name
        ).read_bytes()


def test_dry_run_writes_nothing(runner: CliRunner, wikidata_endpoint: str, data_copy: Path) -> None:
    before = snapshot(data_copy)
    for args in ([], ["--enrich"]):
        result = link(runner, wikidata_endpoint, data_copy, "--dry-run", *args)
        assert "would write" in result.stdout, result.output
    assert snapshot(data_copy) == before


def test_recheck_confirms_our_links_and_says_why_decoys_lose(
    runner: CliRunner, wikidata_endpoint: str, data_copy: Path
) -> None:
    result = link(
        runner, wikidata_endpoint, data_copy, "--recheck", "--dry-run", "--format", "json"
    )
    report = {p["label"]: p for p in json.loads(result.stdout)["places"]}
    kirov = report["Kirov"]
    assert kirov["outcome"] == "confirmed"
    decoy = next(c for c in kirov["candidates"] if c["item"] == str(WD.Q153490))
    assert decoy["viable"] is False
    assert "km from our coordinates" in decoy["rejected"]
    brest = report["Brest"]
    assert brest["outcome"] == "confirmed"
    french = next(c for c in brest["candidates"] if c["item"] == str(WD.Q12193))
    assert "country Q142, not Q184" in french["rejected"]
    assert report["Poland"]["outcome"] == "confirmed"
    assert report["Ingolstadt"]["outcome"] == "differs"  # not in the fixture: no candidate
    assert report["Berlin"]["outcome"] == "ambiguous"


def test_interactive_choice_is_written_as_a_persons_decision(
    runner: CliRunner, wikidata_endpoint: str, data_copy: Path
) -> None:
    result = link(runner, wikidata_endpoint, data_copy, "--interactive", input="1\n")
    assert result.exit_code == 0, result.output
    assert "Link to which candidate?" in result.stdout
    graph = links_of(data_copy)
    assert (URIRef(MUNICIPALITY + "berlin"), OWL.sameAs, WD.Q64) in graph
    claim = URIRef("https://twinning.example.org/id/claim/wikidata-link-municipality-berlin")
    assert graph.value(claim, SSSOM.mapping_justification) == SEMAPV.ManualMappingCuration


def test_validate_then_asks_the_reviewer_to_drop_the_note(
    runner: CliRunner, wikidata_endpoint: str, data_copy: Path
) -> None:
    result = link(runner, wikidata_endpoint, data_copy)
    assert "Avesta: delete its twin:wikidataNote" in result.stdout
    validation = runner.invoke(main, ["validate", "--format", "json", str(data_copy)])
    assert validation.exit_code == 1, validation.output
    violations = [
        r for r in json.loads(validation.stdout)["results"] if r["severity"] == "Violation"
    ]
    assert {r["focusNode"] for r in violations} == {MUNICIPALITY + "avesta"}


def test_enrich_writes_labels_facts_and_their_provenance(
    runner: CliRunner, wikidata_endpoint: str, data_copy: Path
) -> None:
    result = link(runner, wikidata_endpoint, data_copy, "--enrich")
    assert result.exit_code == 0, result.output
    assert f"knows nothing about {WD.Q3004}" in result.stdout  # Ingolstadt: not in the fixture
    graph = Graph().parse(data_copy / "siedlce" / "wikidata-enrichment.ttl")
    assert set(graph.objects(WD.Q5384, RDFS.label)) == {
        Literal("Kirov", lang="en"),
        Literal("Kirów", lang="pl"),
        Literal("Киров", lang="ru"),  # the place's own language
    }
    assert float(graph.value(WD.Q319813, GEO.lat)) == pytest.approx(52.165)  # type: ignore[arg-type]
    assert graph.value(WD.Q319813, WDT.P17) == WD.Q36
    assert graph.value(WD.Q319813, WDT.P1082) == Literal(77000)
    assert graph.value(WD.Q319813, WDT.P856) == URIRef("https://siedlce.example.org/")
    retrieval = graph.value(WD.Q319813, PROV.wasDerivedFrom)
    assert retrieval == URIRef(SOURCE + "wikidata-enrichment-siedlce")
    assert graph.value(retrieval, DCTERMS.created) == Literal(date.today())
    assert graph.value(retrieval, PROV.wasDerivedFrom) == URIRef(SOURCE + "wikidata")
    assert (WD.Q3004, None, None) not in graph
    validation = runner.invoke(main, ["validate", str(data_copy)])
    assert validation.exit_code == 0, validation.output  # the enrichment passes the shapes


def test_check_reports_every_difference(
    runner: CliRunner, wikidata_endpoint: str, data_copy: Path
) -> None:
    result = link(runner, wikidata_endpoint, data_copy, "--check", "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    found = {(d["kind"], d["town_label"], d["partner_label"]) for d in report["differences"]}
    assert found == {
        ("missing-here", "Siedlce", "Nevers"),
        ("missing-here", "Siedlce", "Brest"),
        ("missing-in-wikidata", "Siedlce", "Sabinov"),
        ("missing-in-wikidata", "Sabinov", "Siedlce"),
        ("start-missing-in-wikidata", "Siedlce", "Pescantina"),
        ("start-date", "Siedlce", "Vilnius District Municipality"),
        ("status", "Kirov", "Siedlce"),
    }
    agreeing = {(d["town_label"], d["partner_label"]) for d in report["agreements"]}
    assert ("Siedlce", "Kirov") in agreeing  # ended in 2022 on both sides
    assert len(agreeing) == 9
    assert not any("Q153490" in d["partner"] for d in report["differences"])  # deprecated

    table = link(runner, wikidata_endpoint, data_copy, "--check")
    assert "7 difference(s), 9 direction(s) agree" in table.stdout
    csv_report = link(runner, wikidata_endpoint, data_copy, "--check", "--format", "csv")
    assert csv_report.stdout.splitlines()[0] == (
        "kind,town,town_item,partner,partner_item,ours,wikidata,partnership"
    )
    assert len(csv_report.stdout.splitlines()) == 1 + 7 + 9


def test_check_writes_quickstatements_with_our_sources(
    runner: CliRunner, wikidata_endpoint: str, data_copy: Path, tmp_path: Path
) -> None:
    target = tmp_path / "add-to-wikidata.qs"
    result = link(runner, wikidata_endpoint, data_copy, "--check", "--quickstatements", str(target))
    assert result.exit_code == 1
    today = f"S813\t+{date.today().isoformat()}T00:00:00Z/11"
    sabinov = f'S854\t"https://twinning.example.org/id/partnership/siedlce-sabinov"\t{today}'
    eo = f'S854\t"https://eo.wikipedia.org/wiki/Siedlce"\t{today}'
    assert target.read_text(encoding="utf-8").splitlines() == [
        f"Q5384\tP190\tQ319813\tP582\t+2022-00-00T00:00:00Z/9\t{eo}",
        f"Q837478\tP190\tQ319813\tP580\t+2001-05-24T00:00:00Z/11\t{sabinov}",
        "Q319813\tP190\tQ48107\tP580\t+1993-11-10T00:00:00Z/11\tS854\t"
        f'"https://twinning.example.org/id/partnership/siedlce-pescantina"\t{today}',
        f"Q319813\tP190\tQ837478\tP580\t+2001-05-24T00:00:00Z/11\t{sabinov}",
    ]


def test_check_exits_0_when_wikidata_agrees(
    runner: CliRunner, wikidata_endpoint: str, tmp_path: Path
) -> None:
    folder = tmp_path / "data" / "siedlce"
    folder.mkdir(parents=True)
    for name in ("siedlce.ttl", "sources.ttl", "partnership-berdychiv.ttl"):
        (folder / name).write_bytes((ROOT / "data" / "siedlce" / name).read_bytes())
    result = link(runner, wikidata_endpoint, folder.parent, "--check")
    assert result.exit_code == 0, result.output
    assert "Wikidata agrees with our partnerships" in result.stdout


def test_the_public_service_is_never_asked_without_a_contact(
    runner: CliRunner, data_copy: Path
) -> None:
    result = runner.invoke(main, ["link", "--data", str(data_copy), "--check"])
    assert result.exit_code == 2
    assert "TWINNING_WIKIDATA_CONTACT" in result.stderr
