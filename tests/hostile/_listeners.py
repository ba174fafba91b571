"""What the hostile SPARQL tests run and watch: the real server with a short time limit, a socket
on 127.0.0.1 that records every connection made to it, the server's process tree under /proc, a
thread asking a cheap query over and over, and a canonical dump of everything the store holds.

The fixtures (``trap``, ``sparql_server``, ``sparql_http``) are session-wide: one server serves
every hostile SPARQL test module. Linux only (/proc); loopback only.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import httpx
import pytest

from tests.conftest import ROOT
from tests.live_server import HOST, find_free_port, server_env, stop, wait_for_server

#: The server's time limit: short, so that runaway queries keep the suite fast.
TIMEOUT_S: Final = 1.5
#: How far past the time limit a runaway query may still be answered.
OVERSHOOT_S: Final = 1.0
#: Every refusal that needs no query to run comes within this.
REFUSAL_S: Final = 1.0
CHEAP_QUERY: Final = "ASK { ?s ?p ?o }"
DIRECT: Final = "application/sparql-query"
CLOCK_TICKS: Final = os.sysconf("SC_CLK_TCK")
ALL_QUADS: Final = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


# --- a trap for outbound connections --------------------------------------------------------


@dataclass
class Trap:
    """A socket listening on 127.0.0.1 that records the first bytes of every connection."""

    sock: socket.socket
    connections: list[bytes] = field(default_factory=list)

    @property
    def port(self) -> int:
        port: int = self.sock.getsockname()[1]
        return port

    def url(self, path: str = "sparql") -> str:
        return f"http://{HOST}:{self.port}/{path}"

    def accept_forever(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed at teardown
                return
            with conn:
                conn.settimeout(1.0)
                try:
                    self.connections.append(conn.recv(4096) or b"(nothing)")
                except OSError:
                    self.connections.append(b"(no request)")

    def assert_untouched_since(self, seen: int) -> None:
        """No connection after the first ``seen``; waits a moment for a late one to arrive.

        An engine calls SERVICE while it runs the query, before the answer; the wait is a margin.
        """
        time.sleep(0.1)
        assert self.connections[seen:] == []


@pytest.fixture(scope="session")
def trap() -> Iterator[Trap]:
    """A listener on 127.0.0.1; the server allow-lists only its ``/allowed`` for SERVICE."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((HOST, 0))
    sock.listen(16)
    listener = Trap(sock)
    thread = threading.Thread(target=listener.accept_forever, daemon=True)
    thread.start()
    yield listener
    sock.close()
    thread.join(timeout=5)


# --- the server, and its process tree -------------------------------------------------------


@dataclass(frozen=True)
class Server:
    base_url: str
    pid: int
    folder: Path


@pytest.fixture(scope="session")
def sparql_server(tmp_path_factory: pytest.TempPathFactory, trap: Trap) -> Iterator[Server]:
    """``twinning-kg serve`` (gunicorn, 2 workers) with a TIMEOUT_S time limit."""
    port = find_free_port()
    base_url = f"http://{HOST}:{port}"
    folder = tmp_path_factory.mktemp("hostile_server")
    log = folder / "server.log"
    env = server_env() | {
        "TWINNING_SPARQL_TIMEOUT_S": str(TIMEOUT_S),
        "TWINNING_SPARQL_ALLOWED_SERVICES": trap.url("allowed"),
        "TWINNING_BUILD_DIR": str(folder / "build"),
        "TWINNING_STATE_DIR": str(folder / "state"),
        "TWINNING_BASE_URL": f"{base_url}/",
    }
    command = [sys.executable, "-m", "twinning_kg", "serve", "--host", HOST, "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--workers", "2"], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            wait_for_server(f"{base_url}/", process, log)
            yield Server(base_url, process.pid, folder)
        finally:
            stop(process)


@pytest.fixture
def sparql_http(sparql_server: Server) -> Iterator[httpx.Client]:
    """An httpx client on the hostile server."""
    with httpx.Client(base_url=sparql_server.base_url, timeout=30.0, trust_env=False) as client:
        yield client


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (field 3, the state, comes first)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw.rsplit(")", 1)[1].split()


def descendants(pid: int) -> set[int]:
    """Every process below ``pid``: gunicorn's workers and their query workers."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def parent_of(pid: int) -> int | None:
    fields = _stat(pid)
    return None if fields is None else int(fields[1])


def is_zombie(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] == "Z"


def cpu_seconds(pids: set[int]) -> dict[int, float]:
    """User + system CPU time of each process still alive."""
    times = {}
    for pid in pids:
        fields = _stat(pid)
        if fields is not None and fields[0] != "Z":
            times[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return times


def assert_nothing_burns_cpu(server: Server, *, window_s: float = 0.5) -> None:
    """Over ``window_s``, no process of the server gains more than a fifth of that in CPU time."""
    before = cpu_seconds(descendants(server.pid))
    time.sleep(window_s)
    after = cpu_seconds(set(before))
    burning = {
        pid: after[pid] - before[pid] for pid in after if after[pid] - before[pid] > window_s / 5
    }
    assert not burning, f"processes still burning CPU: {burning}"


# --- other clients meanwhile ----------------------------------------------------------------


@dataclass
class CheapQueries:
    """A thread asking CHEAP_QUERY over and over, recording each status and latency."""

    base_url: str
    results: list[tuple[int, float]] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def _run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10.0, trust_env=False) as client:
            while not self.stopping.is_set():
                started = time.monotonic()
                try:
                    status = client.get("/sparql", params={"query": CHEAP_QUERY}).status_code
                except httpx.HTTPError:
                    status = 0
                self.results.append((status, time.monotonic() - started))
                self.stopping.wait(0.1)

    def __enter__(self) -> CheapQueries:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        time.sleep(0.2)
        return self

    def __exit__(self, *_exc: object) -> None:
        time.sleep(0.2)
        self.stopping.set()
        assert self.thread is not None
        self.thread.join(timeout=15)

    def assert_all_answered(self, *, at_least: int, within_s: float = 1.0) -> None:
        assert len(self.results) >= at_least, self.results
        assert all(status == 200 for status, _ in self.results), self.results
        assert max(latency for _, latency in self.results) < within_s, self.results


# --- what the store holds -------------------------------------------------------------------


def store_dump(http: httpx.Client) -> bytes:
    """Every quad the endpoint answers, as sorted N-Quads lines (TSV terms are N-Triples terms).

    Blank nodes keep the store's own labels, which a read-only store does not change.
    """
    response = http.get(
        "/sparql", params={"query": ALL_QUADS, "format": "tsv"}, headers={"Accept": "*/*"}
    )
    assert response.status_code == 200, response.text[:300]
    assert "X-Result-Truncated" not in response.headers, "raise the row cap: the dump was cut"
    lines = response.text.rstrip("\n").split("\n")[1:]
    return "".join(sorted(" ".join(line.split("\t")) + " .\n" for line in lines)).encode()


def dumps_digest(http: httpx.Client) -> str:
    """SHA-256 of the N-Quads dump the server publishes, decompressed."""
    response = http.get("/dumps/twinning.nq.gz")
    assert response.status_code == 200, response.text[:300]
    return hashlib.sha256(gzip.decompress(response.content)).hexdigest()
