"""Validate data against SHACL shapes; "does not conform" is a result, not an error."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from twinning_kg.errors import TwinningError
from twinning_kg.loading import shown_path
from twinning_kg.shacl_core import (
    TARGETS,
    CoreShapes,
    ShapeResult,
    implicit_class_shapes,
    run_core,
    split_core,
)
from twinning_kg.shacl_data import OxigraphData
from twinning_kg.shacl_sparql import (
    SparqlConstraint,
    run_constraints,
    split_constraints,
)


@dataclass(frozen=True, slots=True)
class Violation:
    """One SHACL validation result, plus where a person finds the focus node."""

    focus_node: Node
    result_path: URIRef | None
    value: Node | None
    message: str
    severity: URIRef
    source_shape: URIRef | BNode
    node_shape: URIRef | None
    constraint: URIRef
    focus_label: str | None = None
    source_file: str | None = None


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """The outcome of a validation: ``conforms`` is False when any result is a sh:Violation."""

    conforms: bool
    results: tuple[Violation, ...]

    @property
    def violations(self) -> tuple[Violation, ...]:
        """The results of severity sh:Violation."""
        return tuple(r for r in self.results if r.severity == SH.Violation)


def _node_shape(shapes: Graph, shape: Node) -> URIRef | None:
    """Resolve a (property) shape to the named node shape it belongs to."""
    if isinstance(shape, URIRef) and (shape, RDF.type, SH.NodeShape) in shapes:
        return shape
    for owner in shapes.subjects(SH.property, shape):
        if isinstance(owner, URIRef):
            return owner
    for owner in shapes.subjects(SH.sparql, shape):
        if isinstance(owner, URIRef):
            return owner
    return shape if isinstance(shape, URIRef) else None


def _required(report: Graph, result: Node, predicate: URIRef) -> Node:
    value = report.value(result, predicate)
    if value is None:
        raise TwinningError(f"pySHACL returned a result without {predicate}")
    return value


def _results(report: Graph, shapes: Graph) -> list[Violation]:
    results: list[Violation] = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        path = report.value(result, SH.resultPath)
        shape = report.value(result, SH.sourceShape)
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        severity = report.value(result, SH.resultSeverity)
        results.append(
            Violation(
                focus_node=_required(report, result, SH.focusNode),
                result_path=path if isinstance(path, URIRef) else None,
                value=report.value(result, SH.value),
                message="; ".join(messages),
                severity=severity if isinstance(severity, URIRef) else SH.Violation,
                source_shape=shape if isinstance(shape, URIRef | BNode) else BNode(),
                node_shape=_node_shape(shapes, shape) if shape is not None else None,
                constraint=URIRef(str(_required(report, result, SH.sourceConstraintComponent))),
            )
        )
    return results


@contextmanager
def _dataset_warning_ignored() -> Iterator[None]:
    """Silence the warning rdflib's own ``Dataset.triples`` gives on every call.

    It reads its deprecated ``default_context`` (rdflib 7.6); nothing of ours uses it.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"Dataset\.default_context is deprecated", category=DeprecationWarning
        )
        yield


def _violation(result: ShapeResult, shapes: Graph) -> Violation:
    """A result of the whole-graph SPARQL constraints or of :mod:`twinning_kg.shacl_core`, as
    ``_results`` reads pySHACL's (messages as a report graph holds them: each once)."""
    path = result.result_path
    return Violation(
        focus_node=result.focus_node,
        result_path=path if isinstance(path, URIRef) else None,
        value=result.value,
        message="; ".join(sorted(str(m) for m in set(result.messages))),
        severity=result.severity,
        source_shape=result.source_shape,
        node_shape=_node_shape(shapes, result.source_shape),
        constraint=result.component,
    )


def _has_targets(shapes: Graph) -> bool:
    """Tell whether pySHACL could check anything with ``shapes`` (explicit or implicit targets)."""
    if any((None, t, None) in shapes for t in (*TARGETS, SH.target)):
        return True
    return bool(implicit_class_shapes(shapes))


def _pyshacl_results(data: Graph, shapes: Graph, *, rules: bool) -> list[Violation]:
    """pySHACL's results for ``shapes``.

    :raises TwinningError: if pySHACL cannot run (for example, a malformed shapes graph).
    """
    import pyshacl  # imported here: it takes ~0.4 s, and most commands never validate

    try:
        _conforms, report, _text = pyshacl.validate(
            data,
            shacl_graph=shapes,
            inference="none",
            advanced=True,
            allow_warnings=True,
            abort_on_first=False,
            # advanced mode copies the data for SHACL rules, the one thing that changes it
            inplace=not rules,
        )
    except Exception as exc:  # pyshacl reports shape errors with its own exception types
        raise TwinningError(f"SHACL validation could not run: {exc}") from exc
    return _results(report, shapes)


@contextmanager
def _union_view(data: Graph | OxigraphData) -> Iterator[None]:
    """Read a Dataset as the union of its graphs while validating (as pySHACL does)."""
    if not isinstance(data, Dataset):
        yield
        return
    before = data.default_union
    data.default_union = True
    try:
        yield
    finally:
        data.default_union = before


@dataclass(frozen=True, slots=True)
class _Split:
    """The shapes as the three checkers take them."""

    constraints: tuple[SparqlConstraint, ...]
    core: CoreShapes
    remaining: Graph  # what only pySHACL checks

    @classmethod
    def of(cls, shapes: Graph) -> _Split:
        remaining, constraints = split_constraints(shapes)
        remaining, core = split_core(remaining)
        return cls(tuple(constraints), core, remaining)


def validate(data: Graph | OxigraphData, shapes: Graph) -> ValidationReport:
    """Validate ``data`` against ``shapes`` (no inference, SHACL-SPARQL enabled).

    The SHACL-SPARQL constraints that can run once over the whole graph run so, in pyoxigraph
    (see :mod:`twinning_kg.shacl_sparql`); the core shapes :mod:`twinning_kg.shacl_core`
    implements run there; pySHACL checks the rest. ``data`` is not modified.

    :raises TwinningError: if validation cannot run (for example, a malformed shapes graph).
    """
    return _validate(data, shapes, _Split.of(shapes))


def _validate(data: Graph | OxigraphData, shapes: Graph, split: _Split) -> ValidationReport:
    with _dataset_warning_ignored(), _union_view(data):
        results = [_violation(r, shapes) for r in run_core(data, split.core)]
        if _has_targets(split.remaining):
            rules = (None, SH.rule, None) in shapes
            graph = data.to_graph() if isinstance(data, OxigraphData) else data
            results.extend(_pyshacl_results(graph, split.remaining, rules=rules))
        sparql_results = run_constraints(data, split.constraints)
    results.extend(_violation(r, shapes) for r in sparql_results)
    results.sort(key=lambda r: (str(r.severity), str(r.focus_node), str(r.result_path), r.message))
    conforms = not any(r.severity == SH.Violation for r in results)
    return ValidationReport(conforms=conforms, results=tuple(results))


def validate_files(paths: Sequence[Path], shapes: Graph, *, root: Path) -> ValidationReport:
    """Parse the RDF files under ``paths`` with pyoxigraph, validate their union against
    ``shapes``, and tell, per result, the focus node's label and the first file typing it
    (relative to ``root`` when inside).

    Only the predicates the core shapes read are kept as parsed, unless pySHACL has shapes to
    check: then every triple is (pySHACL gets the lexical forms, as from rdflib).

    :raises DataLoadError: naming ``file:line:col`` for a file that does not parse.
    :raises TwinningError: if validation cannot run.
    """
    split = _Split.of(shapes)
    keep = None if _has_targets(split.remaining) else split.core.predicates | split.core.inverse
    data = OxigraphData.parse(paths, keep=keep)
    report = _validate(data, shapes, split)
    located: list[Violation] = []
    files: dict[Path, str] = {}
    for result in report.results:
        focus = result.focus_node
        labels = data.labels(focus)
        label = labels.get("en") or labels.get("pl") or next(iter(labels.values()), None)
        term = data.term(focus) if isinstance(focus, URIRef | BNode) else None
        path = data.typed_in.get(term) if term is not None else None
        if path is not None and path not in files:
            files[path] = shown_path(path, root=root)
        source_file = None if path is None else files[path]
        located.append(replace(result, focus_label=label, source_file=source_file))
    return ValidationReport(conforms=report.conforms, results=tuple(located))
