"""Fixtures for the tests against the real server: an httpx client on its base URL.

The server itself is the session-wide ``live_server`` fixture of ``tests/live_server.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.stores import run_cli


@pytest.fixture
def http(live_server: str) -> Iterator[httpx.Client]:
    """An httpx client on the live server; ignores proxy settings (only 127.0.0.1 is reached)."""
    with httpx.Client(base_url=live_server, timeout=10.0, trust_env=False) as client:
        yield client


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A current ``twinning-kg build`` of the repository, made once: servers started with
    ``TWINNING_BUILD_DIR`` set to it skip the build on start (and write nothing into var/)."""
    folder = tmp_path_factory.mktemp("build")
    result = run_cli("build", "--out", str(folder))
    assert result.returncode == 0, result.stderr
    return folder
