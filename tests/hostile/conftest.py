"""Fixtures for the hostile tests: the real server with the admin endpoints on."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Final

import pytest

from tests.conftest import ROOT
from tests.hostile._listeners import sparql_http, sparql_server, trap  # noqa: F401  # fixtures
from tests.live_server import HOST, find_free_port, server_env, stop, wait_for_server

ADMIN_TOKEN: Final = "hostile-admin-token"  # noqa: S105  # a test token, not a credential


@pytest.fixture(scope="session")
def admin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``twinning-kg serve`` (gunicorn, 2 workers) with ``ADMIN_TOKEN`` set; yields its base URL.

    Its build, state and reload lock live in temporary folders, so a reload refused here
    touches nothing of the repository's.
    """
    port = find_free_port()
    base_url = f"http://{HOST}:{port}"
    folder = tmp_path_factory.mktemp("admin_server")
    env = server_env()
    env["TWINNING_BUILD_DIR"] = str(folder / "build")
    env["TWINNING_STATE_DIR"] = str(folder / "state")
    env["TWINNING_BASE_URL"] = f"{base_url}/"
    env["TWINNING_ADMIN_TOKEN"] = ADMIN_TOKEN
    command = [sys.executable, "-m", "twinning_kg", "serve", "--host", HOST, "--port", str(port)]
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--workers", "2"], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            wait_for_server(f"{base_url}/healthz", process, log)
            yield base_url
        finally:
            stop(process)
