"""Eight parallel clients of the real server (gunicorn, 2 processes) get the answers a single
client gets.

The endpoint's limits (SERVICE, runaway queries, nesting, sizes, updates, the row cap) are
proven against the real server in ``tests/hostile/test_sparql_*.py``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

pytestmark = pytest.mark.live


def _parallel_queries() -> list[tuple[str, str | None]]:
    """(query, known answer or None: then the answer a lone client gets)."""
    known = [
        (
            "SELECT (SUM(?x) AS ?n) WHERE { VALUES ?x { "
            + " ".join(map(str, range(i + 1)))
            + " } }",
            str(i * (i + 1) // 2),
        )
        for i in range(1, 5)
    ]
    measured: list[tuple[str, str | None]] = [
        (
            "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . "
            f"FILTER(isLiteral(?o) && STRLEN(STR(?o)) > {10 * i}) }}",
            None,
        )
        for i in range(4)
    ]
    return [*known, *measured]


def test_eight_parallel_clients_get_correct_answers(live_server: str) -> None:
    queries = _parallel_queries()
    assert len(queries) == 8

    def answer(query: str) -> str:
        with httpx.Client(base_url=live_server, timeout=30.0, trust_env=False) as client:
            response = client.get("/sparql", params={"query": query})
            assert response.status_code == 200, response.text
            return str(response.json()["results"]["bindings"][0]["n"]["value"])

    expected = [known or answer(query) for query, known in queries]
    for _round in range(3):
        with ThreadPoolExecutor(max_workers=8) as pool:
            got = list(pool.map(answer, [query for query, _ in queries]))
        assert got == expected
