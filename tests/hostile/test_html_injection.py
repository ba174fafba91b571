"""HTML injection through the data (labels, comments, literals and IRIs carrying markup or
``javascript:``) and through query strings (``?q=``, ``?lang=``, ``?query=``, ``?example=``, paths):
every HTML page escapes it, links only to safe schemes, and carries a strict
Content-Security-Policy; headless Chromium then proves that no injected script runs.

Each payload sets ``window.__xss`` if it ever runs, so the browser has one thing to check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Final
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Route

from tests.chromium import RECORD_CSP_VIOLATIONS
from tests.hostile.probes import copy_site, site_app_fixture, site_client_fixture  # noqa: F401  # fixtures
from tests.integration.stores import twinning_server

LABEL_EN: Final = "<script>window.__xss='label'</script>"
LABEL_PL: Final = '"><img src=x onerror="window.__xss=\'img\'">'
ALT_LABEL: Final = "javascript:window.__xss='literal'"
COMMENT: Final = "</textarea><svg onload=\"window.__xss='svg'\"><!--<script>"
IRI_PAYLOAD: Final = "javascript:window.__xss='iri'"
HOSTILE_TTL: Final = f"""
@prefix twin: <https://twinning.example.org/def/twinning/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix municipality: <https://twinning.example.org/id/municipality/> .

municipality:xss
    a twin:Municipality ;
    rdfs:label {json.dumps(LABEL_EN)}@en , {json.dumps(LABEL_PL)}@pl ;
    skos:altLabel {json.dumps(ALT_LABEL)}@en ;
    rdfs:comment {json.dumps(COMMENT)}@en ;
    geo:lat 52.1 ; geo:long 22.2 ;
    foaf:homepage <{IRI_PAYLOAD}> ;
    <javascript:window.__xss='predicate'> "x" ;
    twin:twinnedWith municipality:dasing .
"""
QUERY_PAYLOAD: Final = (
    "</textarea></title><script>window.__xss='query'</script>\"><img src=x onerror=alert(1)>"
)
#: HTML pages: the hostile town, a page that lists it, and every page a query string reaches.
PAGES: Final = (
    "/id/municipality/xss?lang=en",
    "/id/municipality/xss?lang=pl",
    "/id/municipality/dasing?lang=en",
    "/",
    "/search?q=script",
    "/search?q=onerror",
    f"/search?q={quote(QUERY_PAYLOAD)}",
    f"/?lang={quote(QUERY_PAYLOAD)}",
    f"/id/municipality/xss?lang={quote(QUERY_PAYLOAD)}",
    f"/id/municipality/{quote(QUERY_PAYLOAD, safe='')}",
    f"/id/municipality/dasing?format={quote(QUERY_PAYLOAD)}",
    "/sparql",
    f"/sparql?query={quote(QUERY_PAYLOAD)}",
    f"/sparql?example={quote(QUERY_PAYLOAD)}",
    "/sparql?query=SELECT%20%3Fl%20WHERE%20%7B%20%3Fs%20%3Chttp%3A%2F%2Fwww.w3.org%2F2000%2F01%2Frdf-schema%23label%3E%20%3Fl%20%7D",
    "/queries",
    "/catalog",
)
SAFE_SCHEMES: Final = ("/", "?", "#", "http://", "https://", "mailto:")
#: The one data: URL the templates write: the empty favicon.
EMPTY_ICON: Final = ("link", "href", "data:,")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_site(tmp_path_factory.mktemp("html") / "site")
    (root / "data" / "siedlce" / "hostile.ttl").write_text(HOSTILE_TTL, encoding="utf-8")
    return root


class Markup(HTMLParser):
    """Every element with its attributes, and the text of every script element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._script: dict[str, str] | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes))
        if tag == "script":
            self._script, self._script_text = attributes, []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._script_text)))
            self._script = None


def injected(body: str) -> list[str]:
    """What in the page could run script: event handlers, unsafe links, inline or foreign
    scripts, elements the templates never write, script data that could close its element."""
    markup = Markup()
    markup.feed(body)
    markup.close()
    problems = []
    for tag, attributes in markup.elements:
        problems += [f"<{tag} {name}>" for name in attributes if name.startswith("on")]
        for name in ("href", "src", "action", "formaction", "xlink:href"):
            value = attributes.get(name)
            if (tag, name, value) == EMPTY_ICON:
                continue
            if value is not None and not value.strip().startswith(SAFE_SCHEMES):
                problems.append(f"<{tag} {name}={value!r}>")
        if tag in ("img", "svg", "iframe", "object", "embed", "base"):
            problems.append(f"<{tag}>")
    for attributes, text in markup.scripts:
        if "src" in attributes:
            if not attributes["src"].startswith("/static/"):
                problems.append(f"<script src={attributes['src']!r}>")
            continue
        if attributes.get("type") not in ("application/ld+json", "application/json"):
            problems.append(f"inline <script type={attributes.get('type')!r}>")
        json.loads(text)  # data, not code
        if "</" in text or "<!--" in text.lower():
            problems.append("script data that may end its element early")
    return problems


def strict_policy(policy: str) -> dict[str, str]:
    directives = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    assert directives["script-src"] == "'self'", policy
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    return directives


@pytest.mark.parametrize("path", PAGES)
def test_every_page_escapes_the_payloads_and_is_under_a_strict_policy(
    client: FlaskClient, path: str
) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code in (200, 400, 404, 406, 503), response.status_code
    assert response.mimetype == "text/html"
    strict_policy(response.headers["Content-Security-Policy"])
    body = response.get_data(as_text=True)
    assert injected(body) == []
    assert "window.__xss='query'</script>" not in body


def test_the_hostile_town_is_shown_as_text(client: FlaskClient) -> None:
    """The payloads are on the page (escaped), so the tests above did see them."""
    english = client.get("/id/municipality/xss?lang=en").get_data(as_text=True)
    assert "&lt;script&gt;window.__xss=&#39;label&#39;&lt;/script&gt;" in english
    assert "javascript:window.__xss=&#39;literal&#39;" in english  # a literal, as text
    assert "&lt;/textarea&gt;&lt;svg onload=" in english
    assert re.search(
        r"<a rel=\"external\" title=\"javascript:window.__xss=&#39;iri&#39;\">", english
    )
    polish = client.get("/id/municipality/xss?lang=pl").get_data(as_text=True)
    assert "&#34;&gt;&lt;img src=x onerror=" in polish or "&quot;&gt;&lt;img" in polish
    found = client.get("/search?q=script").get_data(as_text=True)
    assert "&lt;script&gt;window.__xss" in found


def test_search_json_and_error_bodies_carry_the_payload_as_data(client: FlaskClient) -> None:
    response = client.get("/search", query_string={"q": "script", "format": "json"})
    assert response.mimetype == "application/json"
    assert LABEL_EN in response.get_data(as_text=True).encode().decode("unicode_escape") or any(
        LABEL_EN in json.dumps(item, ensure_ascii=False) for item in response.get_json()["results"]
    )
    missing = client.get(
        f"/id/municipality/{quote(QUERY_PAYLOAD, safe='')}", headers={"Accept": "text/plain"}
    )
    assert missing.status_code == 404
    assert missing.mimetype == "text/plain"
    assert "Content-Security-Policy" not in missing.headers  # not a page
    assert missing.headers["X-Content-Type-Options"] == "nosniff"


# --- in headless Chromium ----------------------------------------------------------------------

BROWSER_PAGES: Final = (
    "/id/municipality/xss?lang=en",
    "/id/municipality/xss?lang=pl",
    "/id/municipality/dasing?lang=en",
    "/search?q=script",
    f"/search?q={quote(QUERY_PAYLOAD)}",
    f"/?lang={quote(QUERY_PAYLOAD)}",
    f"/id/municipality/{quote(QUERY_PAYLOAD, safe='')}",
    f"/sparql?query={quote(QUERY_PAYLOAD)}",
    f"/sparql?example={quote(QUERY_PAYLOAD)}",
)


@pytest.fixture(scope="module")
def hostile_server(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real server (one gunicorn worker) over the site with the hostile town."""
    folder = tmp_path_factory.mktemp("html-server")
    env = {"TWINNING_ROOT": str(site), "TWINNING_STATE_DIR": str(folder / "state")}
    with twinning_server(
        "memory", folder / "server.log", build_dir=folder / "build", env=env, workers=1
    ) as server:
        yield server.base_url


@pytest.fixture
def page(browser: Browser, hostile_server: str) -> Iterator[Page]:
    """A page on the hostile server; console errors (CSP refusals among them), page errors and
    requests outside the server fail the test, except the failed load of an error page itself."""
    context = browser.new_context(base_url=hostile_server)
    problems: list[str] = []
    page: Page  # opened below, before any console message can arrive

    def local_only(route: Route) -> None:
        if route.request.url.startswith(hostile_server + "/"):
            route.continue_()
        else:
            problems.append(f"request outside the server: {route.request.url}")
            route.abort()

    def console(message: ConsoleMessage) -> None:
        document = message.location.get("url", "") == page.url
        if message.type == "error" and not (document and "Failed to load" in message.text):
            problems.append(f"console error: {message.text}")

    def dismiss(dialog: Dialog) -> None:
        problems.append(dialog.message)
        dialog.dismiss()

    try:
        context.route("**/*", local_only)
        context.add_init_script(script=RECORD_CSP_VIOLATIONS)
        page = context.new_page()
        page.on("console", console)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("dialog", dismiss)
        yield page
    finally:
        context.close()
    assert problems == []


def nothing_ran(page: Page) -> None:
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("window.cspViolations") == []


@pytest.mark.browser
@pytest.mark.parametrize("path", BROWSER_PAGES)
def test_no_injected_script_runs_in_chromium(page: Page, path: str) -> None:
    page.goto(path, wait_until="load")
    page.wait_for_timeout(300)  # deferred scripts, the map, the editor
    nothing_ran(page)


@pytest.mark.browser
def test_the_hostile_labels_show_as_text_in_chromium(page: Page) -> None:
    page.goto("/id/municipality/xss?lang=en", wait_until="load")
    assert page.locator("h1").inner_text() == LABEL_EN
    homepage = page.locator("a[title^='javascript:']").first
    assert homepage.get_attribute("href") is None
    homepage.click()  # a link without a target goes nowhere
    assert page.url.endswith("/id/municipality/xss?lang=en")
    nothing_ran(page)


@pytest.mark.browser
def test_search_suggestions_show_hostile_labels_as_text(page: Page) -> None:
    page.goto("/?lang=en", wait_until="load")
    page.locator("#q").fill("script")
    suggestion = page.locator("#search-results li").first
    suggestion.wait_for(state="visible", timeout=10_000)
    assert LABEL_EN in page.locator("#search-results").inner_text()
    assert page.locator("#search-results script, #search-results img").count() == 0
    page.locator("#q").fill(QUERY_PAYLOAD)
    page.wait_for_timeout(500)
    nothing_ran(page)


@pytest.mark.browser
def test_map_tooltips_show_hostile_labels_as_text(page: Page) -> None:
    page.goto("/id/municipality/xss?lang=pl", wait_until="load")
    page.locator(".map-marker").first.hover()
    page.locator(".leaflet-tooltip").first.wait_for(state="visible", timeout=10_000)
    assert page.locator(".leaflet-tooltip img, .leaflet-tooltip script").count() == 0
    nothing_ran(page)
