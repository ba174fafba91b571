"""The SPARQL query editor (YASGUI) and the example queries in a real browser, against the live
server: type a query and run it, pick an example and run it, follow a "run" link, see the row-cap
notice. The page fixture fails a test on any console error, CSP refusal or request to another host,
and leaves a screenshot in test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.test_pages import check_accessibility
from twinning_kg.examples import load_examples

pytestmark = pytest.mark.browser

ACTIVE = ".tabPanel.active"
SPARQL_JSON = "application/sparql-results+json"
DASH = "\N{EN DASH}"


def open_editor(page: Page, path: str = "/sparql") -> None:
    """Go to the editor; wait until sparql.js has set YASGUI up."""
    response = page.goto(path)
    assert response is not None
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/html")
    page.wait_for_selector("#yasgui[data-ready]", state="attached")
    expect(page.locator(f"{ACTIVE} .CodeMirror")).to_be_visible()


def result_rows(page: Page) -> Locator:
    return page.locator(f"{ACTIVE} .yasr table.dataTable tbody tr")


def run_query(page: Page) -> None:
    """Press the editor's run button and wait for the endpoint's answer."""
    with page.expect_response(
        lambda r: r.url.endswith("/sparql") and r.request.method == "POST"
    ) as answer:
        page.locator(f"{ACTIVE} .yasqe_queryButton").click()
    assert answer.value.status == 200
    assert answer.value.headers["content-type"].startswith(SPARQL_JSON)


def editor_text(page: Page) -> str:
    text: str = page.evaluate(
        "(sel) => document.querySelector(sel + ' .CodeMirror').CodeMirror.getValue()", ACTIVE
    )
    return text


def test_editor_opens_with_the_ontology_prefixes_and_runs_the_default_query(page: Page) -> None:
    open_editor(page)
    check_accessibility(page)
    text = editor_text(page)
    for prefix in ("twin", "rdfs", "skos", "dcterms", "prov", "geo", "owl", "schema", "wd", "xsd"):
        assert re.search(rf"^PREFIX {prefix}: <", text, re.M), prefix
    # The plain form is the fallback without JavaScript; with YASGUI it is hidden.
    expect(page.locator("#sparql-form")).to_be_hidden()
    run_query(page)
    expect(result_rows(page)).to_have_count(7)
    expect(page.locator(f"{ACTIVE} .yasr")).to_contain_text(f"Siedlce {DASH} Kirov partnership")
    expect(page.locator("#sparql-truncated")).to_be_hidden()


def test_type_a_query_and_run_it(page: Page) -> None:
    open_editor(page)
    page.locator(f"{ACTIVE} .CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    # Typing a prefixed name adds its PREFIX declaration (from this page's list, not prefix.cc).
    page.keyboard.type("SELECT DISTINCT ?town WHERE { ?town a twin:", delay=10)
    expect(page.locator(f"{ACTIVE} .CodeMirror")).to_contain_text(
        "PREFIX twin: <https://twinning.example.org/def/twinning/>"
    )
    page.keyboard.type("Municipality ; twin:twinnedWith ?siedlce . }", delay=5)
    assert "twin:twinnedWith ?siedlce" in editor_text(page)
    page.keyboard.press("Control+Enter")
    expect(result_rows(page)).to_have_count(8)  # Siedlce and its seven partners
    # Result IRIs that this server publishes open here, not on the canonical host.
    link = page.locator(f"{ACTIVE} .yasr a", has_text="municipality/pescantina")
    expect(link).to_have_attribute(
        "href", "https://twinning.example.org/id/municipality/pescantina"
    )
    with page.expect_popup() as popup:
        link.click()
    town = popup.value
    town.wait_for_load_state()
    assert town.url.endswith("/id/municipality/pescantina")
    expect(town.locator("h1")).to_have_text("Pescantina")
    town.close()


def test_pick_an_example_and_run_it(page: Page) -> None:
    open_editor(page)
    page.select_option("#example-select", "schools-cooperating-with-sabinov")
    expect(page.locator("#example-description")).to_contain_text("cooperate with an institution")
    expect(page.locator(".tabsList .tab.active")).to_contain_text(
        "Schools cooperating with Sabinov"
    )
    assert editor_text(page).startswith("# title@en: Schools cooperating with Sabinov")
    run_query(page)
    expect(result_rows(page)).to_have_count(3)
    results = page.locator(f"{ACTIVE} .yasr")
    for school in (
        "Primary School No. 12 in Siedlce",
        "Public Lower Secondary School No. 1 in Siedlce",
        "School Complex No. 1 in Siedlce",
    ):
        expect(results).to_contain_text(school)


def test_run_link_on_the_queries_page_opens_and_runs_the_example(page: Page) -> None:
    response = page.goto("/queries?lang=pl")
    assert response is not None and response.status == 200
    check_accessibility(page)
    expect(page.locator("ol.examples > li")).to_have_count(len(load_examples()))
    page.locator("#dasing-timeline a.run").click()
    page.wait_for_url(re.compile(r"/sparql\?example=dasing-timeline"))
    page.wait_for_selector("#yasgui[data-ready]", state="attached")
    expect(page.locator(".tabsList .tab.active")).to_contain_text("Oś czasu partnerstwa z Dasing")
    expect(result_rows(page)).to_have_count(7)
    first = result_rows(page).first
    expect(first).to_contain_text("1997-05")
    expect(first).to_contain_text("Wspólna Europa")


def test_row_cap_notice(page: Page) -> None:
    open_editor(page)
    notice = page.locator("#sparql-truncated")
    # Far more solutions than the row cap; one column keeps the browser's work small. Drawing the
    # capped table still takes a while on a busy machine, hence the long timeouts.
    slow = 90_000
    page.evaluate(
        """(sel) => document.querySelector(sel + ' .CodeMirror').CodeMirror.setValue(
             'SELECT ?s WHERE { ?s ?p ?o . ?x ?y ?z }')""",
        ACTIVE,
    )
    with page.expect_response(lambda r: r.url.endswith("/sparql"), timeout=slow) as answer:
        page.locator(f"{ACTIVE} .yasqe_queryButton").click()
    assert answer.value.headers["x-result-truncated"] == "true"
    limit = answer.value.headers["x-result-limit"]
    expect(notice).to_be_visible(timeout=slow)
    expect(notice).to_contain_text(f"first {limit} rows")
    expect(result_rows(page).first).to_be_visible(timeout=slow)
    # A query under the cap clears it.
    page.evaluate(
        """(sel) => document.querySelector(sel + ' .CodeMirror').CodeMirror.setValue(
             'ASK { ?s ?p ?o }')""",
        ACTIVE,
    )
    run_query(page)
    expect(notice).to_be_hidden()


def test_editor_under_the_content_security_policy(page: Page) -> None:
    response = page.goto("/sparql")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "connect-src 'self'" in csp
    assert "unsafe-inline" not in csp
    page.wait_for_selector("#yasgui[data-ready]", state="attached")
    page.select_option("#example-select", "partnership-network")  # a CONSTRUCT: Turtle
    with page.expect_response(lambda r: r.url.endswith("/sparql")) as answer:
        page.locator(f"{ACTIVE} .yasqe_queryButton").click()
    assert answer.value.headers["content-type"].startswith("text/turtle")
    expect(page.locator(f"{ACTIVE} .yasr")).to_contain_text("twinnedWith")
    assert page.evaluate("() => window.cspViolations") == []


@pytest.mark.parametrize("path", ["/sparql?example=institutions-per-partnership", "/queries"])
def test_editor_and_examples_fit_a_phone(phone_page: Page, path: str) -> None:
    response = phone_page.goto(path)
    assert response is not None and response.status == 200
    if path.startswith("/sparql"):
        phone_page.wait_for_selector("#yasgui[data-ready]", state="attached")
        expect(result_rows(phone_page).first).to_be_visible()
    width = phone_page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1], f"{path} scrolls sideways: {width[0]} > {width[1]}"
