"""The embedded store's page description (two queries and the kept summaries) is the one the
remote store reads with describe_entity.rq and describe_context.rq, for every resource."""

from __future__ import annotations

from functools import partial

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from tests.conftest import ROOT
from twinning_kg.settings import Settings
from twinning_kg.store import describing
from twinning_kg.store.oxigraph import OxigraphStore
from twinning_kg.vocabulary import Term


@pytest.fixture
def store() -> OxigraphStore:
    """The repository's files, as ``--store memory`` loads them (a fresh summary cache)."""
    return OxigraphStore.from_paths(Settings().source_dirs, root=ROOT)


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
