"""Run queries in worker processes that can be killed.

Neither rdflib nor pyoxigraph can cancel a running query from Python, pyoxigraph ignores signals
while it evaluates, and some hostile queries crash the process. So every public query runs in a
child process. An in-memory store's workers are forked from the process holding it (they share it
copy-on-write). An on-disk store's workers are fresh interpreters that open it read-only: RocksDB
is not fork-safe, and a child forked while another thread of the server was inside RocksDB (opening
its own handle, say) inherits that thread's locks held and hangs on them when it opens the store.
The parent spools the child's output and waits until the deadline; past it, the child gets
SIGKILL and a fresh one is forked for the next query. The child also arms a timer of its own for
the same deadline (SIGALRM, default action): the kernel ends it on time even when the parent, busy
serving pages, gets the CPU late. Nothing partial is ever returned: the parent
hands out an outcome only after the child reported that it finished.

Wire format, child to parent: frames of one type byte, a 4-byte big-endian length, the payload:
``D`` data, ``E`` end (JSON: rows, truncated), ``X`` error (JSON: kind, message).
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import resource
import selectors
import signal
import socket
import stat
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

import pyoxigraph as ox

from twinning_kg.errors import InvalidQuery, QueryTimeout, StoreUnavailable, WorkerCrashed
from twinning_kg.sparql.jobs import QueryJob, QueryOutcome
from twinning_kg.sparql.results import write_boolean, write_solutions, write_triples

_HEADER: Final = struct.Struct(">cI")
_CHUNK: Final = 64 * 1024
#: How much lower than the server's own the query workers' CPU priority is (see ``nice(2)``).
WORKER_NICENESS: Final = 10


class _Frames:
    """Buffered writer of frames to the parent, flushing at _CHUNK bytes."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = bytearray()

    def data(self, payload: bytes) -> None:
        self._buffer += payload
        if len(self._buffer) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            self._send(b"D", bytes(self._buffer))
            self._buffer.clear()

    def _send(self, kind: bytes, payload: bytes) -> None:
        self._sock.sendall(_HEADER.pack(kind, len(payload)) + payload)

    def end(self, meta: dict[str, object]) -> None:
        self.flush()
        self._send(b"E", json.dumps(meta).encode())

    def error(self, kind: str, message: str) -> None:
        self._buffer.clear()
        self._send(b"X", json.dumps({"kind": kind, "message": message}).encode())


def _run_job(store: ox.Store, job: QueryJob, frames: _Frames) -> dict[str, object]:
    """Run ``job``, writing its results as data frames; what the end frame will say."""
    options: dict[str, object] = {"base_iri": job.base_iri}
    # The dataset (SPARQL 1.1 Protocol, 2.1.4): the protocol's parameters, whole, when either is
    # given (one not given is empty); else the query's FROM/FROM NAMED; else the union of the
    # named graphs. Graphs of the store, never fetched; one the store does not hold is empty.
    if job.default_graphs or job.named_graphs:
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    elif not job.query_dataset:
        options["use_default_graph_as_union"] = True
    result = store.query(job.text, **options)  # type: ignore[arg-type]  # keyword options
    if isinstance(result, ox.QueryBoolean):
        assert job.results_format is not None  # noqa: S101  # set for ASK by the endpoint
        written = write_boolean(bool(result), job.results_format, frames.data)
    elif isinstance(result, ox.QuerySolutions):
        assert job.results_format is not None  # noqa: S101
        names = [v.value for v in result.variables]
        written = write_solutions(names, result, job.results_format, frames.data, cap=job.row_cap)
    else:
        assert job.graph_format is not None  # noqa: S101
        written = write_triples(
            result, job.graph_format, frames.data, cap=job.row_cap, prefixes=dict(job.prefixes)
        )
    return {"rows": written.rows, "truncated": written.truncated}


def _read_exact(sock: socket.socket, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def _close_inherited_descriptors(keep: int) -> None:
    """Close the sockets and pipes forked from the parent, but ``keep``.

    Sockets: a worker that kept a client's keep-alive connection would hold it open after the
    server closed its side, and the client's next request on it would never be answered. Pipes:
    a worker that kept the write end of a pipe the parent shares with a subprocess (a driver, a
    log reader) would keep that subprocess from ever seeing the end of its input. Files stay
    open: the storage engine's process-wide state may still refer to them.
    """
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd == keep:
            continue
        with contextlib.suppress(OSError):
            mode = os.fstat(fd).st_mode
            if stat.S_ISSOCK(mode) or (fd > 2 and stat.S_ISFIFO(mode)):
                os.close(fd)


def _child(store: ox.Store, sock: socket.socket, memory_limit_bytes: int) -> None:
    """The worker's loop: read a job, run it, report; exit when the parent goes away."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the time limit: the kernel ends the process
    # Below the pages in the CPU's queue: a runaway query may take a core until its time limit,
    # and the pages and search answered meanwhile should not wait behind it.
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    if memory_limit_bytes > 0:
        with contextlib.suppress(ValueError, OSError):
            with open("/proc/self/statm", encoding="ascii") as statm:
                current = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            limit = current + memory_limit_bytes
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    frames = _Frames(sock)
    while True:
        header = _read_exact(sock, 4)
        if header is None:
            return
        payload = _read_exact(sock, struct.unpack(">I", header)[0])
        if payload is None:
            return
        job: QueryJob
        job, limit_s = pickle.loads(payload)  # noqa: S301  # from our own parent process
        signal.setitimer(signal.ITIMER_REAL, limit_s)
        try:
            meta = _run_job(store, job, frames)
            frames.flush()
        except SyntaxError as exc:
            signal.setitimer(signal.ITIMER_REAL, 0)
            frames.error("syntax", str(exc.msg if hasattr(exc, "msg") else exc))
        except MemoryError:
            signal.setitimer(signal.ITIMER_REAL, 0)
            frames.error("memory", "The query needed more memory than this endpoint allows.")
        except (ValueError, OSError, TypeError) as exc:
            signal.setitimer(signal.ITIMER_REAL, 0)
            frames.error("error", str(exc))
        else:
            # Disarmed before the end frame: a child that told the parent "done" never dies of it.
            signal.setitimer(signal.ITIMER_REAL, 0)
            frames.end(meta)


class _Worker:
    """The parent's handle on one child: its pid, its end of the socket pair, how to reap it."""

    def __init__(
        self, pid: int, sock: socket.socket, process: subprocess.Popen[bytes] | None = None
    ) -> None:
        self.pid = pid
        self.sock = sock
        self.alive = True
        self._process = process  # a spawned child is reaped through its Popen

    def kill(self) -> int | None:
        """End the child (if it has not ended); the signal that ended it, None if none did or it
        was already reaped."""
        if not self.alive:
            return None
        self.alive = False
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        ended_by: int | None = None
        if self._process is not None:
            code = self._process.wait()
            ended_by = -code if code < 0 else None
        else:
            with contextlib.suppress(ChildProcessError):
                status = os.waitpid(self.pid, 0)[1]
                ended_by = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        self.sock.close()
        return ended_by

    def run(self, job: QueryJob, deadline: float) -> QueryOutcome:
        payload = pickle.dumps((job, max(0.001, deadline - time.monotonic())))
        self.sock.sendall(struct.pack(">I", len(payload)) + payload)
        outcome = QueryOutcome(media_type=job.media_type)
        buffer = bytearray()
        with selectors.DefaultSelector() as selector:
            selector.register(self.sock, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    outcome.body.close()
                    self.kill()
                    raise QueryTimeout("The query ran past the time limit and was stopped.")
                chunk = self.sock.recv(_CHUNK * 4)
                if not chunk:
                    outcome.body.close()
                    if self.kill() == signal.SIGALRM:
                        raise QueryTimeout("The query ran past the time limit and was stopped.")
                    raise WorkerCrashed(
                        "The query stopped the worker running it (too much memory, or an engine "
                        "failure); simplify it or narrow it down."
                    )
                buffer += chunk
                while len(buffer) >= _HEADER.size:
                    kind, size = _HEADER.unpack_from(buffer)
                    if len(buffer) < _HEADER.size + size:
                        break
                    frame = bytes(buffer[_HEADER.size : _HEADER.size + size])
                    del buffer[: _HEADER.size + size]
                    if kind == b"D":
                        outcome.body.write(frame)
                        outcome.size += len(frame)
                    elif kind == b"E":
                        meta = json.loads(frame)
                        outcome.rows = int(meta["rows"])
                        outcome.truncated = bool(meta["truncated"])
                        return outcome
                    else:
                        outcome.body.close()
                        error = json.loads(frame)
                        if error["kind"] == "syntax":
                            raise InvalidQuery(f"Syntax error: {error['message']}")
                        if error["kind"] == "memory":
                            raise WorkerCrashed(error["message"])
                        if error["kind"] == "unavailable":
                            self.kill()
                            raise StoreUnavailable(error["message"])
                        raise InvalidQuery(error["message"])


def fork_worker(store_of: Callable[[], ox.Store], memory_limit_bytes: int) -> _Worker:
    """A child forked from this process, querying ``store_of()`` (an in-memory store, shared)."""
    parent, child = socket.socketpair()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        parent.close()
        try:
            _close_inherited_descriptors(keep=child.fileno())
            _child(store_of(), child, memory_limit_bytes)
        finally:
            os._exit(0)
    child.close()
    return _Worker(pid, parent)


def spawn_worker(path: Path, memory_limit_bytes: int) -> _Worker:
    """A fresh interpreter that opens the on-disk store at ``path`` read-only and queries it.

    Started by ``subprocess`` (fork and exec at once): nothing of this process's state, its
    RocksDB handle and locks included, reaches the child but the one socket passed to it.
    """
    parent, child = socket.socketpair()
    try:
        command = [sys.executable, "-m", __name__, str(child.fileno()), str(path)]
        process = subprocess.Popen(  # noqa: S603  # our own interpreter and module
            [*command, str(memory_limit_bytes)],
            pass_fds=(child.fileno(),),
            stdin=subprocess.DEVNULL,
        )
    except BaseException:
        parent.close()
        raise
    finally:
        child.close()
    return _Worker(process.pid, parent, process)


def _spawned_main(argv: list[str]) -> None:  # pragma: no cover - runs in the spawned child
    """The spawned worker: ``FD PATH MEMORY_LIMIT_BYTES``."""
    sock = socket.socket(fileno=int(argv[0]))
    try:
        store = ox.Store.read_only(argv[1])
    except OSError as exc:
        frames = _Frames(sock)
        frames.error("unavailable", f"The query worker could not open the store: {exc}")
        return
    _child(store, sock, int(argv[2]))


class WorkerPool:
    """A pool of at most ``size`` workers per process, each running one query at a time.

    ``store``: an in-memory store (its workers are forked and share it), or an on-disk store's
    folder (its workers are spawned and open it).
    """

    def __init__(
        self,
        store: Callable[[], ox.Store] | Path,
        *,
        size: int = 2,
        memory_limit_mb: int = 0,
    ) -> None:
        memory = memory_limit_mb * 1024 * 1024
        self._start: Callable[[], _Worker]
        if isinstance(store, Path):
            path = store
            self._start = lambda: spawn_worker(path, memory)
        else:
            store_of = store
            self._start = lambda: fork_worker(store_of, memory)
        self._size = max(1, size)
        self._idle: list[_Worker] = []
        self._busy = 0
        self._owner = os.getpid()
        self._lock = threading.Condition()
        self._closed = False
        self.killed = 0
        self.crashed = 0

    def _reset_after_fork(self) -> None:
        # Handles inherited from another process (e.g. gunicorn's master) are not ours.
        if self._owner != os.getpid():
            self._idle = []
            self._busy = 0
            self._owner = os.getpid()

    def _acquire(self, deadline: float) -> _Worker:
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
        except OSError:
            with self._lock:
                self._busy -= 1
                self._lock.notify()
            raise

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            self._busy -= 1
            if worker.alive and not self._closed:
                self._idle.append(worker)
            elif worker.alive:
                worker.kill()  # the pool was closed while this worker ran a query
            self._lock.notify()

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
            if self._owner == os.getpid():
                for worker in self._idle:
                    worker.kill()
            self._idle = []


if __name__ == "__main__":  # pragma: no cover - the spawned worker's entry point
    _spawned_main(sys.argv[1:])
