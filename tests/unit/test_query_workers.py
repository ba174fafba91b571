"""Forked query workers: answers, the time limit enforced from both sides, crashes told apart."""

from __future__ import annotations

import os
import pickle
import signal
import struct
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from twinning_kg.errors import QueryTimeout
from twinning_kg.formats import ResultsFormat
from twinning_kg.sparql.jobs import QueryJob
from twinning_kg.sparql.workers import WORKER_NICENESS, ForkingExecutor, _Worker

EX = "http://example.org/"
#: Four unconstrained patterns over 400 triples: 2.56e10 rows to count, hours of work.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    store.extend(
        ox.Quad(ox.NamedNode(f"{EX}s{n}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(n)))
        for n in range(400)
    )
    return store


def _job(text: str) -> QueryJob:
    return QueryJob(text=text, form="SELECT", results_format=ResultsFormat.JSON)


def _answer(executor: ForkingExecutor, text: str, timeout_s: float) -> tuple[bytes, int]:
    outcome = executor.run(_job(text), timeout_s=timeout_s)
    with outcome.body:
        outcome.body.seek(0)
        return outcome.body.read(), outcome.rows


def test_a_cheap_query_is_answered(store: ox.Store) -> None:
    executor = ForkingExecutor(lambda: store, size=1)
    try:
        body, rows = _answer(executor, f"SELECT ?s WHERE {{ ?s <{EX}p> '7' }}", 10)
        assert f"{EX}s7".encode() in body
        assert rows == 1
    finally:
        executor.close()


def test_a_runaway_query_is_stopped_at_the_limit(store: ox.Store) -> None:
    executor = ForkingExecutor(lambda: store, size=1)
    try:
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            executor.run(_job(RUNAWAY), timeout_s=0.5)
        assert time.monotonic() - started < 1.5
        assert executor.killed == 1
        # The pool forks a fresh worker and goes on answering.
        assert b"true" in _answer(executor, "ASK { ?s ?p ?o }", 10)[0]
    finally:
        executor.close()


def test_the_worker_ends_itself_at_the_limit_when_the_parent_looks_late(store: ox.Store) -> None:
    """The parent may get the CPU late (pages served by its other threads); the child's own timer
    ends the query on time anyway, and the parent then reports a timeout, not a crash."""
    worker = _Worker(lambda: store, 0)
    try:
        payload = pickle.dumps((_job(RUNAWAY), 0.5))
        worker.sock.sendall(struct.pack(">I", len(payload)) + payload)
        deadline = time.monotonic() + 5
        status = 0
        while time.monotonic() < deadline:
            pid, status = os.waitpid(worker.pid, os.WNOHANG)
            if pid:
                worker.alive = False  # reaped here
                break
            time.sleep(0.05)
        else:
            pytest.fail("the worker ran on past its own time limit")
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGALRM
    finally:
        if worker.alive and os.path.exists(f"/proc/{worker.pid}"):
            worker.kill()
        worker.sock.close()


def test_a_timer_left_running_does_not_kill_the_worker_after_it_answered(store: ox.Store) -> None:
    executor = ForkingExecutor(lambda: store, size=1)
    try:
        for _ in range(3):
            _answer(executor, "ASK { ?s ?p ?o }", 0.3)
        time.sleep(0.5)  # past every limit the worker was given
        _answer(executor, "ASK { ?s ?p ?o }", 5)
        assert (executor.killed, executor.crashed) == (0, 0)
    finally:
        executor.close()


def test_a_worker_holds_no_pipe_of_its_parent(store: ox.Store) -> None:
    """A subprocess's pipe (Playwright's driver, say) sees its end when the parent closes it, even
    while a worker forked after the pipe was made is alive."""
    read_end, write_end = os.pipe()
    executor = ForkingExecutor(lambda: store, size=1)
    try:
        _answer(executor, "ASK { ?s ?p ?o }", 10)  # a worker now runs, forked with the pipe open
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
        executor.close()
        os.close(read_end)


def test_a_worker_runs_below_the_server_in_the_cpu_queue(store: ox.Store) -> None:
    """Pages answered while a runaway query runs should not wait behind it for a core."""
    executor = ForkingExecutor(lambda: store, size=1)
    try:
        _answer(executor, "ASK { ?s ?p ?o }", 10)
        (worker,) = executor._idle
        niceness = int(Path(f"/proc/{worker.pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
        assert niceness == min(19, os.nice(0) + WORKER_NICENESS)
    finally:
        executor.close()
