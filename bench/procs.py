"""Processes the benchmark starts: start, wait until they answer, sample their memory, stop.

Memory is read from /proc: the resident set (RSS) of a process and all its descendants, summed,
and the proportional set size (PSS, from smaps_rollup), which counts a page shared by n processes
(copy-on-write after fork, a mapped store file) as 1/n in each. Summed RSS over-counts shared pages;
summed PSS does not.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

PAGE: Final = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError):
                text = Path(f"/proc/{pid}/task/{task}/children").read_text(encoding="ascii")
                found.extend(int(c) for c in text.split())
    return found


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants that are alive now."""
    seen: list[int] = []
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.append(pid)
        todo.extend(_children(pid))
    return seen


def rss_bytes(pid: int) -> int:
    """Resident set size of one process (0 if it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text(encoding="ascii").split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def pss_bytes(pid: int) -> int:
    """Proportional set size of one process (0 if it is gone or the kernel lacks smaps_rollup)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="ascii").splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        return 0
    return 0


CLOCK_TICKS: Final = os.sysconf("SC_CLK_TCK")


def cpu_seconds(root: int) -> float:
    """CPU time (user + system, with reaped children's) of ``root`` and its live descendants."""
    total = 0
    for pid in process_tree(root):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / CLOCK_TICKS


@dataclass
class MemorySampler:
    """Samples the summed RSS and PSS of a process tree in a thread until stopped; keeps peaks."""

    root: int
    interval_s: float = 0.25
    peak_rss: int = 0
    peak_pss: int = 0
    peak_processes: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        tree = process_tree(self.root)
        self.peak_rss = max(self.peak_rss, sum(rss_bytes(p) for p in tree))
        self.peak_pss = max(self.peak_pss, sum(pss_bytes(p) for p in tree))
        self.peak_processes = max(self.peak_processes, len(tree))

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def start(self) -> MemorySampler:
        self.sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.sample()
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


@dataclass
class Server:
    """A server process the benchmark started, in its own process group."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    started: float
    sampler: MemorySampler
    ready_s: float = 0.0
    log: Path | None = None

    def stop(self) -> None:
        """SIGTERM to the server's own process group, SIGKILL after 15 s; stop sampling."""
        self.sampler.stop()
        pgid = self.process.pid  # started with start_new_session: its pid is its group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            self.process.wait()
        # Children of the group (query workers) may outlive the leader by a moment.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)


def start_server(
    name: str,
    command: Sequence[str],
    *,
    port: int,
    probe: str,
    env: Mapping[str, str],
    log: Path,
    timeout_s: float = 300.0,
) -> Server:
    """Start ``command`` and wait until ``GET probe`` on ``port`` answers 200.

    ``ready_s`` is the time from just before the process is created to the first 200.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    out = log.open("wb")
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603  # our own command line
        list(command),
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=dict(env),
        start_new_session=True,
    )
    out.close()
    sampler = MemorySampler(process.pid).start()
    server = Server(name, process, port, started, sampler, log=log)
    deadline = started + timeout_s
    while True:
        if process.poll() is not None:
            server.stop()
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"{name} exited with {process.returncode} before answering:\n{tail}")
        status = probe_status(port, probe)
        if status == 200:
            server.ready_s = time.perf_counter() - started
            return server
        if time.perf_counter() > deadline:
            server.stop()
            raise RuntimeError(f"{name} did not answer {probe} within {timeout_s} s")
        time.sleep(0.005)


def probe_status(port: int, path: str) -> int | None:
    """The status of ``GET path`` on localhost, or None if nothing answers yet."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        conn.close()


def run_measured(
    command: Sequence[str], *, env: Mapping[str, str], log: Path, timeout_s: float
) -> tuple[int | None, float, int]:
    """Run a command to completion: ``(exit code or None on timeout, seconds, peak RSS bytes)``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603  # our own command line
            list(command),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env),
            start_new_session=True,
        )
        sampler = MemorySampler(process.pid, interval_s=0.5).start()
        try:
            code: int | None = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            code = None
        elapsed = time.perf_counter() - started
        sampler.stop()
    return code, elapsed, sampler.peak_rss


def timed(action: Callable[[], object]) -> tuple[object, float]:
    """``(result, seconds)`` of calling ``action``."""
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started
