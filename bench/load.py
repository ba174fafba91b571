"""HTTP load: single-client latencies over a keep-alive connection, and throughput at saturation.

Throughput uses ``wrk`` when it is on PATH (a C load generator: it leaves the cores to the server),
else Python threads, one keep-alive ``http.client`` connection each (the GIL caps what they can
send, so the figure is then a lower bound). Loopback only; every run is bounded in time.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

HOST: Final = "127.0.0.1"

WRK_SCRIPT: Final = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local accept = os.getenv("BENCH_ACCEPT")
local counter = 0
setup = function(thread)
  thread:set("offset", counter * 7919)
  counter = counter + 1
end
local i = 0
request = function()
  i = i + 1
  local path = paths[((i + (offset or 0)) % #paths) + 1]
  return wrk.format("GET", path, {["Accept"] = accept})
end
"""


class Client:
    """One keep-alive HTTP/1.1 connection to localhost (reconnects if the server closes it)."""

    def __init__(self, port: int, timeout_s: float = 120.0) -> None:
        self.port = port
        self.timeout_s = timeout_s
        self._conn: http.client.HTTPConnection | None = None

    def get(self, path: str, headers: Mapping[str, str]) -> tuple[int, bytes, float]:
        """``(status, body, seconds)`` of one GET, timed from sending to the last body byte."""
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout_s)
            started = time.perf_counter()
            try:
                self._conn.request("GET", path, headers=dict(headers))
                response = self._conn.getresponse()
                body = response.read()
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - started
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, body, elapsed
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


@dataclass
class Latencies:
    """Timings of one series of requests, in seconds."""

    samples: list[float]
    errors: int = 0

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``nan`` for no samples)."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def series(
    call: Callable[[int], float | None],
    *,
    count: int,
    budget_s: float,
    minimum: int = 3,
) -> Latencies:
    """Call ``call(i)`` for i = 0, 1, … until ``count`` calls or past ``budget_s`` (and at least
    ``minimum``); ``call`` returns the seconds it took, or None for a failed request."""
    result = Latencies([])
    deadline = time.perf_counter() + budget_s
    for i in range(count):
        if i >= minimum and time.perf_counter() > deadline:
            break
        seconds = call(i)
        if seconds is None:
            result.errors += 1
        else:
            result.samples.append(seconds)
    return result


@dataclass
class Throughput:
    """What a saturation run achieved."""

    ok_per_s: float
    requests: int
    errors: int
    seconds: float
    client: str


def throughput(
    port: int,
    paths: Sequence[str],
    *,
    accept: str,
    seconds: float,
    connections: int,
    client: str = "auto",
) -> Throughput:
    """GET ``paths`` round-robin on ``connections`` keep-alive connections for ``seconds``."""
    wrk = shutil.which("wrk")
    if client == "wrk" or (client == "auto" and wrk):
        if wrk is None:
            raise RuntimeError("--client wrk, but wrk is not on PATH")
        return _wrk(wrk, port, paths, accept=accept, seconds=seconds, connections=connections)
    return _threads(port, paths, accept=accept, seconds=seconds, connections=connections)


def _wrk(
    wrk: str, port: int, paths: Sequence[str], *, accept: str, seconds: float, connections: int
) -> Throughput:
    with tempfile.TemporaryDirectory(prefix="twinning-bench-") as tmp:
        script = Path(tmp) / "paths.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        listing = Path(tmp) / "paths.txt"
        listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
        env = {**os.environ, "BENCH_PATHS": str(listing), "BENCH_ACCEPT": accept}
        command = [
            wrk,
            "-t2",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "60s",
            "-s",
            str(script),
            f"http://{HOST}:{port}",
        ]
        done = subprocess.run(  # noqa: S603  # our own command line
            command, capture_output=True, text=True, env=env, timeout=seconds + 90, check=False
        )
    text = done.stdout + done.stderr
    total = re.search(r"(\d+) requests in ([\d.]+)(m?s)", text)
    if total is None:
        raise RuntimeError(f"cannot read wrk's output:\n{text}")
    requests = int(total.group(1))
    elapsed = float(total.group(2)) * (0.001 if total.group(3) == "ms" else 1.0)
    non_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    errors = int(non_ok.group(1)) if non_ok else 0
    if socket:
        errors += sum(int(g) for g in socket.groups())
    ok = max(0, requests - (int(non_ok.group(1)) if non_ok else 0))
    return Throughput(ok / elapsed if elapsed else 0.0, requests, errors, elapsed, "wrk")


def _threads(
    port: int, paths: Sequence[str], *, accept: str, seconds: float, connections: int
) -> Throughput:
    counts = [[0, 0] for _ in range(connections)]
    deadline = time.perf_counter() + seconds
    headers = {"Accept": accept}

    def worker(n: int) -> None:
        client = Client(port, timeout_s=60)
        i = n * 7919
        while time.perf_counter() < deadline:
            try:
                status, _, _ = client.get(paths[i % len(paths)], headers)
            except OSError:
                status = 0
            counts[n][0 if status == 200 else 1] += 1
            i += 1
        client.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ok = sum(c[0] for c in counts)
    errors = sum(c[1] for c in counts)
    return Throughput(ok / elapsed, ok + errors, errors, elapsed, f"python x{connections}")
