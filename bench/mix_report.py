"""What ``make bench-load`` (bench/mix.py) measures, and its report: the tables, the targets with
pass/fail, and the ``LOAD_RESULT`` line."""

from __future__ import annotations

import argparse
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench import run
from bench.load import percentile


@dataclass
class Outcome:
    """What one request got: a status (None: dropped), seconds, and what a runaway must carry."""

    status: int | None
    seconds: float
    retry_after: str | None = None
    error: str = ""
    sent_at: float = 0.0
    request_id: str = ""
    server_s: float | None = None  # what the server's request log says it took


@dataclass
class Stats:
    """Outcomes per class."""

    seconds: dict[str, list[float]] = field(default_factory=dict)  # of 2xx answers
    statuses: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, kind: str, outcome: Outcome) -> None:
        status = "dropped" if outcome.status is None else str(outcome.status)
        self.statuses.setdefault(kind, Counter())[status] += 1
        if outcome.status is not None and 200 <= outcome.status < 300:
            self.seconds.setdefault(kind, []).append(outcome.seconds)

    def count(self) -> int:
        return sum(sum(c.values()) for c in self.statuses.values())

    def merge(self, other: Stats) -> None:
        for kind, samples in other.seconds.items():
            self.seconds.setdefault(kind, []).extend(samples)
        for kind, counts in other.statuses.items():
            self.statuses.setdefault(kind, Counter()).update(counts)


@dataclass
class Measured:
    """Everything one run measured."""

    kinds: list[str]
    warm: Stats
    base: Stats
    stats: Stats
    runaways: list[tuple[str, Outcome]]
    elapsed: float
    server_cores: float
    client_cores: float
    unloaded_cpu: float
    idle_before: float
    idle_after: float | None
    cores_after: float
    peak_rss: int
    peak_pss: int
    processes: int


def ms(seconds: float) -> str:
    return run.ms(seconds)


def pcts(samples: Sequence[float]) -> dict[str, float]:
    return {f"p{p}": percentile(samples, p) for p in (50, 95, 99)}


def _all(stats: Stats) -> Counter[str]:
    total: Counter[str] = Counter()
    for counts in stats.statuses.values():
        total.update(counts)
    return total


def statuses(counts: Counter[str]) -> str:
    return " ".join(f"{k}:{v}" for k, v in sorted(counts.items())) or "-"


def class_rows(m: Measured) -> tuple[list[list[str]], dict[str, float], Counter[str]]:
    """Per class and for all cheap requests: counts, percentiles loaded and unloaded, statuses;
    also each class's p95 ratio and the status counts of all cheap requests."""
    rows, ratios, total = [], {}, Counter[str]()
    every: dict[str, list[float]] = {"loaded": [], "unloaded": []}
    for kind in m.kinds:
        counts = m.stats.statuses.get(kind, Counter())
        got, was = m.stats.seconds.get(kind, []), m.base.seconds.get(kind, [])
        every["loaded"] += got
        every["unloaded"] += was
        ratios[kind] = percentile(got, 95) / percentile(was, 95) if got and was else float("inf")
        total.update(counts)
        rows.append(_class_row(kind, counts, got, was, ratios[kind], m.elapsed))
    all_ratio = percentile(every["loaded"], 95) / percentile(every["unloaded"], 95)
    rows.append(
        _class_row("all cheap", total, every["loaded"], every["unloaded"], all_ratio, m.elapsed)
    )
    return rows, ratios, total


def _class_row(
    kind: str,
    counts: Counter[str],
    got: Sequence[float],
    was: Sequence[float],
    ratio: float,
    elapsed: float,
) -> list[str]:
    n = sum(counts.values())
    loaded, unloaded = pcts(got).values(), pcts(was).values()
    return [
        kind,
        str(n),
        f"{n / elapsed:.1f}",
        *(ms(v) for v in loaded),
        *(ms(v) for v in unloaded),
        f"{ratio:.2f}",
        statuses(counts),
    ]


def stopped_at_limit(outcome: Outcome, limit_s: float) -> bool:
    """A 503 with Retry-After, answered at the limit, at most 1 s after it."""
    return (
        outcome.status == 503
        and outcome.retry_after is not None
        and limit_s - 0.05 <= outcome.seconds <= limit_s + 1.0
    )


def report(args: argparse.Namespace, triples: object, m: Measured) -> dict[str, object]:
    """Print the tables, the targets and the LOAD_RESULT line; return the results."""
    say = run.say
    rows, ratios, total = class_rows(m)
    say("")
    say(f"## Under the mix, size {args.size} ({triples} triples), {m.elapsed:.1f} s")
    say("")
    header = ["class", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms"]
    header += ["unloaded p50", "unloaded p95", "unloaded p99", "p95 / unloaded", "statuses"]
    say(run.table(header, rows))
    say("")
    header = ["query", "sent at s", "status", "s to answer", "server s", "Retry-After", "error"]
    header.append("stopped")
    runaway_rows = [
        [
            name,
            f"{o.sent_at:.1f}",
            str(o.status or "dropped"),
            f"{o.seconds:.2f}",
            "-" if o.server_s is None else f"{o.server_s:.2f}",
            o.retry_after or "-",
            o.error or "-",
            "yes" if stopped_at_limit(o, args.limit) else "NO",
        ]
        for name, o in m.runaways
    ]
    if runaway_rows:
        say(f"### Runaway queries (limit {args.limit:g} s; stopped: 503 + Retry-After, ≤ +1 s)")
        say("")
        say(run.table(header, runaway_rows))
        say("")
    stopped = sum(stopped_at_limit(o, args.limit) for _, o in m.runaways)
    five_xx = sum(v for k, v in total.items() if k.startswith("5"))
    dropped = total["dropped"] + sum(o.status is None for _, o in m.runaways)
    ok_per_s = sum(v for k, v in total.items() if k.startswith("2")) / m.elapsed
    worst = max(ratios.values(), default=float("inf"))
    idle = "never" if m.idle_after is None else f"{m.idle_after:.1f}"
    say(
        f"throughput {ok_per_s:.1f} ok/s ({sum(total.values())} cheap requests, "
        f"{len(m.runaways)} runaways); CPU during the mix: server {m.server_cores:.2f} cores, "
        f"client {m.client_cores:.2f}; server CPU per cheap request {ms(m.unloaded_cpu)} ms "
        f"unloaded, {ms(m.server_cores * m.elapsed / max(1, m.stats.count()))} ms under the mix "
        f"(the runaways' CPU included); server idle before {m.idle_before:.3f} cores, idle again "
        f"after {idle} s ({m.cores_after:.3f} cores); peak RSS {m.peak_rss / 2**20:.0f} MB summed "
        f"(PSS {m.peak_pss / 2**20:.0f} MB) over {m.processes} processes; load average at end "
        f"{os.getloadavg()[0]:.1f}; statuses in the warm-up {statuses(_all(m.warm))}, "
        f"unloaded {statuses(_all(m.base))}"
    )
    say("")
    targets = {
        "zero 5xx besides the runaways' 503": five_xx == 0,
        "zero dropped connections": dropped == 0,
        "every runaway stopped at the limit (+1 s), 503 with Retry-After": (
            stopped == len(m.runaways) if m.runaways else None
        ),
        "p95 of each cheap class <= 2x its unloaded p95": worst <= 2.0,
        "server CPU back to idle after the run": m.idle_after is not None,
    }
    for text, met in targets.items():
        say(f"{'n/a ' if met is None else 'PASS' if met else 'FAIL'}  {text}")
    every = [s for samples in m.stats.seconds.values() for s in samples]
    base = [s for samples in m.base.seconds.values() for s in samples]
    say(
        f"LOAD_RESULT size={args.size} seconds={m.elapsed:.0f} connections={args.connections} "
        f"rate={args.rate:g} limit_s={args.limit:g} ok_per_s={ok_per_s:.1f} "
        f"cheap_p50_ms={ms(percentile(every, 50))} cheap_p95_ms={ms(percentile(every, 95))} "
        f"cheap_p99_ms={ms(percentile(every, 99))} unloaded_p95_ms={ms(percentile(base, 95))} "
        f"worst_p95_ratio={worst:.2f} errors_5xx={five_xx} dropped={dropped} "
        f"runaways={len(m.runaways)} runaways_stopped={stopped} idle_after_s={idle} "
        f"pass={'yes' if all(t is not False for t in targets.values()) else 'no'}"
    )
    return {
        "loaded": {k: pcts(v) for k, v in m.stats.seconds.items()},
        "unloaded": {k: pcts(v) for k, v in m.base.seconds.items()},
        "statuses": {k: dict(v) for k, v in m.stats.statuses.items()},
        "runaways": [{"query": n, **vars(o)} for n, o in m.runaways],
        "seconds": m.elapsed,
        "server_cores": m.server_cores,
        "client_cores": m.client_cores,
        "unloaded_cpu_s": m.unloaded_cpu,
        "idle_after_s": m.idle_after,
        "peak_rss_mb": m.peak_rss / 2**20,
        "peak_pss_mb": m.peak_pss / 2**20,
        "warm_up_statuses": dict(_all(m.warm)),
        "unloaded_statuses": dict(_all(m.base)),
        "targets": targets,
    }
