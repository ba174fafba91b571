"""Runaway queries end at the time limit (+1 s) with 503, ``Retry-After`` and an error body (plain
SPARQL-style text, or JSON for JSON clients), never a 200 with partial results; a cheap query
from another client keeps answering meanwhile, and afterwards no process of the server is left
burning CPU (user + system time of the server's process tree, read from /proc).

pyoxigraph ignores signals while it evaluates, so the server runs each query in a worker process
it kills at the limit (``twinning_kg/sparql/workers.py``).
"""

from __future__ import annotations

import time
from typing import Final

import httpx
import pytest

from tests.hostile._listeners import (
    OVERSHOOT_S,
    TIMEOUT_S,
    CheapQueries,
    Server,
    assert_nothing_burns_cpu,
    descendants,
    is_zombie,
    parent_of,
)

pytestmark = pytest.mark.live

TWIN: Final = "PREFIX twin: <https://twinning.example.org/def/twinning/>\n"
BOTH_WAYS: Final = "(twin:partner|^twin:partner)*"
RUNAWAYS: Final = {
    "cartesian-count": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "order-by-cartesian": (
        "SELECT ?a ?d ?g WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 10"
    ),
    "order-by-cartesian-all-rows": (
        "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY DESC(?i) ?f ?c"
    ),
    # pyoxigraph's regex engine is linear-time, so ^(a+)+$ is not catastrophic by itself (see
    # below); over every pair of objects, with a long CONCAT-built string, it still runs away.
    "regex-over-concat": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . "
        'BIND(CONCAT("' + "a" * 48 + '", STR(?c), STR(?f), "!")'
        ' AS ?x) FILTER(REGEX(?x, "^(a+)+$")) }'
    ),
    # Each step reaches the ~15 nodes of the partners' component: 15^9 paths to count with 8
    # steps (4 steps, about 760,000, ended within the limit on a quiet machine).
    "property-path-chain": (
        TWIN + f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s {'/'.join([BOTH_WAYS] * 8)} ?o }}"
    ),
    "negated-path-star": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?s (<http://x/p>|^<http://x/p>|!<http://x/p>)* ?o ."
        " ?o (<http://x/p>|!<http://x/p>)* ?z }"
    ),
    # (a CONSTRUCT over a cartesian product is not one: it ends at once at the row cap)
    "construct-count": (
        "CONSTRUCT { <http://x/s> <http://x/count> ?n } WHERE "
        "{ { SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } } }"
    ),
}
#: How each runaway asks for its answer: (Accept, the error's media type).
ACCEPTS: Final = {
    "text/csv": "text/plain",
    "application/sparql-results+json": "application/json",
    "text/turtle": "text/plain",
}


def accept_for(name: str) -> str:
    if name.startswith("construct"):
        return "text/turtle"
    return "application/sparql-results+json" if len(name) % 2 else "text/csv"


@pytest.mark.parametrize("name", list(RUNAWAYS))
def test_a_runaway_query_is_stopped_at_the_limit_and_others_keep_answering(
    sparql_http: httpx.Client, sparql_server: Server, name: str
) -> None:
    accept = accept_for(name)
    with CheapQueries(sparql_server.base_url) as cheap:
        started = time.monotonic()
        response = sparql_http.get(
            "/sparql", params={"query": RUNAWAYS[name]}, headers={"Accept": accept}
        )
        elapsed = time.monotonic() - started
    print(f"\n{name}: {response.status_code} after {elapsed:.2f} s (limit {TIMEOUT_S} s)")
    assert response.status_code == 503, response.text[:300]
    assert TIMEOUT_S * 0.9 <= elapsed < TIMEOUT_S + OVERSHOOT_S
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Content-Type"].startswith(ACCEPTS[accept])
    if ACCEPTS[accept] == "application/json":
        body = response.json()
        assert body["error"] == "query-timeout"
        assert body["status"] == 503
        assert "time limit" in body["message"]
        assert "results" not in body and "boolean" not in body
    else:
        assert response.text.startswith("503 query-timeout: ")
        assert "time limit" in response.text
    assert "X-Result-Rows" not in response.headers
    cheap.assert_all_answered(at_least=5)
    assert_nothing_burns_cpu(sparql_server)


def test_killed_workers_are_gone(sparql_http: httpx.Client, sparql_server: Server) -> None:
    """After a runaway, the server's process tree holds no more query workers than its pools."""
    response = sparql_http.get("/sparql", params={"query": RUNAWAYS["cartesian-count"]})
    assert response.status_code == 503
    tree = descendants(sparql_server.pid)
    gunicorn_workers = {pid for pid in tree if parent_of(pid) == sparql_server.pid}
    query_workers = tree - gunicorn_workers
    assert len(gunicorn_workers) == 2
    assert len(query_workers) <= 2 * 2  # gunicorn workers x sparql_workers
    assert [pid for pid in tree if is_zombie(pid)] == []
    assert_nothing_burns_cpu(sparql_server)


def test_the_catastrophic_regex_on_a_long_string_is_linear(sparql_http: httpx.Client) -> None:
    """``^(a+)+$`` against 50 000 ``a`` and a ``!``: a backtracking engine never ends; this one
    answers at once (pyoxigraph's regex engine is linear-time)."""
    query = 'ASK { FILTER(REGEX("' + "a" * 50_000 + '!", "^(a+)+$")) }'
    started = time.monotonic()
    response = sparql_http.post("/sparql", data={"query": query})
    assert response.status_code == 200, response.text[:300]
    assert response.json()["boolean"] is False
    assert time.monotonic() - started < TIMEOUT_S
