"""Check SHACL Core shapes over an index of the data graph, reporting as pySHACL reports.

pySHACL builds a result (and its text) for every failure of every nested shape that ``sh:or``,
``sh:xone``, ``sh:not`` or ``sh:qualifiedValueShape`` tries, and asks rdflib for every value
of every focus node: at M (200k triples) that is ~70 s for the project's core shapes. Here the
predicates the shapes use are read once into dictionaries, a nested shape's conformance is
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

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Final, cast

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

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
#: For each datatype, the Python type rdflib gives a well-formed value of it (pySHACL's test).
_VALUE_TYPES: Final[dict[URIRef, type | tuple[type, ...]]] = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}
_RANGES: Final = {
    SH.minInclusive: (SH.MinInclusiveConstraintComponent, lambda c: c >= 0),
    SH.minExclusive: (SH.MinExclusiveConstraintComponent, lambda c: c > 0),
    SH.maxInclusive: (SH.MaxInclusiveConstraintComponent, lambda c: c <= 0),
    SH.maxExclusive: (SH.MaxExclusiveConstraintComponent, lambda c: c < 0),
}

#: A failed constraint: (component, value node or None, the shape that failed, the focus node).
Failure = tuple[URIRef, Node | None, "CoreShape", Node]
ValueCheck = tuple[URIRef, Callable[["_Index", Node], bool]]


@dataclass(eq=False, slots=True)
class CoreShape:
    """One shape compiled for checking: what it reads and what it requires."""

    node: URIRef | BNode
    path: tuple[URIRef, bool] | None = None  # (predicate, inverse)
    path_node: Node | None = None
    severity: URIRef = SH.Violation
    messages: tuple[Literal, ...] = ()
    checks: list[ValueCheck] = field(default_factory=list)
    has_values: list[Node] = field(default_factory=list)
    min_count: int | None = None
    max_count: int | None = None
    unique_lang: bool = False
    qualified: list[tuple[CoreShape, int | None, int | None]] = field(default_factory=list)
    properties: list[CoreShape] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CoreResult:
    """One result, with the fields of pySHACL's sh:ValidationResult."""

    focus_node: Node
    result_path: Node | None
    value: Node | None
    messages: tuple[Literal, ...]
    severity: URIRef
    source_shape: URIRef | BNode
    component: URIRef


class _Unsupported(Exception):
    """A shape uses something only pySHACL implements."""


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
            raise _Unsupported
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
            raise _Unsupported  # pySHACL refuses it
        return int(value.value)

    def _list(self, node: Node) -> list[Node]:
        """A non-empty RDF list (pySHACL refuses an empty one in sh:or, sh:xone, sh:in…)."""
        if (node, RDF.first, None) not in self.shapes:
            raise _Unsupported
        return list(Collection(self.shapes, node))

    def _objects(self, node: Node, predicate: URIRef, *, most: int | None = None) -> list[Node]:
        """The values of a parameter; more than ``most`` is a shape pySHACL refuses."""
        values = list(self.shapes.objects(node, predicate))
        if most is not None and len(values) > most:
            raise _Unsupported
        return values

    def _path(self, path: Node) -> tuple[URIRef, bool]:
        if isinstance(path, URIRef):
            return path, False
        inner = self._one(path, SH.inversePath)
        if isinstance(inner, URIRef) and len(list(self.shapes.predicate_objects(path))) == 1:
            return inner, True
        raise _Unsupported

    def shape(self, node: Node, *, reports: bool) -> CoreShape:
        """Compile ``node``; ``reports``: its failures become results (so it needs a message).

        :raises _Unsupported: if anything in it is not implemented here.
        """
        if not isinstance(node, URIRef | BNode):
            raise _Unsupported
        key = (node, reports)
        if key in self._in_progress:
            raise _Unsupported  # a recursive shape: pySHACL has its own rule for those
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
                raise _Unsupported  # sh:closed, sh:sparql, sh:deactivated, sh:equals, …
        shape.messages = tuple(m for m in graph.objects(node, SH.message) if isinstance(m, Literal))
        severity = self._one(node, SH.severity)
        shape.severity = severity if isinstance(severity, URIRef) else SH.Violation
        if not reports and shape.severity != SH.Violation:
            raise _Unsupported  # pySHACL (allow_warnings) lets such a nested shape conform
        path = self._one(node, SH.path)
        if path is not None:
            shape.path, shape.path_node = self._path(path), path
            (self.inverse if shape.path[1] else self.predicates).add(shape.path[0])
        has_constraints = self._value_checks(shape) | self._counts(shape)
        if has_constraints and reports and not shape.messages:
            raise _Unsupported
        for member in graph.objects(node, SH.property):
            if self._one(member, SH.path) is None:
                raise _Unsupported
            shape.properties.append(self.shape(member, reports=reports))

    def _value_checks(self, shape: CoreShape) -> bool:
        """Compile the per-value-node components; tell whether there were any."""
        node, graph, checks = shape.node, self.shapes, shape.checks
        for cls in graph.objects(node, SH["class"]):
            checks.append((SH.ClassConstraintComponent, _class_check(cls)))
        for datatype in self._objects(node, SH.datatype, most=1):
            if not isinstance(datatype, URIRef):
                raise _Unsupported
            checks.append((SH.DatatypeConstraintComponent, _datatype_check(datatype)))
        for kind in self._objects(node, SH.nodeKind, most=1):
            allowed = _NODE_KINDS.get(kind)  # type: ignore[call-overload]
            if allowed is None:
                raise _Unsupported
            checks.append((SH.NodeKindConstraintComponent, _kind_check(allowed)))
        flags = self._one(node, SH.flags)
        for pattern in graph.objects(node, SH.pattern):
            if not isinstance(pattern, Literal):
                raise _Unsupported
            checks.append((SH.PatternConstraintComponent, _pattern_check(pattern, flags)))
        for members in self._objects(node, SH["in"], most=1):
            allowed_values = frozenset(self._list(members))
            checks.append((SH.InConstraintComponent, _in_check(allowed_values)))
        for members in self._objects(node, SH.languageIn, most=1):
            checks.append((SH.LanguageInConstraintComponent, _language_check(self._list(members))))
        for predicate, (component, accept) in _RANGES.items():
            for bound in graph.objects(node, predicate):
                checks.append((component, _range_check(bound, accept)))
        for members in graph.objects(node, SH["or"]):
            alternatives = [self.shape(m, reports=False) for m in self._list(members)]
            checks.append((SH.OrConstraintComponent, _Conformance(alternatives, "or")))
        for members in graph.objects(node, SH.xone):
            alternatives = [self.shape(m, reports=False) for m in self._list(members)]
            checks.append((SH.XoneConstraintComponent, _Conformance(alternatives, "xone")))
        for negated in graph.objects(node, SH["not"]):
            checks.append(
                (
                    SH.NotConstraintComponent,
                    _Conformance([self.shape(negated, reports=False)], "not"),
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
            raise _Unsupported
        low, high = self._int(node, SH.qualifiedMinCount), self._int(node, SH.qualifiedMaxCount)
        for qualified in graph.objects(node, SH.qualifiedValueShape):
            if low is None and high is None:
                raise _Unsupported
            shape.qualified.append((self.shape(qualified, reports=False), low, high))
        if shape.path is None and (
            shape.min_count is not None
            or shape.max_count is not None
            or shape.unique_lang
            or shape.qualified
        ):
            raise _Unsupported  # pySHACL refuses or ignores these on a node shape
        return (
            shape.min_count is not None
            or shape.max_count is not None
            or shape.unique_lang
            or bool(shape.qualified)
        )


def _class_check(cls: Node) -> Callable[[_Index, Node], bool]:
    def check(index: _Index, value: Node) -> bool:
        return index.is_instance(value, cls)

    return check


def _kind_check(allowed: tuple[type, ...]) -> Callable[[_Index, Node], bool]:
    def check(_index: _Index, value: Node) -> bool:
        return isinstance(value, allowed)

    return check


def _in_check(allowed: frozenset[Node]) -> Callable[[_Index, Node], bool]:
    def check(_index: _Index, value: Node) -> bool:
        return value in allowed

    return check


def _datatype_check(datatype: URIRef) -> Callable[[_Index, Node], bool]:
    """pySHACL's sh:datatype test."""
    expected = _VALUE_TYPES.get(datatype)

    def check(_index: _Index, value: Node) -> bool:
        if not isinstance(value, Literal):
            return False
        if value.datatype == datatype:
            if getattr(value, "ill_typed", None) is True:
                return False
        elif datatype == RDFS.Literal or (datatype == RDFS.Datatype and value.datatype):
            return True
        elif not (
            (value.datatype is None and value.language is None and datatype == XSD.string)
            or (datatype == RDF.langString and value.language)
        ):
            return False
        return expected is None or isinstance(value.value, expected)

    return check


def _pattern_check(pattern: Node, flags: Node | None) -> Callable[[_Index, Node], bool]:
    """pySHACL's sh:pattern test (flags ``i`` and ``m``)."""
    text = str(flags.value).lower() if isinstance(flags, Literal) else ""
    re_flags = (re.I if "i" in text else 0) | (re.M if "m" in text else 0)
    value = pattern.value if isinstance(pattern, Literal) else None
    matcher = re.compile(
        str(value) if value is not None and len(value) > 1 else str(pattern), re_flags
    )

    def check(_index: _Index, value: Node) -> bool:
        if isinstance(value, BNode):
            return False
        if (
            isinstance(value, Literal)
            and value.value is not None
            and value.datatype in (None, RDF.langString, XSD.string)
        ):
            return matcher.search(str(value.value)) is not None
        return matcher.search(str(value)) is not None

    return check


def _language_check(members: list[Node]) -> Callable[[_Index, Node], bool]:
    """pySHACL's sh:languageIn test.

    :raises _Unsupported: for a list member that is not a plain string (pySHACL refuses it).
    """
    if not all(isinstance(m, Literal) and isinstance(m.value, str) for m in members):
        raise _Unsupported
    wanted = {str(m).lower() for m in members}

    def check(_index: _Index, value: Node) -> bool:
        if not isinstance(value, Literal) or not value.language:
            return False
        tag = value.language.lower()
        return "*" in wanted or tag in wanted or tag.split("-")[0] in wanted

    return check


def _range_check(bound: Node, accept: Callable[[int], bool]) -> Callable[[_Index, Node], bool]:
    """pySHACL's value range test, with its own literal comparison."""
    from pyshacl.rdfutil.compare import compare_literal

    compare = cast(Callable[[Literal, Literal], int], compare_literal)

    if not isinstance(bound, Literal):
        raise _Unsupported
    bound_is_string = isinstance(bound.value, str)

    def check(_index: _Index, value: Node) -> bool:
        if not isinstance(value, Literal) or isinstance(value.value, str) != bound_is_string:
            return False
        try:
            return accept(compare(value, bound))
        except (TypeError, NotImplementedError):
            return False

    return check


class _Conformance:
    """sh:or / sh:xone / sh:not: how many of some shapes a value node conforms to."""

    def __init__(self, shapes: list[CoreShape], mode: str) -> None:
        self.shapes, self.mode = shapes, mode

    def __call__(self, index: _Index, value: Node) -> bool:
        if self.mode == "or":
            return any(index.conforms(s, value) for s in self.shapes)
        if self.mode == "xone":
            return sum(index.conforms(s, value) for s in self.shapes) == 1
        return not any(index.conforms(s, value) for s in self.shapes)


class _Index:
    """The data graph's triples of the predicates the shapes use, as dictionaries."""

    def __init__(self, data: Graph, forward: Iterable[URIRef], inverse: Iterable[URIRef]) -> None:
        self.forward: dict[Node, dict[Node, set[Node]]] = {}
        self.inverse: dict[Node, dict[Node, set[Node]]] = {}
        wanted_inverse = set(inverse)
        for predicate in set(forward) | wanted_inverse:
            ahead: dict[Node, set[Node]] = {}
            back: dict[Node, set[Node]] = {}
            for s, _p, o in data.triples((None, predicate, None)):
                ahead.setdefault(s, set()).add(o)
                if predicate in wanted_inverse:
                    back.setdefault(o, set()).add(s)
            self.forward[predicate] = ahead
            if predicate in wanted_inverse:
                self.inverse[predicate] = back
        self._types = self.forward.get(RDF.type, {})
        self._typed: dict[Node, set[Node]] = {}  # class -> its direct instances
        for subject, classes in self._types.items():
            for cls in classes:
                self._typed.setdefault(cls, set()).add(subject)
        self._subclasses: dict[Node, set[Node]] = {}
        for sub, parents in self.forward.get(RDFS.subClassOf, {}).items():
            for parent in parents:
                self._subclasses.setdefault(parent, set()).add(sub)
        self._supers: dict[Node, set[Node]] = {}
        self._conforms: dict[tuple[int, Node], bool] = {}

    def values(self, shape: CoreShape, focus: Node) -> set[Node]:
        if shape.path is None:
            return {focus}
        predicate, inverse = shape.path
        table = (self.inverse if inverse else self.forward)[predicate]
        return table.get(focus, set())

    def _superclasses(self, cls: Node) -> set[Node]:
        """``cls`` and everything it is ``rdfs:subClassOf+`` in the data."""
        found = self._supers.get(cls)
        if found is None:
            found, todo = {cls}, [cls]
            subclass_of = self.forward.get(RDFS.subClassOf, {})
            while todo:
                for parent in subclass_of.get(todo.pop(), ()):
                    if parent not in found:
                        found.add(parent)
                        todo.append(parent)
            self._supers[cls] = found
        return found

    def is_instance(self, value: Node, cls: Node) -> bool:
        if isinstance(value, Literal):
            return False
        return any(cls in self._superclasses(t) for t in self._types.get(value, ()))

    def instances(self, cls: Node) -> set[Node]:
        """The SHACL instances of ``cls``: typed with it or with a subclass of it."""
        found: set[Node] = set()
        classes, todo = {cls}, [cls]
        while todo:
            current = todo.pop()
            found |= self._typed.get(current, set())
            for sub in self._subclasses.get(current, ()):
                if sub not in classes:
                    classes.add(sub)
                    todo.append(sub)
        return found

    def focus_nodes(self, shapes: Graph, shape: Node) -> set[Node]:
        found: set[Node] = set()
        for node in shapes.objects(shape, SH.targetNode):
            found.add(node)
        for cls in shapes.objects(shape, SH.targetClass):
            found |= self.instances(cls)
        for predicate in shapes.objects(shape, SH.targetSubjectsOf):
            found |= set(self.forward.get(predicate, {}))
        for predicate in shapes.objects(shape, SH.targetObjectsOf):
            for objects in self.forward.get(predicate, {}).values():
                found |= objects
        return found

    def conforms(self, shape: CoreShape, node: Node) -> bool:
        key = (id(shape), node)
        known = self._conforms.get(key)
        if known is None:
            known = self._conforms[key] = next(self.failures(shape, node), None) is None
        return known

    def failures(self, shape: CoreShape, focus: Node) -> Iterator[Failure]:
        """Every failed constraint of ``shape`` on ``focus``, with its property shapes'."""
        values = self.values(shape, focus)
        for component, check in shape.checks:
            for value in values:
                if not check(self, value):
                    yield component, value, shape, focus
        for expected in shape.has_values:
            if expected not in values:
                yield SH.HasValueConstraintComponent, None, shape, focus
        if shape.min_count is not None and len(values) < shape.min_count:
            yield SH.MinCountConstraintComponent, None, shape, focus
        if shape.max_count is not None and len(values) > shape.max_count:
            yield SH.MaxCountConstraintComponent, None, shape, focus
        if shape.unique_lang:
            languages = [
                v.language.lower() for v in values if isinstance(v, Literal) and v.language
            ]
            for _repeated in {tag for tag in languages if languages.count(tag) > 1}:
                yield SH.UniqueLangConstraintComponent, None, shape, focus
        for qualified, low, high in shape.qualified:
            matching = sum(self.conforms(qualified, v) for v in values)
            if high is not None and matching > high:
                yield SH.QualifiedMaxCountConstraintComponent, None, shape, focus
            if low is not None and matching < low:
                yield SH.QualifiedMinCountConstraintComponent, None, shape, focus
        for member in shape.properties:
            for value in values:
                yield from self.failures(member, value)


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
            except _Unsupported:
                continue
    for root in roots:
        for target in TARGETS:
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


def run_core(data: Graph, core: CoreShapes) -> list[CoreResult]:
    """Check every compiled shape on its focus nodes in ``data`` (a Dataset: its union)."""
    if not core.roots:
        return []
    index = _Index(data, core.predicates, core.inverse)
    return [
        CoreResult(
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
