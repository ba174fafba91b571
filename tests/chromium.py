"""Headless Chromium for every test that drives a browser: one per run, shared by all packages.

Playwright's sync API allows one instance per thread, so the browser is a session fixture here
(a plugin of the root conftest), not in each package.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

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
