"""The example queries for researchers: each runs through the real endpoint and answers what the
seed implies; /queries lists them all; /sparql opens the editor on them."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS
from rdflib.plugins.sparql import prepareQuery

from tests.app.responses import HtmlPage
from tests.conftest import ROOT
from twinning_kg.examples import Example, find_example, load_examples, parse_example
from twinning_kg.vocabulary import TWIN
from twinning_kg.web.query_pages import YASGUI_STYLE_HASHES

EXAMPLES = load_examples()
NAMES = [example.name for example in EXAMPLES]
YASGUI_JS = ROOT / "twinning_kg" / "web" / "static" / "vendor" / "yasgui" / "yasgui.min.js"
SPARQL_JSON = "application/sparql-results+json"
DASH = "\N{EN DASH}"  # labels join the two towns with it

Rows = list[dict[str, str]]


def run(client: FlaskClient, example: Example) -> Rows:
    """POST the example as application/sparql-query; its solutions as {variable: value}."""
    response = client.post(
        "/sparql",
        data=example.text.encode("utf-8"),
        content_type="application/sparql-query",
        headers={"Accept": SPARQL_JSON},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == SPARQL_JSON
    assert "X-Result-Truncated" not in response.headers
    body = json.loads(response.get_data(as_text=True))
    rows = [
        {name: value["value"] for name, value in binding.items()}
        for binding in body["results"]["bindings"]
    ]
    assert response.headers["X-Result-Rows"] == str(len(rows))
    return rows


def column(rows: Rows, name: str) -> list[str]:
    return [row[name] for row in rows if name in row]


# What the seed implies, example by example -------------------------------------------------------


def check_partners_signing_dates(rows: Rows) -> None:
    assert len(rows) == 7
    by_partner = {row["partnerLabel"]: row for row in rows}
    assert set(by_partner) == {
        "Pescantina",
        "Vilnius District Municipality",
        "Dasing",
        "Vawkavysk",
        "Sabinov",
        "Berdychiv",
        "Kirov",
    }
    signed_1998 = {row["partnerLabel"] for row in rows if row["signed"].startswith("1998")}
    assert signed_1998 == {"Dasing", "Vilnius District Municipality"}
    assert by_partner["Dasing"]["signed"] == "1998-07-26"
    assert by_partner["Vilnius District Municipality"]["signed"] == "1998-05-30"
    assert by_partner["Kirov"]["status"] == "ended"
    assert {row["status"] for row in rows if row["partnerLabel"] != "Kirov"} == {"active"}
    assert by_partner["Berdychiv"]["country"] == "Ukraine"
    assert column(rows, "signed") == sorted(column(rows, "signed")), "oldest first"
    assert rows[0]["partnerLabel"] == "Pescantina"
    assert {row["cityLabel"] for row in rows} == {"Siedlce"}


def check_partnerships_by_domain(rows: Rows) -> None:
    by_domain = {row["domainLabel"]: row for row in rows}
    assert int(by_domain["culture"]["partnerships"]) == 7
    assert int(by_domain["education"]["partnerships"]) == 7
    assert by_domain["media"]["partners"] == "Kirov"
    assert set(by_domain["economy"]["partners"].split(", ")) == {
        "Pescantina",
        "Kirov",
        "Dasing",
        "Berdychiv",
    }
    assert set(by_domain["sport"]["partners"].split(", ")) == {
        "Vilnius District Municipality",
        "Sabinov",
        "Kirov",
        "Dasing",
        "Berdychiv",
    }


def check_dasing_timeline(rows: Rows) -> None:
    assert len(rows) == 7
    first = rows[0]
    assert first["when"] == "1997-05"
    assert "Wspólna Europa" in first["labelPl"]
    assert "Common Europe" in first["labelEn"]
    discos = next(row for row in rows if row["labelEn"].startswith("Discos"))
    assert (discos["when"], discos["until"]) == ("2000", "2002")
    assert column(rows, "when") == ["1997-05", "2000", "2002"], "dated first, in order"
    assert any("Bavarian Day" in row["labelEn"] for row in rows[3:])


def check_institutions_per_partnership(rows: Rows) -> None:
    cell = {(row["partnershipLabel"], row.get("basedIn", "")): row for row in rows}
    sabinov = f"Siedlce {DASH} Sabinov partnership"
    assert int(cell[(sabinov, "Siedlce")]["institutions"]) == 6
    assert set(cell[(sabinov, "Sabinov")]["names"].split(" · ")) == {
        "School in Sabinov",
        "Culture Centre in Sabinov",
    }
    assert cell[(f"Siedlce {DASH} Dasing partnership", "Ingolstadt")]["names"] == (
        "Jugendblasmusik orchestra from Ingolstadt"
    )
    assert (
        "School in Pescantina"
        in cell[(f"Siedlce {DASH} Pescantina partnership", "Pescantina")]["names"]
    )
    assert cell[(f"Siedlce {DASH} Kirov partnership", "Siedlce")]["names"] == "Siedlce City Office"


def check_events_by_type_and_year(rows: Rows) -> None:
    count = {(row["type"], row.get("year", "")): int(row["events"]) for row in rows}
    assert count[("concert", "1996")] == 1
    assert count[("street naming", "2002")] == 1
    assert count[("street naming", "2004")] == 1
    assert count[("signing", "2001")] == 1
    assert count[("fair", "1997")] == 1  # "Wspólna Europa"
    assert count[("language camp", "")] == 1  # the source gives no year


def check_wikidata_links_and_coordinates(rows: Rows) -> None:
    by_label = {row["label"]: row for row in rows}
    partners = {label for label, row in by_label.items() if row.get("partnerOf") == "Siedlce"}
    assert partners == {
        "Dasing",
        "Pescantina",
        "Vilnius District Municipality",
        "Vawkavysk",
        "Sabinov",
        "Berdychiv",
        "Kirov",
    }
    assert all(
        by_label[label]["wikidata"].startswith("http://www.wikidata.org/entity/Q")
        for label in partners
    )
    assert by_label["Dasing"]["wikidata"] == "http://www.wikidata.org/entity/Q645832"
    assert Decimal(by_label["Dasing"]["lat"]) == Decimal("48.38482")
    assert Decimal(by_label["Kirov"]["long"]) == Decimal("49.66007")
    assert "wikidata" not in by_label["Berlin"]
    assert "Berlin" in by_label["Berlin"]["wikidataNote"]
    assert "partnerOf" not in by_label["Siedlce"], "a city is no partner of itself"
    assert column(rows, "partnerOf")[: len(partners)] == ["Siedlce"] * len(partners), "first"


def check_agreements_per_decade(rows: Rows) -> None:
    decades = {int(Decimal(row["decade"])): row for row in rows}
    assert set(decades) == {1990, 2000}
    assert int(decades[1990]["agreements"]) == 3
    assert int(decades[2000]["agreements"]) == 4
    assert set(decades[1990]["partners"].split(", ")) == {
        "Pescantina",
        "Dasing",
        "Vilnius District Municipality",
    }


def check_ended_or_suspended_partnerships(rows: Rows) -> None:
    assert len(rows) == 1, "Kirov is the only partnership that ended"
    (kirov,) = rows
    assert kirov["partnershipLabel"] == f"Siedlce {DASH} Kirov partnership"
    assert kirov["status"] == "ended"
    assert kirov["endDate"] == "2022"
    assert kirov["sourceLabel"] == "Esperanto Wikipedia: Siedlce"
    assert kirov["sourcePage"] == "https://eo.wikipedia.org/wiki/Siedlce"
    assert kirov["graph"].endswith("/graph/data/siedlce/other-sources")
    assert "Esperanto Wikipedia" in kirov["statusNote"]
    assert f"End of the Siedlce {DASH} Kirov partnership in 2022" in kirov["claims"]


def check_claims_conflicting_with_city_page(rows: Rows) -> None:
    assert len(rows) == 1, "only the Vilnius District's start date is contradicted"
    (claim,) = rows
    assert claim["subjectLabel"] == f"Siedlce {DASH} Vilnius District Municipality partnership"
    assert claim["property"] == str(TWIN.startDate)
    assert (claim["claimed"], claim["cityPage"]) == ("2002", "1998-05-30")
    assert "Esperanto Wikipedia" in claim["claimSources"]


def check_events_in_pescantina(rows: Rows) -> None:
    assert len(rows) == 4
    labels = column(rows, "label")
    assert 'Naming of a street in Pescantina "via Siedlce" (2002)' in labels
    assert "Return visit of the Siedlce choir to Pescantina (1998)" in labels
    assert column(rows, "when") == ["1998", "2000-10", "2002"]
    concerts = next(row for row in rows if "Podlasie" in row["label"])
    assert concerts["who"] == '"Podlasie" folk ensemble'


def check_schools_cooperating_with_sabinov(rows: Rows) -> None:
    assert {row["schoolLabel"] for row in rows} == {
        "School Complex No. 1 in Siedlce",
        "Public Lower Secondary School No. 1 in Siedlce",
        "Primary School No. 12 in Siedlce",
    }
    assert {row["town"] for row in rows} == {"Siedlce"}
    assert {row["partnerLabel"] for row in rows} == {"School in Sabinov"}


def check_general_contacts_by_country(rows: Rows) -> None:
    by_country = {row["country"]: row for row in rows}
    assert set(by_country) == {
        "Denmark",
        "France",
        "Germany",
        "Sweden",
        "United Kingdom",
        "Italy",
        "Belarus",
        "Lithuania",
        "Russia",
        "Slovakia",
        "Ukraine",
        "Japan",
    }
    assert by_country["Japan"]["participant"] == "Municipal Culture Centre in Siedlce"
    assert by_country["Japan"]["domain"] == "culture"
    assert by_country["Germany"]["isoCode"] == "DE"
    assert by_country["Germany"]["domain"] == "local government"


def check_named_graphs_and_sizes(rows: Rows) -> None:
    sizes = {row["graph"].rsplit("/graph/", 1)[1]: int(row["triples"]) for row in rows}
    for path in sorted((ROOT / "data" / "siedlce").glob("*.ttl")):
        assert sizes[f"data/siedlce/{path.stem}"] > 0, path.name
    assert sizes["ontology/twinning"] > 0
    counts = [int(row["triples"]) for row in rows]
    assert counts == sorted(counts, reverse=True), "largest first"


def check_label_languages(rows: Rows) -> None:
    count = {(row["property"], row["language"]): int(row["resources"]) for row in rows}
    label = str(RDFS.label)
    assert count[(label, "pl")] == count[(label, "en")] > 400
    native = {language for prop, language in count if prop == str(TWIN.nativeName)}
    assert {"de", "it", "lt", "be", "uk", "ru", "sk"} <= native


def check_streets_named_after_partners(rows: Rows) -> None:
    assert [(row["street"], row["town"], row["year"]) for row in rows] == [
        ("via Siedlce", "Pescantina", "2002"),
        ("Pescantina", "Siedlce", "2004"),
    ]
    assert {row["partnershipLabel"] for row in rows} == {f"Siedlce {DASH} Pescantina partnership"}


CHECKS: dict[str, Callable[[Rows], None]] = {
    "partners-signing-dates": check_partners_signing_dates,
    "partnerships-by-domain": check_partnerships_by_domain,
    "dasing-timeline": check_dasing_timeline,
    "institutions-per-partnership": check_institutions_per_partnership,
    "events-by-type-and-year": check_events_by_type_and_year,
    "wikidata-links-and-coordinates": check_wikidata_links_and_coordinates,
    "agreements-per-decade": check_agreements_per_decade,
    "ended-or-suspended-partnerships": check_ended_or_suspended_partnerships,
    "claims-conflicting-with-city-page": check_claims_conflicting_with_city_page,
    "events-in-pescantina": check_events_in_pescantina,
    "schools-cooperating-with-sabinov": check_schools_cooperating_with_sabinov,
    "general-contacts-by-country": check_general_contacts_by_country,
    "named-graphs-and-sizes": check_named_graphs_and_sizes,
    "label-languages": check_label_languages,
    "streets-named-after-partners": check_streets_named_after_partners,
}
GRAPH_EXAMPLES = {"partnership-network"}


# The library ----------------------------------------------------------------------------------


def test_there_are_at_least_twelve_examples() -> None:
    assert len(EXAMPLES) >= 12


def test_every_example_has_a_check() -> None:
    assert set(NAMES) == set(CHECKS) | GRAPH_EXAMPLES


@pytest.mark.parametrize("example", EXAMPLES, ids=NAMES)
def test_example_header_and_portability(example: Example) -> None:
    lines = example.text.splitlines()
    assert lines[0].startswith("# title@en: ")
    assert lines[1].startswith("# title@pl: ")
    assert lines[2].startswith("# description@en: ")
    assert lines[3].startswith("# description@pl: ")
    assert example.title["pl"] != example.title["en"]
    # Runs unchanged in another SPARQL engine: every prefix it uses is declared in the file.
    prepareQuery(example.text)
    assert "twinning.example.org/id/" not in example.text, "entities are found by label"


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example_answers_what_the_seed_implies(client: FlaskClient, name: str) -> None:
    example = find_example(name)
    assert example is not None
    CHECKS[name](run(client, example))


def test_construct_example_returns_the_partnership_network(client: FlaskClient) -> None:
    example = find_example("partnership-network")
    assert example is not None and example.form == "CONSTRUCT"
    response = client.post(
        "/sparql",
        data=example.text.encode("utf-8"),
        content_type="application/sparql-query",
        headers={"Accept": "text/turtle"},
    )
    assert response.status_code == 200
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    (siedlce,) = graph.subjects(RDFS.label, Literal("Siedlce", lang="en"))
    partners = {str(graph.value(p, RDFS.label)) for p in graph.objects(siedlce, TWIN.twinnedWith)}
    assert len(partners) == 7
    dasing = URIRef("https://twinning.example.org/id/municipality/dasing")
    assert (dasing, TWIN.twinnedWith, siedlce) in graph


def test_parse_example_refuses_an_incomplete_header() -> None:
    with pytest.raises(ValueError, match="title@pl"):
        parse_example("x", "# title@en: X\n# description@en: Y\n# description@pl: Z\nASK {}\n")
    with pytest.raises(ValueError, match="names"):
        parse_example("Bad Name", "# title@en: X\nASK {}\n")


# /queries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_queries_page_lists_every_example(client: FlaskClient, lang: str) -> None:
    response = client.get(f"/queries?lang={lang}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = HtmlPage(response.get_data(as_text=True))
    assert page.lang == lang
    for example in EXAMPLES:
        assert example.title[lang] in page.text
        assert example.description[lang] in page.text
        assert f"/sparql?example={example.name}&lang={lang}" in page.hrefs
        results = [href for href in page.hrefs if href.startswith("/sparql?query=")]
        assert results
    assert len([href for href in page.hrefs if href.startswith("/sparql?query=")]) == len(EXAMPLES)


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/queries?format=json", {}), ("/queries", {"Accept": "application/json"})],
)
def test_queries_as_json(client: FlaskClient, path: str, headers: dict[str, str]) -> None:
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "Accept" in response.headers["Vary"]
    body = json.loads(response.get_data(as_text=True))
    assert [entry["name"] for entry in body["examples"]] == NAMES
    for entry, example in zip(body["examples"], EXAMPLES, strict=True):
        assert entry["title"] == example.title
        assert entry["description"] == example.description
        assert entry["query"] == example.text
        assert entry["editor"] == f"/sparql?example={example.name}"


def test_results_link_runs_the_example(client: FlaskClient) -> None:
    body = json.loads(client.get("/queries?format=json").get_data(as_text=True))
    entry = next(e for e in body["examples"] if e["name"] == "ended-or-suspended-partnerships")
    response = client.get(entry["results"])
    assert response.status_code == 200
    assert response.mimetype == SPARQL_JSON
    bindings = json.loads(response.get_data(as_text=True))["results"]["bindings"]
    assert [b["partnershipLabel"]["value"] for b in bindings] == [
        f"Siedlce {DASH} Kirov partnership"
    ]
    graph_entry = next(e for e in body["examples"] if e["name"] == "partnership-network")
    graph_response = client.get(graph_entry["results"])
    assert graph_response.mimetype == "text/turtle"
    assert graph_response.get_data()  # read to the end: that closes the spooled result


def test_queries_refuses_other_formats(client: FlaskClient) -> None:
    assert client.get("/queries?format=ttl").status_code == 406


# /sparql for browsers -------------------------------------------------------------------------


def page_config(html: str) -> dict[str, object]:
    match = re.search(
        r'<script type="application/json" id="sparql-config">(.*?)</script>', html, re.S
    )
    assert match, "the editor's settings are in a JSON block"
    config: dict[str, object] = json.loads(match.group(1))
    return config


def test_editor_page_carries_examples_and_prefixes(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    config = page_config(html)
    assert config["endpoint"] == "/sparql"
    assert config["run"] is False
    prefixes = config["prefixes"]
    assert isinstance(prefixes, dict)
    for prefix in ("twin", "rdfs", "skos", "dcterms", "prov", "geo", "owl", "schema", "wd", "xsd"):
        assert f"PREFIX {prefix}: <{prefixes[prefix]}>" in str(config["query"])
    examples = config["examples"]
    assert isinstance(examples, list)
    assert {entry["name"] for entry in examples} == set(NAMES)
    # Scripts are files of this site; the only inline <script> holds JSON.
    scripts = re.findall(r"<script\b([^>]*)>", html)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    assert "/static/vendor/yasgui/yasgui.min.js" in html
    assert "/static/sparql.js" in html
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    for source in YASGUI_STYLE_HASHES:
        assert source in csp


def test_other_pages_keep_the_strict_style_policy(client: FlaskClient) -> None:
    csp = client.get("/queries").headers["Content-Security-Policy"]
    assert "style-src 'self';" in csp
    assert "sha256" not in csp


def test_editor_opens_an_example(client: FlaskClient) -> None:
    response = client.get("/sparql?example=dasing-timeline&lang=pl")
    assert response.status_code == 200
    config = page_config(response.get_data(as_text=True))
    example = find_example("dasing-timeline")
    assert example is not None
    assert config["query"] == example.text
    assert config["selected"] == "dasing-timeline"
    assert config["run"] is True
    page = HtmlPage(response.get_data(as_text=True))
    assert example.description["pl"] in page.text  # shown under the selector


def test_editor_refuses_an_unknown_example(client: FlaskClient) -> None:
    response = client.get("/sparql?example=no-such-query", headers={"Accept": "text/html"})
    assert response.status_code == 404


def test_rdf_clients_still_get_the_service_description(client: FlaskClient) -> None:
    response = client.get("/sparql?example=dasing-timeline", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"


def test_style_hashes_match_the_vendored_yasgui() -> None:
    """The editor page allows YASGUI's column-resizer stylesheets by hash: recompute them."""
    source = YASGUI_JS.read_text(encoding="utf-8")
    start = source.index(" .grip-resizable{table-layout:fixed;}")
    layout = source[start : source.index("`", start)]
    drag_cursor = re.search(r"dragCursor:`([^`]*)`", source)
    assert drag_cursor and "`*{cursor:`+n.opt.dragCursor+`!important}`" in source
    sheets = (layout, "*{cursor:" + drag_cursor.group(1) + "!important}")
    expected = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in sheets
    }
    assert set(YASGUI_STYLE_HASHES) == expected
