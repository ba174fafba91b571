"""The pages in a real browser: map, navigation, languages, search, phones, accessibility, CSP."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

DASH = "\N{EN DASH}"  # labels join the two towns with it

# Siedlce and its seven partners, as the city page lists them (English labels).
TOWNS = (
    "Siedlce",
    "Dasing",
    "Pescantina",
    "Vilnius District",
    "Vawkavysk",
    "Sabinov",
    "Berdychiv",
    "Kirov",
)

# Pages of every template and of the main kinds of entity.
PAGES = (
    "/",
    "/?lang=pl",
    "/id/municipality/siedlce",
    "/id/municipality/berdychiv?lang=pl",
    "/id/partnership/siedlce-dasing",
    "/def/twinning",
    "/def/twinning/Partnership",
    "/search?q=siedlce",
)

FOCUSABLE = (
    "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex='-1'])"
)


def open_page(page: Page, path: str) -> None:
    """Go to ``path``, expect a 200 HTML page, and wait for its map (if any) to be drawn."""
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, path
    assert response.headers["content-type"].startswith("text/html")
    wait_for_map(page)


def wait_for_map(page: Page) -> None:
    """map.js sets data-markers on #map once it has drawn every marker."""
    if page.locator("#map").count():
        page.wait_for_selector("#map[data-markers]", state="attached")


def check_accessibility(page: Page) -> None:
    """Landmarks, headings, language, alternative text, skip link, labels, unique ids."""
    where = page.url
    assert page.locator("main, [role=main]").count() == 1, where
    assert page.locator("h1").count() == 1, where
    assert page.locator("html").get_attribute("lang") in ("en", "pl"), where
    assert page.locator("img:not([alt])").count() == 0, where
    duplicates = page.evaluate(
        """() => {
          const ids = [...document.querySelectorAll("[id]")].map((e) => e.id);
          return ids.filter((id, i) => ids.indexOf(id) !== i);
        }"""
    )
    assert duplicates == [], where
    # role=img hides its content from assistive technology: it must hold nothing focusable.
    hidden_controls = page.evaluate(
        f"""() => [...document.querySelectorAll("[role=img]")].filter(
              (e) => e.matches({FOCUSABLE!r}) || e.querySelector({FOCUSABLE!r}))
            .map((e) => e.id || e.tagName)"""
    )
    assert hidden_controls == [], where
    search = page.get_by_role("searchbox")
    expect(search).to_have_count(1)
    expect(search).to_have_accessible_name(re.compile(r"\w"))
    assert search.evaluate("(input) => input.labels.length") == 1, where
    # The skip link is the first thing Tab reaches, it shows when focused, and it leads to main.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => {
          const e = document.activeElement;
          const box = e.getBoundingClientRect();
          const href = e.getAttribute("href");
          return {cls: e.className, href: href, left: box.left, text: e.textContent};
        }"""
    )
    assert focused["cls"] == "skip", (where, focused)
    assert focused["href"] == "#main", where
    assert focused["left"] >= 0, "the focused skip link is off screen"
    assert focused["text"].strip(), where
    assert page.locator("main#main").count() == 1, where


def check_schema_org(page: Page) -> None:
    """The page embeds at least one schema.org JSON-LD block, and each one parses."""
    texts = page.locator('script[type="application/ld+json"]').all_text_contents()
    assert texts, f"{page.url} has no schema.org JSON-LD"
    for text in texts:
        block = json.loads(text)
        assert block["@context"] in ("https://schema.org", "http://schema.org"), block
        assert block.get("@type"), block
        assert block.get("name"), block


# (a) the map ---------------------------------------------------------------------------------


def marker_count(page: Page) -> int:
    wait_for_map(page)
    drawn = page.locator("#map .map-marker").count()
    assert page.locator("#map").get_attribute("data-markers") == str(drawn)
    return drawn


def test_home_map_has_a_marker_per_partner_and_siedlce(page: Page) -> None:
    open_page(page, "/")
    partnerships = page.locator("table.partnerships tbody tr").count()
    assert partnerships >= 1
    assert marker_count(page) >= partnerships + 1
    expect(page.locator("#map .map-marker-main")).to_have_count(1)


def test_home_map_shows_siedlce_and_its_seven_partners(page: Page) -> None:
    open_page(page, "/")
    assert marker_count(page) == len(TOWNS)
    data = json.loads(page.locator("#map-data").text_content() or "{}")
    labels = [point["label"] for point in data["points"]]
    for town in TOWNS:
        assert any(town in label for label in labels), (town, labels)
    # The main marker is Siedlce: its popup links to the town's page.
    page.locator("#map .map-marker-main").click()
    popup = page.locator(".leaflet-popup-content a")
    expect(popup).to_have_text("Siedlce")
    expect(popup).to_have_attribute("href", re.compile(r"/id/municipality/siedlce\b"))


# (b) navigation ------------------------------------------------------------------------------


def click_and_expect_title(page: Page, link_selector: str) -> str:
    """Click the first link matching ``link_selector``; the new page's h1 is the link's text."""
    link = page.locator(link_selector).first
    text = link.inner_text().strip()
    href = link.get_attribute("href") or ""
    link.click()
    page.wait_for_url(re.compile(re.escape(href.split("?")[0]) + r"(\?|$)"))
    wait_for_map(page)
    expect(page.locator("h1")).to_have_text(text)
    return text


def test_navigate_home_partnership_event_institution(page: Page) -> None:
    open_page(page, "/")
    expect(page.locator("h1")).to_have_text("Town twinning knowledge graph")
    check_accessibility(page)
    check_schema_org(page)

    click_and_expect_title(page, "table.partnerships tbody a:has-text('Dasing')")
    assert "/id/partnership/" in page.url
    check_accessibility(page)
    check_schema_org(page)

    events = page.locator("main a[href*='/id/event/']")
    hrefs = events.evaluate_all("(links) => links.map((a) => a.getAttribute('href'))")
    assert hrefs, "the partnership page links no event"
    # The first event (in page order) whose page names an institution.
    for href in dict.fromkeys(hrefs):
        click_and_expect_title(page, f"main a[href='{href}']")
        if page.locator("main a[href*='/id/institution/']").count():
            break
        page.go_back()
        wait_for_map(page)
    else:
        pytest.fail("no event of the partnership links an institution")
    assert "/id/event/" in page.url
    check_accessibility(page)
    check_schema_org(page)

    click_and_expect_title(page, "main a[href*='/id/institution/']")
    assert "/id/institution/" in page.url
    check_accessibility(page)
    check_schema_org(page)


# (c) languages -------------------------------------------------------------------------------


def test_switch_language_to_polish_and_back(page: Page) -> None:
    open_page(page, "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("form.search button")).to_have_text("Search")

    page.locator(".languages a", has_text="Polski").click()
    page.wait_for_url(re.compile(r"lang=pl"))
    wait_for_map(page)
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.locator("form.search button")).to_have_text("Szukaj")
    expect(page.get_by_role("searchbox")).to_have_accessible_name(
        "Szukaj miejsc, instytucji i wydarzeń"
    )
    expect(page.locator("#partnerships-heading")).to_have_text("Partnerstwa")
    # Labels in Polish too, and the links keep the language.
    partnership = page.locator("table.partnerships a", has_text="Wołkowysk")
    expect(partnership).to_have_text(f"Partnerstwo Siedlce {DASH} Wołkowysk")
    partnership.click()
    wait_for_map(page)
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.locator("h1")).to_have_text(f"Partnerstwo Siedlce {DASH} Wołkowysk")

    page.locator(".languages a", has_text="English").click()
    page.wait_for_url(re.compile(r"lang=en"))
    wait_for_map(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("form.search button")).to_have_text("Search")
    expect(page.locator("h1")).to_have_text(f"Siedlce {DASH} Vawkavysk partnership")


# (d) search ----------------------------------------------------------------------------------


def test_search_suggests_as_you_type_and_submits(page: Page) -> None:
    open_page(page, "/")
    box = page.get_by_role("searchbox")
    suggestions = page.locator("#search-results")
    expect(suggestions).to_be_hidden()
    box.press_sequentially("berdyczow", delay=20)
    expect(suggestions).to_be_visible()
    suggestion = suggestions.get_by_role("link", name="Berdyczów", exact=True)
    expect(suggestion).to_be_visible()
    expect(suggestion).to_have_attribute("lang", "pl")
    box.press("Escape")  # closes the list (and Chromium empties a search box)
    expect(suggestions).to_be_hidden()

    box.press_sequentially("berdyczow", delay=20)
    expect(suggestion).to_be_visible()
    with page.expect_navigation() as navigation:
        box.press("Enter")
    response = navigation.value
    assert response is not None
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "q=berdyczow" in page.url
    expect(page.locator("h1")).to_contain_text("berdyczow")
    expect(page.locator("ul.results a", has_text="Berdyczów").first).to_be_visible()
    expect(page.get_by_role("searchbox")).to_have_value("berdyczow")

    # Switching the language keeps the query.
    page.locator(".languages a", has_text="Polski").click()
    page.wait_for_url(re.compile(r"lang=pl"))
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.locator("h1")).to_contain_text("berdyczow")


def test_search_suggestion_leads_to_the_page(page: Page) -> None:
    open_page(page, "/")
    page.get_by_role("searchbox").press_sequentially("berdyczow", delay=20)
    page.locator("#search-results").get_by_role("link", name="Berdyczów", exact=True).click()
    page.wait_for_url(re.compile(r"/id/municipality/berdychiv"))
    wait_for_map(page)
    expect(page.locator("h1")).to_have_text("Berdychiv")


# (e) phones ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/id/municipality/siedlce",
        "/id/partnership/siedlce-vilnius-district",
        "/def/twinning",
        "/search?q=siedlce",
    ],
)
def test_no_horizontal_scroll_on_a_phone(phone_page: Page, path: str) -> None:
    open_page(phone_page, path)
    width = phone_page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[1] == 390
    assert width[0] <= width[1], f"{path} scrolls sideways: {width[0]} > {width[1]}"


# (f) accessibility ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_basic_accessibility(page: Page, path: str) -> None:
    open_page(page, path)
    check_accessibility(page)


# (g) schema.org and the Content-Security-Policy ---------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_schema_org_and_no_errors_under_csp(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == 200
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    wait_for_map(page)
    check_schema_org(page)
    assert page.evaluate("() => window.cspViolations") == []
    # Console errors and page errors are checked by the page fixture when the test ends.
