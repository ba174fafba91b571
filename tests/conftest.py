"""Shared fixtures: the repository's folders, a CLI runner, the live server (live_server.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from twinning_kg.settings import Settings
from twinning_kg.store.oxigraph import OxigraphStore

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"

pytest_plugins = ["tests.live_server", "tests.chromium"]


def repository_store() -> OxigraphStore:
    """The repository's ontology, data and shapes in a new in-memory store, as ``--store memory``
    loads them (its own summary cache: nothing kept yet)."""
    return OxigraphStore.from_paths(Settings().source_dirs, root=ROOT)


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CliRunner working in the repository root, with no TWINNING_* settings leaking in."""
    monkeypatch.chdir(ROOT)
    for name in list(os.environ):
        if name.startswith("TWINNING_"):
            monkeypatch.delenv(name)
    return CliRunner()
