"""Headless Chromium (Debian's ``chromium``, driven by Playwright) against the live server.

Every page fixture fails its test at teardown if the page logged a console error, threw, or tried
to reach anything but the live server, and leaves a screenshot in test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Route, sync_playwright

from tests.conftest import ROOT

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}

# Headless, no sandbox (CI runs as root), and nothing that talks to the network by itself; host
# names do not resolve, and only 127.0.0.1 is left as it is.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

# Runs before the page's own scripts on every navigation: collects Content-Security-Policy
# violations where the tests can read them (window.cspViolations).
RECORD_CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.cspViolations.push(event.violatedDirective + " blocked " + (event.blockedURI || "inline"));
});
"""


def find_chromium() -> str | None:
    """Debian's ``chromium`` (Ubuntu's is ``chromium-browser``), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium binary; skip without it, except under CI=true, where a missing one fails."""
    path = find_chromium()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("headless Chromium not found (CI=true): apt-get install chromium")
        pytest.skip("headless Chromium not found: apt-get install chromium")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    """One headless Chromium for the whole run (each test gets its own context)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot_path(request: pytest.FixtureRequest, suffix: str = "") -> Path:
    """test-artifacts/screenshots/<test name><suffix>.png, the name made safe for a file."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name + suffix).strip("_")
    return SCREENSHOTS / f"{name}.png"


@contextmanager
def watched_page(
    browser: Browser, base_url: str, screenshot: Path, **context_options: Any
) -> Iterator[Page]:
    """A page in a fresh context on ``base_url``; checks for problems and takes a screenshot after.

    Problems: console messages of type error (which include CSP refusals and failed loads),
    uncaught exceptions, and requests for anything outside ``base_url`` (which are aborted).
    """
    context = browser.new_context(base_url=base_url, **context_options)
    problems: list[str] = []

    def local_only(route: Route) -> None:
        url = route.request.url
        if url == base_url or url.startswith(base_url + "/"):
            route.continue_()
        else:
            problems.append(f"request outside the live server: {url}")
            route.abort()

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            problems.append(f"console error: {message.text} ({where})")

    def page_error(error: Error) -> None:
        problems.append(f"page error: {error}")

    try:
        context.route("**/*", local_only)
        context.add_init_script(script=RECORD_CSP_VIOLATIONS)
        page = context.new_page()
        page.on("console", console)
        page.on("pageerror", page_error)
        yield page
        page.screenshot(path=screenshot, full_page=True)
    finally:
        context.close()
    assert not problems, "the page reported problems:\n" + "\n".join(problems)


@pytest.fixture
def page(browser: Browser, live_server: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A desktop-sized page (1280x720) on the live server."""
    with watched_page(browser, live_server, screenshot_path(request)) as page:
        yield page


@pytest.fixture
def phone_page(
    browser: Browser, live_server: str, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A phone-sized page (390x844, touch, mobile viewport) on the live server."""
    with watched_page(
        browser,
        live_server,
        screenshot_path(request, "-phone"),
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    ) as page:
        yield page
