"""Headless Chromium (Debian's ``chromium``, driven by Playwright) against the live server.

Every page fixture fails its test at teardown if the page logged a console error, threw, or tried
to reach anything but the live server, and leaves a screenshot in test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Route

from tests.chromium import RECORD_CSP_VIOLATIONS
from tests.conftest import ROOT

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}


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
