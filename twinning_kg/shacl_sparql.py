"""Run SHACL-SPARQL constraints once over the whole data graph, with pyoxigraph.

pySHACL runs a ``sh:sparql`` constraint once per focus node, with rdflib's SPARQL engine, so a
constraint that scans the graph costs the square of the data. Here each constraint is one SELECT
over the whole graph: ``$this`` is left unbound, so it becomes a result variable, and each
solution whose ``?this`` is a focus node of the shape becomes one result, filled in as pySHACL
fills it (SHACL 1.0, sections 5 and 6): the focus node, ``?value`` (for a node shape without one,
the focus node), ``?path`` (else the property shape's ``sh:path``), the shape's and the
constraint's ``sh:message`` with ``{?var}``/``{$var}`` replaced by the solution's values, the
shape's ``sh:severity``, the shape as source shape and ``sh:SPARQLConstraintComponent``.

That is the same as binding ``$this`` first only when the query binds ``$this`` with a triple
pattern before anything else uses it, and when nothing counts or limits solutions across focus
nodes. :func:`split_constraints` takes only the constraints it can prove that of (and whose
shapes it can find the focus nodes of: ``sh:targetClass``, ``sh:targetNode``,
``sh:targetSubjectsOf``, ``sh:targetObjectsOf``); every other one stays in the shapes graph for
pySHACL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node, Variable

from twinning_kg.errors import TwinningError
from twinning_kg.shacl_core import ShapeResult
from twinning_kg.shacl_data import OxigraphData

#: Prefixes pySHACL declares for every SHACL-SPARQL query, before the shapes' own.
_DEFAULT_PREFIXES: Final = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}
#: ``$PATH`` (or ``?PATH``) where pySHACL writes the property shape's path in.
_PATH_VARIABLE: Final = re.compile(r"([\s{}()])[$?]PATH")
#: What pySHACL refuses in a constraint, or binds from the shapes graph: left to pySHACL.
_LEFT_TO_PYSHACL: Final = re.compile(
    r"\b(MINUS|VALUES|SERVICE)\b|[$?](currentShape|shapesGraph)\b", re.IGNORECASE
)
_THIS: Final = Variable("this")
#: Variables that are not substituted into messages as themselves (pySHACL pops them first).
_RESULT_VARIABLES: Final = ("this", "path", "value", "failure")
_TARGETS: Final = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
#: Algebra nodes that pass their solutions through, maybe fewer or in another order.
_PASS_THROUGH: Final = frozenset({"Project", "Distinct", "Reduced", "OrderBy", "Filter", "Extend"})
_PATH_OPERATORS: Final = {
    SH.inversePath: "^",
    SH.zeroOrMorePath: "*",
    SH.oneOrMorePath: "+",
    SH.zeroOrOnePath: "?",
}


@dataclass(frozen=True, slots=True)
class SparqlConstraint:
    """One ``sh:sparql`` constraint, ready to run over a whole data graph."""

    shape: URIRef | BNode
    constraint: URIRef | BNode
    query: str
    targets: tuple[tuple[URIRef, Node], ...]
    path: Node | None
    severity: URIRef
    messages: tuple[str, ...]


def _mentions_this(term: object) -> bool:
    """Tell whether a piece of rdflib's query algebra uses ``?this`` anywhere."""
    if term == _THIS:
        return True
    if isinstance(term, CompValue | dict):
        return any(_mentions_this(v) for v in term.values())
    if isinstance(term, list | tuple):
        return any(_mentions_this(v) for v in term)
    return False


def _binds_this(node: CompValue) -> bool:
    """Tell whether every solution of ``node`` binds ``?this`` (with a plain triple pattern)."""
    if node.name == "BGP":
        return any(
            _THIS in (s, o) and isinstance(p, URIRef | Variable) for s, p, o in node["triples"]
        )
    if node.name in _PASS_THROUGH:
        return _binds_this(node["p"])
    if node.name == "Join":
        return _binds_this(node["p1"]) or _binds_this(node["p2"])
    if node.name == "LeftJoin":
        return _binds_this(node["p1"])
    if node.name == "Union":
        return _binds_this(node["p1"]) and _binds_this(node["p2"])
    return False


def _unbound_this_is_safe(node: CompValue) -> bool:
    """Tell whether leaving ``?this`` unbound in ``node`` and joining on it changes nothing.

    Patterns join on ``?this`` as a pre-bound value would restrict them; an expression (FILTER,
    BIND, OPTIONAL's condition or right side) sees ``?this`` only if its own pattern binds it.
    Anything that counts, limits or groups solutions, and anything unfamiliar, is refused.
    """
    name = node.name
    if name == "BGP":
        return True
    if name in {"Project", "Distinct", "Reduced", "OrderBy"}:
        return _unbound_this_is_safe(node["p"])
    if name in {"Filter", "Extend"}:
        expression = node["expr"]
        return _unbound_this_is_safe(node["p"]) and (
            not _mentions_this(expression) or _binds_this(node["p"])
        )
    if name in {"Join", "Union"}:
        return _unbound_this_is_safe(node["p1"]) and _unbound_this_is_safe(node["p2"])
    if name == "LeftJoin":
        right_uses_this = _mentions_this(node["p2"]) or _mentions_this(node.get("expr"))
        return (
            _unbound_this_is_safe(node["p1"])
            and _unbound_this_is_safe(node["p2"])
            and (not right_uses_this or _binds_this(node["p1"]))
        )
    return False


def _whole_graph_ready(query: str) -> bool:
    """Tell whether ``query`` gives the same solutions with ``$this`` unbound as pre-bound."""
    if _LEFT_TO_PYSHACL.search(query):
        return False
    try:
        algebra = prepareQuery(query).algebra
    except Exception:  # rdflib raises several types; pySHACL then reports it as before
        return False
    if algebra.name != "SelectQuery" or _THIS not in algebra["PV"] or "failure" in algebra["PV"]:
        return False
    return _binds_this(algebra["p"]) and _unbound_this_is_safe(algebra["p"])


def _sparql_path(shapes: Graph, path: Node) -> str:
    """Write a SHACL property path in SPARQL's syntax.

    :raises TwinningError: for a malformed path.
    """
    if isinstance(path, URIRef):
        return path.n3()
    if (path, RDF.first, None) in shapes:
        return "(" + "/".join(_sparql_path(shapes, step) for step in Collection(shapes, path)) + ")"
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        members = Collection(shapes, alternatives)
        return "(" + "|".join(_sparql_path(shapes, member) for member in members) + ")"
    for predicate, operator in _PATH_OPERATORS.items():
        inner = shapes.value(path, predicate)
        if inner is not None:
            text = _sparql_path(shapes, inner)
            return f"^{text}" if operator == "^" else f"({text}){operator}"
    raise TwinningError(f"not a SHACL property path: {path}")


def _prefixes(shapes: Graph, constraint: Node) -> str:
    """The PREFIX lines of a constraint: pySHACL's defaults, then its sh:prefixes declarations.

    :raises TwinningError: for a declaration without one ``sh:prefix`` and one ``sh:namespace``.
    """
    declared = dict(_DEFAULT_PREFIXES)
    for holder in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(holder, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            if not isinstance(prefix, Literal) or not isinstance(namespace, Literal):
                raise TwinningError(f"malformed sh:declare of {holder}")
            declared[str(prefix)] = str(namespace)
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(declared.items()))


def _is_true(shapes: Graph, node: Node, predicate: URIRef) -> bool:
    return any(
        bool(v.toPython()) for v in shapes.objects(node, predicate) if isinstance(v, Literal)
    )


def _referenced_only_by(shapes: Graph, node: Node, allowed: tuple[Node, URIRef] | None) -> bool:
    """Tell whether ``node`` is the object of no triple but ``allowed`` (subject, predicate)."""
    return all((s, p) == allowed for s, p in shapes.subject_predicates(node))


def _focus_shape(shapes: Graph, shape: URIRef | BNode) -> URIRef | BNode | None:
    """The shape whose targets give ``shape``'s focus nodes, when the evaluation is plain.

    A node shape gives its own. A property shape gives its one owner's, when only that owner
    uses it. Shapes that other shapes use (``sh:node``, ``sh:or``, …), that are deactivated,
    or whose targets are implicit or SPARQL-based are left to pySHACL.
    """
    path = shapes.value(shape, SH.path)
    owner: Node | None = shape
    if path is not None:
        owners = list(shapes.subjects(SH.property, shape))
        if len(owners) != 1 or any((shape, t, None) in shapes for t in _TARGETS):
            return None
        owner = owners[0]
        if not _referenced_only_by(shapes, shape, (owner, SH.property)):
            return None
    if not isinstance(owner, URIRef | BNode) or (owner, SH.path, None) in shapes:
        return None
    if not _referenced_only_by(shapes, owner, None):
        return None
    if (owner, SH.target, None) in shapes or any(
        (owner, RDF.type, c) in shapes for c in (RDFS.Class, OWL.Class)
    ):
        return None
    if any(_is_true(shapes, s, SH.deactivated) for s in {owner, shape}):
        return None
    return owner


def _constraint(shapes: Graph, shape: Node, node: Node) -> SparqlConstraint | None:
    """Prepare one ``sh:sparql`` constraint, or None when pySHACL must keep it."""
    if not isinstance(shape, URIRef | BNode) or not isinstance(node, URIRef | BNode):
        return None
    focus_shape = _focus_shape(shapes, shape)
    selects = list(shapes.objects(node, SH.select))
    messages = [*shapes.objects(node, SH.message), *shapes.objects(shape, SH.message)]
    if (
        focus_shape is None
        or len(selects) != 1
        or _is_true(shapes, node, SH.deactivated)
        or (shape, SH.parameter, None) in shapes
        or not all(isinstance(m, Literal) for m in [*selects, *messages])
    ):
        return None
    path = shapes.value(shape, SH.path)
    text = str(selects[0])
    if path is not None:
        text = _PATH_VARIABLE.sub(lambda m: m[1] + _sparql_path(shapes, path), text)
    elif _PATH_VARIABLE.search(text):
        return None  # pySHACL refuses $PATH without a path
    query = _prefixes(shapes, node) + text
    if not _whole_graph_ready(query):
        return None
    severity = shapes.value(shape, SH.severity)
    return SparqlConstraint(
        shape=shape,
        constraint=node,
        query=query,
        targets=tuple(
            (t, v) for t in _TARGETS for v in sorted(shapes.objects(focus_shape, t), key=str)
        ),
        path=path,
        severity=severity if isinstance(severity, URIRef) else SH.Violation,
        messages=tuple(sorted({str(m) for m in messages})),
    )


def split_constraints(shapes: Graph) -> tuple[Graph, tuple[SparqlConstraint, ...]]:
    """Take the SPARQL constraints that run over the whole graph out of ``shapes``.

    Returns a copy of ``shapes`` without those constraints (for pySHACL) and the constraints.
    """
    taken: list[SparqlConstraint] = []
    for shape, node in sorted(shapes.subject_objects(SH.sparql), key=str):
        prepared = _constraint(shapes, shape, node)
        if prepared is not None:
            taken.append(prepared)
    remaining = Graph()
    remaining.namespace_manager = shapes.namespace_manager
    removed = {(c.shape, SH.sparql, c.constraint) for c in taken}
    for triple in shapes:
        if triple not in removed:
            remaining.add(triple)
    return remaining, tuple(taken)


def _message(template: str, variables: dict[str, Node]) -> str:
    """Write the solution's values into ``{?var}``/``{$var}``, as pySHACL does (in its order)."""
    for name, value in variables.items():
        literal = str(value).replace("\\", "\\\\")  # written as it is, not as a regex template
        template = re.sub(r"\{[?$]" + re.escape(name) + r"\}", literal, template)
    return template


def _results(data: OxigraphData, constraint: SparqlConstraint) -> Iterator[ShapeResult]:
    """Run one constraint over the whole graph and report each solution on a focus node."""
    focus_nodes = data.focus_nodes(constraint.targets)
    if not focus_nodes:
        return
    try:
        solutions = data.store.query(constraint.query)
    except (SyntaxError, OSError, ValueError) as exc:
        raise TwinningError(f"the SPARQL constraint of {constraint.shape} failed: {exc}") from exc
    if not isinstance(solutions, ox.QuerySolutions):
        raise TwinningError(f"the SPARQL constraint of {constraint.shape} is not a SELECT")
    names = [v.value for v in solutions.variables]
    seen: set[tuple[tuple[str, Node], ...]] = set()
    for solution in solutions:
        this = solution["this"]
        if this is None or this not in focus_nodes:
            continue
        row = {n: data.node(t) for n in names if (t := solution[n]) is not None}
        key = tuple(sorted(row.items()))
        if key in seen:  # pySHACL reports a repeated solution once
            continue
        seen.add(key)
        focus = row["this"]
        value = row.get("value", None if constraint.path is not None else focus)
        path = row.get("path")
        variables = {n: v for n, v in row.items() if n not in _RESULT_VARIABLES}
        variables.update({"this": focus} | ({"path": path} if path is not None else {}))
        if value is not None:
            variables["value"] = value
        yield ShapeResult(
            focus_node=focus,
            result_path=path if path is not None else constraint.path,
            value=value,
            messages=tuple(sorted({_message(m, variables) for m in constraint.messages})),
            severity=constraint.severity,
            source_shape=constraint.shape,
            component=SH.SPARQLConstraintComponent,
        )


def run_constraints(
    data: Graph | OxigraphData, constraints: Iterable[SparqlConstraint]
) -> list[ShapeResult]:
    """Run each constraint once over the whole of ``data`` (an rdflib graph is copied first).

    :raises TwinningError: if a query fails.
    """
    constraints = list(constraints)
    if not constraints:
        return []
    store = data if isinstance(data, OxigraphData) else OxigraphData.copy_of(data)
    return [result for constraint in constraints for result in _results(store, constraint)]
