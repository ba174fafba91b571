"""What the hostile tests plant and watch: a private copy of the sources, a TCP listener that
counts every connection made to it, and a CLI run in a fresh interpreter that reports its exit
code, time and memory growth (peak RSS over the RSS before the command ran)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ROOT
from tests.live_server import server_env
from twinning_kg.settings import Settings
from twinning_kg.web import create_app

SOURCE_DIRS: Final = ("ontology", "data", "shapes")
MB: Final = 1024 * 1024

#: Runs one command in a fresh interpreter; every module the commands use is imported first, so
#: the time and the memory measured are the command's own. VmHWM (peak RSS) is reset just before.
_MEASURE: Final = r"""
import json, sys, time
import pyshacl, rdflib, pyoxigraph
import twinning_kg.publishing.build, twinning_kg.store.push, twinning_kg.validation
from twinning_kg.cli import main

def kib(key):
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)

out, args = sys.argv[1], sys.argv[2:]
with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
    refs.write("5")
before = kib("VmRSS")
started = time.monotonic()
code = 0
try:
    main.main(args=args, prog_name="twinning-kg")
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
seconds = time.monotonic() - started
with open(out, "w", encoding="utf-8") as handle:
    json.dump({"code": code, "seconds": seconds, "growth": kib("VmHWM") - before}, handle)
"""


def copy_site(destination: Path) -> Path:
    """Copy ontology/, data/ and shapes/ to ``destination``: a root free to break."""
    for name in SOURCE_DIRS:
        shutil.copytree(ROOT / name, destination / name)
    return destination


class Listener:
    """A TCP server on 127.0.0.1 that counts connections (and answers none of them)."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self._socket.settimeout(0.1)
        self.port: int = self._socket.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="listener", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            connection.close()

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()


@dataclass(frozen=True)
class Measured:
    """A command's exit code, stderr, wall time and memory growth in bytes."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    growth: int


def run_measured(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout_s: float = 120.0
) -> Measured:
    """``twinning-kg ARGS`` in a fresh interpreter in ``cwd``, measured (see _MEASURE)."""
    report = cwd / ".measured.json"
    report.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(report), *args],
        cwd=cwd,
        env={**server_env(), "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    assert report.exists(), done.stderr
    measured = json.loads(report.read_text(encoding="utf-8"))
    report.unlink()
    return Measured(
        code=measured["code"],
        stdout=done.stdout,
        stderr=done.stderr,
        seconds=measured["seconds"],
        growth=measured["growth"],
    )


def rss_peak_reset() -> int:
    """Reset this process's peak RSS and return its current RSS, in bytes."""
    Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    return _status("VmRSS")


def rss_peak() -> int:
    """This process's peak RSS since the last reset, in bytes."""
    return _status("VmHWM")


def _status(key: str) -> int:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


# --- fixtures: the app over a module's own ``site`` fixture (imported; used by name) ---------


@pytest.fixture(name="app", scope="module")
def site_app_fixture(site: Path) -> Flask:
    """The app, in process, over the module's ``site`` (its build in ``site/build``)."""
    app = create_app(Settings(root=site, build_dir=site / "build", state_dir=Path("state")))
    app.testing = True
    return app


@pytest.fixture(name="client")
def site_client_fixture(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as client:
        yield client
