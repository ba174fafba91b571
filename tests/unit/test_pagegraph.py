"""A page's PageGraph answers every read as an rdflib graph of the same triples does, in the same
order (the order decides which label wins a tie)."""

from __future__ import annotations

from itertools import product

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from tests.conftest import repository_store
from twinning_kg.store.oxigraph import OxigraphStore, rdflib_triples
from twinning_kg.web.pagegraph import PageGraph

PAGES = [
    "https://twinning.example.org/id/municipality/siedlce",
    "https://twinning.example.org/id/partnership/siedlce-dasing",
    "https://twinning.example.org/def/twinning/Municipality",
    "https://twinning.example.org/def/shapes/MunicipalityShape",  # blank nodes
]
ABSENT = URIRef("https://twinning.example.org/id/municipality/atlantis")


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    return repository_store()


@pytest.mark.parametrize("iri", PAGES)
def test_every_read_answers_as_rdflib_does(store: OxigraphStore, iri: str) -> None:
    triples = list(rdflib_triples(store.describe_triples(URIRef(iri))))
    page = PageGraph(triples + triples[:5])  # a triple given twice is kept once
    graph = Graph(store="SimpleMemory", bind_namespaces="none")
    for triple in triples:
        graph.add(triple)
    assert len(page) == len(graph) == len(triples)
    assert list(page) == list(graph)
    subjects = [None, ABSENT, *dict.fromkeys(t[0] for t in triples)]
    predicates = [None, ABSENT, *dict.fromkeys(t[1] for t in triples)]
    objects = [None, ABSENT, Literal("nowhere"), *dict.fromkeys(t[2] for t in triples)][:40]
    for s, p, o in product(subjects[:25], predicates[:25], objects):
        pattern: tuple[Node | None, Node | None, Node | None] = (s, p, o)
        assert list(page.triples(pattern)) == list(graph.triples(pattern)), pattern
        assert (pattern in page) == (pattern in graph), pattern
    for s, p in product(subjects, predicates):
        assert list(page.objects(s, p)) == list(graph.objects(s, p))
        assert page.value(s, p) == graph.value(s, p)
    for p, o in product(predicates, objects):
        assert list(page.subjects(p, o)) == list(graph.subjects(p, o))
    for s in subjects:
        assert page.value(s) == graph.value(s)  # rdf:value, as rdflib's default
        assert list(page.predicate_objects(s)) == list(graph.predicate_objects(s))
    for o in objects:
        assert list(page.subject_predicates(o)) == list(graph.subject_predicates(o))
