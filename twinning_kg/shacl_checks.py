"""What :mod:`twinning_kg.shacl_core` checks with: compiled shapes, value checks, the data index.

The index holds the data graph's triples of the predicates the shapes use, as dictionaries
(forward, and backward for inverse paths), and finds each shape's failures on a focus node; a
nested shape's conformance is remembered per node. The checks follow pySHACL 0.40's code
(``pyshacl/constraints/core``), component by component.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Final, cast

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from twinning_kg.shacl_data import OxigraphData

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
RANGES: Final = {
    SH.minInclusive: (SH.MinInclusiveConstraintComponent, lambda c: c >= 0),
    SH.minExclusive: (SH.MinExclusiveConstraintComponent, lambda c: c > 0),
    SH.maxInclusive: (SH.MaxInclusiveConstraintComponent, lambda c: c <= 0),
    SH.maxExclusive: (SH.MaxExclusiveConstraintComponent, lambda c: c < 0),
}

#: A failed constraint: (component, value node or None, the shape that failed, the focus node).
Failure = tuple[URIRef, Node | None, "CoreShape", Node]
ValueCheck = tuple[URIRef, Callable[["Index", Node], bool]]


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


class Unsupported(Exception):
    """A shape uses something only pySHACL implements."""


def class_check(cls: Node) -> Callable[[Index, Node], bool]:
    def check(index: Index, value: Node) -> bool:
        return index.is_instance(value, cls)

    return check


def kind_check(allowed: tuple[type, ...]) -> Callable[[Index, Node], bool]:
    def check(_index: Index, value: Node) -> bool:
        return isinstance(value, allowed)

    return check


def in_check(allowed: frozenset[Node]) -> Callable[[Index, Node], bool]:
    def check(_index: Index, value: Node) -> bool:
        return value in allowed

    return check


def datatype_check(datatype: URIRef) -> Callable[[Index, Node], bool]:
    """pySHACL's sh:datatype test."""
    expected = _VALUE_TYPES.get(datatype)

    def check(_index: Index, value: Node) -> bool:
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


def pattern_check(pattern: Node, flags: Node | None) -> Callable[[Index, Node], bool]:
    """pySHACL's sh:pattern test (flags ``i`` and ``m``)."""
    text = str(flags.value).lower() if isinstance(flags, Literal) else ""
    re_flags = (re.I if "i" in text else 0) | (re.M if "m" in text else 0)
    value = pattern.value if isinstance(pattern, Literal) else None
    matcher = re.compile(
        str(value) if value is not None and len(value) > 1 else str(pattern), re_flags
    )

    def check(_index: Index, value: Node) -> bool:
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


def language_check(members: list[Node]) -> Callable[[Index, Node], bool]:
    """pySHACL's sh:languageIn test.

    :raises Unsupported: for a list member that is not a plain string (pySHACL refuses it).
    """
    if not all(isinstance(m, Literal) and isinstance(m.value, str) for m in members):
        raise Unsupported
    wanted = {str(m).lower() for m in members}

    def check(_index: Index, value: Node) -> bool:
        if not isinstance(value, Literal) or not value.language:
            return False
        tag = value.language.lower()
        return "*" in wanted or tag in wanted or tag.split("-")[0] in wanted

    return check


def range_check(bound: Node, accept: Callable[[int], bool]) -> Callable[[Index, Node], bool]:
    """pySHACL's value range test, with its own literal comparison."""
    from pyshacl.rdfutil.compare import compare_literal

    compare = cast(Callable[[Literal, Literal], int], compare_literal)

    if not isinstance(bound, Literal):
        raise Unsupported
    bound_is_string = isinstance(bound.value, str)

    def check(_index: Index, value: Node) -> bool:
        if not isinstance(value, Literal) or isinstance(value.value, str) != bound_is_string:
            return False
        try:
            return accept(compare(value, bound))
        except (TypeError, NotImplementedError):
            return False

    return check


class Conformance:
    """sh:or / sh:xone / sh:not: how many of some shapes a value node conforms to."""

    def __init__(self, shapes: list[CoreShape], mode: str) -> None:
        self.shapes, self.mode = shapes, mode

    def __call__(self, index: Index, value: Node) -> bool:
        if self.mode == "or":
            return any(index.conforms(s, value) for s in self.shapes)
        if self.mode == "xone":
            return sum(index.conforms(s, value) for s in self.shapes) == 1
        return not any(index.conforms(s, value) for s in self.shapes)


def _pairs(data: Graph | OxigraphData, predicate: URIRef) -> Iterator[tuple[Node, Node]]:
    if isinstance(data, OxigraphData):
        yield from data.pairs(predicate)
        return
    for s, _p, o in data.triples((None, predicate, None)):
        yield s, o


class Index:
    """The data graph's triples of the predicates the shapes use, as dictionaries."""

    def __init__(
        self, data: Graph | OxigraphData, forward: Iterable[URIRef], inverse: Iterable[URIRef]
    ) -> None:
        self.forward: dict[Node, dict[Node, set[Node]]] = {}
        self.inverse: dict[Node, dict[Node, set[Node]]] = {}
        wanted_inverse = set(inverse)
        for predicate in set(forward) | wanted_inverse:
            ahead: dict[Node, set[Node]] = {}
            back: dict[Node, set[Node]] = {}
            for s, o in _pairs(data, predicate):
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
