"""Many cities in one graph (issue 9): a data folder with Siedlce's real records next to two
synthetic sample cities (``tests/fixtures/cities/``, invented and marked as such).

Synthetica is twinned with Fictopol and with Siedlce; Fictopol with Synthetica. Both Synthetica
and Fictopol record their partnership, each in its own folder and from its own source, under
one IRI. The server, the build and the example queries run over a temporary root that holds
copies of ``ontology/``, ``shapes/``, ``data/siedlce/`` and the two synthetic folders.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS

from tests.app.downloads import fetch
from tests.app.responses import HtmlPage
from tests.app.test_dcat_ap import SUITES, check_catalogue
from tests.conftest import FIXTURES, ROOT
from tests.rdf_files import parse_rdf
from twinning_kg.cli import main
from twinning_kg.examples import Example, find_example, load_examples
from twinning_kg.publishing.build import build, read_manifest
from twinning_kg.publishing.dumps import DUMP_FORMATS
from twinning_kg.settings import Settings
from twinning_kg.store.oxigraph import OxigraphStore
from twinning_kg.vocabulary import TWIN, VOID
from twinning_kg.web import create_app

BASE = "https://twinning.example.org/"
CATALOG = URIRef(BASE + "catalog")
WHOLE = URIRef(BASE + "catalog#twinning")
ONTOLOGY = URIRef(BASE + "catalog#ontology")
CITIES = ("fictopol", "siedlce", "synthetica")
SHARED = URIRef(BASE + "id/partnership/fictopol-synthetica")
WITH_SIEDLCE = URIRef(BASE + "id/partnership/siedlce-synthetica")
SOURCES = {
    URIRef(BASE + "id/source/synthetica-sample-records"),
    URIRef(BASE + "id/source/fictopol-sample-records"),
}
NOT_REAL = "synthetic sample city, not real"
SPARQL_JSON = "application/sparql-results+json"
WIKIDATA = "http://www.wikidata.org/entity/"
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")


def _dataset(city: str) -> URIRef:
    return URIRef(f"{BASE}catalog#city-{city}")


def _make_root(root: Path) -> Path:
    for folder in ("ontology", "shapes"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copytree(ROOT / "data" / "siedlce", root / "data" / "siedlce")
    for city in ("synthetica", "fictopol"):
        shutil.copytree(FIXTURES / "cities" / city, root / "data" / city)
    return root


@pytest.fixture(scope="module")
def cities_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings rooted at a folder holding Siedlce and the two synthetic cities, built."""
    root = _make_root(tmp_path_factory.mktemp("cities"))
    settings = Settings(root=root, build_dir=root / "build")
    build(settings)
    return settings


@pytest.fixture(scope="module")
def cities_app(cities_settings: Settings) -> Flask:
    store = OxigraphStore.from_paths(
        cities_settings.source_dirs, root=cities_settings.root, base_iri=cities_settings.base_iri
    )
    app = create_app(cities_settings, store=store)
    app.testing = True
    return app


@pytest.fixture
def cities_client(cities_app: Flask) -> Iterator[FlaskClient]:
    with cities_app.test_client() as client:
        yield client


@pytest.fixture(scope="module")
def catalogue(cities_settings: Settings) -> Graph:
    return Graph().parse(cities_settings.build_dir / "catalog.ttl", format="turtle")


def _records(settings: Settings, city: str) -> Graph:
    graph = Graph()
    for path in sorted((settings.root / "data" / city).glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def _select(client: FlaskClient, query: str) -> list[dict[str, str]]:
    response = client.post(
        "/sparql",
        data=query.encode("utf-8"),
        content_type="application/sparql-query",
        headers={"Accept": SPARQL_JSON},
    )
    body = response.get_data(as_text=True)
    response.close()
    assert response.status_code == 200, body
    bindings = json.loads(body)["results"]["bindings"]
    return [{name: value["value"] for name, value in row.items()} for row in bindings]


# The fixture itself ------------------------------------------------------------------------------


def test_every_label_of_the_synthetic_cities_says_they_are_not_real() -> None:
    graph = Graph()
    for path in sorted((FIXTURES / "cities").rglob("*.ttl")):
        graph.parse(path, format="turtle")
    labels = list(graph.subject_objects(RDFS.label))
    assert labels
    for subject, label in labels:
        assert "not real" in str(label) or "nie prawdziw" in str(label), (subject, label)
    for source in graph.subjects(RDF.type, TWIN.Source):
        assert NOT_REAL in str(graph.value(source, RDFS.label)).lower() + " ".join(
            str(d).lower() for d in graph.objects(source, DCTERMS.description)
        )
    items = {str(o) for o in graph.objects(None, OWL.sameAs)}
    assert items == {f"{WIKIDATA}Q9000000001", f"{WIKIDATA}Q9000000002"}


# Pages -------------------------------------------------------------------------------------------


def test_the_home_page_lists_every_city_and_each_partnership_once(
    cities_client: FlaskClient,
) -> None:
    response = cities_client.get("/?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = HtmlPage(html)
    assert "Cities and their partnerships" in page.text
    for name in ("Siedlce", "Synthetica", "Fictopol"):
        assert name in page.text
    paths = [href.split("?")[0] for href in page.hrefs]
    for path in ("/id/municipality/siedlce", "/id/municipality/synthetica"):
        assert path in paths
    assert paths.count("/id/municipality/fictopol") == 1, "the city list links it once"
    assert paths.count("/id/partnership/fictopol-synthetica") == 1, "one row"
    assert "/id/partnership/siedlce-synthetica" in paths
    assert "/id/partnership/siedlce-dasing" in paths
    match = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html)
    assert match is not None
    mapped = json.loads(match.group(1))
    main_points = {point["href"].split("?")[0] for point in mapped["points"] if point["main"]}
    assert main_points == {f"/id/municipality/{city}" for city in CITIES}
    lines = [line["href"].split("?")[0] for line in mapped["lines"]]
    assert lines.count("/id/partnership/fictopol-synthetica") == 1


@pytest.mark.parametrize(
    "path",
    [
        "/id/municipality/synthetica",
        "/id/municipality/fictopol",
        "/id/municipality/siedlce",
        "/id/partnership/fictopol-synthetica",
        "/id/partnership/siedlce-synthetica",
        "/id/partnership/siedlce-dasing",
        "/graph/data/fictopol/partnership-synthetica",
    ],
)
def test_entity_pages_of_every_city_work(cities_client: FlaskClient, path: str) -> None:
    html = cities_client.get(path, headers={"Accept": "text/html"})
    assert html.status_code == 200
    turtle = cities_client.get(path, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    assert len(Graph().parse(data=turtle.data, format="turtle")) > 0


def test_a_partnership_both_cities_record_is_one_resource_with_both_sources(
    cities_client: FlaskClient,
) -> None:
    response = cities_client.get("/id/partnership/fictopol-synthetica.ttl")
    graph = Graph().parse(data=response.data, format="turtle")
    assert set(graph.objects(SHARED, PROV.wasDerivedFrom)) == SOURCES
    assert len(set(graph.objects(SHARED, TWIN.partner))) == 2
    rows = _select(
        cities_client,
        f"""PREFIX twin: <{TWIN}>
        SELECT ?partnership ?graph WHERE {{
          GRAPH ?graph {{ ?partnership a twin:Partnership ;
            twin:partner <{BASE}id/municipality/fictopol> , <{BASE}id/municipality/synthetica> }}
        }}""",
    )
    assert {row["partnership"] for row in rows} == {str(SHARED)}
    assert {row["graph"] for row in rows} == {
        f"{BASE}graph/data/fictopol/partnership-synthetica",
        f"{BASE}graph/data/synthetica/partnership-fictopol",
    }
    page = HtmlPage(cities_client.get("/id/partnership/fictopol-synthetica?lang=en").text)
    assert "Records of Fictopol" in page.text
    assert "Records of Synthetica" in page.text


def test_two_partnership_iris_for_the_same_two_towns_fail_validate(
    cities_settings: Settings, tmp_path: Path
) -> None:
    """Had Fictopol named the partnership otherwise, the graph would hold two: validate says so."""
    root = _make_root(tmp_path / "root")
    record = root / "data" / "fictopol" / "partnership-synthetica.ttl"
    text = record.read_text(encoding="utf-8")
    record.write_text(
        text.replace("partnership:fictopol-synthetica", "partnership:synthetica-fictopol"),
        encoding="utf-8",
    )
    paths = [str(root / "ontology"), str(root / "data")]
    result = CliRunner().invoke(main, ["validate", *paths, "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    found = {
        (violation["focusNode"], violation["shape"])
        for violation in report["results"]
        if violation["severity"] == "Violation"
    }
    shape = "https://twinning.example.org/def/shapes/OnePartnershipPerPairShape"
    assert found == {
        (str(SHARED), shape),
        (f"{BASE}id/partnership/synthetica-fictopol", shape),
    }


# Catalogue, VoID, dumps -------------------------------------------------------------------------


def test_the_catalogue_has_one_dataset_per_city_plus_the_whole(catalogue: Graph) -> None:
    cities = {_dataset(city) for city in CITIES}
    assert set(catalogue.objects(CATALOG, DCAT.dataset)) == {WHOLE, ONTOLOGY} | cities
    assert set(catalogue.objects(WHOLE, DCTERMS.hasPart)) == cities
    for city in cities:
        assert (city, DCTERMS.isPartOf, WHOLE) in catalogue
        assert (city, RDF.type, DCAT.Dataset) in catalogue
        assert len(list(catalogue.objects(city, DCAT.distribution))) == len(DUMP_FORMATS)
        assert catalogue.value(city, DCTERMS.publisher) == catalogue.value(WHOLE, DCTERMS.publisher)
    titles = {str(t) for t in catalogue.objects(_dataset("synthetica"), DCTERMS.title)}
    assert f"Town twinning partnerships of Synthetica ({NOT_REAL})" in titles
    spatial = set(catalogue.objects(_dataset("synthetica"), DCTERMS.spatial))
    poland = URIRef("http://publications.europa.eu/resource/authority/country/POL")
    assert spatial == {URIRef(WIKIDATA + "Q9000000001"), poland}
    whole_spatial = set(catalogue.objects(WHOLE, DCTERMS.spatial))
    assert whole_spatial == {
        URIRef(WIKIDATA + "Q319813"),
        URIRef(WIKIDATA + "Q9000000001"),
        URIRef(WIKIDATA + "Q9000000002"),
        poland,
    }
    graphs = set(catalogue.objects(_dataset("fictopol"), DCTERMS.hasPart))
    assert graphs == {
        URIRef(f"{BASE}graph/data/fictopol/{name}")
        for name in ("fictopol", "partnership-synthetica", "sources")
    }
    period = catalogue.value(_dataset("fictopol"), DCTERMS.temporal)
    assert catalogue.value(period, DCAT.startDate) == Literal("2001-06-15", datatype=XSD_DATE)
    keywords = {str(k) for k in catalogue.objects(_dataset("synthetica"), DCAT.keyword)}
    assert {"Siedlce", f"Fictopol ({NOT_REAL})"} <= keywords


def test_the_catalogue_page_shows_every_citys_dataset_and_downloads(
    cities_client: FlaskClient,
) -> None:
    response = fetch(cities_client, "/catalog?lang=en", {"Accept": "text/html"})
    assert response.status_code == 200
    page = HtmlPage(response.data.decode())
    assert "Town twinning partnerships of Siedlce" in page.text
    assert f"Town twinning partnerships of Fictopol ({NOT_REAL})" in page.text
    for city in CITIES:
        assert f"/dumps/city-{city}.ttl" in page.hrefs


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_the_catalogue_of_three_cities_passes_the_dcat_ap_shapes(
    catalogue: Graph, suite: str
) -> None:
    check_catalogue(catalogue, suite)


def test_void_has_a_subset_per_city_counting_its_files(cities_settings: Settings) -> None:
    void = Graph().parse(cities_settings.build_dir / "void.ttl", format="turtle")
    for city in CITIES:
        node = _dataset(city)
        assert (WHOLE, VOID.subset, node) in void
        count = void.value(node, VOID.triples)
        assert isinstance(count, Literal)
        assert int(count) == len(_records(cities_settings, city))
        dumps = {str(d) for d in void.objects(node, VOID.dataDump)}
        assert dumps == {f"{BASE}dumps/city-{city}{fmt.suffix}" for fmt in DUMP_FORMATS}


def test_each_city_has_its_own_dumps_and_the_whole_dump_holds_them_all(
    cities_client: FlaskClient, cities_settings: Settings
) -> None:
    manifest = read_manifest(cities_settings.build_dir)
    assert manifest is not None
    sums = (cities_settings.build_dir / "dumps" / "SHA256SUMS").read_text(encoding="utf-8")
    for city in CITIES:
        response = fetch(cities_client, f"/dumps/city-{city}.nq.gz")
        assert response.status_code == 200
        triples, graphs = parse_rdf(response.data, "application/n-quads", compressed=True)
        assert graphs and all(g.startswith(f"{BASE}graph/data/{city}/") for g in graphs)
        assert (
            len(triples) == manifest.triples[f"city-{city}"] == len(_records(cities_settings, city))
        )
        assert f"city-{city}.ttl" in sums
    whole = fetch(cities_client, "/dumps/twinning.ttl")
    graph = Graph().parse(data=whole.data, format="turtle")
    assert set(graph.objects(SHARED, PROV.wasDerivedFrom)) == SOURCES
    assert (WITH_SIEDLCE, RDF.type, TWIN.Partnership) in graph


# Example queries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("example", load_examples(), ids=lambda e: e.name)
def test_every_example_query_runs_over_several_cities(
    cities_client: FlaskClient, example: Example
) -> None:
    accept = SPARQL_JSON if example.form == "SELECT" else "text/turtle"
    response = cities_client.post(
        "/sparql",
        data=example.text.encode("utf-8"),
        content_type="application/sparql-query",
        headers={"Accept": accept},
    )
    body = response.get_data(as_text=True)
    response.close()
    assert response.status_code == 200, body
    if example.form == "SELECT":
        assert json.loads(body)["results"]["bindings"], "no rows"
    else:
        assert len(Graph().parse(data=body, format="turtle")) > 0


def _run(client: FlaskClient, name: str) -> list[dict[str, str]]:
    example = find_example(name)
    assert example is not None
    return _select(client, example.text)


def test_partner_towns_come_from_every_city_and_both_sides_of_a_shared_partnership(
    cities_client: FlaskClient,
) -> None:
    rows = _run(cities_client, "partners-signing-dates")
    cities = {row["cityLabel"].split(" (")[0] for row in rows}
    assert cities == {"Siedlce", "Synthetica", "Fictopol"}
    pairs = {(row["cityLabel"].split(" (")[0], row["partnerLabel"].split(" (")[0]) for row in rows}
    assert {("Synthetica", "Siedlce"), ("Synthetica", "Fictopol"), ("Fictopol", "Synthetica")} <= (
        pairs
    )
    assert ("Siedlce", "Dasing") in pairs
    assert ("Siedlce", "Synthetica") not in pairs, "Siedlce's real records do not know it"
    shared = [row for row in rows if row["partnership"] == str(SHARED)]
    assert len(shared) == 2


def test_the_other_examples_count_across_cities(cities_client: FlaskClient) -> None:
    by_domain = {row["domainLabel"]: row for row in _run(cities_client, "partnerships-by-domain")}
    culture = {name.split(" (")[0] for name in by_domain["culture"]["partners"].split(", ")}
    assert {"Dasing", "Synthetica", "Fictopol"} <= culture
    decades = {
        int(float(row["decade"])): row["partners"]
        for row in _run(cities_client, "agreements-per-decade")
    }
    assert "Siedlce" in decades[2000] and "Fictopol" in decades[2000]
    towns = {
        row["label"].split(" (")[0]: row.get("partnerOf", "")
        for row in _run(cities_client, "wikidata-links-and-coordinates")
    }
    assert towns["Dasing"] == "Siedlce"
    assert towns["Siedlce"].startswith("Synthetica")
    assert towns["Fictopol"].startswith("Synthetica")
