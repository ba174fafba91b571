"""The real server (gunicorn, preloaded, two workers) over HTTP: pages, RDF, errors, caching."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from twinning_kg.vocabulary import TWIN

pytestmark = pytest.mark.live

SIEDLCE = URIRef("https://twinning.example.org/id/municipality/siedlce")
SIEDLCE_PATH = "/id/municipality/siedlce"


def test_home_is_html_from_gunicorn(http: httpx.Client) -> None:
    response = http.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["server"].startswith("gunicorn")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "<h1>" in response.text


def test_entity_in_turtle_by_accept_parses(http: httpx.Client) -> None:
    response = http.get(SIEDLCE_PATH, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert "Accept" in response.headers["vary"]
    assert response.headers["content-location"] == f"{SIEDLCE_PATH}.ttl"
    graph = Graph().parse(data=response.text, format="turtle")
    assert (SIEDLCE, RDF.type, TWIN.Municipality) in graph


def test_unknown_iri_is_404_json(http: httpx.Client) -> None:
    response = http.get("/id/municipality/atlantis", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == 404
    assert body["error"] == "not-found"
    assert "atlantis" in body["message"]


@pytest.mark.parametrize("path", ["/", SIEDLCE_PATH, f"{SIEDLCE_PATH}.ttl"])
def test_head_has_the_get_headers_and_no_body(http: httpx.Client, path: str) -> None:
    got = http.get(path)
    head = http.head(path)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["etag"] == got.headers["etag"]
    assert int(head.headers["content-length"]) == len(got.content)


@pytest.mark.parametrize("path", ["/", SIEDLCE_PATH, f"{SIEDLCE_PATH}.ttl"])
def test_if_none_match_gives_304(http: httpx.Client, path: str) -> None:
    first = http.get(path)
    etag = first.headers["etag"]
    again = http.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    changed = http.get(path, headers={"If-None-Match": '"not-the-etag"'})
    assert changed.status_code == 200


def test_concurrent_requests_are_all_served(http: httpx.Client) -> None:
    paths = [
        "/",
        SIEDLCE_PATH,
        f"{SIEDLCE_PATH}.ttl",
        f"{SIEDLCE_PATH}.jsonld",
        "/id/partnership/siedlce-dasing",
        "/search?q=siedlce&format=json",
        "/def/twinning",
    ]
    requests = [paths[i % len(paths)] for i in range(20)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(lambda path: http.get(path).status_code, requests))
    assert statuses == [200] * len(requests)
