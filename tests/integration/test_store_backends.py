"""The three stores behind the real server: the same pages and queries answer the same way.

A real ``oxigraph serve --union-default-graph`` plays the remote store: ``twinning-kg push``
fills it, and ``twinning-kg serve --store sparql:…`` reads it. The on-disk store is written by
``twinning-kg load --out PATH`` and served with ``--store oxigraph:PATH``; ``memory`` loads the
files at start.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from tests.conftest import repository_store
from tests.integration.stores import (
    OxigraphServer,
    TwinningServer,
    canonical,
    entity_triples,
    graph_counts,
    local_dataset,
    local_graphs,
    oxigraph_server,
    remote_dataset,
    run_cli,
    staging_graphs,
    twinning_server,
)
from twinning_kg.store.oxigraph import OxigraphStore, to_graph
from twinning_kg.vocabulary import TWIN

pytestmark = pytest.mark.live

BACKENDS = ["memory", "oxigraph", "sparql"]
ROW_CAP = 3
#: An on-disk store opens in milliseconds: the server should answer well within this.
OXIGRAPH_STARTUP_LIMIT_S = 5.0
SIEDLCE = URIRef("https://twinning.example.org/id/municipality/siedlce")
#: Pages of a town (linked both ways to its twins) and of a partnership.
PAGES = ["/id/municipality/siedlce", "/id/partnership/siedlce-dasing"]
DASING_GRAPH = "https://twinning.example.org/graph/data/siedlce/partnership-dasing"
PREFIXES = (
    "PREFIX twin: <https://twinning.example.org/def/twinning/>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)


@pytest.fixture(scope="session")
def remote_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """The real Oxigraph server, in memory, with the union default graph."""
    folder = tmp_path_factory.mktemp("remote-store")
    with oxigraph_server(folder / "oxigraph.log") as server:
        yield server


@pytest.fixture(scope="session")
def first_push(remote_store: OxigraphServer) -> subprocess.CompletedProcess[str]:
    """``twinning-kg push`` of the repository's files to the remote store, once."""
    return run_cli("push", "--endpoint", remote_store.endpoint())


@pytest.fixture(scope="module")
def sources() -> dict[str, Graph]:
    """The source files, by named graph, as rdflib reads them."""
    return local_graphs()


@pytest.fixture(scope="module")
def dataset() -> dict[str, frozenset[str]]:
    """The source files as a store holds them, in canonical form, by named graph."""
    return local_dataset()


@pytest.fixture(scope="module")
def union(sources: dict[str, Graph]) -> Graph:
    """All the source files in one graph."""
    union = Graph()
    for graph in sources.values():
        union += graph
    return union


def test_push_sends_each_file_as_a_named_graph(
    remote_store: OxigraphServer,
    first_push: subprocess.CompletedProcess[str],
    sources: dict[str, Graph],
    dataset: dict[str, frozenset[str]],
) -> None:
    assert first_push.returncode == 0, first_push.stderr
    assert first_push.stderr == ""
    expected = {name: len(graph) for name, graph in sources.items()}
    assert graph_counts(remote_store.query_url) == expected
    assert f"pushed {len(expected)} graphs, {sum(expected.values())} triples" in first_push.stdout
    assert remote_dataset(remote_store.store_url) == dataset


def test_pushing_twice_leaves_the_same_state(
    remote_store: OxigraphServer,
    first_push: subprocess.CompletedProcess[str],
    dataset: dict[str, frozenset[str]],
) -> None:
    assert first_push.returncode == 0, first_push.stderr
    before = remote_dataset(remote_store.store_url)
    again = run_cli("push", "--endpoint", remote_store.endpoint())
    assert again.returncode == 0, again.stderr
    assert remote_dataset(remote_store.store_url) == before == dataset


def test_push_through_an_update_endpoint_gives_the_same_state(
    remote_store: OxigraphServer,
    first_push: subprocess.CompletedProcess[str],
    dataset: dict[str, frozenset[str]],
) -> None:
    assert first_push.returncode == 0, first_push.stderr
    staged = run_cli("push", "--endpoint", remote_store.endpoint(update=True))
    assert staged.returncode == 0, staged.stderr
    assert staging_graphs(remote_store.query_url) == []
    assert remote_dataset(remote_store.store_url) == dataset


STARTUP_S: dict[str, float] = {}


@pytest.fixture(scope="module", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, build_dir: Path
) -> Iterator[TwinningServer]:
    """``twinning-kg serve`` over each store in turn, with a small SPARQL row cap."""
    name: str = request.param
    folder = tmp_path_factory.mktemp(f"backend-{name}")
    if name == "memory":
        spec = "memory"
    elif name == "oxigraph":
        loaded = run_cli("load", "--out", str(folder / "store"))
        assert loaded.returncode == 0, loaded.stderr
        spec = f"oxigraph:{folder / 'store'}"
    else:
        remote: OxigraphServer = request.getfixturevalue("remote_store")
        pushed: subprocess.CompletedProcess[str] = request.getfixturevalue("first_push")
        assert pushed.returncode == 0, pushed.stderr
        spec = f"sparql:{remote.query_url}"
    env = {"TWINNING_SPARQL_ROW_CAP": str(ROW_CAP)}
    with twinning_server(spec, folder / "server.log", build_dir=build_dir, env=env) as server:
        STARTUP_S[name] = server.startup_s
        yield server


@pytest.fixture
def client(backend: TwinningServer) -> Iterator[httpx.Client]:
    """An httpx client on the server under test."""
    with backend.client() as client:
        yield client


def sparql(client: httpx.Client, query: str, accept: str) -> httpx.Response:
    """POST a query to the server's endpoint as a form."""
    return client.post("/sparql", data={"query": PREFIXES + query}, headers={"Accept": accept})


def test_start_up_is_quick(request: pytest.FixtureRequest, backend: TwinningServer) -> None:
    name = request.node.callspec.params["backend"]
    print(f"start-up to first answered request, {name}: {backend.startup_s:.2f} s")
    if name == "oxigraph":
        assert backend.startup_s < OXIGRAPH_STARTUP_LIMIT_S


def test_home_page(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Dasing" in response.text
    assert DASING_GRAPH.removeprefix("https://twinning.example.org") in response.text


def test_entity_in_turtle_has_its_triples(client: httpx.Client, union: Graph) -> None:
    response = client.get("/id/municipality/siedlce", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    assert (SIEDLCE, RDF.type, TWIN.Municipality) in graph
    expected = entity_triples(union, SIEDLCE)
    assert len(expected) > 10
    assert expected <= entity_triples(graph, SIEDLCE)


def test_named_graph_is_the_file(client: httpx.Client, dataset: dict[str, frozenset[str]]) -> None:
    path = DASING_GRAPH.removeprefix("https://twinning.example.org")
    response = client.get(f"{path}.ttl")
    assert response.status_code == 200
    name = ox.NamedNode(DASING_GRAPH)
    triples = ox.parse(response.content, format=ox.RdfFormat.TURTLE)
    page = canonical(ox.Quad(t.subject, t.predicate, t.object, name) for t in triples)
    assert page[DASING_GRAPH] == dataset[DASING_GRAPH]


@pytest.fixture(scope="module")
def described() -> OxigraphStore:
    """The repository's files in an in-process store, as ``--store memory`` loads them."""
    return repository_store()


@pytest.mark.parametrize("path", PAGES)
def test_entity_page_is_the_same_description_everywhere(
    client: httpx.Client, described: OxigraphStore, path: str
) -> None:
    """Every store answers a page with the same triples, and none about an unrelated resource.

    A value bound outside a sub-select does not reach inside it: bound that way, the neighbours'
    summaries would be every resource's.
    """
    iri = URIRef(f"https://twinning.example.org{path}")
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    page = Graph().parse(data=response.text, format="turtle")
    assert isomorphic(page, to_graph(described.describe_triples(iri)))
    linked = set(page.objects(iri)) | set(page.subjects(object=iri))
    properties = set(page.predicates(iri)) | set(page.predicates(object=iri))
    named = {s for s in page.subjects() if not isinstance(s, BNode)}  # a CBD's nested nodes
    assert named <= linked | properties | {iri}


def test_unknown_iri_is_404(client: httpx.Client) -> None:
    response = client.get("/id/municipality/atlantis", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json()["error"] == "not-found"
    assert "atlantis" in response.json()["message"]


def test_select_is_capped(client: httpx.Client, union: Graph) -> None:
    municipalities = sorted(str(m) for m in union.subjects(RDF.type, TWIN.Municipality))
    assert len(municipalities) > ROW_CAP
    response = sparql(
        client,
        "SELECT ?m WHERE { ?m a twin:Municipality } ORDER BY ?m",
        "application/sparql-results+json",
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert response.headers["x-result-rows"] == str(ROW_CAP)
    assert response.headers["x-result-truncated"] == "true"
    assert response.headers["x-result-limit"] == str(ROW_CAP)
    rows = response.json()["results"]["bindings"]
    assert [row["m"]["value"] for row in rows] == municipalities[:ROW_CAP]


def test_select_under_the_cap_is_whole(client: httpx.Client) -> None:
    query = f"SELECT ?label WHERE {{ <{SIEDLCE}> rdfs:label ?label }} ORDER BY ?label"
    response = sparql(client, query, "application/sparql-results+json")
    assert response.status_code == 200, response.text
    assert "x-result-truncated" not in response.headers
    labels = {
        (row["label"]["value"], row["label"]["xml:lang"])
        for row in response.json()["results"]["bindings"]
    }
    assert labels == {("Siedlce", "pl"), ("Siedlce", "en")}


@pytest.mark.parametrize(
    ("query", "answer"),
    [
        (f"ASK {{ <{SIEDLCE}> a twin:Municipality }}", True),
        (f"ASK {{ <{SIEDLCE}> a twin:Partnership }}", False),
    ],
)
def test_ask(client: httpx.Client, query: str, answer: bool) -> None:
    response = sparql(client, query, "application/sparql-results+json")
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is answer


@pytest.mark.parametrize(
    ("dataset", "answer"),
    [
        (f"FROM <{DASING_GRAPH}>", False),
        (f"FROM NAMED <{DASING_GRAPH}>", False),
        ("", True),
    ],
)
def test_from_chooses_graphs_of_the_store(
    request: pytest.FixtureRequest, client: httpx.Client, dataset: str, answer: bool
) -> None:
    """The embedded stores read FROM as Oxigraph does: the default graph is the graphs it
    names. A remote store's answer is the remote's own (``oxigraph serve --union-default-graph``
    ignores FROM)."""
    query = f"ASK {dataset} {{ <{SIEDLCE}> a twin:Municipality }}"
    if request.node.callspec.params["backend"] == "sparql":
        remote: OxigraphServer = request.getfixturevalue("remote_store")
        direct = httpx.post(
            remote.query_url,
            data={"query": PREFIXES + query},
            headers={"Accept": "application/sparql-results+json"},
            trust_env=False,
        )
        answer = direct.json()["boolean"]
    response = sparql(client, query, "application/sparql-results+json")
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is answer


def test_construct(client: httpx.Client, union: Graph) -> None:
    query = (
        f"CONSTRUCT {{ <{SIEDLCE}> rdfs:label ?label }} WHERE {{ <{SIEDLCE}> rdfs:label ?label }}"
    )
    response = sparql(client, query, "text/turtle")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    expected = Graph()
    for triple in union.triples((SIEDLCE, RDFS.label, None)):
        expected.add(triple)
    assert isomorphic(graph, expected)


def test_construct_is_capped(client: httpx.Client) -> None:
    query = "CONSTRUCT { ?m a twin:Municipality } WHERE { ?m a twin:Municipality }"
    response = sparql(client, query, "application/n-triples")
    assert response.status_code == 200, response.text
    assert response.headers["x-result-truncated"] == "true"
    graph = Graph().parse(data=response.text, format="nt")
    assert len(graph) == ROW_CAP


def test_search(client: httpx.Client) -> None:
    response = client.get("/search", params={"q": "berdyczow", "format": "json"})
    assert response.status_code == 200
    hits = response.json()["results"]
    assert hits[0]["url"] == "/id/municipality/berdychiv"
