"""The benchmark asks Oxigraph's server for an entity page with one CONSTRUCT
(``bench/queries/entity/page.rq``): it must hold what the server's own describe returns, or the
two engines would be timed on different work."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from bench.run import ENTITY_BASE, page_query
from tests.conftest import repository_store
from twinning_kg.store.oxigraph import OxigraphStore


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    """The repository's files, as ``--store memory`` loads them."""
    return repository_store()


def pages(store: OxigraphStore) -> list[str]:
    """Paths of the entities whose own triples have no blank node (page.rq reads no closure)."""
    found: dict[str, bool] = {}
    for quad in store._store.quads_for_pattern(None, None, None):
        subject = quad.subject
        if isinstance(subject, ox.NamedNode) and subject.value.startswith(ENTITY_BASE + "id/"):
            path = subject.value.removeprefix(ENTITY_BASE)
            found[path] = found.get(path, True) and not isinstance(quad.object, ox.BlankNode)
    return sorted(path for path, plain in found.items() if plain)


def test_the_page_query_holds_what_the_server_describes(store: OxigraphStore) -> None:
    paths = pages(store)
    assert len(paths) > 20
    for path in paths:
        answer = store._store.query(page_query(path), use_default_graph_as_union=True)
        assert isinstance(answer, ox.QueryTriples)
        described = store.describe_triples(URIRef(ENTITY_BASE + path))
        assert set(answer) == set(described), path
