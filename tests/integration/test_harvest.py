"""A harvester against the live server, as a portal running ckanext-dcat would go about it.

Fetch the catalogue in each RDF format, follow every distribution's download URL, check its size
and SHA-256 against the catalogue, parse it, compare its triple count with the VoID description,
and fetch everything a second time with ``If-None-Match`` to get a 304.
"""

from __future__ import annotations

import hashlib

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, RDF

from tests.rdf_files import parse_rdf
from twinning_kg.vocabulary import VOID

pytestmark = pytest.mark.live

CATALOGUE_TYPES = (
    "text/turtle",
    "application/ld+json",
    "application/n-triples",
    "application/rdf+xml",
)
SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA = "http://www.iana.org/assignments/media-types/"


def _graph(response: httpx.Response, media_type: str) -> Graph:
    graph = Graph()
    for triple in parse_rdf(response.content, media_type)[0]:
        graph.add(triple)
    return graph


def _fetch_again(
    http: httpx.Client, url: str, response: httpx.Response, headers: dict[str, str] | None = None
) -> None:
    """The same request again, with the ETag it got: nothing changed, so 304 and no body."""
    again = http.get(url, headers={**(headers or {}), "If-None-Match": response.headers["etag"]})
    assert again.status_code == 304, url
    assert again.content == b""


@pytest.mark.parametrize("media_type", CATALOGUE_TYPES)
def test_the_catalogue_comes_in_every_rdf_format_and_is_the_same_graph(
    http: httpx.Client, media_type: str
) -> None:
    response = http.get("/catalog", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in response.headers["vary"]
    turtle = http.get("/catalog.ttl")
    assert isomorphic(_graph(response, media_type), _graph(turtle, "text/turtle"))
    _fetch_again(http, "/catalog", response, {"Accept": media_type})


def test_every_download_has_the_size_and_checksum_the_catalogue_gives_and_the_void_count(
    http: httpx.Client, live_server: str
) -> None:
    catalogue = _graph(http.get("/catalog", headers={"Accept": "text/turtle"}), "text/turtle")
    void_response = http.get("/.well-known/void", headers={"Accept": "text/turtle"})
    void = _graph(void_response, "text/turtle")
    catalog = next(catalogue.subjects(RDF.type, DCAT.Catalog))
    followed = 0
    for dataset in catalogue.objects(catalog, DCAT.dataset):
        triples_count = void.value(dataset, VOID.triples)
        assert isinstance(triples_count, Literal), dataset
        expected_triples = int(triples_count)
        assert expected_triples > 0
        for distribution in catalogue.objects(dataset, DCAT.distribution):
            url = str(catalogue.value(distribution, DCAT.downloadURL))
            assert url.startswith(f"{live_server}/dumps/"), "download URLs name this server"
            response = http.get(url)
            assert response.status_code == 200, url
            byte_size = catalogue.value(distribution, DCAT.byteSize)
            assert isinstance(byte_size, Literal), url
            size = int(byte_size)
            assert len(response.content) == size == int(response.headers["content-length"])
            checksum = catalogue.value(distribution, SPDX.checksum)
            expected_sha256 = str(catalogue.value(checksum, SPDX.checksumValue))
            assert hashlib.sha256(response.content).hexdigest() == expected_sha256
            assert response.headers["etag"] == f'"{expected_sha256}"'
            media_type = str(catalogue.value(distribution, DCAT.mediaType)).removeprefix(IANA)
            compressed = catalogue.value(distribution, DCAT.compressFormat) is not None
            served = response.headers["content-type"].split(";")[0]
            assert served == ("application/gzip" if compressed else media_type)
            assert response.headers["content-disposition"].startswith("attachment")
            triples, _graphs = parse_rdf(response.content, media_type, compressed=compressed)
            assert len(triples) == expected_triples, url
            assert URIRef(url) in set(void.objects(dataset, VOID.dataDump))
            _fetch_again(http, url, response)
            followed += 1
    assert followed == 15, "five dumps each of the whole graph, the ontology and data/siedlce/"


def test_a_partial_download_resumes_where_it_stopped(http: httpx.Client) -> None:
    whole = http.get("/dumps/twinning.nt.gz").content
    first = http.get("/dumps/twinning.nt.gz", headers={"Range": f"bytes=0-{len(whole) // 2 - 1}"})
    rest = http.get("/dumps/twinning.nt.gz", headers={"Range": f"bytes={len(whole) // 2}-"})
    assert first.status_code == rest.status_code == 206
    assert first.content + rest.content == whole


def test_sha256sums_checks_every_dump(http: httpx.Client) -> None:
    sums = http.get("/dumps/SHA256SUMS")
    assert sums.status_code == 200
    for line in sums.text.splitlines():
        checksum, name = line.split("  ")
        assert hashlib.sha256(http.get(f"/dumps/{name}").content).hexdigest() == checksum


def test_crawlers_find_the_sitemap_from_robots_txt(http: httpx.Client, live_server: str) -> None:
    robots = http.get("/robots.txt").text
    assert f"Sitemap: {live_server}/sitemap.xml" in robots.splitlines()
    sitemap = http.get("/sitemap.xml")
    assert sitemap.status_code == 200
    assert f"<loc>{live_server}/id/municipality/siedlce</loc>" in sitemap.text
