"""Every form of SPARQL Update is refused with 403 and the read-only message, and the data stays
byte for byte what it was: the canonical N-Quads of everything the store answers, and the
published N-Quads dump, compared before and after. ``LOAD`` never reaches the listener it names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import httpx
import pytest

from tests.hostile._listeners import DIRECT, Server, Trap, dumps_digest, store_dump
from twinning_kg.web.sparql import READ_ONLY

pytestmark = pytest.mark.live

UPDATE: Final = "application/sparql-update"
G: Final = "<http://example.org/g>"
T: Final = "<http://example.org/s> <http://example.org/p> 1"

#: Update operations, sent as a query (``query=``, form or direct body).
OPERATIONS: Final = {
    "insert-data": f"INSERT DATA {{ GRAPH {G} {{ {T} }} }}",
    "insert-data-default": f"INSERT DATA {{ {T} }}",
    "delete-data": (
        "DELETE DATA { <https://twinning.example.org/id/municipality/dasing> "
        "<http://www.w3.org/2000/01/rdf-schema#label> 'Dasing'@pl }"
    ),
    "delete-where": "DELETE WHERE { ?s ?p ?o }",
    "delete-insert-where": "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "with-delete": f"WITH {G} DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    "load": "LOAD <{trap}> INTO GRAPH <http://example.org/g>",
    "load-silent": "LOAD SILENT <{trap}>",
    "clear-all": "CLEAR ALL",
    "clear-default": "CLEAR DEFAULT",
    "drop-all": "DROP ALL",
    "drop-silent-graph": "DROP SILENT GRAPH <https://twinning.example.org/graph/data/siedlce/sources>",
    "create": f"CREATE GRAPH {G}",
    "copy": f"COPY DEFAULT TO {G}",
    "move": f"MOVE DEFAULT TO {G}",
    "add": f"ADD DEFAULT TO {G}",
    "lower-case": "drop all",
    "u-escaped": "\\u0043LEAR ALL",
    "escaped-insert": f"\\u0049NSERT DATA {{ {T} }}",
    "comment-first": "# harmless\ndrop silent all",
    "prefix-and-comment": "PREFIX x: <http://x/> # a comment\nCLEAR GRAPH x:g",
    "query-then-update": "ASK {} ; DROP ALL",
}


@dataclass(frozen=True)
class Send:
    """One way of sending an update: its name and what it does with an httpx client."""

    name: str
    call: Callable[[httpx.Client, str], httpx.Response]


DIRECT_HEADERS: Final = {"Content-Type": DIRECT}
AS_QUERY: Final = [
    Send("get", lambda c, q: c.get("/sparql", params={"query": q})),
    Send("form", lambda c, q: c.post("/sparql", data={"query": q})),
    Send("direct", lambda c, q: c.post("/sparql", content=q.encode(), headers=DIRECT_HEADERS)),
]

#: The protocol's own update operation and its dataset parameters.
PROTOCOL: Final[dict[str, Callable[[httpx.Client], httpx.Response]]] = {
    "get-update": lambda c: c.get("/sparql", params={"update": "CLEAR ALL"}),
    "form-update": lambda c: c.post("/sparql", data={"update": "DROP ALL"}),
    "form-update-and-query": lambda c: c.post(
        "/sparql", data={"query": "ASK {}", "update": "DROP ALL"}
    ),
    "sparql-update-body": lambda c: c.post(
        "/sparql", content=f"INSERT DATA {{ {T} }}".encode(), headers={"Content-Type": UPDATE}
    ),
    "sparql-update-body-charset": lambda c: c.post(
        "/sparql",
        content=b"DROP ALL",
        headers={"Content-Type": f"{UPDATE}; charset=utf-8"},
    ),
    "using-graph-uri": lambda c: c.post(
        "/sparql?using-graph-uri=http%3A%2F%2Fx%2Fg", data={"query": "ASK {}"}
    ),
    "using-named-graph-uri": lambda c: c.post(
        "/sparql", data={"query": "ASK {}", "using-named-graph-uri": "http://x/g"}
    ),
}


@pytest.fixture(scope="module")
def before(sparql_server: Server) -> tuple[bytes, str]:
    """The store's canonical dump and the published dump's digest, before any update."""
    with httpx.Client(base_url=sparql_server.base_url, timeout=30.0, trust_env=False) as client:
        dump = store_dump(client)
        assert dump.count(b"\n") > 1000
        return dump, dumps_digest(client)


def assert_unchanged(http: httpx.Client, before: tuple[bytes, str]) -> None:
    dump, digest = before
    assert store_dump(http) == dump
    assert dumps_digest(http) == digest


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_an_update_sent_as_a_query_is_refused_and_nothing_changes(
    sparql_http: httpx.Client, trap: Trap, before: tuple[bytes, str], operation: str
) -> None:
    update = OPERATIONS[operation].replace("{trap}", trap.url("data.ttl"))
    seen = len(trap.connections)
    for send in AS_QUERY:
        response = send.call(sparql_http, update)
        assert response.status_code == 403, (send.name, response.text)
        assert "read-only" in response.text
    assert_unchanged(sparql_http, before)
    trap.assert_untouched_since(seen)


@pytest.mark.parametrize("name", list(PROTOCOL))
def test_the_update_operation_is_refused_and_nothing_changes(
    sparql_http: httpx.Client, before: tuple[bytes, str], name: str
) -> None:
    response = PROTOCOL[name](sparql_http)
    assert response.status_code == 403, response.text
    assert READ_ONLY in response.text
    assert_unchanged(sparql_http, before)
