"""A query worker's side: read jobs from the parent, run them, write the answers back as frames.

A worker forked from the server calls :func:`serve_jobs` with the store it shares; a spawned one
runs :func:`main` (``FD PATH MEMORY_LIMIT_BYTES``), which opens the on-disk store at ``PATH``
read-only and does the same on the socket ``FD``.

Wire format, parent to child: a 4-byte big-endian length, then the pickled ``(QueryJob,
deadline)``, the deadline on ``time.monotonic()``'s clock. Child to parent: frames of one type
byte, a 4-byte big-endian length, the payload: ``R`` ready (once, first: the worker has its
store), ``D`` data, ``E`` end (JSON: rows, truncated), ``X`` error (JSON: kind, message; kinds
``syntax``, ``memory``, ``error``, ``unavailable``).
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import resource
import signal
import socket
import stat
import struct
import time
from typing import Final

import pyoxigraph as ox

from twinning_kg.sparql.jobs import QueryJob
from twinning_kg.sparql.results import write_boolean, write_solutions, write_triples

HEADER: Final = struct.Struct(">cI")
_CHUNK: Final = 64 * 1024
#: How much lower than the server's own the query workers' CPU priority is (see ``nice(2)``).
WORKER_NICENESS: Final = 10


class Frames:
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
        self._sock.sendall(HEADER.pack(kind, len(payload)) + payload)

    def end(self, meta: dict[str, object]) -> None:
        self.flush()
        self._send(b"E", json.dumps(meta).encode())

    def ready(self) -> None:
        self._send(b"R", b"")

    def error(self, kind: str, message: str) -> None:
        self._buffer.clear()
        self._send(b"X", json.dumps({"kind": kind, "message": message}).encode())


def _run_job(store: ox.Store, job: QueryJob, frames: Frames) -> dict[str, object]:
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


def encode_job(job: QueryJob, deadline: float) -> bytes:
    """What the parent sends for ``job``, to be done by ``deadline`` (``time.monotonic()``)."""
    payload = pickle.dumps((job, deadline))
    return struct.pack(">I", len(payload)) + payload


def read_job(sock: socket.socket) -> tuple[QueryJob, float] | None:
    """The next job and its deadline from the parent; None once the parent went away."""
    header = read_exact(sock, 4)
    payload = None if header is None else read_exact(sock, struct.unpack(">I", header)[0])
    if payload is None:
        return None
    job: QueryJob
    deadline: float
    job, deadline = pickle.loads(payload)  # noqa: S301  # from our own parent process
    return job, deadline


def read_exact(sock: socket.socket, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def close_inherited_descriptors(keep: int) -> None:
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


def serve_jobs(store: ox.Store, sock: socket.socket, memory_limit_bytes: int) -> None:
    """The worker's loop: read a job, run it, report; return when the parent goes away."""
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
    frames = Frames(sock)
    frames.ready()
    while (received := read_job(sock)) is not None:
        job, deadline = received
        # The parent's deadline itself (CLOCK_MONOTONIC is the whole system's), so the time a
        # spawned worker took to start is not given again.
        signal.setitimer(signal.ITIMER_REAL, max(0.001, deadline - time.monotonic()))
        failure: tuple[str, str] | None = None
        try:
            meta = _run_job(store, job, frames)
            frames.flush()
        except SyntaxError as exc:
            failure = ("syntax", str(exc.msg if hasattr(exc, "msg") else exc))
        except MemoryError:
            failure = ("memory", "The query needed more memory than this endpoint allows.")
        except (ValueError, OSError, TypeError, RuntimeError) as exc:
            # RuntimeError: what the engine does not support (a custom function, say)
            failure = ("error", str(exc))
        # Disarmed before the last frame: a child that told the parent it finished never dies of it.
        signal.setitimer(signal.ITIMER_REAL, 0)
        if failure is None:
            frames.end(meta)
        else:
            frames.error(*failure)


def _refuse(sock: socket.socket, message: str) -> None:
    """Answer the parent's first job with an ``unavailable`` error (read first, so the parent
    never writes to a socket already closed)."""
    if read_job(sock) is not None:
        Frames(sock).error("unavailable", message)


def main(argv: list[str]) -> None:  # pragma: no cover - runs in a spawned worker
    """A spawned worker: ``FD PATH MEMORY_LIMIT_BYTES``."""
    sock = socket.socket(fileno=int(argv[0]))
    try:
        store = ox.Store.read_only(argv[1])
    except Exception as exc:  # RocksDB reports a damaged store as RuntimeError
        _refuse(sock, f"The query worker could not open the store: {exc}")
        return
    serve_jobs(store, sock, int(argv[2]))
