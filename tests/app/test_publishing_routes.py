"""/catalog, /dumps/…, /sitemap.xml, /robots.txt and the home page's schema.org Dataset."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, URIRef

from tests.app.downloads import fetch
from tests.app.responses import HtmlPage
from tests.conftest import ROOT
from tests.rdf_files import parse_rdf
from twinning_kg.formats import Format
from twinning_kg.publishing.dumps import DUMP_FORMATS
from twinning_kg.settings import Settings
from twinning_kg.store.oxigraph import OxigraphStore
from twinning_kg.web import create_app

BASE = "https://twinning.example.org/"
DUMP_NAMES = [f"{stem}{fmt.suffix}" for stem in ("twinning", "ontology") for fmt in DUMP_FORMATS]


@pytest.mark.parametrize(
    ("path", "headers", "expected"),
    [
        ("/catalog", {}, Format.HTML),
        ("/catalog", {"Accept": "*/*"}, Format.HTML),
        ("/catalog", {"Accept": "text/turtle"}, Format.TURTLE),
        ("/catalog", {"Accept": "application/ld+json"}, Format.JSONLD),
        ("/catalog", {"Accept": "application/json"}, Format.JSONLD),
        ("/catalog", {"Accept": "application/rdf+xml;q=0.9, text/turtle;q=0.5"}, Format.RDFXML),
        ("/catalog?format=nt", {}, Format.NTRIPLES),
        ("/catalog.ttl", {"Accept": "text/html"}, Format.TURTLE),
        ("/catalog.jsonld", {}, Format.JSONLD),
        ("/catalog.nt", {}, Format.NTRIPLES),
        ("/catalog.rdf", {}, Format.RDFXML),
        ("/catalog.html", {}, Format.HTML),
    ],
)
def test_the_catalogue_is_negotiated_like_entity_pages(
    client: FlaskClient, path: str, headers: dict[str, str], expected: Format
) -> None:
    response = fetch(client, path, headers)
    assert response.status_code == 200
    assert response.mimetype == expected.media_type
    assert response.headers["Content-Location"] == f"/catalog.{expected.file_extension}"
    assert "Accept" in response.headers["Vary"]
    assert 'rel="alternate"' in response.headers["Link"]
    if expected.is_rdf:
        triples, _graphs = parse_rdf(response.data, expected.media_type)
        assert any(s == URIRef(BASE + "catalog") for s, _p, _o in triples)


def test_the_catalogue_in_rdf_is_the_file_the_build_wrote(
    client: FlaskClient, settings: Settings
) -> None:
    for fmt in (Format.TURTLE, Format.JSONLD, Format.NTRIPLES, Format.RDFXML):
        response = fetch(client, f"/catalog.{fmt.file_extension}")
        built = (settings.build_dir / f"catalog.{fmt.file_extension}").read_bytes()
        assert response.data == built
        assert response.headers["ETag"] == f'"{hashlib.sha256(built).hexdigest()}"'


def test_the_catalogue_page_lists_the_datasets_and_links_every_download(
    client: FlaskClient,
) -> None:
    page = HtmlPage(fetch(client, "/catalog?lang=pl").data.decode())
    assert page.lang == "pl"
    assert page.h1 == "Katalog danych o partnerstwach miast"
    hrefs = {link.href for link in page.links}
    assert {f"/dumps/{name}" for name in DUMP_NAMES} <= hrefs
    assert {"/.well-known/void", "/sparql", "/catalog.ttl"} <= hrefs


@pytest.mark.parametrize(
    ("path", "status"),
    [("/catalog.xyz", 404), ("/catalog.json", 404), ("/.well-known/void.html", 406)],
)
def test_unknown_catalogue_formats_are_refused(client: FlaskClient, path: str, status: int) -> None:
    assert fetch(client, path).status_code == status


def test_an_unacceptable_accept_header_gets_406(client: FlaskClient) -> None:
    assert fetch(client, "/catalog", {"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize("name", DUMP_NAMES)
def test_dumps_are_downloads_with_length_etag_and_media_type(
    client: FlaskClient, settings: Settings, name: str
) -> None:
    data = (settings.build_dir / "dumps" / name).read_bytes()
    fmt = next(f for f in DUMP_FORMATS if name.endswith(f.suffix))
    response = fetch(client, f"/dumps/{name}")
    assert response.status_code == 200
    assert response.mimetype == fmt.content_type
    assert response.data == data
    assert int(response.headers["Content-Length"]) == len(data)
    assert response.headers["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_dumps_answer_range_requests_and_conditional_requests(
    client: FlaskClient, settings: Settings
) -> None:
    data = (settings.build_dir / "dumps" / "twinning.ttl").read_bytes()
    part = fetch(client, "/dumps/twinning.ttl", {"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.data == data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    tail = fetch(client, "/dumps/twinning.ttl", {"Range": "bytes=-10"})
    assert tail.data == data[-10:]
    etag = fetch(client, "/dumps/twinning.ttl").headers["ETag"]
    assert fetch(client, "/dumps/twinning.ttl", {"If-None-Match": etag}).status_code == 304
    head = fetch(client, "/dumps/twinning.ttl", method="HEAD")
    assert head.status_code == 200
    assert head.data == b""
    assert int(head.headers["Content-Length"]) == len(data)


def test_sha256sums_is_plain_text(client: FlaskClient, settings: Settings) -> None:
    response = fetch(client, "/dumps/SHA256SUMS")
    assert response.mimetype == "text/plain"
    assert response.data == (settings.build_dir / "dumps" / "SHA256SUMS").read_bytes()


@pytest.mark.parametrize("name", ["nope.ttl", "build.json", "twinning.txt", "..%2fbuild.json"])
def test_only_built_dumps_are_served(client: FlaskClient, name: str) -> None:
    assert fetch(client, f"/dumps/{name}").status_code == 404


def test_the_sitemap_lists_every_entity_page(client: FlaskClient, source_graph: Graph) -> None:
    response = fetch(client, "/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    text = response.data.decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    urls = set(re.findall(r"<loc>([^<]+)</loc>", text))
    entities = {str(s) for s in source_graph.subjects() if str(s).startswith(BASE + "id/")}
    assert entities <= urls
    assert {BASE, BASE + "catalog", BASE + "def/twinning"} <= urls
    assert BASE + "graph/data/siedlce/partnership-dasing" in urls
    assert all(url.startswith(BASE) for url in urls)
    assert "<lastmod>" in text


def test_robots_txt_points_to_the_sitemap(client: FlaskClient) -> None:
    response = fetch(client, "/robots.txt")
    assert response.mimetype == "text/plain"
    lines = response.data.decode().splitlines()
    assert f"Sitemap: {BASE}sitemap.xml" in lines
    assert "User-agent: *" in lines
    assert "Disallow: /sparql" in lines


def test_the_home_page_describes_the_dataset_for_search_engines(client: FlaskClient) -> None:
    page = HtmlPage(fetch(client, "/").data.decode())
    dataset = next(d for d in page.jsonld if d.get("@type") == "Dataset")
    assert dataset["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert dataset["temporalCoverage"].startswith("1993")
    assert dataset["publisher"]["name"] == "Urząd Miasta Siedlce"
    downloads = {d["contentUrl"] for d in dataset["distribution"]}
    assert downloads == {f"{BASE}dumps/{name}" for name in DUMP_NAMES if name.startswith("tw")}
    assert dataset["includedInDataCatalog"]["@id"] == BASE + "catalog"


def test_without_a_build_the_publishing_routes_say_how_to_make_one(
    tmp_path: Path, store: OxigraphStore
) -> None:
    app = create_app(Settings(root=ROOT, build_dir=tmp_path / "none"), store=store)
    with app.test_client() as client:
        response = fetch(client, "/catalog", {"Accept": "application/json"})
        assert response.status_code == 503
        assert response.get_json()["error"] == "build-missing"
        assert "twinning-kg build" in response.get_json()["message"]
        assert fetch(client, "/dumps/twinning.ttl").status_code == 503
        assert fetch(client, "/").status_code == 200
        assert fetch(client, "/sitemap.xml").status_code == 200
