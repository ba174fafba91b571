"""The RDF of an entity page written without rdflib: Turtle with the prefixes it uses and no
others, and rdflib graphs filled from pyoxigraph triples through a bounded term cache."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from tests.conftest import repository_store
from twinning_kg.store import oxigraph
from twinning_kg.store.oxigraph import OxigraphStore, to_graph, to_rdflib
from twinning_kg.vocabulary import PREFIXES
from twinning_kg.web.renderers import _fast_turtle, _namespace

SIEDLCE = URIRef("https://twinning.example.org/id/municipality/siedlce")


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    return repository_store()


def test_turtle_declares_the_prefixes_it_uses_and_no_other(store: OxigraphStore) -> None:
    triples = store.describe_triples(SIEDLCE)
    turtle = _fast_turtle(triples)
    assert turtle is not None
    text = turtle.decode("utf-8")
    declared = dict(re.findall(r"^@prefix (\w*): <([^>]*)> \.$", text, re.MULTILINE))
    assert declared
    namespaces = {str(ns) for ns in PREFIXES.values()}
    assert set(declared.values()) <= namespaces
    body = "\n".join(line for line in text.splitlines() if not line.startswith("@prefix"))
    for prefix in declared:
        assert re.search(rf"(?<![\w:]){prefix}:", body), f"{prefix}: declared, never used"
    written_out = [iri for iri in re.findall(r"<([^>]*)>", body) if _namespace(iri) in namespaces]
    assert not written_out, "an IRI with a prefix of the project's written in full"
    page = Graph().parse(data=text, format="turtle")
    assert isomorphic(page, to_graph(triples))


def test_the_same_description_gives_the_same_bytes(store: OxigraphStore) -> None:
    triples = store.describe_triples(SIEDLCE)
    assert _fast_turtle(triples) == _fast_turtle(list(reversed(triples)))


def test_a_blank_node_leaves_turtle_to_rdflib() -> None:
    node = ox.NamedNode("http://example.org/a")
    with_blank = [ox.Triple(node, node, ox.BlankNode())]
    assert _fast_turtle(with_blank) is None


def test_converted_terms_are_kept_within_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oxigraph, "_CONVERTED", {})
    monkeypatch.setattr(oxigraph, "_CONVERTED_KEPT", 10)
    p = ox.NamedNode("http://example.org/p")
    for i in range(50):
        s = ox.NamedNode(f"http://example.org/s{i}")
        triples = [
            ox.Triple(s, p, ox.Literal(str(i))),
            ox.Triple(s, p, ox.Literal("x", language="en")),
        ]
        graph = to_graph(triples)
        assert set(graph) == {tuple(to_rdflib(term) for term in t) for t in triples}
        assert len(oxigraph._CONVERTED) <= 10
