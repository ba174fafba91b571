"""``FROM``, ``FROM NAMED``, ``default-graph-uri`` and ``named-graph-uri`` naming a file, a URL of a
listener on 127.0.0.1, or a graph the store does not hold: a graph name, never something to fetch.

rdflib's ``Dataset`` loads such graphs into the query (``SPARQL_LOAD_GRAPHS``); pyoxigraph only
looks them up in the store. The query's own ``FROM``/``FROM NAMED`` and the protocol parameters
choose graphs of the store, and one the store does not hold is empty: a query naming only such
graphs counts nothing. Either way: no file opened (a FIFO named in the query has no reader), no
connection (the listener sees none), no path in the answer.

These queries run (they are not refusals), so their time is not asserted: a fetch shows as a
connection on the listener or a reader on the FIFO, and a fetch that hangs as a 503 at the time
limit, which ``count`` refuses.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import httpx
import pytest

from tests.hostile._listeners import Trap

pytestmark = pytest.mark.live

COUNT: Final = "SELECT (COUNT(*) AS ?n) {from} WHERE {{ ?s ?p ?o }}"
COUNT_NAMED: Final = "SELECT (COUNT(*) AS ?n) {from} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"


@pytest.fixture(scope="module")
def fifo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A named pipe: whoever opens it to read blocks, and a writer can tell a reader is there."""
    path = tmp_path_factory.mktemp("fifo") / "secret.ttl"
    os.mkfifo(path)
    yield path
    path.unlink()


def assert_nobody_opened(fifo: Path) -> None:
    """Opening a FIFO to write without blocking fails with ENXIO while it has no reader."""
    with pytest.raises(OSError) as raised:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert raised.value.errno == errno.ENXIO, "the server opened the file"


def targets(trap: Trap, fifo: Path) -> dict[str, str]:
    return {
        "etc-passwd": "file:///etc/passwd",
        "fifo": fifo.as_uri(),
        "listener": trap.url("graph.ttl"),
        "listener-root": f"http://127.0.0.1:{trap.port}/",
        "unknown-graph": "https://twinning.example.org/graph/no/such/graph",
    }


def count(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text[:300]
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def assert_nothing_leaked(response: httpx.Response, target: str, fifo: Path) -> None:
    assert "root:" not in response.text
    assert str(fifo) not in response.text
    assert target not in response.text


@pytest.mark.parametrize("clause", ["FROM", "FROM NAMED", "both"])
@pytest.mark.parametrize(
    "name", ["etc-passwd", "fifo", "listener", "listener-root", "unknown-graph"]
)
def test_from_in_the_query_names_graphs_of_the_store(
    sparql_http: httpx.Client, trap: Trap, fifo: Path, name: str, clause: str
) -> None:
    """The query's dataset is these graphs of the store, so its default graph is empty."""
    target = targets(trap, fifo)[name]
    dataset = {
        "FROM": f"FROM <{target}>",
        "FROM NAMED": f"FROM NAMED <{target}>",
        "both": f"FROM <{target}> FROM NAMED <{target}>",
    }[clause]
    seen = len(trap.connections)
    response = sparql_http.post("/sparql", data={"query": COUNT.format(**{"from": dataset})})
    assert count(response) == 0
    assert_nothing_leaked(response, target, fifo)
    assert_nobody_opened(fifo)
    trap.assert_untouched_since(seen)


@pytest.mark.parametrize(
    "name", ["etc-passwd", "fifo", "listener", "listener-root", "unknown-graph"]
)
def test_dataset_parameters_naming_no_graph_of_the_store_give_empty_graphs(
    sparql_http: httpx.Client, trap: Trap, fifo: Path, name: str
) -> None:
    """``default-graph-uri``/``named-graph-uri`` name graphs of the store; these are empty."""
    target = targets(trap, fifo)[name]
    seen = len(trap.connections)
    for parameter, query in (
        ("default-graph-uri", COUNT.format(**{"from": ""})),
        ("named-graph-uri", COUNT_NAMED.format(**{"from": ""})),
    ):
        response = sparql_http.get("/sparql", params={"query": query, parameter: target})
        assert count(response) == 0, parameter
        assert_nothing_leaked(response, target, fifo)
    both = {"default-graph-uri": target, "named-graph-uri": target}
    response = sparql_http.post(
        "/sparql", data={"query": COUNT_NAMED.format(**{"from": f"FROM <{target}>"}), **both}
    )
    assert count(response) == 0
    assert_nobody_opened(fifo)
    trap.assert_untouched_since(seen)


@pytest.mark.parametrize(
    "target",
    ["/etc/passwd", "../../etc/passwd", "file:///etc/passwd>", "http://127.0.0.1/ x", ""],
    ids=["path", "relative-path", "bracket", "space", "empty"],
)
def test_dataset_parameters_that_are_not_absolute_iris_are_400_without_echoing_them(
    sparql_http: httpx.Client, target: str
) -> None:
    response = sparql_http.get(
        "/sparql", params={"query": "ASK { ?s ?p ?o }", "default-graph-uri": target}
    )
    assert response.status_code == 400, response.text
    assert "/etc/passwd" not in response.text
    assert "root:" not in response.text
