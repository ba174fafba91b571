"""Render a ValidationReport for people (text) and for programs (JSON, Turtle)."""

from __future__ import annotations

import json
from typing import Final

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from twinning_kg.validation import ValidationReport, Violation
from twinning_kg.vocabulary import new_graph

REPORT_FORMATS: Final = ("text", "json", "turtle")


def _short(graph: Graph, node: Node | None) -> str:
    if node is None:
        return "-"
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except ValueError:
            return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3(graph.namespace_manager)
    return str(node)


def severity_name(violation: Violation) -> str:
    """``Violation``, ``Warning`` or ``Info``."""
    return str(violation.severity).rsplit("#", 1)[-1]


def to_text(report: ValidationReport) -> str:
    """One block per result: where it is, what is wrong, and the shape's message."""
    names = new_graph()
    lines: list[str] = []
    for r in report.results:
        label = f'"{r.focus_label}" ' if r.focus_label else ""
        where = f"  ({r.source_file})" if r.source_file else ""
        lines.append(f"{severity_name(r)}: {label}<{r.focus_node}>{where}")
        lines.append(f"  path:    {_short(names, r.result_path)}")
        if r.value is not None:
            lines.append(f"  value:   {_short(names, r.value)}")
        lines.append(f"  message: {r.message}")
        lines.append(f"  shape:   {_short(names, r.node_shape or r.source_shape)}")
    counts = {name: 0 for name in ("Violation", "Warning", "Info")}
    for r in report.results:
        counts[severity_name(r)] = counts.get(severity_name(r), 0) + 1
    verdict = "Conforms" if report.conforms else "Does not conform"
    lines.append(
        f"{verdict}: {counts['Violation']} violation(s), {counts['Warning']} warning(s), "
        f"{counts['Info']} info."
    )
    return "\n".join(lines) + "\n"


def to_json(report: ValidationReport) -> str:
    """A stable JSON document: ``{"conforms": bool, "results": [...]}``."""
    results = [
        {
            "severity": severity_name(r),
            "focusNode": str(r.focus_node),
            "focusLabel": r.focus_label,
            "file": r.source_file,
            "path": str(r.result_path) if r.result_path else None,
            "value": str(r.value) if r.value is not None else None,
            "message": r.message,
            "shape": str(r.node_shape or r.source_shape),
            "constraint": str(r.constraint),
        }
        for r in report.results
    ]
    return json.dumps({"conforms": report.conforms, "results": results}, indent=2) + "\n"


def to_turtle(report: ValidationReport) -> str:
    """The report as a SHACL ``sh:ValidationReport`` graph."""
    graph = new_graph()
    node = BNode("report")
    graph.add((node, RDF.type, SH.ValidationReport))
    graph.add((node, SH.conforms, Literal(report.conforms)))
    for index, r in enumerate(report.results):
        result = BNode(f"r{index}")
        graph.add((node, SH.result, result))
        graph.add((result, RDF.type, SH.ValidationResult))
        graph.add((result, SH.focusNode, r.focus_node))
        graph.add((result, SH.resultSeverity, r.severity))
        graph.add((result, SH.sourceShape, r.source_shape))
        graph.add((result, SH.sourceConstraintComponent, r.constraint))
        graph.add((result, SH.resultMessage, Literal(r.message)))
        if r.result_path is not None:
            graph.add((result, SH.resultPath, r.result_path))
        if r.value is not None:
            graph.add((result, SH.value, r.value))
    return graph.serialize(format="turtle")


RENDERERS: Final = {"text": to_text, "json": to_json, "turtle": to_turtle}
