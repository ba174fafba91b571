"""Core shapes checked by ``twinning_kg.shacl_core`` report exactly what pySHACL reports.

Each case runs the same shapes and data twice: through pySHACL alone and through
:mod:`twinning_kg.shacl_core` (with pySHACL for the shapes it leaves), and compares every field
of every result, counting repeats: on every invalid fixture, on the Siedlce data with seeded
random damage, and on shapes that use each implemented component in ways the project's shapes
do not.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import SH

from tests.shacl_results import PREFIXES, Key, damaged_siedlce, key, parse, read_all
from twinning_kg.errors import TwinningError
from twinning_kg.loading import read_graph
from twinning_kg.shacl_core import TARGETS, run_core, split_core
from twinning_kg.shacl_sparql import split_constraints
from twinning_kg.validation import (
    _has_targets,
    _pyshacl_results,
    _violation,
    validate,
)

ROOT = Path(__file__).resolve().parents[2]
INVALID = ROOT / "tests" / "fixtures" / "invalid"


def by_pyshacl(data: Graph, shapes: Graph) -> Counter[Key]:
    return Counter(key(r) for r in _pyshacl_results(data, shapes, rules=False))


def by_core(data: Graph, shapes: Graph) -> Counter[Key]:
    """The core shapes through shacl_core, what it leaves through pySHACL (as ``validate``)."""
    left, core = split_core(shapes)
    found = Counter(key(_violation(r, shapes)) for r in run_core(data, core))
    return found + by_pyshacl(data, left) if _has_targets(left) else found


@pytest.fixture(scope="module")
def core_shapes() -> Graph:
    """The project's shapes without the SPARQL constraints (those are another module's)."""
    remaining, _constraints = split_constraints(read_all(ROOT / "shapes"))
    return remaining


@pytest.fixture(scope="module")
def model() -> Graph:
    return read_all(ROOT / "ontology")


def test_every_project_shape_is_checked_by_shacl_core(core_shapes: Graph) -> None:
    left, core = split_core(core_shapes)
    targeted = {s for t in TARGETS for s in core_shapes.subjects(t, None)}
    assert len(targeted) >= 25
    assert {r.node for r in core.roots} == targeted
    assert not any((None, t, None) in left for t in TARGETS)


@pytest.mark.parametrize("fixture", sorted(p.stem for p in INVALID.glob("*.ttl")))
def test_invalid_fixtures_report_as_pyshacl_does(
    fixture: str, model: Graph, core_shapes: Graph
) -> None:
    data = Graph()
    data += model
    data += read_graph(INVALID / f"{fixture}.ttl")
    assert by_core(data, core_shapes) == by_pyshacl(data, core_shapes)


@pytest.mark.filterwarnings("ignore::UserWarning")  # rdflib on the ill-typed literals made here
@pytest.mark.parametrize("seed", range(8))
def test_damaged_siedlce_data_reports_as_pyshacl_does(
    seed: int, model: Graph, core_shapes: Graph
) -> None:
    damaged = damaged_siedlce(seed)
    data = Graph()
    data += model
    data += damaged
    expected = by_pyshacl(data, core_shapes)
    assert len(expected) >= 20, "too little damage to compare"
    assert by_core(data, core_shapes) == expected


DATA = (
    PREFIXES
    + """
ex:Town rdfs:subClassOf ex:Place .
ex:City rdfs:subClassOf ex:Town .
ex:a a ex:City ; ex:next ex:b , "text" ; ex:size 5 , 12 , "7" ; ex:name "Aa"@en , "aB"@EN , "x" ;
    ex:code "ab" , "AB" , "a-b"^^xsd:string ; ex:kind ex:k1 .
ex:b a ex:Place ; ex:next ex:c , [ a ex:Place ] ; ex:size 0.5 , "2020-02-30"^^xsd:date ;
    ex:name "B"@pl-PL , "b"@pl .
ex:c a ex:Other ; ex:next ex:a ; ex:kind ex:k2 .
ex:d ex:next ex:d ; ex:size "10"^^xsd:integer , "ten"^^xsd:integer .
"""
)

#: Components and features the project's shapes do not use, each at least once.
SHAPES = (
    PREFIXES
    + """
ex:RangeShape a sh:NodeShape ;
    sh:targetSubjectsOf ex:size ;
    sh:property [ sh:path ex:size ; sh:minExclusive 1 ; sh:maxExclusive 10 ;
        sh:message "range"@en , "range"@fr ] ,
      [ sh:path ex:size ; sh:datatype xsd:integer ; sh:severity sh:Info ; sh:message "int" ] .

ex:PatternShape a sh:NodeShape ;
    sh:targetNode ex:a , ex:z ;
    sh:property [ sh:path ex:code ; sh:pattern "^ab$" ; sh:flags "i" ; sh:message "code" ] ,
      [ sh:path ex:name ; sh:languageIn ( "en" ) ; sh:uniqueLang true ; sh:message "name" ] ,
      [ sh:path ex:kind ; sh:hasValue ex:k2 ; sh:in ( ex:k2 ex:k3 ) ; sh:message "kind" ] .

ex:LinkShape a sh:NodeShape ;
    sh:targetClass ex:Place ;
    sh:severity sh:Warning ;
    sh:hasValue ex:a ;
    sh:message "link"@en , "łącze"@pl ;
    sh:property [ sh:path [ sh:inversePath ex:next ] ; sh:class ex:Town ;
        sh:nodeKind sh:BlankNodeOrIRI ; sh:message "back" ] ,
      [ sh:path ex:next ; sh:qualifiedValueShape [ sh:class ex:Place ] ;
        sh:qualifiedMaxCount 1 ; sh:qualifiedMinCount 2 ; sh:message "qualified" ] ,
      [ sh:path ex:next ; sh:nodeKind sh:IRI ; sh:not [ sh:class ex:Other ] ;
        sh:xone ( [ sh:class ex:Town ] [ sh:class ex:Place ] ) ; sh:message "next" ] .

ex:ObjectsShape a sh:NodeShape ;
    sh:targetObjectsOf ex:next ;
    sh:or ( [ sh:nodeKind sh:Literal ] [ sh:property [ sh:path ex:size ; sh:maxCount 1 ] ] ) ;
    sh:message "objects" .
"""
)


def test_each_component_reports_as_pyshacl_does() -> None:
    data, shapes = parse(DATA), parse(SHAPES)
    _left, core = split_core(shapes)
    assert len(core.roots) == 4
    expected = by_pyshacl(data, shapes)
    components = {k[-1] for k in expected}
    assert len(components) >= 14, components
    assert by_core(data, shapes) == expected


#: Shapes that shacl_core leaves to pySHACL whole.
LEFT = {
    "no-message": "sh:property [ sh:path ex:size ; sh:maxCount 1 ]",
    "closed": 'sh:closed true ; sh:message "m"',
    "sequence-path": 'sh:property [ sh:path ( ex:next ex:next ) ; sh:minCount 1 ; sh:message "m" ]',
    "disjoint": """sh:property [ sh:path ex:next ; sh:qualifiedValueShape [ sh:class ex:Place ] ;
        sh:qualifiedValueShapesDisjoint true ; sh:qualifiedMinCount 1 ; sh:message "m" ]""",
    "less-than": 'sh:property [ sh:path ex:size ; sh:lessThan ex:other ; sh:message "m" ]',
    "deactivated": 'sh:deactivated true ; sh:class ex:Place ; sh:message "m"',
    "recursive": """sh:property [ sh:path ex:next ; sh:message "m" ;
        sh:or ( ex:Left [ sh:class ex:Other ] ) ]""",
    "nested-warning": """sh:property [ sh:path ex:size ; sh:message "m" ;
        sh:or ( [ sh:datatype xsd:integer ; sh:severity sh:Warning ] ) ]""",
    "nested-info": 'sh:not [ sh:class ex:Town ; sh:severity sh:Info ] ; sh:message "m"',
    "node-qualified": """sh:qualifiedValueShape [ sh:class ex:Town ] ; sh:qualifiedMinCount 1 ;
        sh:message "m" """,
    # pySHACL's report holds the nested shape's results as well (sh:detail)
    "node": 'sh:node [ sh:property [ sh:path ex:name ; sh:minCount 1 ] ] ; sh:message "m"',
}


@pytest.mark.filterwarnings("ignore:Warning, A Recursive Shape")  # pySHACL's, on "recursive"
@pytest.mark.parametrize("name", sorted(LEFT))
def test_what_is_not_implemented_stays_with_pyshacl(name: str) -> None:
    data = parse(DATA)
    shapes = parse(PREFIXES + f"ex:Left a sh:NodeShape ; sh:targetClass ex:Place ; {LEFT[name]} .")
    left, core = split_core(shapes)
    assert core.roots == ()
    assert len(left) == len(shapes)
    assert by_core(data, shapes) == by_pyshacl(data, shapes)


def test_a_dataset_is_validated_as_the_union_of_its_graphs() -> None:
    shapes, dataset = parse(SHAPES), Dataset()
    first = dataset.graph(URIRef("http://example.org/g1"))
    first.parse(data=DATA, format="turtle")
    second = dataset.graph(URIRef("http://example.org/g2"))
    second.add((URIRef("http://example.org/c"), URIRef("http://example.org/size"), Literal(30)))
    report = validate(dataset, shapes)
    flat = Graph()
    for triple in [*first, *second]:
        flat.add(triple)
    assert Counter(map(key, report.results)) == Counter(map(key, validate(flat, shapes).results))
    assert any(r.focus_node == URIRef("http://example.org/c") for r in report.results)
    assert dataset.default_union is False
    assert SH.Violation in {r.severity for r in report.results}


#: Shapes pySHACL refuses: validation fails with its error, as it did before shacl_core.
REFUSED = {
    "two-datatypes": "sh:property [ sh:path ex:size ; sh:datatype xsd:int , xsd:long ]",
    "long-count": 'sh:property [ sh:path ex:size ; sh:minCount "1"^^xsd:long ; sh:message "m" ]',
    "empty-or": 'sh:or () ; sh:message "m"',
    "node-unique-lang": 'sh:uniqueLang true ; sh:message "m"',
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_shapes_pyshacl_refuses_are_refused(name: str) -> None:
    shapes = parse(
        PREFIXES + f"ex:Bad a sh:NodeShape ; sh:targetClass ex:Place ; {REFUSED[name]} ."
    )
    assert split_core(shapes)[1].roots == ()
    with pytest.raises(TwinningError, match="SHACL validation could not run"):
        validate(parse(DATA), shapes)


#: Shapes with implicit class targets (a class that is also a shape), one also with explicit ones.
IMPLICIT = {
    "rdfs-class": "ex:Place a rdfs:Class ; sh:property [ sh:path ex:name ; sh:minCount 5 ] .",
    "owl-subclass": """owl:Class rdfs:subClassOf rdfs:Class .
        ex:Shape a sh:NodeShape , owl:Class ; sh:targetNode ex:a ; sh:class ex:Town ;
        sh:property [ sh:path ex:name ; sh:minCount 5 ; sh:message "m" ] ; sh:message "m" .""",
}


@pytest.mark.parametrize("name", sorted(IMPLICIT))
def test_implicit_class_targets_are_checked_once(name: str) -> None:
    data = parse(DATA)
    shapes = parse(PREFIXES + "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n" + IMPLICIT[name])
    assert split_core(shapes)[1].roots == ()
    expected = by_pyshacl(data, shapes)
    assert expected
    assert Counter(map(key, validate(data, shapes).results)) == expected


def test_custom_constraint_components_leave_everything_to_pyshacl() -> None:
    shapes = parse(
        PREFIXES
        + """
ex:Must a sh:ConstraintComponent ; sh:parameter [ sh:path ex:mustBe ] ;
    sh:validator [ a sh:SPARQLAskValidator ; sh:message "not {$mustBe}" ;
        sh:ask "ASK { FILTER ($value = $mustBe) }" ] .
ex:Custom a sh:NodeShape ; sh:targetSubjectsOf ex:kind ;
    sh:property [ sh:path ex:kind ; ex:mustBe ex:k1 ; sh:message "m" ] .
"""
    )
    data = parse(DATA)
    assert split_core(shapes)[1].roots == ()
    expected = by_pyshacl(data, shapes)
    assert expected
    assert Counter(map(key, validate(data, shapes).results)) == expected
