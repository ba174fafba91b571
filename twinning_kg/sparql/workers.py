"""Run queries in worker processes that can be killed.

Neither rdflib nor pyoxigraph can cancel a running query from Python, pyoxigraph ignores signals
while it evaluates, and some hostile queries crash the process. So every public query runs in a
child process (its side: :mod:`twinning_kg.sparql.child`).

- An in-memory store's workers are forked from the process holding it: they share it
  copy-on-write.
- An on-disk store's workers are fresh interpreters that open it read-only. RocksDB is not
  fork-safe: a child forked while another thread of the server was inside RocksDB (opening its own
  handle, say) inherits that thread's locks held, and hangs on them when it opens the store.

The parent spools the child's output and waits until the deadline; past it, the child gets
SIGKILL and a fresh one is started for the next query. The child also arms a timer of its own for
the same deadline (SIGALRM, default action): the kernel ends it on time even when the parent, busy
serving pages, gets the CPU late. Nothing partial is ever returned: the parent hands out an
outcome only after the child reported that it finished.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

import pyoxigraph as ox

from twinning_kg.errors import (
    InvalidQuery,
    QueryTimeout,
    StoreUnavailable,
    TwinningError,
    WorkerCrashed,
)
from twinning_kg.sparql import child
from twinning_kg.sparql.child import HEADER, WORKER_NICENESS
from twinning_kg.sparql.jobs import QueryJob, QueryOutcome

__all__ = ["WORKER_NICENESS", "Worker", "WorkerPool", "fork_worker", "spawn_worker"]

_RECEIVE: Final = 256 * 1024
_TIMED_OUT: Final = "The query ran past the time limit and was stopped."
#: A spawned worker's program: this process's import path, then the worker's side.
_SPAWNED: Final = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from twinning_kg.sparql.child import main; main(sys.argv[2:])"
)


class Worker:
    """The parent's handle on one child: its pid, its end of the socket pair, how to reap it."""

    def __init__(
        self, pid: int, sock: socket.socket, process: subprocess.Popen[bytes] | None = None
    ) -> None:
        self.pid = pid
        self.sock = sock
        self.alive = True
        #: Whether the child said it is ready (has its store); one that ends before did not start.
        self.started = False
        self._process = process  # a spawned child is reaped through its Popen

    def kill(self) -> int | None:
        """End the child (if it has not ended) and reap it.

        :returns: as ``Popen.returncode``: the exit code, or minus the signal that ended it;
            None if it was reaped before.
        """
        if not self.alive:
            return None
        self.alive = False
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        ended: int | None = None
        if self._process is not None:
            ended = self._process.wait()
        else:
            with contextlib.suppress(ChildProcessError):
                ended = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        self.sock.close()
        return ended

    def _gone(self) -> TwinningError:
        """What to raise for a child that went away without answering."""
        ended = self.kill()
        if ended == -signal.SIGALRM:  # the child's own timer
            return QueryTimeout(_TIMED_OUT)
        if not self.started:
            return StoreUnavailable("The query worker could not start (the server's log says why).")
        return WorkerCrashed(
            "The query stopped the worker running it (too much memory, or an engine failure); "
            "simplify it or narrow it down."
        )

    def run(self, job: QueryJob, deadline: float) -> QueryOutcome:
        """Send ``job`` and collect its answer, killing the child past ``deadline``."""
        try:
            self.sock.sendall(child.encode_job(job, deadline))
        except (BrokenPipeError, ConnectionResetError):
            raise self._gone() from None
        outcome = QueryOutcome(media_type=job.media_type)
        buffer = bytearray()
        with selectors.DefaultSelector() as selector:
            selector.register(self.sock, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    outcome.body.close()
                    self.kill()
                    raise QueryTimeout(_TIMED_OUT)
                try:
                    chunk = self.sock.recv(_RECEIVE)
                except ConnectionResetError:
                    chunk = b""  # a child that ended with our job unread
                if not chunk:
                    outcome.body.close()
                    raise self._gone()
                buffer += chunk
                while len(buffer) >= HEADER.size:
                    kind, size = HEADER.unpack_from(buffer)
                    if len(buffer) < HEADER.size + size:
                        break
                    frame = bytes(buffer[HEADER.size : HEADER.size + size])
                    del buffer[: HEADER.size + size]
                    if kind == b"D":
                        outcome.body.write(frame)
                        outcome.size += len(frame)
                    elif kind == b"R":
                        self.started = True
                    elif kind == b"E":
                        meta = json.loads(frame)
                        outcome.rows = int(meta["rows"])
                        outcome.truncated = bool(meta["truncated"])
                        return outcome
                    else:
                        outcome.body.close()
                        raise self._error(json.loads(frame))

    def _error(self, error: dict[str, str]) -> TwinningError:
        """The exception for the child's error frame."""
        if error["kind"] == "syntax":
            return InvalidQuery(f"Syntax error: {error['message']}")
        if error["kind"] == "memory":
            return WorkerCrashed(error["message"])
        if error["kind"] == "unavailable":
            self.kill()
            return StoreUnavailable(error["message"])
        return InvalidQuery(error["message"])


def fork_worker(store_of: Callable[[], ox.Store], memory_limit_bytes: int) -> Worker:
    """A child forked from this process, querying ``store_of()`` (an in-memory store, shared)."""
    parent, sock = socket.socketpair()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        parent.close()
        try:
            child.close_inherited_descriptors(keep=sock.fileno())
            child.serve_jobs(store_of(), sock, memory_limit_bytes)
        finally:
            os._exit(0)
    sock.close()
    return Worker(pid, parent)


def spawn_worker(path: Path, memory_limit_bytes: int) -> Worker:
    """A fresh interpreter that opens the on-disk store at ``path`` read-only and queries it.

    Started by ``subprocess`` (fork and exec at once): nothing of this process's state, its
    RocksDB handle and locks included, reaches the child but the one socket passed to it. In a
    session of its own, so a Ctrl-C meant for the server does not interrupt its start; it ends
    when the server closes its socket. Its error output goes to the server's.
    """
    parent, sock = socket.socketpair()
    arguments = [json.dumps(sys.path), str(sock.fileno()), str(path), str(memory_limit_bytes)]
    try:
        process = subprocess.Popen(  # noqa: S603  # our own interpreter and module
            [sys.executable, "-c", _SPAWNED, *arguments],
            pass_fds=(sock.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
    except BaseException:
        parent.close()
        raise
    finally:
        sock.close()
    return Worker(process.pid, parent, process)


class WorkerPool:
    """A pool of at most ``size`` workers per process, each running one query at a time.

    Made by :meth:`forking` (an in-memory store) or :meth:`spawning` (an on-disk store).
    """

    def __init__(self, start: Callable[[], Worker], *, size: int = 2) -> None:
        self._start = start
        self._size = max(1, size)
        self._idle: list[Worker] = []
        self._busy = 0
        self._owner = os.getpid()
        self._lock = threading.Condition()
        self._closed = False
        self.killed = 0
        self.crashed = 0

    @classmethod
    def forking(
        cls, store_of: Callable[[], ox.Store], *, size: int = 2, memory_limit_mb: int = 0
    ) -> WorkerPool:
        """Workers forked from this process, sharing the in-memory store ``store_of()``."""
        memory = memory_limit_mb * 1024 * 1024
        return cls(lambda: fork_worker(store_of, memory), size=size)

    @classmethod
    def spawning(cls, path: Path, *, size: int = 2, memory_limit_mb: int = 0) -> WorkerPool:
        """Fresh interpreters, each opening the on-disk store at ``path`` (about 0.1 to 0.2 s to
        start, counted in the time of the first query it runs)."""
        memory = memory_limit_mb * 1024 * 1024
        return cls(lambda: spawn_worker(path, memory), size=size)

    def _reset_after_fork(self) -> None:
        # Handles inherited from another process (e.g. gunicorn's master) are not ours.
        if self._owner != os.getpid():
            self._idle = []
            self._busy = 0
            self._owner = os.getpid()

    def _acquire(self, deadline: float) -> Worker:
        with self._lock:
            self._reset_after_fork()
            while True:
                while self._idle:
                    worker = self._idle.pop()
                    if worker.alive:
                        self._busy += 1
                        return worker
                if self._busy < self._size:
                    self._busy += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._lock.wait(remaining):
                    raise QueryTimeout("All query workers are busy; try again shortly.")
        try:
            return self._start()
        except BaseException as exc:
            with self._lock:
                self._busy -= 1
                self._lock.notify()
            if isinstance(exc, OSError | subprocess.SubprocessError):
                raise StoreUnavailable(f"Could not start a query worker: {exc}") from None
            raise

    def _release(self, worker: Worker) -> None:
        with self._lock:
            self._busy -= 1
            kept = worker.alive and not self._closed
            if kept:
                self._idle.append(worker)
            self._lock.notify()
        if not kept:
            worker.kill()  # the pool was closed while this worker ran a query (or it is dead)

    def run(self, job: QueryJob, *, timeout_s: float) -> QueryOutcome:
        """See :class:`QueryExecutor`."""
        deadline = time.monotonic() + timeout_s
        worker = self._acquire(deadline)
        try:
            return worker.run(job, deadline)
        except QueryTimeout:
            self.killed += 1
            raise
        except WorkerCrashed:
            self.crashed += 1
            raise
        except OSError as exc:
            worker.kill()
            self.crashed += 1
            raise WorkerCrashed(f"The query worker failed: {exc}") from None
        finally:
            self._release(worker)

    def close(self) -> None:
        """See :class:`QueryExecutor`; workers still running a query stop when it ends."""
        with self._lock:
            self._closed = True
            idle = self._idle if self._owner == os.getpid() else []
            self._idle = []
        for worker in idle:  # outside the lock: reaping waits for each to end
            worker.kill()
