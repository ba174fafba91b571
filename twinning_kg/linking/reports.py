"""What ``twinning-kg link`` prints: reconciliation decisions and cross-check findings as a readable
table, CSV or JSON (``LINK_FORMATS``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Final

from twinning_kg.linking.crosscheck import KINDS, CheckReport, Finding
from twinning_kg.linking.matching import Decision, Match

LINK_FORMATS: Final = ("text", "csv", "json")
#: Outcomes in the order the text report lists them, with a heading each.
OUTCOMES: Final = {
    "accepted": "accepted (written as links)",
    "ambiguous": "ambiguous: for a person to decide",
    "weak": "below the threshold: for a person to decide",
    "no-match": "no match: for a person to decide",
    "confirmed": "our link confirmed",
    "unconfirmed": "our link is not a clear best: for a person to check",
    "differs": "our link differs from the best candidate: for a person to check",
}
UNDECIDED: Final = frozenset({"ambiguous", "weak", "no-match", "unconfirmed", "differs"})


def _qid(item: object) -> str:
    return str(item).rsplit("/", 1)[-1]


def _candidate_line(match: Match) -> str:
    label = f' "{match.label}"' if match.label else ""
    description = f" ({match.description})" if match.description else ""
    return f"{_qid(match.item)}{label}{description}: {match.explain()}"


def _match_json(match: Match) -> dict[str, object]:
    return {
        "item": str(match.item),
        "label": match.label,
        "description": match.description,
        "score": match.score,
        "viable": match.viable,
        "rejected": match.rejected,
        "names": list(match.names),
        "country": match.country,
        "distance_km": match.distance_km,
        "explanation": match.explain(),
    }


def render_decisions(
    decisions: Sequence[Decision],
    fmt: str,
    *,
    endpoint_url: str,
    threshold: float,
    written: Sequence[str] = (),
    dry_run: bool = False,
    notes: Sequence[str] = (),
) -> str:
    """The reconciliation report in ``fmt`` (``text``, ``csv`` or ``json``)."""
    if fmt == "json":
        document = {
            "endpoint": endpoint_url,
            "threshold": threshold,
            "dry_run": dry_run,
            "written": list(written),
            "notes": list(notes),
            "places": [
                {
                    "place": str(d.place.iri),
                    "label": d.place.label,
                    "kind": d.place.kind,
                    "link": str(d.place.item) if d.place.item else None,
                    "outcome": d.outcome,
                    "note": d.note,
                    "candidates": [_match_json(m) for m in d.matches],
                }
                for d in decisions
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["place", "label", "kind", "outcome", "note", "candidate", "score",
                         "viable", "explanation"])  # fmt: skip
        for d in decisions:
            head = [str(d.place.iri), d.place.label, d.place.kind, d.outcome, d.note]
            if not d.matches:
                writer.writerow([*head, "", "", "", ""])
            for m in d.matches:
                writer.writerow([*head, str(m.item), f"{m.score:.3f}", m.viable, m.explain()])
        return out.getvalue()
    lines = [
        f"Reconciled {len(decisions)} place(s) with {endpoint_url} (threshold {threshold:.2f})"
    ]
    for outcome, heading in OUTCOMES.items():
        chosen = [d for d in decisions if d.outcome == outcome]
        if not chosen:
            continue
        lines += ["", f"{heading} ({len(chosen)})"]
        for d in chosen:
            note = f": {d.note}" if d.note else ""
            link = f" [linked to {_qid(d.place.item)}]" if d.place.item else ""
            lines.append(f"  {d.place.kind} {d.place.label} <{d.place.iri}>{link}{note}")
            for number, match in enumerate(d.matches, start=1):
                lines.append(f"    {number}. {_candidate_line(match)}")
    if written:
        verb = "would write" if dry_run else "wrote"
        lines += ["", *(f"{verb} {path}" for path in written)]
    lines += [f"note: {note}" for note in notes]
    return "\n".join(lines) + "\n"


def _finding_json(finding: Finding) -> dict[str, object]:
    return {
        "kind": finding.kind,
        "meaning": KINDS.get(finding.kind, "both sides agree"),
        "town": str(finding.town),
        "town_label": finding.town_label,
        "partner": str(finding.partner),
        "partner_label": finding.partner_label,
        "ours": finding.ours,
        "wikidata": finding.wikidata,
        "partnership": str(finding.partnership) if finding.partnership else None,
    }


def render_check(report: CheckReport, fmt: str, *, endpoint_url: str) -> str:
    """The cross-check report in ``fmt`` (``text``, ``csv`` or ``json``)."""
    differences = report.differences
    agreeing = [f for f in report.findings if f.kind == "agrees"]
    if fmt == "json":
        document = {
            "endpoint": endpoint_url,
            "agree": not differences,
            "differences": [_finding_json(f) for f in differences],
            "agreements": [_finding_json(f) for f in agreeing],
            "not_compared": report.not_compared,
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    header = ["kind", "town", "town_item", "partner", "partner_item", "ours", "wikidata",
              "partnership"]  # fmt: skip
    rows = [
        [
            f.kind,
            f.town_label,
            _qid(f.town),
            f.partner_label,
            _qid(f.partner),
            f.ours,
            f.wikidata,
            str(f.partnership or ""),
        ]
        for f in report.findings
    ]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue()
    shown = [[r[0], f"{r[1]} ({r[2]})", f"{r[3]} ({r[4]})", r[5], r[6]] for r in rows]
    titles = ["kind", "town", "partner", "ours", "Wikidata"]
    widths = [max(len(row[i]) for row in [titles, *shown]) for i in range(len(titles))]
    lines = [f"Cross-check of our partnerships with P190 on {endpoint_url}", ""]
    for row in [titles, ["-" * w for w in widths], *shown]:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    lines.append("")
    lines += [f"  {kind}: {meaning}" for kind, meaning in KINDS.items()]
    lines += ["", *(f"not compared: {text}" for text in report.not_compared)]
    verdict = "Wikidata agrees with our partnerships" if not differences else (
        f"{len(differences)} difference(s), {len(agreeing)} direction(s) agree"
    )  # fmt: skip
    lines.append(verdict)
    return "\n".join(line for line in lines) + "\n"
