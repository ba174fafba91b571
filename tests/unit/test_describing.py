"""The embedded store's page description (two queries and the kept summaries) is the one the
remote store reads with describe_entity.rq and describe_context.rq, for every resource."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from functools import partial

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from tests.conftest import repository_store
from twinning_kg import queries
from twinning_kg.errors import NotFound
from twinning_kg.store import DataVersion, describing
from twinning_kg.store.oxigraph import OxigraphStore
from twinning_kg.vocabulary import Term


@pytest.fixture
def store() -> OxigraphStore:
    """The repository's files, as ``--store memory`` loads them (a fresh summary cache)."""
    return repository_store()


def named(store: OxigraphStore) -> list[URIRef]:
    """Every IRI the data uses as a subject or an object."""
    found: set[str] = set()
    for quad in store._store.quads_for_pattern(None, None, None):
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode):
                found.add(term.value)
    return [URIRef(iri) for iri in sorted(found)]


def as_remote_stores_read_it(store: OxigraphStore, iri: URIRef) -> set[ox.Triple]:
    """describe_entity.rq and describe_context.rq, run as they are (what a remote store runs)."""
    found = set(store._triples("describe_entity", {"entity": iri}))
    return found | set(store._triples("describe_context", {"entity": iri}))


def test_every_description_is_the_one_a_remote_store_reads(store: OxigraphStore) -> None:
    """Read afresh, then again from the kept summaries: the same triples, none twice."""
    iris = named(store)
    expected = {iri: as_remote_stores_read_it(store, iri) for iri in iris}
    described = [iri for iri in iris if expected[iri]]
    assert len(described) > 100
    for _ in ("afresh", "kept"):
        for iri in described:
            triples = store.describe_triples(iri)
            assert len(triples) == len(set(triples)), iri
            assert set(triples) == expected[iri], iri
    assert store._summaries.hits > store._summaries.misses


def test_a_blank_node_s_triples_are_part_of_the_description(store: OxigraphStore) -> None:
    """A shape's property shapes are blank nodes: their own triples come with it (a CBD)."""
    shape = URIRef("https://twinning.example.org/def/shapes/MunicipalityShape")
    triples = store.describe_triples(shape)
    nested = [t for t in triples if isinstance(t.subject, ox.BlankNode)]
    assert nested
    assert set(triples) == as_remote_stores_read_it(store, shape)


def test_a_kept_summary_is_not_read_again(store: OxigraphStore) -> None:
    siedlce = URIRef("https://twinning.example.org/id/municipality/siedlce")
    first = store.describe_triples(siedlce)
    misses, hits = store._summaries.misses, store._summaries.hits
    assert misses > 0
    assert store.describe_triples(siedlce) == first
    assert store._summaries.misses == misses
    assert store._summaries.hits > hits


def test_the_summaries_kept_are_bounded(store: OxigraphStore) -> None:
    """Past its bound the cache lets the oldest go; pages stay whole."""
    summaries = describing.Summaries(max_entries=3)
    queries_run: list[str] = []

    def run(text: str) -> ox.QueryTriples:
        queries_run.append(text)
        return store._run_graph_query(text)

    iris = named(store)[:40]
    for iri in iris:
        bound: dict[str, Term] = {"entity": iri}
        triples = describing.describe(
            ox.NamedNode(iri),
            store._triples("describe_links", bound),
            summaries=summaries,
            run=run,
            describe_entity=partial(store._triples, "describe_entity", bound),
        )
        assert set(triples) == as_remote_stores_read_it(store, iri)
        assert len(summaries) <= 3
    assert 0 < len(queries_run) <= len(iris)  # what a page misses is read in one query


def test_nothing_known_is_an_empty_description(store: OxigraphStore) -> None:
    summaries = describing.Summaries()
    nowhere = ox.NamedNode("https://twinning.example.org/id/municipality/atlantis")
    found = describing.describe(
        nowhere,
        [],
        summaries=summaries,
        run=store._run_graph_query,
        describe_entity=lambda: [],
    )
    assert found == []
    assert len(summaries) == 0


def test_the_order_does_not_depend_on_what_is_kept(store: OxigraphStore) -> None:
    """Read afresh and read from kept summaries, a page's triples come in the same order, so
    every worker writes the same bytes for it (its ETag says they are the same)."""
    iris = named(store)
    for iri in iris[::37]:
        fresh = repository_store()
        try:
            afresh = fresh.describe_triples(iri)
        except NotFound:
            continue
        for other in reversed(iris):
            with contextlib.suppress(NotFound):
                fresh.describe_triples(other)
        assert fresh.describe_triples(iri) == afresh, iri


def summary_properties(name: str) -> list[str]:
    """The properties of a summary, as the query's FILTER(?summary IN (...)) lists them."""
    found = re.search(r"FILTER\(\?summary IN \(([^)]*)\)\)", queries.load(name))
    assert found is not None, name
    return found.group(1).split()


def test_a_summary_is_the_same_in_both_ways_of_reading_a_page() -> None:
    assert summary_properties("describe_summaries") == summary_properties("describe_context")
    assert len(summary_properties("describe_summaries")) == 11


EDGES = """
@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix twin: <https://twinning.example.org/def/twinning/> .
ex:g1 {
  ex:a ex:p ex:a .
  ex:b a ex:b .
  ex:a ex:q ex:q .
  ex:q rdfs:label "q"@en ; twin:status ex:active ; ex:other "not in a summary" .
  ex:c ex:a ex:d .
  ex:a rdfs:label "a"@en .
  ex:a ex:r [ ex:s [ ex:t "deep" ] ] .
  [] ex:p ex:e .
  ex:f a ex:e .
  ex:h ex:p ex:i .
  ex:i a [ rdfs:label "anonymous class" ] .
  ex:p rdfs:label "p"@en, "p"@pl .
}
ex:g2 { ex:a ex:p ex:a . ex:a rdfs:label "a"@en . ex:h ex:p ex:i . }
"""


def test_unusual_shapes_of_data_are_described_as_a_remote_store_reads_them() -> None:
    """Self-links, a resource typed as itself, a property that is also linked to, an entity used
    as a property, nested blank nodes, links only from a blank node or only by rdf:type, a
    neighbour typed by a blank node, triples held in two graphs."""
    data = ox.Store()
    data.load(EDGES.encode(), format=ox.RdfFormat.TRIG)
    version = DataVersion(digest="edges", modified=datetime.now(tz=UTC), triples=len(data))
    store = OxigraphStore(version, memory=data)
    graphs = {"http://example.org/g1", "http://example.org/g2"}
    for _ in ("afresh", "kept"):
        for iri in named(store) + [URIRef(g) for g in sorted(graphs)]:
            expected = as_remote_stores_read_it(store, iri)
            if expected:
                assert set(store.describe_triples(iri)) == expected, iri
            elif str(iri) in graphs:
                held = set(store._triples("describe_graph", {"graph": iri}))
                assert set(store.describe_triples(iri)) == held, iri
            else:
                with pytest.raises(NotFound):
                    store.describe_triples(iri)
