"""Shared fixtures: the repository's folders, a CLI runner, the live server (live_server.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"

pytest_plugins = ["tests.live_server", "tests.chromium"]


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CliRunner working in the repository root, with no TWINNING_* settings leaking in."""
    monkeypatch.chdir(ROOT)
    for name in list(os.environ):
        if name.startswith("TWINNING_"):
            monkeypatch.delenv(name)
    return CliRunner()
