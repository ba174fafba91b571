"""Reloading the real server (gunicorn, two workers) while it is under load.

Each test starts its own server on a private copy of ontology/, data/ and shapes/, with the admin
token and a state folder set, keeps it busy from several threads (entity pages, Turtle, cheap
SPARQL) and reloads it meanwhile. Every request carries an ``X-Request-Id``; the server's JSON
access log says which worker process answered it, so the tests can tell that both workers switched
to the new data and that /metrics adds up both workers' counts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import httpx
import pytest

from tests.conftest import ROOT
from tests.live_server import HOST, find_free_port, server_env, stop, wait_for_server
from tests.prometheus import histogram_problems, parse

pytestmark = pytest.mark.live

TOKEN: Final = "live-reload-token"  # noqa: S105  # a test token, not a credential
DASING_FILE: Final = "data/siedlce/partnership-dasing.ttl"
OLD_LABEL: Final = '"Dasing"@en'
NEW_LABEL: Final = "Dasing an der Paar (reloaded)"
#: Requests the load threads cycle through; the Turtle of Dasing tells which data answered.
LABELLED: Final = "/id/municipality/dasing.ttl"
LOAD_PATHS: Final = (
    LABELLED,
    "/id/municipality/siedlce",
    "/id/partnership/siedlce-dasing",
    "/id/municipality/berdychiv.ttl",
    "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D",
    "/id/agreement/siedlce-berdychiv-2005.nt",
    LABELLED,
    "/sparql?query=SELECT%20%3Fs%20WHERE%20%7B%20%3Fs%20a%20%3Ft%20%7D%20LIMIT%203",
)
LOAD_THREADS: Final = 4
#: A bound on the load, should a reload take very long on a busy machine.
MAX_LOAD: Final = 5000
CONSECUTIVE: Final = 40
SWITCH_DEADLINE_S: Final = 30.0
QUERY_TIME_LIMIT_S: Final = 3
QUERY_WORKERS_PER_PROCESS: Final = 2  # the default sparql_workers


@dataclass
class Server:
    """A running server over a private copy of the data."""

    base_url: str
    process: subprocess.Popen[bytes]
    log: Path
    site: Path
    _offset: int = 0
    pids: dict[str, int] = field(default_factory=dict)
    #: Requests sent besides the load threads' (wait_for_server's, then _get's and _reload's).
    sent: int = 0

    def served_by(self) -> dict[str, int]:
        """Request id → pid of the worker that answered, from the access log so far."""
        with self.log.open("rb") as handle:
            handle.seek(self._offset)
            chunk = handle.read()
        end = chunk.rfind(b"\n") + 1
        self._offset += end
        for raw in chunk[:end].splitlines():
            if not raw.startswith(b"{"):
                continue  # gunicorn's own lines
            with_id = json.loads(raw)
            self.pids[with_id["id"]] = with_id["pid"]
        return self.pids

    def workers(self) -> set[int]:
        """The gunicorn worker processes (the children of the arbiter)."""
        return _children(self.process.pid)


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text(encoding="ascii")
        found.update(int(child) for child in text.split())
    return found


def edit(site: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in Dasing's file by ``new``."""
    path = site / DASING_FILE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def _environment(site: Path, store: str) -> dict[str, str]:
    return server_env() | {
        "TWINNING_ROOT": str(site),
        "TWINNING_STATE_DIR": "state",
        "TWINNING_ADMIN_TOKEN": TOKEN,
        "TWINNING_STORE": store,
        # short, so that the query workers of the old data are stopped soon after a reload
        "TWINNING_SPARQL_TIMEOUT_S": str(QUERY_TIME_LIMIT_S),
    }


def _start(site: Path, *, store: str = "memory") -> Iterator[Server]:
    port = find_free_port()
    base_url = f"http://{HOST}:{port}"
    log = site.parent / "server.log"
    command = [sys.executable, "-m", "twinning_kg", "serve"]
    command += ["--host", HOST, "--port", str(port), "--workers", "2"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=site,
            env=_environment(site, store),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_server(f"{base_url}/healthz", process, log)
            server = Server(base_url=base_url, process=process, log=log, site=site)
            server.sent = len(server.served_by())  # wait_for_server's requests
            deadline = time.monotonic() + 30
            while len(server.workers()) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)  # the second worker may still be booting
            yield server
        finally:
            stop(process)


@pytest.fixture
def server(site: Path) -> Iterator[Server]:
    """The server on the in-memory store."""
    yield from _start(site)


@pytest.fixture
def disk_server(site: Path) -> Iterator[Server]:
    """The server on an on-disk store written by ``twinning-kg load --out``."""
    out = site / "store"
    loaded = subprocess.run(
        [sys.executable, "-m", "twinning_kg", "load", "--out", str(out)],
        cwd=site,
        env=_environment(site, "memory"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr
    yield from _start(site, store=f"oxigraph:{out}")


# --- load ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    request_id: str
    path: str
    status: int
    new_data: bool | None  # for the labelled path: whether it showed the new label
    sent: float
    done: float


class Load:
    """Threads requesting LOAD_PATHS round and round until stopped; one connection per request,
    so the requests spread over both workers."""

    def __init__(self, base_url: str, tag: str) -> None:
        self.base_url = base_url
        self.tag = tag
        self.answers: list[Answer] = []
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(n,), name=f"load-{n}")
            for n in range(LOAD_THREADS)
        ]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def snapshot(self) -> list[Answer]:
        with self._lock:
            return list(self.answers)

    def _run(self, number: int) -> None:
        with httpx.Client(base_url=self.base_url, timeout=60.0, trust_env=False) as client:
            sent = 0
            while not self._stop.is_set() and len(self.answers) < MAX_LOAD:
                path = LOAD_PATHS[(number + sent) % len(LOAD_PATHS)]
                request_id = f"{self.tag}-{number}-{sent}"
                sent += 1
                headers = {"Connection": "close", "X-Request-Id": request_id}
                started = time.monotonic()
                try:
                    response = client.get(path, headers=headers)
                except httpx.HTTPError as exc:
                    with self._lock:
                        self.failures.append(f"{path}: {exc!r}")
                    continue
                new = NEW_LABEL in response.text if path == LABELLED else None
                done = time.monotonic()
                answer = Answer(request_id, path, response.status_code, new, started, done)
                with self._lock:
                    self.answers.append(answer)
                    if response.status_code != 200:
                        failure = f"{path}: {response.status_code} {response.text[:300]}"
                        self.failures.append(failure)


def _get(server: Server, path: str, request_id: str) -> httpx.Response:
    with httpx.Client(base_url=server.base_url, timeout=30.0, trust_env=False) as client:
        server.sent += 1
        return client.get(path, headers={"Connection": "close", "X-Request-Id": request_id})


def _reload(server: Server) -> tuple[httpx.Response, float, float]:
    with httpx.Client(base_url=server.base_url, timeout=120.0, trust_env=False) as client:
        started = time.monotonic()
        server.sent += 1
        response = client.post(
            "/admin/reload",
            headers={
                "Authorization": f"Bearer {TOKEN}",
                "Accept": "application/json",
                "X-Request-Id": "the-reload",
            },
        )
        return response, started, time.monotonic()


def _both_workers_serve(server: Server, tag: str) -> None:
    """Warm up: send requests until both workers have answered some."""
    deadline = time.monotonic() + 15
    n = 0
    while time.monotonic() < deadline:
        assert _get(server, "/healthz", f"{tag}-{n}").status_code == 200
        n += 1
        served = server.served_by()
        if len({served[f"{tag}-{i}"] for i in range(n) if f"{tag}-{i}" in served}) == 2:
            return
    pytest.fail("the requests never reached both workers")


def _until_switched(server: Server, load: Load, after: float) -> tuple[float, set[int]]:
    """Wait until the load's last CONSECUTIVE answers for Dasing show the new label, from both
    workers; return when the first of them was sent, and their workers.
    """
    deadline = time.monotonic() + SWITCH_DEADLINE_S
    while time.monotonic() < deadline:
        time.sleep(0.2)
        labelled = sorted(
            (a for a in load.snapshot() if a.new_data is not None and a.sent > after),
            key=lambda a: a.sent,
        )[-CONSECUTIVE:]
        if len(labelled) < CONSECUTIVE or not all(a.new_data for a in labelled):
            continue
        served = server.served_by()
        workers = {served[a.request_id] for a in labelled}
        if len(workers) == 2:
            return labelled[0].sent, workers
    pytest.fail(f"both workers did not serve the new data within {SWITCH_DEADLINE_S} s")


def _metrics_add_up(server: Server, sent: int) -> tuple[int, int]:
    """Scrape until /metrics counts every request sent; return (counted, scrapes)."""
    time.sleep(1.1)  # every worker writes its counts at its next request
    scrapes = 0
    deadline = time.monotonic() + 15
    counted = 0.0
    while time.monotonic() < deadline:
        response = _get(server, "/metrics", f"scrape-{scrapes}")
        scrapes += 1
        assert response.status_code == 200
        exposition = parse(response.text)
        assert histogram_problems(exposition, "twinning_request_duration_seconds") == []
        counted = sum(exposition.series("twinning_requests_total").values())
        if counted >= sent:
            return int(counted), scrapes
    pytest.fail(f"/metrics never counted the {sent} requests sent (last: {counted})")


def _report(name: str, **values: object) -> None:
    """Measurements, printed for `pytest -s` and the CI log."""
    print(f"\n[{name}] " + ", ".join(f"{k}={v}" for k, v in values.items()))


def _swap_latency(answers: list[Answer], served: dict[str, int], after: float) -> dict[int, float]:
    """Per worker: how long after the reload answered it still served the old data."""
    latest: dict[int, float] = {}
    for answer in answers:
        pid = served.get(answer.request_id)
        if pid is None or answer.new_data is not False:
            continue
        latest[pid] = max(latest.get(pid, after), answer.sent)
    return {pid: round(max(0.0, t - after), 3) for pid, t in latest.items()}


def _median_latency(
    answers: list[Answer], served: dict[str, int], *, reloader: int
) -> dict[str, float]:
    """Median latency of the answers, on the reloading worker and on the other one."""
    by_worker: dict[str, list[float]] = {"reloading": [], "other": []}
    for answer in answers:
        side = "reloading" if served.get(answer.request_id) == reloader else "other"
        by_worker[side].append(answer.done - answer.sent)
    return {
        side: round(1000 * sorted(times)[len(times) // 2], 1) if times else 0.0
        for side, times in by_worker.items()
    }


# --- the tests -----------------------------------------------------------------------------------


def _reload_under_load(server: Server, tag: str) -> None:
    workers = server.workers()
    assert len(workers) == 2
    _both_workers_serve(server, f"{tag}-warm")
    old_version = _get(server, "/healthz", f"{tag}-h0").json()["data_version"]
    edit(server.site, OLD_LABEL, f'"{NEW_LABEL}"@en')

    with Load(server.base_url, tag) as load:
        while len(load.snapshot()) < 100:
            time.sleep(0.05)
        response, started, reloaded_at = _reload(server)
        assert response.status_code == 200, response.text
        switched_at, switched_workers = _until_switched(server, load, reloaded_at)
        time.sleep(0.5)

    body = response.json()
    assert body["data_version"] != old_version
    assert load.failures == []
    during = [a for a in load.answers if started < a.sent and a.done < reloaded_at]
    assert len(during) >= 20, "the reload was hardly under load"
    assert switched_workers == workers
    served = server.served_by()
    assert {served[a.request_id] for a in load.answers} == workers
    # after the switch nobody is served the old data
    late = [a for a in load.answers if a.new_data is False and a.sent > switched_at]
    assert late == []
    for n in range(6):
        health = _get(server, "/healthz", f"{tag}-h{n + 1}").json()
        assert health["data_version"] == body["data_version"]
        assert health["last_reload"]["ok"] is True

    # /metrics adds up both workers: every request sent, give or take the scrapes themselves
    sent = server.sent + len(load.answers)
    assert len(server.served_by()) == sent  # one access log line per request, too
    counted, scrapes = _metrics_add_up(server, sent)
    assert sent <= counted <= sent + scrapes
    final = parse(_get(server, "/metrics", "scrape-final").text)
    assert final.value("twinning_reloads_total", result="ok") == 1
    assert final.value("twinning_reloads_total", result="followed") == 1
    assert final.value("twinning_requests_total", route="/admin/reload", status="200") == 1

    # the old data's query workers are stopped once no query can still run on them
    query_workers = sum(len(_children(w)) for w in workers)
    deadline = time.monotonic() + QUERY_TIME_LIMIT_S + 20
    while sum(len(_children(w)) for w in workers) > 2 * QUERY_WORKERS_PER_PROCESS:
        assert time.monotonic() < deadline, "the old query workers were never stopped"
        time.sleep(0.2)

    pages = Counter(a.path for a in load.answers)
    _report(
        tag,
        requests=len(load.answers),
        sparql=sum(n for p, n in pages.items() if p.startswith("/sparql")),
        reload_s=round(reloaded_at - started, 3),
        server_reload_s=body["seconds"],
        both_switched_after_s=round(switched_at - reloaded_at, 3),
        old_data_served_after_reload_s=_swap_latency(load.answers, served, reloaded_at),
        slowest_request_s=round(max(a.done - a.sent for a in load.answers), 3),
        median_ms_during_reload=_median_latency(during, served, reloader=served["the-reload"]),
        query_workers_after_reload=query_workers,
        query_workers_later=sum(len(_children(w)) for w in workers),
    )


def test_reload_under_load_switches_both_workers(server: Server) -> None:
    _reload_under_load(server, "memory")
    assert _get(server, "/healthz", "backend").json()["backend"] == "memory"


def test_reload_under_load_on_disk_store(disk_server: Server) -> None:
    store = disk_server.site / "store"
    before = store.resolve()
    _reload_under_load(disk_server, "disk")
    health = _get(disk_server, "/healthz", "backend").json()
    assert health["backend"] == f"oxigraph:{store}"
    # the link now names the new generation; the previous one is kept for readers still on it
    after = store.resolve()
    assert after != before
    assert after.name == health["data_version"]
    assert before.exists()


def test_syntax_error_under_load_keeps_the_old_data(server: Server) -> None:
    workers = server.workers()
    _both_workers_serve(server, "warm")
    old_version = _get(server, "/healthz", "h0").json()["data_version"]
    edit(server.site, OLD_LABEL, f'"{NEW_LABEL}"@en ;; ] .')

    with Load(server.base_url, "broken") as load:
        while len(load.snapshot()) < 50:
            time.sleep(0.05)
        response, started, reloaded_at = _reload(server)
        time.sleep(2.5)  # longer than the watchers' interval: nobody follows a rejected reload

    assert response.status_code == 422, response.text
    assert response.json()["message"].startswith(f"{DASING_FILE}:")
    assert load.failures == []
    assert [a for a in load.answers if started < a.sent and a.done < reloaded_at]
    assert not any(a.new_data for a in load.answers)
    served = server.served_by()
    assert {served[a.request_id] for a in load.answers} == workers
    for n in range(6):
        health = _get(server, "/healthz", f"h{n + 1}").json()
        assert health["data_version"] == old_version
        assert health["last_reload"]["ok"] is False  # whichever worker answers
        assert DASING_FILE in health["last_reload"]["error"]


def test_state_files_are_per_process(server: Server) -> None:
    _both_workers_serve(server, "warm")
    files = {int(p.stem) for p in (server.site / "state" / "metrics").glob("*.json")}
    assert files == server.workers()
    assert os.getpid() not in files
