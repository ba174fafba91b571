"""Query workers: answers, the time limit enforced from both sides, crashes told apart.

Each behaviour is checked for both kinds of worker: forked from an in-memory store, and spawned
afresh on an on-disk store's folder.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from twinning_kg.errors import InvalidQuery, QueryTimeout, StoreUnavailable, WorkerCrashed
from twinning_kg.formats import ResultsFormat
from twinning_kg.sparql.child import encode_job
from twinning_kg.sparql.jobs import QueryJob
from twinning_kg.sparql.workers import (
    WORKER_NICENESS,
    Worker,
    WorkerPool,
    fork_worker,
    spawn_worker,
)

EX = "http://example.org/"
#: Four unconstrained patterns over 400 triples: 2.56e10 rows to count, hours of work.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


#: What an pool is made from: an in-memory store, or an on-disk store's folder.
Source = ox.Store | Path


def _quads() -> list[ox.Quad]:
    return [
        ox.Quad(ox.NamedNode(f"{EX}s{n}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(n)))
        for n in range(400)
    ]


@pytest.fixture(scope="module")
def memory_store() -> ox.Store:
    store = ox.Store()
    store.extend(_quads())
    return store


@pytest.fixture(scope="module")
def disk_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store's folder, written and closed."""
    folder = tmp_path_factory.mktemp("store")
    writer = ox.Store(str(folder))
    writer.extend(_quads())
    writer.flush()
    del writer
    return folder


@pytest.fixture(params=["memory", "disk"])
def store(request: pytest.FixtureRequest) -> Iterator[Source]:
    if request.param == "memory":
        yield request.getfixturevalue("memory_store")
        return
    folder: Path = request.getfixturevalue("disk_store")
    held = ox.Store.read_only(str(folder))  # open in this process meanwhile, as in a server
    yield folder
    assert len(held) == 400


#: Makes a one-worker pool on a store, closed after the test.
PoolMaker = Callable[[Source], WorkerPool]


@pytest.fixture
def pools() -> Iterator[PoolMaker]:
    made: list[WorkerPool] = []

    def make(store: Source) -> WorkerPool:
        if isinstance(store, Path):
            pool = WorkerPool.spawning(store, size=1)
        else:
            pool = WorkerPool.forking(lambda: store, size=1)
        made.append(pool)
        return pool

    yield make
    for pool in made:
        pool.close()


@pytest.fixture
def pool(store: Source, pools: PoolMaker) -> WorkerPool:
    """A one-worker pool on each kind of store in turn."""
    return pools(store)


def _start_worker(store: Source) -> Worker:
    if isinstance(store, Path):
        return spawn_worker(store, 0)
    return fork_worker(lambda: store, 0)


def _job(text: str) -> QueryJob:
    return QueryJob(text=text, form="SELECT", results_format=ResultsFormat.JSON)


def _answer(pool: WorkerPool, text: str, timeout_s: float) -> tuple[bytes, int]:
    outcome = pool.run(_job(text), timeout_s=timeout_s)
    with outcome.body:
        outcome.body.seek(0)
        return outcome.body.read(), outcome.rows


def test_a_cheap_query_is_answered(pool: WorkerPool) -> None:
    body, rows = _answer(pool, f"SELECT ?s WHERE {{ ?s <{EX}p> '7' }}", 10)
    assert f"{EX}s7".encode() in body
    assert rows == 1


def test_a_runaway_query_is_stopped_at_the_limit(pool: WorkerPool) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        pool.run(_job(RUNAWAY), timeout_s=0.5)
    assert time.monotonic() - started < 1.5
    assert pool.killed == 1
    # The pool starts a fresh worker and goes on answering.
    assert b"true" in _answer(pool, "ASK { ?s ?p ?o }", 10)[0]


def test_the_worker_ends_itself_at_the_limit_when_the_parent_looks_late(
    store: Source,
) -> None:
    """The parent may get the CPU late (pages served by its other threads); the child's own timer
    ends the query on time anyway, and the parent then reports a timeout, not a crash."""
    worker = _start_worker(store)
    try:
        worker.sock.sendall(encode_job(_job(RUNAWAY), time.monotonic() + 0.5))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with open(f"/proc/{worker.pid}/stat", encoding="ascii") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break  # ended, not yet reaped
            time.sleep(0.05)
        else:
            pytest.fail("the worker ran on past its own time limit")
        assert worker.kill() == -signal.SIGALRM  # reaps it: ended by its own timer, not by us
    finally:
        worker.kill()


def test_a_timer_left_running_does_not_kill_the_worker_after_it_answered(pool: WorkerPool) -> None:
    _answer(pool, "ASK { ?s ?p ?o }", 10)  # started (a spawned worker takes ~0.2 s)
    for _ in range(3):
        _answer(pool, "ASK { ?s ?p ?o }", 1.0)
    time.sleep(1.2)  # past every limit the worker was given
    _answer(pool, "ASK { ?s ?p ?o }", 5)
    assert (pool.killed, pool.crashed) == (0, 0)


def test_a_worker_holds_no_pipe_of_its_parent(pool: WorkerPool) -> None:
    """A subprocess's pipe (Playwright's driver, say) sees its end when the parent closes it, even
    while a worker started after the pipe was made is alive. A forked worker closes what it
    inherited; a spawned one is given its socket only."""
    read_end, write_end = os.pipe()
    os.set_inheritable(write_end, True)  # as a subprocess's end is, until it is started
    try:
        _answer(pool, "ASK { ?s ?p ?o }", 10)  # a worker now runs, started with the pipe open
        os.close(write_end)
        os.set_blocking(read_end, False)
        deadline = time.monotonic() + 5
        while True:
            try:
                assert os.read(read_end, 1) == b"", "nothing was written"
                break  # end of file: no other process holds the write end
            except BlockingIOError:
                assert time.monotonic() < deadline, "a worker still holds the pipe's write end"
                time.sleep(0.05)
    finally:
        os.close(read_end)


def test_a_worker_runs_below_the_server_in_the_cpu_queue(pool: WorkerPool) -> None:
    """Pages answered while a runaway query runs should not wait behind it for a core."""
    _answer(pool, "ASK { ?s ?p ?o }", 10)
    (worker,) = pool._idle
    niceness = int(Path(f"/proc/{worker.pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
    assert niceness == min(19, os.nice(0) + WORKER_NICENESS)


def test_an_on_disk_stores_worker_is_a_fresh_interpreter(
    disk_store: Path, pools: PoolMaker
) -> None:
    """RocksDB is not fork-safe: a child forked while another thread of the server held one of its
    locks (opening the server's own handle, say) hung on it for good when opening the store, and
    its query timed out (seen under load at the start of a server). So an on-disk store's workers
    are started afresh, from the interpreter, not forked from the server's process."""
    held = ox.Store.read_only(str(disk_store))
    pool = pools(disk_store)
    assert b"true" in _answer(pool, "ASK { ?s ?p ?o }", 10)[0]
    (worker,) = pool._idle
    command = Path(f"/proc/{worker.pid}/cmdline").read_bytes().split(b"\0")
    assert command[1] == b"-c"
    assert b"from twinning_kg.sparql.child import main" in command[2]
    assert held.query("ASK { ?s ?p ?o }")  # the parent's own handle still answers


def test_a_store_gone_from_disk_is_unavailable_not_a_bad_query(
    tmp_path: Path, pools: PoolMaker
) -> None:
    pool = pools(tmp_path / "gone")
    with pytest.raises(StoreUnavailable):
        pool.run(_job("ASK { ?s ?p ?o }"), timeout_s=10)
    assert (pool.killed, pool.crashed) == (0, 0)


def test_a_damaged_store_is_unavailable(disk_store: Path, tmp_path: Path, pools: PoolMaker) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(disk_store, damaged)
    (damaged / "CURRENT").write_text("not a manifest\n", encoding="ascii")
    pool = pools(damaged)
    with pytest.raises(StoreUnavailable, match="could not open the store"):
        pool.run(_job("ASK { ?s ?p ?o }"), timeout_s=10)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("executable", "/bin/false"),  # exits at once
        ("executable", "/nonexistent/python"),  # cannot be run
        ("path", ["/nonexistent"]),  # runs, but cannot import the worker's side
    ],
)
def test_a_worker_that_cannot_start_is_unavailable_and_frees_its_place(
    disk_store: Path, name: str, value: object, monkeypatch: pytest.MonkeyPatch, pools: PoolMaker
) -> None:
    """The query gets 503 store-unavailable, not a crash, and the pool's one place is free for the
    next. (A spawned worker is given this process's import path.)"""
    pool = pools(disk_store)
    with monkeypatch.context() as patch:
        patch.setattr(sys, name, value)
        with pytest.raises(StoreUnavailable, match=r"(?i)could not start"):
            pool.run(_job("ASK { ?s ?p ?o }"), timeout_s=10)
    assert (pool.killed, pool.crashed) == (0, 0)
    assert b"true" in _answer(pool, "ASK { ?s ?p ?o }", 10)[0]


def test_a_query_the_engine_does_not_support_is_a_bad_query_and_keeps_the_worker(
    pool: WorkerPool,
) -> None:
    """pyoxigraph raises RuntimeError for a function it does not know: 400, not a crash."""
    with pytest.raises(InvalidQuery, match="not supported"):
        pool.run(_job("SELECT (<http://example.org/f>(1) AS ?x) {}"), timeout_s=10)
    (worker,) = pool._idle
    assert b"true" in _answer(pool, "ASK { ?s ?p ?o }", 10)[0]
    assert pool._idle == [worker]
    assert (pool.killed, pool.crashed) == (0, 0)


def test_a_worker_that_died_after_it_started_is_a_crash(pool: WorkerPool) -> None:
    """Told apart from one that never started (which says the store is unavailable)."""
    _answer(pool, "ASK { ?s ?p ?o }", 10)
    (worker,) = pool._idle
    os.kill(worker.pid, signal.SIGKILL)
    with pytest.raises(WorkerCrashed):
        pool.run(_job("ASK { ?s ?p ?o }"), timeout_s=10)
    assert pool.crashed == 1
    assert b"true" in _answer(pool, "ASK { ?s ?p ?o }", 10)[0]  # a fresh one
