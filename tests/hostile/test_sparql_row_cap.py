"""A result over the row cap (``sparql_row_cap``, 10 000) is cut at the cap and says so, in every
format: ``X-Result-Truncated: true``, ``X-Result-Limit`` and ``X-Result-Rows``, headers a page on
another origin may read (CORS). A result within the cap, or exactly at it, carries no such mark.

The query editor shows the notice to people: ``tests/browser/test_sparql_ui.py::
test_row_cap_notice`` runs an over-the-cap query in Chromium and checks it.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from typing import Final

import httpx
import pytest
from rdflib import Graph

pytestmark = pytest.mark.live

ROW_CAP: Final = 10_000
#: Every triple twice over: far more solutions than the cap, the first ones found at once.
OVER_THE_CAP: Final = "SELECT ?s ?o WHERE { ?s ?p ?o . ?x ?y ?z }"
SRX: Final = "{http://www.w3.org/2005/sparql-results#}"


def count_rows(body: bytes, media_type: str) -> int:
    if media_type == "application/sparql-results+json":
        return len(json.loads(body)["results"]["bindings"])
    if media_type == "application/sparql-results+xml":
        root = ET.fromstring(body)  # noqa: S314  # the server under test's own output
        return len(list(root.iter(f"{SRX}result")))
    if media_type == "text/csv":
        return len(list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))) - 1
    return len(body.decode("utf-8").rstrip("\n").split("\n")) - 1  # TSV


def assert_cut(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["X-Result-Truncated"] == "true"
    assert response.headers["X-Result-Limit"] == str(ROW_CAP)
    assert response.headers["X-Result-Rows"] == str(ROW_CAP)
    exposed = {
        h.strip().lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")
    }
    assert {"x-result-truncated", "x-result-limit", "x-result-rows"} <= exposed


@pytest.mark.parametrize(
    "media_type",
    [
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ],
)
def test_a_select_over_the_cap_is_cut_and_says_so(
    sparql_http: httpx.Client, media_type: str
) -> None:
    response = sparql_http.get(
        "/sparql", params={"query": OVER_THE_CAP}, headers={"Accept": media_type}
    )
    assert_cut(response)
    assert response.headers["Content-Type"].startswith(media_type)
    assert count_rows(response.content, media_type) == ROW_CAP


def test_a_construct_over_the_cap_is_cut_and_says_so(sparql_http: httpx.Client) -> None:
    query = "CONSTRUCT { ?s ?p ?z } WHERE { ?s ?p ?o . ?x ?y ?z }"
    response = sparql_http.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/n-triples"}
    )
    assert_cut(response)
    lines = [line for line in response.text.split("\n") if line.strip()]
    assert len(lines) == ROW_CAP
    assert len(Graph().parse(data=response.text, format="nt")) <= ROW_CAP


@pytest.mark.parametrize("rows", [3, ROW_CAP], ids=["within", "exactly-at"])
def test_a_result_within_the_cap_is_not_marked(sparql_http: httpx.Client, rows: int) -> None:
    values = " ".join(str(n) for n in range(rows))
    response = sparql_http.post(
        "/sparql",
        data={"query": f"SELECT ?n WHERE {{ VALUES ?n {{ {values} }} }}"},
        headers={"Accept": "text/csv"},
    )
    assert response.status_code == 200, response.text[:300]
    assert "X-Result-Truncated" not in response.headers
    assert response.headers["X-Result-Rows"] == str(rows)
    assert count_rows(response.content, "text/csv") == rows
