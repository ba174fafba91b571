"""Deeply nested queries, over-long queries, over-long URLs and over-large bodies are refused
(400, 413, 414) within a second, while another client's cheap queries keep answering.

pyoxigraph crashes on ~5000 nested parentheses or braces or 10000 ``!`` (a 10 KB query), so the
guard counts them before any engine sees the query (64 levels, 256 ``!``). The query's length
(``sparql_max_query_bytes``, 100 000) and the body's (``max_request_bytes``, 1 000 000) give 413;
the HTTP server refuses a request line over 8190 bytes with 414.
"""

from __future__ import annotations

import time
from typing import Any, Final

import httpx
import pytest

from tests.hostile._listeners import CHEAP_QUERY, DIRECT, REFUSAL_S, CheapQueries, Server

pytestmark = pytest.mark.live

MAX_QUERY_BYTES: Final = 100_000
MAX_REQUEST_BYTES: Final = 1_000_000
MAX_REQUEST_LINE: Final = 8190

NESTING: Final = {
    "5000-parentheses": "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
    "5000-braces": "SELECT * WHERE " + "{ " * 5000 + "?s ?p ?o" + " }" * 5000,
    "5000-brackets": "ASK { ?s <http://x/p> " + "[ <http://x/p> " * 5000 + "1" + " ]" * 5000 + " }",
    "5000-sub-selects": "SELECT * WHERE " + "{ SELECT * WHERE " * 5000 + "{}" + " }" * 5000,
    "5000-path-groups": "ASK { ?s " + "(" * 5000 + "<http://x/p>" + ")" * 5000 + " ?o }",
    "10000-negations": "ASK { FILTER(" + "!" * 10000 + "true) }",
    "10000-negated-paths": "ASK { ?s " + "!" * 10000 + "<http://x/p> ?o }",
    "65-levels": "ASK { FILTER(" + "(" * 63 + "true" + ")" * 63 + ") }",
    "257-negations": "ASK { FILTER(" + "!" * 257 + "true) }",
    "escaped-parentheses": "ASK { FILTER(" + "\\u0028" * 5000 + "1" + "\\u0029" * 5000 + ") }",
}


def fresh_client(server: Server) -> httpx.Client:
    """A client of its own: after a refused body the server may close the connection."""
    return httpx.Client(base_url=server.base_url, timeout=30.0, trust_env=False)


def timed(call: httpx.Client, method: str, url: str, **kwargs: object) -> httpx.Response:
    started = time.monotonic()
    response = call.request(method, url, **kwargs)  # type: ignore[arg-type]  # httpx options
    assert time.monotonic() - started < REFUSAL_S, f"answered after {time.monotonic() - started}"
    return response


@pytest.mark.parametrize("name", list(NESTING))
def test_deep_nesting_is_refused_quickly_and_others_keep_answering(
    sparql_server: Server, name: str
) -> None:
    query = NESTING[name]
    with CheapQueries(sparql_server.base_url) as cheap, fresh_client(sparql_server) as client:
        for send in (
            {"content": query.encode(), "headers": {"Content-Type": DIRECT}},
            {"data": {"query": query}},
        ):
            response = timed(client, "POST", "/sparql", **send)
            assert response.status_code == 400, response.text[:300]
            assert "levels deep" in response.text or "'!' operators" in response.text
        assert client.get("/sparql", params={"query": CHEAP_QUERY}).json()["boolean"] is True
    cheap.assert_all_answered(at_least=2)


def test_nesting_within_the_limits_runs(sparql_http: httpx.Client) -> None:
    """The control: 64 levels and 256 ``!`` are within the limits, and the engine answers."""
    for query in (
        "ASK { FILTER(" + "(" * 62 + "true" + ")" * 62 + ") }",  # { and FILTER( are two
        "ASK { FILTER(" + "!" * 256 + "true) }",
    ):
        response = sparql_http.post("/sparql", data={"query": query})
        assert response.status_code == 200, response.text[:300]
        assert response.json()["boolean"] is True


def over_long_query() -> str:
    return "ASK { }\n#" + "x" * MAX_QUERY_BYTES


OVERSIZED: Final[dict[str, tuple[str, dict[str, Any], int]]] = {
    # the query over sparql_max_query_bytes, the body within max_request_bytes: 413 from the guard
    "long-query-direct": (
        "POST",
        {"content": over_long_query().encode(), "headers": {"Content-Type": DIRECT}},
        413,
    ),
    "long-query-form": ("POST", {"data": {"query": over_long_query()}}, 413),
    "long-query-multibyte": (
        "POST",
        {
            "content": ("ASK { } #" + "\N{LATIN SMALL LETTER O WITH ACUTE}" * 50_001).encode(),
            "headers": {"Content-Type": DIRECT},
        },
        413,
    ),
    # the body over max_request_bytes: 413 before it is read
    "large-body-direct": (
        "POST",
        {
            "content": b"ASK {} #" + b"x" * 2 * MAX_REQUEST_BYTES,
            "headers": {"Content-Type": DIRECT},
        },
        413,
    ),
    "large-body-form": (
        "POST",
        {"data": {"query": "ASK {}", "padding": "x" * 2 * MAX_REQUEST_BYTES}},
        413,
    ),
    "large-body-update": (
        "POST",
        {
            "content": b"DROP ALL #" + b"x" * 2 * MAX_REQUEST_BYTES,
            "headers": {"Content-Type": "application/sparql-update"},
        },
        403,
    ),
    # the request line over the HTTP server's limit: 414
    "long-url": ("GET", {"params": {"query": "ASK {} #" + "x" * 2 * MAX_REQUEST_LINE}}, 414),
    "long-url-nesting": ("GET", {"params": {"query": NESTING["5000-parentheses"]}}, 414),
}


@pytest.mark.parametrize("name", list(OVERSIZED))
def test_oversized_requests_are_refused_quickly_and_others_keep_answering(
    sparql_server: Server, name: str
) -> None:
    method, send, status = OVERSIZED[name]
    with CheapQueries(sparql_server.base_url) as cheap:
        with fresh_client(sparql_server) as client:
            response = timed(client, method, "/sparql", **send)
        assert response.status_code == status, response.text[:300]
        with fresh_client(sparql_server) as client:
            assert client.get("/sparql", params={"query": CHEAP_QUERY}).status_code == 200
    cheap.assert_all_answered(at_least=2)
