"""The real server as a subprocess on a free port, shared by the integration and browser tests.

Registered from ``tests/conftest.py`` (``pytest_plugins``) so that ``tests/integration/`` and
``tests/browser/`` both see the ``live_server`` fixture; the server starts once per test run, and
only when a test asks for it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT

HOST = "127.0.0.1"
STARTUP_TIMEOUT_S = 30.0
SHUTDOWN_TIMEOUT_S = 10.0


def find_free_port(host: str = HOST) -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def server_env() -> dict[str, str]:
    """The current environment without any TWINNING_* setting: the server runs on its defaults."""
    return {name: value for name, value in os.environ.items() if not name.startswith("TWINNING_")}


def wait_for_server(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float = STARTUP_TIMEOUT_S
) -> None:
    """Poll ``url`` until it answers; fail with the server's output if it dies or never answers."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(
                    f"the server exited with code {process.returncode} before answering:\n"
                    + log.read_text(encoding="utf-8", errors="replace"),
                    pytrace=False,
                )
            try:
                if client.get(url).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    pytest.fail(
        f"the server did not answer {url} within {timeout_s:.0f} s:\n"
        + log.read_text(encoding="utf-8", errors="replace"),
        pytrace=False,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (gunicorn shuts its workers down gracefully), then SIGKILL if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=SHUTDOWN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=SHUTDOWN_TIMEOUT_S)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``twinning-kg serve`` (gunicorn, 2 workers) on a free port; yields its base URL.

    The server's output goes to a file rather than a pipe: nobody reads a pipe while the tests
    run, and a full pipe would block gunicorn's access log.
    """
    port = find_free_port()
    base_url = f"http://{HOST}:{port}"
    log = tmp_path_factory.mktemp("live_server") / "server.log"
    command = [sys.executable, "-m", "twinning_kg", "serve"]
    command += ["--host", HOST, "--port", str(port), "--workers", "2"]
    # `serve` builds the dumps and catalogue on start (into a temporary folder, not var/build);
    # their download URLs name this server, so a harvester test can follow them.
    env = server_env()
    env["TWINNING_BUILD_DIR"] = str(tmp_path_factory.mktemp("live_build"))
    env["TWINNING_BASE_URL"] = f"{base_url}/"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            wait_for_server(f"{base_url}/", process, log)
            yield base_url
        finally:
            stop(process)
