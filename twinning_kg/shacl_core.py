"""Check SHACL Core shapes over an index of the data graph, reporting as pySHACL reports.

pySHACL builds a result (and its text) for every failure of every nested shape that ``sh:or``,
``sh:xone``, ``sh:not`` or ``sh:qualifiedValueShape`` tries, and asks rdflib for every value
of every focus node: at M (200k triples) that is ~70 s for the project's core shapes. Here the
shapes are compiled once and checked with :mod:`twinning_kg.shacl_checks`: the predicates the
shapes use are read once into dictionaries, a nested shape's conformance is
memoised per node, and only results that reach the report are made: the same results in ~5 s
at M, 3 of them reading the predicates out of rdflib.

:func:`split_core` takes only the target-bearing shapes whose whole closure (property shapes,
nested shapes) uses the constraint components implemented here, has a predicate or an inverse
predicate as every path, and gives a ``sh:message`` wherever a result can come from (pySHACL's
generated messages are not reproduced). ``sh:node`` is not implemented: pySHACL's report also
holds the nested shape's own results (``sh:detail``). Every other shape stays in the shapes graph
for pySHACL, and when the shapes hold SHACL rules (which change the data first) nothing is taken.

Semantics follow pySHACL 0.40 (SHACL 1.0 section 4): value nodes are the distinct objects (or
subjects, for an inverse path); a literal is never a class instance; ``sh:datatype`` refuses an
ill-typed literal; ``sh:pattern`` reads a string literal's value; ``sh:languageIn`` matches a tag
or its first subtag, case-insensitively; ``sh:uniqueLang`` reports once per repeated language;
the value range components compare with pySHACL's own ``compare_literal``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from twinning_kg.shacl_checks import (
    RANGES,
    Conformance,
    CoreShape,
    Index,
    Unsupported,
    class_check,
    datatype_check,
    in_check,
    kind_check,
    language_check,
    pattern_check,
    range_check,
)
from twinning_kg.shacl_data import OxigraphData

TARGETS: Final = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
#: Predicates of a shape that describe it without constraining anything.
_DESCRIPTIVE: Final = frozenset(
    {SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, SH.defaultValue}
)
#: The constraint parameters implemented here (besides sh:path and sh:property).
_PARAMETERS: Final = frozenset(
    {
        SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH.flags, SH["in"], SH.hasValue,
        SH.languageIn, SH.uniqueLang, SH.minCount, SH.maxCount, SH.minInclusive,
        SH.maxInclusive, SH.minExclusive, SH.maxExclusive, SH["or"], SH.xone, SH["not"],
        SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount,
        SH.qualifiedValueShapesDisjoint,
    }
)  # fmt: skip
_NODE_KINDS: Final = {
    SH.IRI: (URIRef,),
    SH.BlankNode: (BNode,),
    SH.Literal: (Literal,),
    SH.BlankNodeOrIRI: (BNode, URIRef),
    SH.BlankNodeOrLiteral: (BNode, Literal),
    SH.IRIOrLiteral: (URIRef, Literal),
}


@dataclass(frozen=True, slots=True)
class ShapeResult:
    """One result of a core shape (here) or of a whole-graph SPARQL constraint
    (:mod:`twinning_kg.shacl_sparql`), with the fields of pySHACL's sh:ValidationResult."""

    focus_node: Node
    result_path: Node | None
    value: Node | None
    messages: tuple[Literal | str, ...]
    severity: URIRef
    source_shape: URIRef | BNode
    component: URIRef


class _Compiler:
    """Compile shapes of one shapes graph, each once (shapes may be shared)."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self.compiled: dict[tuple[Node, bool], CoreShape] = {}
        self._in_progress: set[tuple[Node, bool]] = set()
        self.predicates: set[URIRef] = {RDF.type, RDFS.subClassOf}
        self.inverse: set[URIRef] = set()

    def _one(self, node: Node, predicate: URIRef) -> Node | None:
        values = list(self.shapes.objects(node, predicate))
        if len(values) > 1:
            raise Unsupported
        return values[0] if values else None

    def _int(self, node: Node, predicate: URIRef) -> int | None:
        value = self._one(node, predicate)
        if value is None:
            return None
        if (
            not isinstance(value, Literal)
            or value.datatype != XSD.integer
            or not isinstance(value.value, int)
            or value.value < 0
        ):
            raise Unsupported  # pySHACL refuses it
        return int(value.value)

    def _list(self, node: Node) -> list[Node]:
        """A non-empty RDF list (pySHACL refuses an empty one in sh:or, sh:xone, sh:in…)."""
        if (node, RDF.first, None) not in self.shapes:
            raise Unsupported
        return list(Collection(self.shapes, node))

    def _objects(self, node: Node, predicate: URIRef, *, most: int | None = None) -> list[Node]:
        """The values of a parameter; more than ``most`` is a shape pySHACL refuses."""
        values = list(self.shapes.objects(node, predicate))
        if most is not None and len(values) > most:
            raise Unsupported
        return values

    def _path(self, path: Node) -> tuple[URIRef, bool]:
        if isinstance(path, URIRef):
            return path, False
        inner = self._one(path, SH.inversePath)
        if isinstance(inner, URIRef) and len(list(self.shapes.predicate_objects(path))) == 1:
            return inner, True
        raise Unsupported

    def shape(self, node: Node, *, reports: bool) -> CoreShape:
        """Compile ``node``; ``reports``: its failures become results (so it needs a message).

        :raises Unsupported: if anything in it is not implemented here.
        """
        if not isinstance(node, URIRef | BNode):
            raise Unsupported
        key = (node, reports)
        if key in self._in_progress:
            raise Unsupported  # a recursive shape: pySHACL has its own rule for those
        found = self.compiled.get(key)
        if found is not None:
            return found
        self._in_progress.add(key)
        try:
            shape = CoreShape(node=node)
            self._fill(shape, reports=reports)
        finally:
            self._in_progress.discard(key)
        self.compiled[key] = shape
        return shape

    def _fill(self, shape: CoreShape, *, reports: bool) -> None:
        node, graph = shape.node, self.shapes
        for predicate in set(graph.predicates(node)):
            if predicate in TARGETS or predicate in _DESCRIPTIVE or predicate == RDF.type:
                continue
            if predicate in (SH.path, SH.property) or predicate in _PARAMETERS:
                continue
            if str(predicate).startswith(str(SH)):
                raise Unsupported  # sh:closed, sh:sparql, sh:deactivated, sh:equals, …
        shape.messages = tuple(m for m in graph.objects(node, SH.message) if isinstance(m, Literal))
        severity = self._one(node, SH.severity)
        shape.severity = severity if isinstance(severity, URIRef) else SH.Violation
        if not reports and shape.severity != SH.Violation:
            raise Unsupported  # pySHACL (allow_warnings) lets such a nested shape conform
        path = self._one(node, SH.path)
        if path is not None:
            shape.path, shape.path_node = self._path(path), path
            (self.inverse if shape.path[1] else self.predicates).add(shape.path[0])
        has_constraints = self._value_checks(shape) | self._counts(shape)
        if has_constraints and reports and not shape.messages:
            raise Unsupported
        for member in graph.objects(node, SH.property):
            if self._one(member, SH.path) is None:
                raise Unsupported
            shape.properties.append(self.shape(member, reports=reports))

    def _value_checks(self, shape: CoreShape) -> bool:
        """Compile the per-value-node components; tell whether there were any."""
        node, graph, checks = shape.node, self.shapes, shape.checks
        for cls in graph.objects(node, SH["class"]):
            checks.append((SH.ClassConstraintComponent, class_check(cls)))
        for datatype in self._objects(node, SH.datatype, most=1):
            if not isinstance(datatype, URIRef):
                raise Unsupported
            checks.append((SH.DatatypeConstraintComponent, datatype_check(datatype)))
        for kind in self._objects(node, SH.nodeKind, most=1):
            allowed = _NODE_KINDS.get(kind)  # type: ignore[call-overload]
            if allowed is None:
                raise Unsupported
            checks.append((SH.NodeKindConstraintComponent, kind_check(allowed)))
        flags = self._one(node, SH.flags)
        for pattern in graph.objects(node, SH.pattern):
            if not isinstance(pattern, Literal):
                raise Unsupported
            checks.append((SH.PatternConstraintComponent, pattern_check(pattern, flags)))
        for members in self._objects(node, SH["in"], most=1):
            allowed_values = frozenset(self._list(members))
            checks.append((SH.InConstraintComponent, in_check(allowed_values)))
        for members in self._objects(node, SH.languageIn, most=1):
            checks.append((SH.LanguageInConstraintComponent, language_check(self._list(members))))
        for predicate, (component, accept) in RANGES.items():
            for bound in graph.objects(node, predicate):
                checks.append((component, range_check(bound, accept)))
        for members in graph.objects(node, SH["or"]):
            alternatives = [self.shape(m, reports=False) for m in self._list(members)]
            checks.append((SH.OrConstraintComponent, Conformance(alternatives, "or")))
        for members in graph.objects(node, SH.xone):
            alternatives = [self.shape(m, reports=False) for m in self._list(members)]
            checks.append((SH.XoneConstraintComponent, Conformance(alternatives, "xone")))
        for negated in graph.objects(node, SH["not"]):
            checks.append(
                (
                    SH.NotConstraintComponent,
                    Conformance([self.shape(negated, reports=False)], "not"),
                )
            )
        shape.has_values = list(graph.objects(node, SH.hasValue))
        return bool(checks or shape.has_values)

    def _counts(self, shape: CoreShape) -> bool:
        """Compile the components that look at all value nodes at once; tell whether any."""
        node, graph = shape.node, self.shapes
        shape.min_count = self._int(node, SH.minCount)
        shape.max_count = self._int(node, SH.maxCount)
        unique = self._one(node, SH.uniqueLang)
        shape.unique_lang = isinstance(unique, Literal) and unique.value is True
        disjoint = self._one(node, SH.qualifiedValueShapesDisjoint)
        if isinstance(disjoint, Literal) and disjoint.value is True:
            raise Unsupported
        low, high = self._int(node, SH.qualifiedMinCount), self._int(node, SH.qualifiedMaxCount)
        for qualified in graph.objects(node, SH.qualifiedValueShape):
            if low is None and high is None:
                raise Unsupported
            shape.qualified.append((self.shape(qualified, reports=False), low, high))
        if shape.path is None and (
            shape.min_count is not None
            or shape.max_count is not None
            or shape.unique_lang
            or shape.qualified
        ):
            raise Unsupported  # pySHACL refuses or ignores these on a node shape
        return (
            shape.min_count is not None
            or shape.max_count is not None
            or shape.unique_lang
            or bool(shape.qualified)
        )


@dataclass(frozen=True, slots=True)
class CoreShapes:
    """The shapes :func:`run_core` checks, compiled, and the predicates they read."""

    shapes: Graph
    roots: tuple[CoreShape, ...]
    predicates: frozenset[URIRef]
    inverse: frozenset[URIRef]


def implicit_class_shapes(shapes: Graph) -> set[Node]:
    """The nodes pySHACL gives implicit class targets: typed ``rdfs:Class``, ``owl:Class`` or a
    subclass of ``rdfs:Class`` (as the shapes graph says)."""
    classes = {RDFS.Class, OWL.Class, *shapes.transitive_subjects(RDFS.subClassOf, RDFS.Class)}
    return {node for cls in classes for node in shapes.subjects(RDF.type, cls)}


def split_core(shapes: Graph) -> tuple[Graph, CoreShapes]:
    """Take the target-bearing shapes implemented here out of pySHACL's shapes graph.

    Returns a copy of ``shapes`` without those shapes' targets (so pySHACL skips them, while
    shapes it still checks may keep using them) and the compiled shapes.
    """
    compiler = _Compiler(shapes)
    roots: list[CoreShape] = []
    extended = any(
        (None, p, o) in shapes
        for p, o in ((SH.rule, None), (SH.parameter, None), (RDF.type, SH.ConstraintComponent))
    )
    if not extended:  # rules change the data first; custom components are pySHACL's
        candidates = {s for t in TARGETS for s in shapes.subjects(t, None)}
        implicit = implicit_class_shapes(shapes)
        for node in sorted(candidates, key=str):
            if node in implicit or (node, SH.target, None) in shapes:
                continue  # implicit class targets and SPARQL targets stay with pySHACL
            try:
                roots.append(compiler.shape(node, reports=True))
            except Unsupported:
                continue
    for root in roots:  # class and node targets need only rdf:type and rdfs:subClassOf
        for target in (SH.targetSubjectsOf, SH.targetObjectsOf):
            predicates = shapes.objects(root.node, target)
            compiler.predicates.update(p for p in predicates if isinstance(p, URIRef))
    taken = {r.node for r in roots}
    remaining = Graph()
    remaining.namespace_manager = shapes.namespace_manager
    for triple in shapes:
        if not (triple[0] in taken and triple[1] in TARGETS):
            remaining.add(triple)
    core = CoreShapes(
        shapes=shapes,
        roots=tuple(roots),
        predicates=frozenset(compiler.predicates),
        inverse=frozenset(compiler.inverse),
    )
    return remaining, core


def run_core(data: Graph | OxigraphData, core: CoreShapes) -> list[ShapeResult]:
    """Check every compiled shape on its focus nodes in ``data`` (a Dataset: its union)."""
    if not core.roots:
        return []
    index = Index(data, core.predicates, core.inverse)
    return [
        ShapeResult(
            focus_node=shape_focus,
            result_path=shape.path_node,
            value=value,
            messages=shape.messages,
            severity=shape.severity,
            source_shape=shape.node,
            component=component,
        )
        for root in core.roots
        for focus in index.focus_nodes(core.shapes, root.node)
        for component, value, shape, shape_focus in index.failures(root, focus)
    ]
