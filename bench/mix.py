"""``make bench-load SIZE=S|M|L``: the real server under a hostile mix (issue #8, "Load").

One run against ``twinning-kg serve --store oxigraph:PATH --workers 2`` (gunicorn) on the generated
data of the size (bench/run.py's data, store and build, made or reused the same way):

1. after a 3 s warm-up, the cheap requests one at a time on the idle server (p50/p95/p99 per
   class): entity pages in all five formats (by suffix and by ``Accept``), selective SPARQL
   queries, search;
2. the mix for ``--seconds`` on ``--connections`` keep-alive connections (Python threads, one
   ``http.client`` connection each, as fast as the server answers or paced with ``--rate``), while
   runaway queries (a cartesian ``COUNT``, a catastrophic regex, a long property path) arrive on
   connections of their own every ``--runaway-every`` seconds;
3. the server's CPU after the run, until it is back to idle.

A connection error, reset or timeout counts as dropped. The server runs with a short SPARQL time
limit (``--limit``, ``TWINNING_SPARQL_TIMEOUT_S``) so runaways resolve quickly. It prints tables,
the targets with pass/fail, and ends with one line ``LOAD_RESULT key=value …``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final
from urllib.parse import quote

from bench import generate, run
from bench.load import HOST, percentile
from bench.mix_report import Measured, Outcome, Stats, ms, report
from bench.procs import Server, cpu_seconds, run_measured, start_server

PAGE_FORMATS: Final = {
    "html": "text/html",
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
}
CHEAP_QUERIES: Final = ("q01_partners_of_city", "q07_partnership_events")
TWIN: Final = "PREFIX twin: <https://twinning.example.org/def/twinning/>\n"
RDFS: Final = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
RUNAWAYS: Final = {
    "cartesian-count": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    # Nested quantifiers (exponential for a backtracking engine) over every pair of labels.
    "catastrophic-regex": RDFS
    + "SELECT (COUNT(*) AS ?n) WHERE { ?s rdfs:label ?l . ?t rdfs:label ?m .\n"
    + '  FILTER (REGEX(CONCAT(STR(?l), STR(?m), "!"), "^(([a-z]+ *)+)+$", "i")) }',
    "long-property-path": TWIN
    + "SELECT (COUNT(*) AS ?n) WHERE {\n"
    + "  ?a (twin:twinnedWith|^twin:twinnedWith)+ ?b . ?b twin:twinnedWith+ ?c }",
}
#: A keep-alive connection idle this long is reopened before use (gunicorn closes them at 2 s).
IDLE_REOPEN_S: Final = 1.0
#: Below this many CPU-seconds per second the server's processes count as idle.
IDLE_CORES: Final = 0.05


@dataclass(frozen=True)
class Request:
    """One GET of the mix: its class (``page-ttl``, ``sparql``, ``search``, a runaway's name)."""

    kind: str
    path: str
    accept: str
    request_id: str = ""


class Connection:
    """One keep-alive connection; unlike ``load.Client`` it never retries, so drops show."""

    def __init__(self, port: int, timeout_s: float) -> None:
        self.port, self.timeout_s = port, timeout_s
        self._conn: http.client.HTTPConnection | None = None
        self._last = 0.0

    def send(self, request: Request) -> Outcome:
        if self._conn is not None and time.perf_counter() - self._last > IDLE_REOPEN_S:
            self.close()  # the server may be closing it right now: not a drop
        if self._conn is None:
            self._conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout_s)
        started = time.perf_counter()
        try:
            headers = {"Accept": request.accept}
            if request.request_id:
                headers["X-Request-Id"] = request.request_id
            self._conn.request("GET", request.path, headers=headers)
            response = self._conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return Outcome(None, time.perf_counter() - started, error=type(exc).__name__)
        self._last = time.perf_counter()
        outcome = Outcome(response.status, self._last - started)
        if response.status >= 400:
            outcome.retry_after = response.getheader("Retry-After")
            outcome.error = _error_code(body)
        if response.will_close:
            self.close()
        return outcome

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _error_code(body: bytes) -> str:
    try:
        return str(json.loads(body).get("error", ""))
    except (ValueError, AttributeError):
        return body[:60].decode("utf-8", "replace").split("\n")[0]


def cheap_requests(manifest: dict[str, object], seed: int) -> dict[str, list[Request]]:
    """Per class, the cheap requests: pages of the sampled entities in every format, half by
    suffix and half by ``Accept``; the selective queries; searches for the sampled towns' names."""
    paths = run.entity_paths(manifest)
    rng = random.Random(seed)  # noqa: S311  # reproducible, not secret
    classes: dict[str, list[Request]] = {}
    for fmt, media_type in PAGE_FORMATS.items():
        pages = [Request(f"page-{fmt}", f"/{p}.{fmt}", "*/*") for p in paths]
        pages += [Request(f"page-{fmt}", f"/{p}", media_type) for p in paths]
        rng.shuffle(pages)
        classes[f"page-{fmt}"] = pages
    queries = run.load_queries()
    classes["sparql"] = [
        Request("sparql", f"/sparql?query={quote(queries[name])}", run.SPARQL_JSON)
        for name in CHEAP_QUERIES
    ]
    names = sorted({p.rsplit("/", 1)[-1].split("-")[0] for p in paths if "/municipality/" in p})
    searches = [Request("search", f"/search?q={quote(n)}&format=json", "*/*") for n in names]
    searches += [Request("search", f"/search?q={quote(n[:4])}", "text/html") for n in names]
    rng.shuffle(searches)
    classes["search"] = searches
    return classes


def mix_order(classes: dict[str, list[Request]]) -> list[str]:
    """The order classes take turns in, 9 turns: each page format once, SPARQL twice, search
    twice (pages 56 %, SPARQL 22 %, search 22 %)."""
    pages = [k for k in classes if k.startswith("page-")]
    others = ["sparql", "search"] * 2
    order = [pages[0]]
    for page, other in zip(pages[1:], others, strict=False):
        order += [other, page]
    return order


def unloaded(port: int, classes: dict[str, list[Request]], count: int) -> Stats:
    """Each class one request at a time on an idle (warmed-up) server."""
    stats = Stats()
    conn = Connection(port, timeout_s=60)
    for kind, requests in classes.items():
        for i in range(count):  # pages: from the first half, which the warm-up leaves alone
            stats.add(kind, conn.send(requests[i % len(requests)]))
        run.say(f"  unloaded {kind:12} p95 {ms(percentile(stats.seconds.get(kind, []), 95))} ms")
    conn.close()
    return stats


def load_phase(
    port: int,
    classes: dict[str, list[Request]],
    *,
    seconds: float,
    connections: int,
    rate: float,
    limit_s: float,
    runaway_every: float = 0.0,
) -> tuple[Stats, list[tuple[str, Outcome]], float]:
    """The mix: cheap requests on ``connections`` threads, runaways on threads of their own
    (none when ``runaway_every`` is 0).

    Returns the cheap requests' stats, each runaway's ``(name, outcome)``, and the wall time."""
    order = mix_order(classes)
    per_thread = [Stats() for _ in range(connections)]
    runaways: list[tuple[str, Outcome]] = []
    started = time.perf_counter()
    deadline = started + seconds
    interval = connections / rate if rate > 0 else 0.0

    def cheap(n: int) -> None:
        conn = Connection(port, timeout_s=60)
        turn = n * 7919
        offsets = {k: n * 7919 for k in classes}
        next_at = started + interval * n / connections
        while time.perf_counter() < deadline:
            if interval:
                time.sleep(max(0.0, next_at - time.perf_counter()))
                next_at += interval
            kind = order[turn % len(order)]
            turn += 1
            request = classes[kind][offsets[kind] % len(classes[kind])]
            offsets[kind] += 1
            per_thread[n].add(kind, conn.send(request))
        conn.close()

    def runaway(name: str, number: int) -> None:
        conn = Connection(port, timeout_s=limit_s + 30)
        path = f"/sparql?query={quote(RUNAWAYS[name])}"
        request = Request(name, path, run.SPARQL_JSON, request_id=f"mix-runaway-{number}")
        sent_at = time.perf_counter() - started
        outcome = conn.send(request)
        outcome.sent_at, outcome.request_id = sent_at, request.request_id
        runaways.append((name, outcome))
        conn.close()

    threads = [threading.Thread(target=cheap, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    names, sent = list(RUNAWAYS), 0
    at = min(2.0, seconds / 4)
    while runaway_every > 0 and at + limit_s + 1.5 < seconds:  # all answered before the end
        time.sleep(max(0.0, started + at - time.perf_counter()))
        threads.append(threading.Thread(target=runaway, args=(names[sent % len(names)], sent)))
        threads[-1].start()
        sent += 1
        at += runaway_every
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    stats = Stats()
    for part in per_thread:
        stats.merge(part)
    return stats, sorted(runaways, key=lambda r: r[1].sent_at), elapsed


def server_seconds(log: Path) -> dict[str, float]:
    """Seconds per request id of the runaways, from the server's JSON request log."""
    found: dict[str, float] = {}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if '"mix-runaway-' in line:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                entry = json.loads(line)
                found[entry["id"]] = float(entry["ms"]) / 1000
    return found


def cpu_rate(server: Server, window_s: float) -> float:
    """CPU-seconds per second the server's processes used over the next ``window_s``."""
    before = cpu_seconds(server.process.pid)
    time.sleep(window_s)
    return (cpu_seconds(server.process.pid) - before) / window_s


def back_to_idle(server: Server, *, within_s: float = 15.0) -> tuple[float | None, float]:
    """``(seconds after the run until a 1 s window used < IDLE_CORES, that window's cores)``;
    None if it never did within ``within_s``."""
    started = time.perf_counter()
    cores = cpu_rate(server, 1.0)
    while cores >= IDLE_CORES and time.perf_counter() - started < within_s:
        cores = cpu_rate(server, 1.0)
    waited = time.perf_counter() - started
    return (waited if cores < IDLE_CORES else None), cores


# --- main ----------------------------------------------------------------------------------------


def prepare(args: argparse.Namespace) -> tuple[dict[str, object], dict[str, str], Path]:
    """The data, the on-disk store and the build, as ``make bench`` makes them (reused when the
    data has not changed); the servers' environment with the short SPARQL limit."""
    opts = run.parse(["--size", args.size, "--seed", str(args.seed), "--work", str(args.work)])
    out = opts.work / opts.size
    manifest = run.ensure_data(opts)
    env = run.environment(out / "data", out / "build")
    env["TWINNING_SPARQL_TIMEOUT_S"] = f"{args.limit:g}"
    log = out / "logs" / "mix-load.log"
    command = [str(run.BIN / "twinning-kg"), "load", "--out", str(out / "store")]
    code, seconds, _ = run_measured(command, env=env, log=log, timeout_s=3600)
    if code != 0:
        raise RuntimeError(f"twinning-kg load failed, see {log}")
    run.say(f"store: twinning-kg load {seconds:.1f} s")
    run.prebuild(opts, env)
    return manifest, env, out


def measure(
    args: argparse.Namespace, classes: dict[str, list[Request]], env: dict[str, str], out: Path
) -> Measured:
    """Start the server, measure unloaded, run the mix, wait for idle, stop the server."""
    port = run.free_port()
    command = [str(run.BIN / "twinning-kg"), "serve", "--workers", "2", "--host", HOST]
    command += ["--port", str(port), "--store", f"oxigraph:{(out / 'store').resolve()}"]
    log = out / "logs" / "mix-server.log"
    probe = classes["page-ttl"][0].path
    server = start_server("twinning-kg", command, port=port, probe=probe, env=env, log=log)
    run.say(f"server: gunicorn, 2 workers, SPARQL limit {args.limit:g} s, port {port}")
    try:
        idle_before = cpu_rate(server, 1.0)
        # Warm both gunicorn workers (query workers, label index, templates) on many connections,
        # with pages the unloaded series does not ask for (so the page cache has not seen those).
        warm_up = {k: v[len(v) // 2 :] if k.startswith("page-") else v for k, v in classes.items()}
        warm, _, _ = load_phase(
            port, warm_up, seconds=3, connections=args.connections, rate=0, limit_s=0
        )
        run.say(f"unloaded: {args.unloaded} requests per class, one at a time")
        before = cpu_seconds(server.process.pid)
        base = unloaded(port, classes, args.unloaded)
        unloaded_cpu = (cpu_seconds(server.process.pid) - before) / base.count()
        run.say(
            f"mix: {args.seconds:g} s, {args.connections} connections, "
            + (f"{args.rate:g} requests/s" if args.rate else "unpaced")
            + f", a runaway every {args.runaway_every:g} s"
        )
        server_start, client_start = cpu_seconds(server.process.pid), time.process_time()
        stats, runaways, elapsed = load_phase(
            port,
            classes,
            seconds=args.seconds,
            connections=args.connections,
            rate=args.rate,
            limit_s=args.limit,
            runaway_every=args.runaway_every,
        )
        server_cores = (cpu_seconds(server.process.pid) - server_start) / elapsed
        client_cores = (time.process_time() - client_start) / elapsed
        idle_after, cores_after = back_to_idle(server)
    finally:
        server.stop()
    took = server_seconds(log)
    for _, outcome in runaways:
        outcome.server_s = took.get(outcome.request_id)
    return Measured(
        kinds=list(classes),
        warm=warm,
        base=base,
        stats=stats,
        runaways=runaways,
        elapsed=elapsed,
        server_cores=server_cores,
        client_cores=client_cores,
        unloaded_cpu=unloaded_cpu,
        idle_before=idle_before,
        idle_after=idle_after,
        cores_after=cores_after,
        peak_rss=server.sampler.peak_rss,
        peak_pss=server.sampler.peak_pss,
        processes=server.sampler.peak_processes,
    )


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", choices=sorted(generate.SIZES), default="S")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--work", type=Path, default=run.ROOT / "var" / "bench")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the mix (<= 120)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rate", type=float, default=0.0, help="cheap requests/s (0: unpaced)")
    parser.add_argument("--limit", type=float, default=3.0, help="the server's SPARQL limit, s")
    parser.add_argument(
        "--runaway-every", type=float, default=8.0, help="s between runaways (0: none)"
    )
    parser.add_argument("--unloaded", type=int, default=100, help="unloaded samples per class")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 120:
        parser.error("--seconds must be in (0, 120]")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    cpus, load_before = os.cpu_count() or 1, os.getloadavg()[0]
    run.say(
        f"twinning-kg under a hostile mix, size {args.size}, {datetime.now(UTC):%Y-%m-%d %H:%M} "
        f"UTC, {cpus} CPUs, load average {load_before:.1f}"
        + ("  WARNING: the host is busy; latencies will be inflated" if load_before > cpus else "")
    )
    manifest, env, out = prepare(args)
    classes = cheap_requests(manifest, args.seed)
    measured = measure(args, classes, env, out)
    results = report(args, manifest["triples"], measured)
    results.update(
        size=args.size,
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        options={k: str(v) for k, v in vars(args).items() if k != "work"},
    )
    (out / "mix.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
