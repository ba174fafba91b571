"""SHACL-SPARQL constraints run once over the whole graph report exactly what pySHACL reports.

Each case runs the same shapes and data twice: through pySHACL alone (every ``sh:sparql``
constraint once per focus node, as ``validate`` did before issue 5) and through
``twinning_kg.shacl_sparql`` (one query per constraint in pyoxigraph), and compares every field
of every result.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH

from tests.shacl_results import PREFIXES, Key, key, parse
from twinning_kg.loading import discover, read_graph
from twinning_kg.shacl_sparql import run_constraints, split_constraints
from twinning_kg.validation import _results, _violation, validate

ROOT = Path(__file__).resolve().parents[2]
INVALID = ROOT / "tests" / "fixtures" / "invalid"
MODEL_FILES = (ROOT / "ontology" / "twinning.ttl", ROOT / "ontology" / "vocabularies.ttl")
#: Fixtures of the project's SPARQL rules, one or two per rule.
SPARQL_FIXTURES = (
    "partnership-twinned-with-missing-both",
    "partnership-twinned-with-missing-reverse",
    "twinned-with-backed-no-partnership",
    "not-self-twinned-testowo",
    "date-order-event-end-before-start",
    "date-order-partnership-end-year-before-start",
    "ended-partnership-note-without-source",
    "partnership-start-date-other-year",
)


def by_pyshacl(data: Graph, shapes: Graph) -> Counter[Key]:
    """pySHACL's own results of the SPARQL constraints, each run once per focus node."""
    _conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    return Counter(
        key(r) for r in _results(report, shapes) if r.constraint == SH.SPARQLConstraintComponent
    )


def by_whole_graph(data: Graph, shapes: Graph) -> Counter[Key]:
    """The same constraints run once each over the whole graph."""
    _core, constraints = split_constraints(shapes)
    assert len(constraints) == len(set(shapes.subject_objects(SH.sparql)))
    return Counter(key(_violation(r, shapes)) for r in run_constraints(data, constraints))


def sparql_shapes(shapes: Graph) -> Graph:
    """The shapes holding SPARQL rules and what they use, so pySHACL runs nothing else."""
    kept = Graph()
    todo = [
        owner if isinstance(owner, URIRef) else shapes.value(None, SH.property, owner)
        for owner, _rule in shapes.subject_objects(SH.sparql)
    ]
    todo += list(shapes.objects(None, SH.prefixes))
    seen: set[object] = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for triple in shapes.triples((node, None, None)):
            kept.add(triple)
            if isinstance(triple[2], BNode):
                todo.append(triple[2])
    return kept


@pytest.fixture(scope="module")
def project_shapes() -> Graph:
    graph = Graph()
    for path in discover([ROOT / "shapes"]):
        graph += read_graph(path)
    return sparql_shapes(graph)


@pytest.fixture(scope="module")
def model() -> Graph:
    graph = Graph()
    for path in MODEL_FILES:
        graph += read_graph(path)
    return graph


@pytest.mark.parametrize("name", SPARQL_FIXTURES)
def test_project_rules_report_as_pyshacl_does_on_invalid_fixtures(
    name: str, model: Graph, project_shapes: Graph
) -> None:
    data = Graph()
    data += model
    data += read_graph(INVALID / f"{name}.ttl")
    expected = by_pyshacl(data, project_shapes)
    assert expected, f"{name}: pySHACL reports no SPARQL result, so nothing is compared"
    assert by_whole_graph(data, project_shapes) == expected


def test_project_rules_are_all_run_over_the_whole_graph(project_shapes: Graph) -> None:
    remaining, constraints = split_constraints(project_shapes)
    assert {c.shape for c in constraints} == {
        s for s, _ in project_shapes.subject_objects(SH.sparql)
    }
    assert (None, SH.sparql, None) not in remaining


DATA = (
    PREFIXES
    + r"""
ex:Town rdfs:subClassOf ex:Place .
ex:a a ex:Town ; ex:next ex:b ; ex:name "A" , "A \\ back" .
ex:b a ex:Place ; ex:next ex:c , ex:b ; ex:name "B"@en .
ex:c a ex:Other ; ex:next [ ex:next ex:a ] .
[] a ex:Town ; ex:next ex:a .
ex:d ex:next ex:d .
"""
)

#: Shapes that exercise $PATH (a sequence), ?path, messages from every kind of variable,
#: repeated solutions, blank nodes, subclass targets, targets that exclude solutions,
#: a node shape without ?value, the shape's own sh:message and sh:severity.
SHAPES = (
    PREFIXES
    + """
ex:declarations sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .

ex:TwoStepShape a sh:NodeShape ;
    sh:targetClass ex:Place ;
    sh:property [
        sh:path ( ex:next ex:next ) ;
        sh:message "shape says {$this}"@en ;
        sh:sparql [
            a sh:SPARQLConstraint ;
            sh:prefixes ex:declarations ;
            sh:message "{$this} reaches {?value} via {?via} ({?missing})"@en , "{?value}"@pl ;
            sh:select '''SELECT $this ?value ?via
                WHERE { $this ex:next ?via . $this $PATH ?value . }''' ;
        ] ;
    ] .

ex:PathShape a sh:NodeShape ;
    sh:targetNode ex:a , ex:b ;
    sh:sparql [
        a sh:SPARQLConstraint ;
        sh:prefixes ex:declarations ;
        sh:message "{$this} {?path} {?value}" ;
        sh:select '''SELECT $this ?path ?value
            WHERE { $this ?path ?value . FILTER (?path = ex:name) }''' ;
    ] .

ex:NoValueShape a sh:NodeShape ;
    sh:targetSubjectsOf ex:next ;
    sh:severity sh:Warning ;
    sh:message "loop at {$this}, value {?value}"@en ;
    sh:sparql [
        a sh:SPARQLConstraint ;
        sh:prefixes ex:declarations ;
        sh:select "SELECT $this WHERE { $this ex:next $this . $this ex:next ?x . }" ;
    ] .

ex:ObjectsShape a sh:NodeShape ;
    sh:targetObjectsOf ex:next ;
    sh:sparql [
        a sh:SPARQLConstraint ;
        sh:prefixes ex:declarations ;
        sh:message "{?this} is a {?type}" ;
        sh:select '''SELECT DISTINCT ?this ?type
            WHERE { ?this a ?type . OPTIONAL { ?this ex:name ?n } }''' ;
    ] .
"""
)


def test_constraint_features_report_as_pyshacl_does() -> None:
    data, shapes = parse(DATA), parse(SHAPES)
    expected = by_pyshacl(data, shapes)
    assert len(expected) >= 8
    assert by_whole_graph(data, shapes) == expected


#: Queries whose answer differs when ``$this`` is left unbound: pySHACL keeps them.
REFUSED = {
    "only-in-filter": "SELECT $this WHERE { FILTER NOT EXISTS { $this ex:name ?n } }",
    "limit": "SELECT $this ?value WHERE { $this ex:next ?value } LIMIT 1",
    "aggregate": "SELECT $this (COUNT(?v) AS ?n) WHERE { $this ex:next ?v } GROUP BY $this",
    "bind-before": "SELECT $this ?s WHERE { BIND (STR($this) AS ?s) $this ex:next ?v }",
    "not-selected": "SELECT ?value WHERE { $this ex:next ?value }",
    "values": "SELECT $this WHERE { VALUES ?v { ex:a } $this ex:next ?v }",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_queries_that_need_a_bound_this_stay_with_pyshacl(name: str) -> None:
    shapes = parse(
        PREFIXES
        + f"""
ex:declarations sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
ex:RefusedShape a sh:NodeShape ;
    sh:targetNode ex:a , ex:b , ex:c ;
    sh:sparql [
        sh:prefixes ex:declarations ; sh:message "m {{?value}}" ; sh:select "{REFUSED[name]}"
    ] .
"""
    )
    remaining, constraints = split_constraints(shapes)
    assert constraints == ()
    assert len(remaining) == len(shapes)


def test_validate_reports_the_whole_graph_results_with_pyshacl_core_results() -> None:
    data, shapes = parse(DATA), parse(SHAPES)
    shapes += parse(
        PREFIXES + "ex:CoreShape a sh:NodeShape ; sh:targetNode ex:c ; sh:class ex:Place ."
    )
    report = validate(data, shapes)
    components = Counter(str(r.constraint).rsplit("#", 1)[1] for r in report.results)
    assert components["ClassConstraintComponent"] == 1
    assert components["SPARQLConstraintComponent"] == sum(by_pyshacl(data, shapes).values())
    assert report.conforms is False
    assert len(data) == len(parse(DATA)), "validation left the data graph as it was"


def test_a_literal_with_a_backslash_is_written_into_the_message_as_it_is() -> None:
    data, shapes = parse(DATA), parse(SHAPES)
    messages = {r.message for r in validate(data, shapes).results}
    assert "http://example.org/a http://example.org/name A \\ back" in messages
    assert Literal("A \\ back") in set(data.objects(None, URIRef("http://example.org/name")))
