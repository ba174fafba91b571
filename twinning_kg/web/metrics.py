"""Counters and latency histograms, shared by the server's processes, in Prometheus text format.

Each process counts in memory and writes its counts to ``{state_dir}/metrics/{pid}.json`` at
most once a second; ``/metrics`` adds up the files of the processes still alive, so a scrape
that lands on any gunicorn worker sees the whole server. Counts a process keeps elsewhere (the
embedded store's summaries) come in through a source (:meth:`Metrics.add_source`), read at each
write and scrape.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final

BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
HELP: Final = {
    "twinning_requests_total": ("counter", "HTTP requests by route and status."),
    "twinning_request_duration_seconds": ("histogram", "HTTP request latency by route."),
    "twinning_sparql_queries_total": ("counter", "SPARQL queries by outcome."),
    "twinning_sparql_workers_killed_total": ("counter", "Query workers killed at the time limit."),
    "twinning_sparql_workers_crashed_total": ("counter", "Query workers that died on a query."),
    "twinning_reloads_total": ("counter", "Data reloads by result."),
    "twinning_page_cache_total": ("counter", "Entity pages from the page cache or rendered."),
    "twinning_describe_summaries_total": (
        "counter",
        "Linked resources' summaries the embedded store's pages found kept (hit) or read (miss).",
    ),
}
Labels = tuple[tuple[str, str], ...]
#: Counts kept outside :class:`Metrics`, by family and labels, since the process started.
Source = Callable[[], Mapping[str, Mapping[Labels, float]]]
log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from twinning_kg.store import GraphStore


class Metrics:
    """This process's counts, flushed to a shared folder."""

    def __init__(self, folder: Path | None) -> None:
        self._folder = folder
        self._lock = threading.Lock()
        # One writer at a time: two threads writing the same temporary file leave torn JSON,
        # and a scrape that cannot read a process's file silently leaves its counts out.
        self._flush_lock = threading.Lock()
        self._counters: dict[str, dict[Labels, float]] = defaultdict(lambda: defaultdict(float))
        self._flushed = 0.0
        self._sources: list[Source] = []

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        """Add ``amount`` to the counter ``name`` with ``labels``."""
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._counters[name][key] += amount
        self._maybe_flush()

    def observe(self, name: str, seconds: float, **labels: str) -> None:
        """Record one latency in the histogram ``name``."""
        base = tuple(sorted(labels.items()))
        with self._lock:
            series = self._counters
            for bound in BUCKETS:
                if seconds <= bound:
                    series[name + "_bucket"][(*base, ("le", str(bound)))] += 1
            series[name + "_bucket"][(*base, ("le", "+Inf"))] += 1
            series[name + "_sum"][base] += seconds
            series[name + "_count"][base] += 1
        self._maybe_flush()

    def add_source(self, source: Source) -> None:
        """Add the counts ``source`` gives (read at each write and scrape) to this process's."""
        self._sources.append(source)

    def _snapshot(self) -> dict[str, list[tuple[Labels, float]]]:
        with self._lock:
            snapshot = {name: list(values.items()) for name, values in self._counters.items()}
        for source in self._sources:
            try:
                counts = source()
            except Exception:  # a count is not worth a failed request or scrape
                log.exception("a metrics source failed; its counts are left out")
                continue
            for name, values in counts.items():
                snapshot.setdefault(name, []).extend(values.items())
        return snapshot

    def _maybe_flush(self) -> None:
        now = time.monotonic()
        if self._folder is None or now - self._flushed < 1.0:
            return
        self._flushed = now
        self.flush()

    def flush(self) -> None:
        """Write this process's counts for the other processes to read."""
        if self._folder is None:
            return
        with self._flush_lock, contextlib.suppress(OSError):
            self._folder.mkdir(parents=True, exist_ok=True)
            data = {
                name: [[list(map(list, k)), v] for k, v in rows]
                for name, rows in self._snapshot().items()
            }
            tmp = self._folder / f".{os.getpid()}.tmp"
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, self._folder / f"{os.getpid()}.json")

    def render(self) -> str:
        """All live processes' counts added up, as Prometheus text exposition."""
        self.flush()
        totals: dict[str, dict[Labels, float]] = defaultdict(lambda: defaultdict(float))
        sources = [self._snapshot()] if self._folder is None else self._read_all()
        for snapshot in sources:
            for name, rows in snapshot.items():
                for labels, value in rows:
                    totals[name][labels] += value
        lines: list[str] = []
        for family, (kind, text) in HELP.items():
            lines.append(f"# HELP {family} {text}")
            lines.append(f"# TYPE {family} {kind}")
            names = (
                [f"{family}_bucket", f"{family}_sum", f"{family}_count"]
                if kind == "histogram"
                else [family]
            )
            for name in names:
                for labels, value in sorted(totals.get(name, {}).items(), key=_order):
                    rendered = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
                    lines.append(
                        f"{name}{{{rendered}}} {value:g}" if rendered else f"{name} {value:g}"
                    )
        return "\n".join(lines) + "\n"

    def _read_all(self) -> list[dict[str, list[tuple[Labels, float]]]]:
        assert self._folder is not None  # noqa: S101  # checked by the caller
        snapshots = []
        for path in self._folder.glob("*.json"):
            pid = int(path.stem) if path.stem.isdigit() else 0
            if not _alive(pid):
                with contextlib.suppress(OSError):
                    path.unlink()
                continue
            with contextlib.suppress(OSError, ValueError):
                raw = json.loads(path.read_text(encoding="utf-8"))
                snapshots.append(
                    {
                        name: [(tuple(tuple(pair) for pair in k), float(v)) for k, v in rows]
                        for name, rows in raw.items()
                    }
                )
        return snapshots


class SummaryCounts:
    """A :data:`Source`: the summaries the serving store's pages found kept and read, carried
    over reloads (a reload opens a new store, whose counts start at 0; a counter must not go
    down). None while only stores that keep none were served (the remote store)."""

    def __init__(self, serving: Callable[[], GraphStore]) -> None:
        self._serving = serving
        self._store: GraphStore | None = None  # held, not its id: a new store is never taken for it
        self._before = (0, 0)  # the counts of the stores served before this one
        self._last = (0, 0)  # this one's counts when last read
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, dict[Labels, float]]:
        store = self._serving()
        counts = store.summary_counts()
        now = counts if counts is not None else (0, 0)
        with self._lock:
            if store is not self._store:
                if self._store is not None:
                    self._before = (
                        self._before[0] + self._last[0],
                        self._before[1] + self._last[1],
                    )
                self._store = store
            self._last = now
            hits, misses = self._before[0] + now[0], self._before[1] + now[1]
        if counts is None and not hits + misses:
            return {}
        return {
            "twinning_describe_summaries_total": {
                (("result", "hit"),): float(hits),
                (("result", "miss"),): float(misses),
            }
        }


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _order(item: tuple[Labels, float]) -> tuple[Labels, float]:
    """Sort series by their labels, histogram buckets by their bound (``+Inf`` last)."""
    labels = item[0]
    rest = tuple(pair for pair in labels if pair[0] != "le")
    bound = next((pair[1] for pair in labels if pair[0] == "le"), "")
    return rest, float(bound) if bound else 0.0
