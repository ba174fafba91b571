"""A strict reader of the Prometheus text exposition format (0.0.4), for the /metrics tests.

Every line must be a ``# HELP``, a ``# TYPE`` or a sample ``name{label="value",…} number``; a
sample must belong to a family whose ``# TYPE`` came first (``_bucket``, ``_sum`` and ``_count``
belong to their histogram). Anything else fails the parse, naming the line.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Final

_NAME: Final = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
HELP_LINE: Final = re.compile(rf"^# HELP ({_NAME}) (.*)$")
TYPE_LINE: Final = re.compile(rf"^# TYPE ({_NAME}) (counter|gauge|histogram|summary|untyped)$")
SAMPLE_LINE: Final = re.compile(rf"^({_NAME})(?:\{{(.*)\}})? (\S+)$")
LABEL: Final = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
HISTOGRAM_SUFFIXES: Final = ("_bucket", "_sum", "_count")

Labels = frozenset[tuple[str, str]]


@dataclass
class Exposition:
    """What a scrape says: each family's type and help, and every sample by name and labels."""

    types: dict[str, str] = field(default_factory=dict)
    helps: dict[str, str] = field(default_factory=dict)
    samples: dict[str, dict[Labels, float]] = field(default_factory=lambda: defaultdict(dict))

    def value(self, name: str, **labels: str) -> float:
        """The sample ``name{labels}``, or 0 when the series is absent (counters start at 0)."""
        return self.samples.get(name, {}).get(frozenset(labels.items()), 0.0)

    def series(self, name: str) -> dict[Labels, float]:
        """Every sample of ``name``, by its labels."""
        return dict(self.samples.get(name, {}))


def _labels(text: str, line: str) -> Labels:
    pairs: list[tuple[str, str]] = []
    rest = text
    while rest:
        match = LABEL.match(rest)
        if match is None:
            raise ValueError(f"bad labels in {line!r}")
        value = match.group(2).replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
        pairs.append((match.group(1), value))
        rest = rest[match.end() :]
        if rest.startswith(","):
            rest = rest[1:]
        elif rest:
            raise ValueError(f"bad labels in {line!r}")
    if len({k for k, _ in pairs}) != len(pairs):
        raise ValueError(f"repeated label in {line!r}")
    return frozenset(pairs)


def _family(name: str, types: dict[str, str]) -> str | None:
    if name in types:
        return name
    for suffix in HISTOGRAM_SUFFIXES:
        base = name.removesuffix(suffix)
        if base != name and types.get(base) in ("histogram", "summary"):
            return base
    return None


def parse(text: str) -> Exposition:
    """Parse a whole exposition.

    :raises ValueError: naming the first line that is not valid exposition text.
    """
    if not text.endswith("\n"):
        raise ValueError("the exposition must end with a newline")
    result = Exposition()
    for line in text.splitlines():
        if match := HELP_LINE.match(line):
            result.helps[match.group(1)] = match.group(2)
        elif match := TYPE_LINE.match(line):
            if match.group(1) in result.types:
                raise ValueError(f"second TYPE line for {match.group(1)}")
            result.types[match.group(1)] = match.group(2)
        elif match := SAMPLE_LINE.match(line):
            name, labels, raw = match.groups()
            if _family(name, result.types) is None:
                raise ValueError(f"sample before (or without) its TYPE line: {line!r}")
            value = float(raw)  # also reads +Inf, -Inf, NaN
            if math.isnan(value):
                raise ValueError(f"NaN sample: {line!r}")
            key = _labels(labels or "", line)
            if key in result.samples[name]:
                raise ValueError(f"repeated series: {line!r}")
            result.samples[name][key] = value
        else:
            raise ValueError(f"not exposition text: {line!r}")
    return result


def histogram_problems(scrape: Exposition, family: str) -> list[str]:
    """What is wrong with histogram ``family``: buckets not cumulative, ``+Inf`` not the count."""
    problems: list[str] = []
    buckets: dict[Labels, list[tuple[float, float]]] = defaultdict(list)
    for labels, value in scrape.series(f"{family}_bucket").items():
        bound = dict(labels).get("le")
        if bound is None:
            problems.append(f"bucket without le: {sorted(labels)}")
            continue
        buckets[frozenset(pair for pair in labels if pair[0] != "le")].append((float(bound), value))
    counts = scrape.series(f"{family}_count")
    sums = scrape.series(f"{family}_sum")
    if set(buckets) != set(counts) or set(counts) != set(sums):
        problems.append(f"{family}: bucket, _sum and _count series differ")
    for series, rows in buckets.items():
        rows.sort()
        values = [value for _, value in rows]
        if values != sorted(values):
            problems.append(f"{family}{sorted(series)}: buckets not cumulative: {rows}")
        if rows[-1][0] != math.inf:
            problems.append(f'{family}{sorted(series)}: no le="+Inf" bucket')
        elif rows[-1][1] != counts.get(series):
            problems.append(f"{family}{sorted(series)}: +Inf {rows[-1][1]} != {counts.get(series)}")
        if sums.get(series, 0.0) < 0:
            problems.append(f"{family}{sorted(series)}: negative sum")
    return problems
