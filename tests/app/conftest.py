"""Fixtures for the in-process app tests: the real store over the repository's RDF, the app, a
client, and the source files as rdflib reads them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph

from tests.conftest import ROOT
from twinning_kg.publishing.build import build
from twinning_kg.settings import Settings
from twinning_kg.store.oxigraph import OxigraphStore
from twinning_kg.web import create_app


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Default settings, rooted at the repository (the published base IRI is the canonical one).

    ``twinning-kg build`` writes into a temporary folder first, so the publishing routes
    (/catalog, /.well-known/void, /dumps/) have the build they serve.
    """
    settings = Settings(root=ROOT, build_dir=tmp_path_factory.mktemp("build"))
    build(settings)
    return settings


@pytest.fixture(scope="session")
def store(settings: Settings) -> OxigraphStore:
    """The repository's ontology/, data/ and shapes/, loaded once per test run."""
    return OxigraphStore.from_paths(
        settings.source_dirs, root=settings.root, base_iri=settings.base_iri
    )


@pytest.fixture(scope="session")
def app(settings: Settings, store: OxigraphStore) -> Flask:
    """The app over the shared store, in testing mode."""
    app = create_app(settings, store=store)
    app.testing = True
    return app


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    """A test client; each test gets its own."""
    with app.test_client() as client:
        yield client


@pytest.fixture(scope="session")
def source_graph(settings: Settings) -> Graph:
    """Everything in ontology/, data/ and shapes/, read by rdflib straight from the files."""
    graph = Graph()
    for folder in settings.source_dirs:
        for path in sorted(folder.rglob("*.ttl")):
            graph.parse(path, format="turtle")
    return graph
