"""``make bench SIZE=S|M|L``: twinning-kg against Oxigraph's own server and pyoxigraph in-process.

One run, in this order, one server at a time (so they never compete for the cores):

1. generate the synthetic graph of the size (bench/generate.py; reused when already there);
2. build the stores, timed: ``twinning-kg load --out …`` (the on-disk store ``--store
   oxigraph:PATH`` serves) and ``oxigraph load`` (the store ``oxigraph serve-read-only`` serves);
3. the floor, in-process: pyoxigraph on the on-disk store, and on an in-memory ``Store.load`` copy;
4. over HTTP, each started from scratch and stopped after: ``oxigraph serve-read-only``,
   ``twinning-kg serve --store oxigraph:PATH --workers 2`` and ``twinning-kg serve --store memory
   --workers 2``: start-up time (process start to the first answered request), the query set
   (bench/queries/*.rq, one client), entity pages (Turtle and HTML, one client), Turtle pages per
   second at saturation, and the peak summed RSS/PSS of the server's process tree;
5. ``twinning-kg validate`` on the generated data (S and M; L only with --validate yes).

It prints tables and ends with one line ``RESULT key=value …`` (the twinning-kg on-disk server).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final
from urllib.parse import quote

import pyoxigraph as ox

from bench import generate
from bench.load import Client, Latencies, Throughput, series, throughput
from bench.procs import Server, cpu_seconds, run_measured, start_server
from twinning_kg.loading import discover, graph_iri

ROOT: Final = Path(__file__).resolve().parent.parent
QUERIES: Final = Path(__file__).resolve().parent / "queries"
BIN: Final = Path(sys.executable).parent
SPARQL_JSON: Final = "application/sparql-results+json"
TURTLE: Final = "text/turtle"
HTML: Final = "text/html"
ENTITY_BASE: Final = "https://twinning.example.org/"

OX_SERVER: Final = "oxigraph serve-read-only"
TK_DISK: Final = "twinning-kg oxigraph:PATH"
TK_MEMORY: Final = "twinning-kg memory"
PY_DISK: Final = "pyoxigraph disk (in-process)"
PY_MEMORY: Final = "pyoxigraph memory (in-process)"


@dataclass
class Engine:
    """What one engine or server measured."""

    name: str
    queries: dict[str, Latencies] = field(default_factory=dict)
    query_cpu: dict[str, float] = field(default_factory=dict)
    page_cpu: dict[str, float] = field(default_factory=dict)
    load_cpu: float | None = None
    rows: dict[str, int | None] = field(default_factory=dict)
    pages: dict[str, Latencies] = field(default_factory=dict)
    load: Throughput | None = None
    load_s: float | None = None
    start_s: float | None = None
    rss: int | None = None
    pss: int | None = None
    processes: int | None = None


@dataclass
class Options:
    """Command-line options."""

    size: str
    seed: int
    work: Path
    seconds: float
    connections: int
    client: str
    query_budget_s: float
    page_budget_s: float
    page_count: int
    validate: str
    validate_timeout_s: float
    memory: bool
    page_cache_mb: int = 64


# --- helpers -----------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def say(text: str) -> None:
    print(text, flush=True)


def load_queries() -> dict[str, str]:
    """The query set: bench/queries/*.rq by file stem, in name order."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(QUERIES.glob("*.rq"))}


def page_query(path: str) -> str:
    """The one-CONSTRUCT equivalent of the entity page of ``path`` (for plain SPARQL servers)."""
    text = (QUERIES / "entity" / "page.rq").read_text(encoding="utf-8")
    return text.replace("ENTITY_IRI", ENTITY_BASE + path)


def rows_of(body: bytes) -> int | None:
    """The number of solutions in a SPARQL JSON result."""
    try:
        return len(json.loads(body)["results"]["bindings"])
    except (ValueError, KeyError, TypeError):
        return None


def source_files() -> list[Path]:
    """Every file the server loads: the ontology, the generated data, the shapes."""
    return [ROOT / "ontology", ROOT / "shapes"]


def environment(data: Path, build: Path, page_cache_mb: int = 64) -> dict[str, str]:
    """The servers' environment: this repository's ontology and shapes, the generated data, and
    a build folder of the benchmark's own (``serve`` builds the dumps there if they are stale)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINNING_")}
    env.update(
        {
            "TWINNING_ROOT": str(ROOT),
            "TWINNING_DATA_DIR": str(data),
            "TWINNING_BUILD_DIR": str(build),
            # The query set includes full scans; the default 10 s limit would cut them at L.
            "TWINNING_SPARQL_TIMEOUT_S": "120",
            # 0 measures every page rendered afresh, as the single-client series always are.
            "TWINNING_PAGE_CACHE_MB": str(page_cache_mb),
        }
    )
    return env


# --- stages --------------------------------------------------------------------------------------


def ensure_data(opts: Options) -> dict[str, object]:
    """Generate the data unless the manifest says the same size, seed and generator are there."""
    out = opts.work / opts.size
    manifest_path = out / "manifest.json"
    if manifest_path.exists():
        manifest: dict[str, object] = json.loads(manifest_path.read_text(encoding="utf-8"))
        same = (
            manifest.get("size") == opts.size
            and manifest.get("seed") == opts.seed
            and manifest.get("generator_version") == generate.GENERATOR_VERSION
            and len(list((out / "data").glob("*.ttl"))) == manifest.get("files")
        )
        if same:
            say(f"data: reusing {out / 'data'} ({manifest['triples']} triples)")
            return manifest
    started = time.perf_counter()
    manifest = generate.generate(opts.size, out, seed=opts.seed)
    say(
        f"data: generated {manifest['triples']} triples in {manifest['files']} files "
        f"({time.perf_counter() - started:.1f} s), sha256 {str(manifest['sha256'])[:16]}…"
    )
    return manifest


def all_files(data: Path) -> list[Path]:
    return discover([ROOT / "ontology", data, ROOT / "shapes"])


def build_stores(opts: Options, data: Path, env: dict[str, str]) -> dict[str, float]:
    """Build both on-disk stores from scratch; return their load times."""
    out = opts.work / opts.size
    store = out / "store"
    if store.is_symlink() or store.exists():
        store.unlink() if store.is_symlink() else shutil.rmtree(store)
    shutil.rmtree(out / "store.d", ignore_errors=True)
    code, seconds, rss = run_measured(
        [str(BIN / "twinning-kg"), "load", "--out", str(store)],
        env=env,
        log=out / "logs" / "twinning-kg-load.log",
        timeout_s=3600,
    )
    if code != 0:
        raise RuntimeError(f"twinning-kg load failed, see {out / 'logs' / 'twinning-kg-load.log'}")
    say(f"load: twinning-kg load {seconds:.1f} s (peak RSS {rss / 2**20:.0f} MB)")
    twinning_s = seconds
    location = out / "oxigraph"
    shutil.rmtree(location, ignore_errors=True)
    total = 0.0
    for path in all_files(data):
        code, seconds, _ = run_measured(
            [
                str(BIN / "oxigraph"),
                "load",
                "--location",
                str(location),
                "--file",
                str(path),
                "--graph",
                str(graph_iri(path, root=ROOT)),
            ],
            env=env,
            log=out / "logs" / "oxigraph-load.log",
            timeout_s=3600,
        )
        if code != 0:
            raise RuntimeError(f"oxigraph load {path} failed, see {out / 'logs'}")
        total += seconds
    say(f"load: oxigraph load {total:.1f} s (one call per file, a named graph each)")
    return {TK_DISK: twinning_s, OX_SERVER: total}


def prebuild(opts: Options, env: dict[str, str]) -> float | None:
    """Run ``twinning-kg build --if-stale`` now, so that server start-up times do not include it
    (``serve`` builds the dumps and the catalogue first when they are stale)."""
    log = opts.work / opts.size / "logs" / "twinning-kg-build.log"
    code, seconds, rss = run_measured(
        [str(BIN / "twinning-kg"), "build", "--if-stale"], env=env, log=log, timeout_s=3600
    )
    if code != 0:
        say(f"build: twinning-kg build failed or is missing (exit {code}); see {log}")
        return None
    say(f"build: twinning-kg build --if-stale {seconds:.1f} s (peak RSS {rss / 2**20:.0f} MB)")
    return seconds


def run_query_set(
    engine: Engine,
    queries: dict[str, str],
    run: Callable[[str], tuple[float, int | None]],
    opts: Options,
    cpu: Callable[[], float],
) -> None:
    """Warm up once per query (the rows counted then), then time repeated runs."""
    for name, text in queries.items():
        _, rows = run(text)
        engine.rows[name] = rows

        def once(_i: int, text: str = text) -> float | None:
            seconds, _rows = run(text)
            return seconds

        before = cpu()
        engine.queries[name] = series(once, count=25, budget_s=opts.query_budget_s)
        engine.query_cpu[name] = (cpu() - before) / max(1, len(engine.queries[name].samples))
        say(f"  {engine.name:32} {name:30} {engine.queries[name].p50 * 1000:10.2f} ms")


def run_pages(
    engine: Engine,
    label: str,
    paths: Sequence[str],
    fetch: Callable[[str], float | None],
    opts: Options,
    cpu: Callable[[], float],
) -> None:
    fetch(paths[0])  # warm-up
    before = cpu()
    engine.pages[label] = series(
        lambda i: fetch(paths[i % len(paths)]), count=opts.page_count, budget_s=opts.page_budget_s
    )
    pages = engine.pages[label]
    engine.page_cpu[label] = (cpu() - before) / max(1, len(pages.samples) + pages.errors)
    say(
        f"  {engine.name:32} page {label:5} p50 {pages.p50 * 1000:8.2f} ms  "
        f"p95 {pages.p95 * 1000:8.2f} ms  n={len(pages.samples)} errors={pages.errors}  "
        f"CPU {engine.page_cpu[label] * 1000:.2f} ms/page"
    )


def entity_paths(manifest: dict[str, object]) -> list[str]:
    """Random municipalities and partnerships, interleaved (fixed by the seed)."""
    samples = manifest["samples"]
    assert isinstance(samples, dict)  # noqa: S101
    towns, partnerships = samples["municipality"], samples["partnership"]
    return [p for pair in zip(towns, partnerships, strict=False) for p in pair]


def in_process(
    engine: Engine, store: ox.Store, queries: dict[str, str], paths: list[str], opts: Options
) -> None:
    def run(text: str) -> tuple[float, int | None]:
        started = time.perf_counter()
        result = store.query(text, use_default_graph_as_union=True)
        assert isinstance(result, ox.QuerySolutions)  # noqa: S101
        body = result.serialize(format=ox.QueryResultsFormat.JSON)
        seconds = time.perf_counter() - started
        return seconds, rows_of(body or b"")

    run_query_set(engine, queries, run, opts, time.process_time)
    texts = {p: page_query(p) for p in paths}

    def page(path: str) -> float | None:
        started = time.perf_counter()
        result = store.query(texts[path], use_default_graph_as_union=True)
        assert isinstance(result, ox.QueryTriples)  # noqa: S101
        result.serialize(format=ox.RdfFormat.TURTLE)
        return time.perf_counter() - started

    run_pages(engine, "ttl", paths, page, opts, time.process_time)


def over_http(
    engine: Engine,
    server: Server,
    queries: dict[str, str],
    paths: list[str],
    opts: Options,
    *,
    twinning: bool,
) -> None:
    client = Client(server.port)
    endpoint = "/sparql" if twinning else "/query"

    def run(text: str) -> tuple[float, int | None]:
        status, body, seconds = client.get(
            f"{endpoint}?query={quote(text)}", {"Accept": SPARQL_JSON}
        )
        if status != 200:
            raise RuntimeError(f"{engine.name}: HTTP {status}: {body[:300]!r}")
        return seconds, rows_of(body)

    def cpu() -> float:
        return cpu_seconds(server.process.pid)

    run_query_set(engine, queries, run, opts, cpu)
    if twinning:
        urls = {p: f"/{p}" for p in paths}
    else:
        urls = {p: f"/query?query={quote(page_query(p))}" for p in paths}
    formats = {"ttl": TURTLE, "html": HTML} if twinning else {"ttl": TURTLE}
    for label, accept in formats.items():

        def fetch(path: str, accept: str = accept) -> float | None:
            status, _, seconds = client.get(urls[path], {"Accept": accept})
            return seconds if status == 200 else None

        run_pages(engine, label, paths, fetch, opts, cpu)
    client.close()
    before = cpu()
    engine.load = throughput(
        server.port,
        [urls[p] for p in paths],
        accept=TURTLE,
        seconds=opts.seconds,
        connections=opts.connections,
        client=opts.client,
    )
    engine.load_cpu = (cpu() - before) / max(1, engine.load.requests)
    say(
        f"  {engine.name:32} Turtle pages/s {engine.load.ok_per_s:8.0f} "
        f"(server CPU {engine.load_cpu * 1000:.2f} ms/page) "
        f"({engine.load.client}, {opts.connections} connections, {engine.load.requests} requests, "
        f"{engine.load.errors} errors)"
    )


def twinning_kg_command(spec: str) -> Callable[[int], list[str]]:
    """The command line of ``twinning-kg serve`` on the store ``spec``, given the port."""
    return lambda port: [
        str(BIN / "twinning-kg"),
        "serve",
        "--store",
        spec,
        "--workers",
        "2",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def serve(
    name: str, command: list[str], port: int, probe: str, env: dict[str, str], opts: Options
) -> Server:
    log = opts.work / opts.size / "logs" / (name.replace(" ", "-").replace(":", "-") + ".log")
    server = start_server(name, command, port=port, probe=probe, env=env, log=log)
    say(f"{name}: answering after {server.ready_s:.2f} s (port {port})")
    return server


# --- report --------------------------------------------------------------------------------------


def ms(seconds: float | None) -> str:
    if seconds is None or seconds != seconds:  # nan
        return "-"
    value = seconds * 1000
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def ratio(ours: float | None, theirs: float | None) -> float | None:
    if not ours or not theirs or ours != ours or theirs != theirs:
        return None
    return ours / theirs


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table (it reads as plain text too)."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in [header, ["-" * w for w in widths], *rows]
    ]
    return "\n".join(lines)


def query_table(
    engines: dict[str, Engine], names: Sequence[str], *, cpu: bool = False
) -> tuple[str, dict[str, float]]:
    """Latencies (or, with ``cpu``, the engine's CPU time per run) per query and engine."""
    order = [e for e in (PY_MEMORY, PY_DISK, OX_SERVER, TK_DISK, TK_MEMORY) if e in engines]

    def value(engine: str, name: str) -> float | None:
        if cpu:
            return engines[engine].query_cpu.get(name)
        lat = engines[engine].queries.get(name)
        return lat.p50 if lat else None

    unit = "CPU ms" if cpu else "p50 / p95 ms"
    header = ["query", *(f"{e} {unit}" for e in order), "disk ratio", "memory ratio"]
    if not cpu:
        header.append("rows")
    rows = []
    ratios: dict[str, list[float]] = {TK_DISK: [], TK_MEMORY: []}
    for name in names:
        cells = [name]
        for e in order:
            lat = engines[e].queries.get(name)
            if cpu:
                cells.append(ms(engines[e].query_cpu.get(name)))
            else:
                cells.append(f"{ms(lat.p50)} / {ms(lat.p95)}" if lat else "-")
        for ours in (TK_DISK, TK_MEMORY):
            r = None
            if ours in engines and OX_SERVER in engines:
                r = ratio(value(ours, name), value(OX_SERVER, name))
            if r is not None:
                ratios[ours].append(r)
            cells.append(fmt_ratio(r))
        if not cpu:
            counts = {engines[e].rows.get(name) for e in order}
            agreed = len(counts) == 1
            cells.append(str(counts.pop()) if agreed else f"MISMATCH {sorted(counts, key=str)}")
        rows.append(cells)
    medians = {k: statistics.median(v) for k, v in ratios.items() if v}
    last = ["median ratio", *("" for _ in order)]
    last += [fmt_ratio(medians.get(TK_DISK)), fmt_ratio(medians.get(TK_MEMORY))]
    rows.append(last + ([] if cpu else [""]))
    return table(header, rows), medians


def page_table(engines: dict[str, Engine]) -> str:
    header = [
        "server",
        "Turtle p50 ms",
        "Turtle p95 ms",
        "HTML p50 ms",
        "HTML p95 ms",
        "pages",
        "CPU ms/page Turtle, HTML",
        "Turtle pages/s",
        "CPU ms/page at saturation",
        "load client",
    ]
    rows = []
    for e in engines.values():
        ttl, html = e.pages.get("ttl"), e.pages.get("html")
        cpu = ", ".join(ms(e.page_cpu[f]) for f in ("ttl", "html") if f in e.page_cpu)
        rows.append(
            [
                e.name,
                ms(ttl.p50) if ttl else "-",
                ms(ttl.p95) if ttl else "-",
                ms(html.p50) if html else "-",
                ms(html.p95) if html else "-",
                str(len(ttl.samples)) if ttl else "-",
                cpu or "-",
                f"{e.load.ok_per_s:.0f}" if e.load else "-",
                ms(e.load_cpu),
                e.load.client if e.load else "-",
            ]
        )
    return table(header, rows)


def process_table(engines: dict[str, Engine]) -> str:
    header = ["server", "load s", "start s", "peak RSS MB (sum)", "peak PSS MB (sum)", "processes"]
    rows = []
    for e in engines.values():
        rows.append(
            [
                e.name,
                f"{e.load_s:.1f}" if e.load_s is not None else "-",
                f"{e.start_s:.2f}" if e.start_s is not None else "-",
                f"{e.rss / 2**20:.0f}" if e.rss else "-",
                f"{e.pss / 2**20:.0f}" if e.pss else "-",
                str(e.processes) if e.processes else "-",
            ]
        )
    return table(header, rows)


# --- main ----------------------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(generate.SIZES), default="S")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--seconds", type=float, default=10.0, help="saturation run length")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--query-budget", type=float, default=3.0, help="s per query and engine")
    parser.add_argument("--page-budget", type=float, default=15.0, help="s per page series")
    parser.add_argument("--pages", type=int, default=400, help="pages per series at most")
    parser.add_argument(
        "--validate", choices=["auto", "yes", "no"], default="auto", help="auto: S and M only"
    )
    parser.add_argument("--validate-timeout", type=float, default=600.0)
    parser.add_argument("--no-memory", action="store_true", help="skip the in-memory runs")
    parser.add_argument(
        "--page-cache-mb", type=int, default=64, help="the servers' page cache (0: off)"
    )
    args = parser.parse_args(argv)
    return Options(
        size=args.size,
        seed=args.seed,
        work=args.work.resolve(),
        seconds=args.seconds,
        connections=args.connections,
        client=args.client,
        query_budget_s=args.query_budget,
        page_budget_s=args.page_budget,
        page_count=args.pages,
        validate=args.validate,
        validate_timeout_s=args.validate_timeout,
        memory=not args.no_memory,
        page_cache_mb=args.page_cache_mb,
    )


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse(argv)
    started = time.perf_counter()
    say(
        f"twinning-kg benchmark, size {opts.size}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} CPUs"
    )
    load_before = os.getloadavg()
    say(
        f"load average {load_before[0]:.1f} on {os.cpu_count()} CPUs"
        + (
            "  WARNING: the host is busy; wall-clock times will be inflated, compare CPU times"
            if load_before[0] > (os.cpu_count() or 1)
            else ""
        )
    )
    manifest = ensure_data(opts)
    data = opts.work / opts.size / "data"
    env = environment(data, opts.work / opts.size / "build", opts.page_cache_mb)
    queries = load_queries()
    paths = entity_paths(manifest)
    # Readiness: the first answered entity page (a random town's, not the hub's big one).
    probe_page = paths[0]
    engines: dict[str, Engine] = {}

    load_times = build_stores(opts, data, env)
    build_s = prebuild(opts, env)
    store_path = (opts.work / opts.size / "store").resolve()

    if opts.memory:
        memory = ox.Store()
        t0 = time.perf_counter()
        for path in all_files(data):
            memory.load(
                path=path,
                format=ox.RdfFormat.TURTLE,
                to_graph=ox.NamedNode(str(graph_iri(path, root=ROOT))),
            )
        engines[PY_MEMORY] = Engine(PY_MEMORY, load_s=time.perf_counter() - t0)
        say(f"{PY_MEMORY}: Store.load {engines[PY_MEMORY].load_s:.1f} s, {len(memory)} quads")
        in_process(engines[PY_MEMORY], memory, queries, paths, opts)
        del memory
    disk = ox.Store.read_only(str(store_path))
    engines[PY_DISK] = Engine(PY_DISK)
    in_process(engines[PY_DISK], disk, queries, paths, opts)
    del disk

    oxigraph_location = str(opts.work / opts.size / "oxigraph")
    servers: list[tuple[str, Callable[[int], list[str]], str, bool]] = [
        (
            OX_SERVER,
            lambda port: [
                str(BIN / "oxigraph"),
                "serve-read-only",
                "--location",
                oxigraph_location,
                "--bind",
                f"127.0.0.1:{port}",
                "--union-default-graph",
            ],
            "/query?query=" + quote("ASK {}"),
            False,
        )
    ]
    for name, spec in ((TK_DISK, f"oxigraph:{store_path}"), (TK_MEMORY, "memory")):
        if name == TK_MEMORY and not opts.memory:
            continue
        servers.append((name, twinning_kg_command(spec), f"/{probe_page}.ttl", True))
    for name, command_for, probe, twinning in servers:
        port = free_port()
        command = command_for(port)
        server = serve(name, command, port, probe, env, opts)
        engine = Engine(name, start_s=server.ready_s, load_s=load_times.get(name))
        engines[name] = engine
        try:
            over_http(engine, server, queries, paths, opts, twinning=twinning)
        finally:
            server.stop()
        engine.rss, engine.pss = server.sampler.peak_rss, server.sampler.peak_pss
        engine.processes = server.sampler.peak_processes

    validation: dict[str, object] = {"ran": False}
    if opts.validate == "yes" or (opts.validate == "auto" and opts.size in ("S", "M")):
        code, seconds, rss = run_measured(
            [str(BIN / "twinning-kg"), "validate", str(data)],
            env=env,
            log=opts.work / opts.size / "logs" / "validate.log",
            timeout_s=opts.validate_timeout_s,
        )
        validation = {"ran": True, "exit": code, "seconds": seconds, "rss_mb": rss / 2**20}
        outcome = "timed out" if code is None else f"exit {code}"
        say(f"validate: {outcome} after {seconds:.1f} s, peak RSS {rss / 2**20:.0f} MB")

    names = list(queries)
    say("")
    say(
        f"## Results, size {opts.size}: {manifest['triples']} generated triples, "
        f"{manifest['counts']}"
    )
    say("")
    say("### SPARQL query set (one client; ratio = twinning-kg p50 / oxigraph serve-read-only p50)")
    say("")
    text, medians = query_table(engines, names)
    say(text)
    say("")
    say("### The same, as CPU time of the engine's processes per query run (robust to a busy host)")
    say("")
    text, cpu_medians = query_table(engines, names, cpu=True)
    say(text)
    say("")
    say("### Entity pages (one client, random municipalities and partnerships) and throughput")
    say("")
    say(page_table(engines))
    say("")
    say("### Processes (start: process start to the first answered request)")
    say("")
    say(process_table(engines))
    say("")
    if build_s is not None:
        say(f"twinning-kg build (dumps, catalogue; before the servers start): {build_s:.1f} s")
    if validation["ran"]:
        say(f"validate: {validation}")
    say(
        f"total benchmark time {time.perf_counter() - started:.0f} s; load average at start "
        f"{load_before[0]:.1f}, at end {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)"
    )

    ours = engines[TK_DISK]
    ttl, html = ours.pages["ttl"], ours.pages["html"]
    results = {
        "size": opts.size,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "manifest": {k: v for k, v in manifest.items() if k != "samples"},
        "engines": {
            name: {
                **{k: v for k, v in asdict(e).items() if k not in ("queries", "pages", "load")},
                "queries": {
                    q: {"p50": lat.p50, "p95": lat.p95, "n": len(lat.samples)}
                    for q, lat in e.queries.items()
                },
                "pages": {
                    f: {"p50": lat.p50, "p95": lat.p95, "n": len(lat.samples)}
                    for f, lat in e.pages.items()
                },
                "load": asdict(e.load) if e.load else None,
            }
            for name, e in engines.items()
        },
        "median_ratio": medians,
        "median_cpu_ratio": cpu_medians,
        "loadavg": [load_before, os.getloadavg()],
        "validate": validation,
        "build_s": build_s,
    }
    (opts.work / opts.size / "results.json").write_text(
        json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8"
    )
    say(
        f"RESULT sparql_ratio_vs_oxigraph={fmt_ratio(medians.get(TK_DISK))} "
        f"entity_ttl_p50_ms={ms(ttl.p50)} entity_ttl_p95_ms={ms(ttl.p95)} "
        f"entity_html_p50_ms={ms(html.p50)} "
        f"pages_per_s={ours.load.ok_per_s if ours.load else 0:.0f} "
        f"start_s={ours.start_s:.2f} rss_mb={(ours.rss or 0) / 2**20:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
