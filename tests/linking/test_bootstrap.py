"""`twinning-kg bootstrap --wikidata Q…` against the real `oxigraph` server playing Wikidata: a
synthetic city (Q9000000001, tests/fixtures/wikidata/) started next to a copy of data/siedlce,
validated with it, its triples checked; a second run for Dasing meets Siedlce's partnership; and
every endpoint fault is one line, exit 2, and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS, XSD

from tests.linking.conftest import snapshot
from tests.linking.servers import Reply, closed_port_url, results, scripted_endpoint
from twinning_kg.cli import main
from twinning_kg.linking.bootstrap import parse_qid, slugify
from twinning_kg.loading import read_graph
from twinning_kg.vocabulary import GEO, TWIN, WD, entity_iri

FAST = {"TWINNING_WIKIDATA_TIMEOUT_S": "1", "TWINNING_WIKIDATA_MAX_RETRIES": "1"}
CITY_ITEM = "Q9000000001"
SOURCE = entity_iri("source", "wikidata-q9000000001")
FILES = {
    "przykladowo.ttl",
    "partnership-siedlce.ttl",
    "partnership-beispielheim.ttl",
    "partnership-fiktiv.ttl",
    "partnership-nowhere-town.ttl",
    "places.ttl",
    "sources.ttl",
}


def municipality(slug: str) -> URIRef:
    return entity_iri("municipality", slug)


def bootstrap(runner: CliRunner, endpoint: str, data: Path, *args: str) -> Result:
    command = ["bootstrap", "--endpoint", endpoint, "--data", str(data), *args]
    return runner.invoke(main, command, env=FAST)


def folder_graph(folder: Path) -> Graph:
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")):
        graph += read_graph(path)
    return graph


def violations(runner: CliRunner, data: Path) -> list[dict[str, str]]:
    result = runner.invoke(main, ["validate", str(data), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    found: list[dict[str, str]] = json.loads(result.stdout)["results"]
    return [r for r in found if r["severity"] == "Violation"]


@pytest.fixture
def started(runner: CliRunner, wikidata_endpoint: str, data_copy: Path) -> tuple[Result, Graph]:
    """The synthetic city bootstrapped next to the copy of data/."""
    result = bootstrap(runner, wikidata_endpoint, data_copy, "--wikidata", CITY_ITEM)
    assert result.exit_code == 0, result.output
    return result, folder_graph(data_copy / "przykladowo")


@pytest.mark.live
def test_the_city_folder_has_the_siedlce_layout_and_reuses_siedlce_and_its_countries(
    started: tuple[Result, Graph], data_copy: Path
) -> None:
    _result, graph = started
    assert {p.name for p in (data_copy / "przykladowo").iterdir()} == FILES
    city = municipality("przykladowo")
    assert set(graph.objects(city, RDFS.label)) == {
        Literal("Przykładowo", lang="pl"),
        Literal("Przykladowo", lang="en"),
    }
    assert graph.value(city, OWL.sameAs) == WD[CITY_ITEM]
    assert graph.value(city, TWIN.nativeName) == Literal("Przykładowo", lang="pl")
    assert graph.value(city, TWIN.country) == entity_iri("country", "poland")
    assert float(graph.value(city, GEO.lat)) == 52.5  # type: ignore[arg-type]
    assert float(graph.value(city, GEO.long)) == 21.5  # type: ignore[arg-type]
    # Siedlce and Germany are the data's own IRIs, and are not described again.
    assert (city, TWIN.twinnedWith, municipality("siedlce")) in graph
    assert (municipality("siedlce"), TWIN.twinnedWith, city) in graph
    assert (municipality("siedlce"), RDFS.label, None) not in graph
    assert graph.value(municipality("beispielheim"), TWIN.country) == entity_iri(
        "country", "germany"
    )
    assert (entity_iri("country", "germany"), None, None) not in graph
    assert (None, OWL.sameAs, WD.Q9000000005) not in graph  # the deprecated statement


@pytest.mark.live
def test_each_statement_is_a_partnership_with_its_dates_at_their_precision(
    started: tuple[Result, Graph],
) -> None:
    _result, graph = started
    cases = {
        "siedlce": ("active", Literal("2004-05-01", datatype=XSD.date), None),
        "beispielheim": ("active", Literal("1999-06", datatype=XSD.gYearMonth), None),
        "fiktiv": (
            "ended",
            Literal("1995", datatype=XSD.gYear),
            Literal("2010", datatype=XSD.gYear),
        ),
        "nowhere-town": ("ended", None, None),
    }
    partnerships = set(graph.subjects(RDF.type, TWIN.Partnership))
    assert partnerships == {entity_iri("partnership", f"przykladowo-{p}") for p in cases}
    for partner, (status, start, end) in cases.items():
        node = entity_iri("partnership", f"przykladowo-{partner}")
        assert set(graph.objects(node, TWIN.partner)) == {
            municipality("przykladowo"),
            municipality(partner),
        }
        assert graph.value(node, TWIN.status) == entity_iri("status", status)
        assert graph.value(node, TWIN.startDate) == start
        assert graph.value(node, TWIN.endDate) == end
        assert graph.value(node, TWIN.statusSource) == SOURCE
        notes = [n for n in graph.objects(node, TWIN.statusNote) if isinstance(n, Literal)]
        assert {n.language for n in notes} == {"pl", "en"}
        agreement = graph.value(node, TWIN.agreement)
        assert (agreement, RDF.type, TWIN.Agreement) in graph
        assert set(graph.objects(agreement, TWIN.party)) == set(graph.objects(node, TWIN.partner))
    # Only a start at day precision gives the agreement a signing date; the rest say what to add.
    signed = {
        str(a): d for a, d in graph.subject_objects(TWIN.signingDate) if isinstance(d, Literal)
    }
    assert signed == {
        str(entity_iri("agreement", "przykladowo-siedlce")): Literal(
            "2004-05-01", datatype=XSD.date
        )
    }


@pytest.mark.live
def test_new_places_come_with_what_wikidata_gives_and_notes_for_the_rest(
    started: tuple[Result, Graph], data_copy: Path
) -> None:
    result, graph = started
    partner = municipality("beispielheim")
    # No Polish label on Wikidata: the same name in both, and a note to fix it.
    assert set(graph.objects(partner, RDFS.label)) == {
        Literal("Beispielheim", lang="pl"),
        Literal("Beispielheim", lang="en"),
    }
    assert graph.value(partner, TWIN.nativeName) == Literal("Beispielheim", lang="de")
    assert len(list(graph.objects(partner, SKOS.editorialNote))) == 4
    assert (municipality("nowhere-town"), GEO.lat, None) not in graph
    places = read_graph(data_copy / "przykladowo" / "places.ttl")
    country = entity_iri("country", "fictland")
    assert set(places.subjects(RDF.type, TWIN.Country)) == {country}
    assert places.value(country, TWIN.iso3166Code) == Literal("XF")
    assert places.value(country, OWL.sameAs) == WD.Q9000000009
    assert graph.value(municipality("fiktiv"), TWIN.country) == country
    assert "beispielheim" in result.stdout and "add twin:signingDate" in result.stdout


@pytest.mark.live
def test_everything_is_derived_from_the_retrieval_of_the_item(
    started: tuple[Result, Graph], wikidata_endpoint: str
) -> None:
    _result, graph = started
    typed = {s for s in graph.subjects(RDF.type, None) if (s, RDF.type, TWIN.Source) not in graph}
    assert len(typed) == 13  # 4 new municipalities, 1 country, 4 partnerships, 4 agreements
    for node in typed:
        assert graph.value(node, PROV.wasDerivedFrom) == SOURCE, node
    assert graph.value(SOURCE, RDF.type) == TWIN.Source
    assert str(graph.value(SOURCE, URIRef("http://purl.org/dc/terms/source"))) == wikidata_endpoint
    created = graph.value(SOURCE, URIRef("http://purl.org/dc/terms/created"))
    assert isinstance(created, Literal) and created.datatype == XSD.date


@pytest.mark.live
def test_validate_with_siedlce_reports_only_the_signing_dates_wikidata_does_not_give(
    runner: CliRunner, started: tuple[Result, Graph], data_copy: Path
) -> None:
    found = violations(runner, data_copy)
    min_count = "http://www.w3.org/ns/shacl#MinCountConstraintComponent"
    assert {(v["focusNode"], v["path"], v["constraint"]) for v in found} == {
        (str(entity_iri("agreement", f"przykladowo-{p}")), str(TWIN.signingDate), min_count)
        for p in ("beispielheim", "fiktiv", "nowhere-town")
    }
    # Once a person adds the dates, the data conforms.
    for partner, day in (("beispielheim", "1999-06-12"), ("fiktiv", "1995-03-04")):
        path = data_copy / "przykladowo" / f"partnership-{partner}.ttl"
        agreement = entity_iri("agreement", f"przykladowo-{partner}")
        start = Literal(day, datatype=XSD.date)
        with path.open("a", encoding="utf-8") as stream:
            stream.write(f"\n<{agreement}> <{TWIN.signingDate}> {start.n3()} .\n")
    path = data_copy / "przykladowo" / "partnership-nowhere-town.ttl"
    agreement = entity_iri("agreement", "przykladowo-nowhere-town")
    with path.open("a", encoding="utf-8") as stream:
        stream.write(f'\n<{agreement}> <{TWIN.signingDate}> "2001-01-01"^^<{XSD.date}> .\n')
    assert violations(runner, data_copy) == []


@pytest.mark.live
def test_a_partner_city_of_siedlce_meets_the_partnership_siedlce_has(
    runner: CliRunner, wikidata_endpoint: str, data_copy: Path
) -> None:
    before = snapshot(data_copy / "siedlce")
    result = bootstrap(
        runner, wikidata_endpoint, data_copy, "--wikidata", "Q645832", "--city", "dasing"
    )
    assert result.exit_code == 0, result.output
    graph = folder_graph(data_copy / "dasing")
    dasing, siedlce_dasing = municipality("dasing"), entity_iri("partnership", "siedlce-dasing")
    source = entity_iri("source", "wikidata-q645832")
    assert set(graph.triples((siedlce_dasing, None, None))) == {
        (siedlce_dasing, PROV.wasDerivedFrom, source)
    }
    assert (dasing, RDFS.label, None) not in graph  # Dasing is the data's own
    kammern = entity_iri("partnership", "dasing-kammern-im-liesingtal")
    assert set(graph.objects(kammern, TWIN.partner)) == {
        dasing,
        municipality("kammern-im-liesingtal"),
    }
    assert graph.value(municipality("kammern-im-liesingtal"), TWIN.country) == entity_iri(
        "country", "austria"
    )
    assert snapshot(data_copy / "siedlce") == before
    everything = folder_graph(data_copy / "siedlce") + graph
    assert set(everything.objects(siedlce_dasing, PROV.wasDerivedFrom)) == {
        entity_iri("source", "siedlce-partner-cities-page"),
        source,
    }  # fmt: skip
    [left] = violations(runner, data_copy)
    assert left["focusNode"] == str(entity_iri("agreement", "dasing-kammern-im-liesingtal"))


@pytest.mark.live
def test_an_existing_folder_is_kept_unless_forced(
    runner: CliRunner, wikidata_endpoint: str, data_copy: Path
) -> None:
    folder = data_copy / "przykladowo"
    folder.mkdir()
    (folder / "notes.ttl").write_text("# a person's work\n", encoding="utf-8")
    args = ("--wikidata", CITY_ITEM, "--city", "przykladowo")
    refused = bootstrap(runner, closed_port_url(), data_copy, *args)
    assert refused.exit_code == 2
    assert "exists: give --force" in refused.stderr
    refused = bootstrap(runner, wikidata_endpoint, data_copy, "--wikidata", CITY_ITEM)
    assert refused.exit_code == 2 and "exists" in refused.stderr
    assert [p.name for p in folder.iterdir()] == ["notes.ttl"]
    forced = bootstrap(runner, wikidata_endpoint, data_copy, "--wikidata", CITY_ITEM, "--force")
    assert forced.exit_code == 0, forced.output
    assert {p.name for p in folder.iterdir()} == FILES
    assert not [p for p in data_copy.iterdir() if p.name.startswith(".")]


@pytest.mark.live
def test_an_item_without_p190_statements_is_refused(
    runner: CliRunner, wikidata_endpoint: str, data_copy: Path
) -> None:
    before = snapshot(data_copy)
    result = bootstrap(runner, wikidata_endpoint, data_copy, "--wikidata", "Q36")
    assert result.exit_code == 2
    assert "no P190 (twinned administrative body) statement of Q36" in result.stderr
    assert snapshot(data_copy) == before


FAULTS = {
    "down": None,
    "429-forever": Reply(status=429, headers=(("Retry-After", "0"),), body=b"Too Many Requests"),
    "html": Reply(body=b"<html><body>Down for maintenance</body></html>", content_type="text/html"),
    "not-json": Reply(body=b"\x00garbage"),
    "unexpected-variables": results(["x", "y"]),
}
MESSAGES = {
    "down": "connection refused",
    "429-forever": "still answered HTTP 429 after 1 retries",
    "html": "answered with text/html, not SPARQL JSON results",
    "not-json": "a body that is not JSON",
    "unexpected-variables": "with the variables ?x ?y, expected",
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_is_one_line_exit_2_and_nothing_written(
    runner: CliRunner, data_copy: Path, fault: str
) -> None:
    before = snapshot(data_copy)
    reply = FAULTS[fault]
    if reply is None:
        result = bootstrap(runner, closed_port_url(), data_copy, "--wikidata", CITY_ITEM)
    else:
        with scripted_endpoint([reply]) as endpoint:
            result = bootstrap(runner, endpoint.url, data_copy, "--wikidata", CITY_ITEM)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and MESSAGES[fault] in line
    assert snapshot(data_copy) == before


@pytest.mark.live
def test_a_fault_after_the_first_answer_writes_nothing_either(
    runner: CliRunner, wikidata_endpoint: str, data_copy: Path
) -> None:
    before = snapshot(data_copy)
    script = [Reply(forward=True), Reply(status=500, body=b"java.lang.OutOfMemoryError")]
    with scripted_endpoint(script, upstream=wikidata_endpoint) as endpoint:
        result = bootstrap(runner, endpoint.url, data_copy, "--wikidata", CITY_ITEM)
    assert result.exit_code == 2
    assert "HTTP 500" in result.stderr
    assert snapshot(data_copy) == before


@pytest.mark.parametrize("given", ["Q0", "P190", "Q12x", "Siedlce"])
def test_a_bad_item_or_slug_is_refused_before_any_request(
    runner: CliRunner, data_copy: Path, given: str
) -> None:
    result = bootstrap(runner, closed_port_url(), data_copy, "--wikidata", given)
    assert result.exit_code == 2
    assert "--wikidata takes an item's Q-id" in result.stderr
    args = ("--wikidata", "Q1", "--city", "Bad Slug")
    bad_slug = bootstrap(runner, closed_port_url(), data_copy, *args)
    assert bad_slug.exit_code == 2 and "--city takes a slug" in bad_slug.stderr


def test_item_ids_and_slugs() -> None:
    assert parse_qid("https://www.wikidata.org/wiki/Q319813") == WD.Q319813
    assert slugify("Rejon Wileński") == "rejon-wilenski"
    assert slugify("Łódź") == "lodz"
    assert slugify("Бердичів") == ""
