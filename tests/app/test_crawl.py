"""Crawl the site from ``/`` as a reader would, then check every published resource is reachable.

The crawl follows every local ``href`` (``<a>`` and ``<link>``) of every HTML page, breadth-first,
in both languages (the pages link each other with ``?lang=``) and into the RDF alternates; only
``/static/`` is left alone. It runs once per module; the tests below read its record.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef

from tests.app.responses import HtmlPage, parse_rdf
from tests.conftest import ROOT
from twinning_kg.formats import Format
from twinning_kg.settings import CANONICAL_BASE_IRI, Settings

RDF_FORMATS = [fmt for fmt in Format if fmt.is_rdf]
HOST = "localhost"


@dataclass(frozen=True, slots=True)
class Visit:
    """One fetched URL: what it answered and the page that linked it first."""

    status: int
    mimetype: str
    body: bytes
    referrer: str


@dataclass(slots=True)
class Crawl:
    """Everything the crawl saw."""

    visits: dict[str, Visit] = field(default_factory=dict)
    #: Local links that declare a media type (``type="text/turtle"``): URL → (type, page).
    declared: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Absolute links into a base IRI we serve locally: (href, page).
    absolute: list[tuple[str, str]] = field(default_factory=list)

    def reached_paths(self) -> set[str]:
        """The paths visited, without query and without a format suffix."""
        paths = set()
        for url in self.visits:
            path = urlsplit(url).path
            stem, dot, extension = path.rpartition(".")
            if dot and "/" not in extension and Format.from_extension(extension) is not None:
                path = stem
            paths.add(path)
        return paths


def local_url(page_url: str, href: str) -> str | None:
    """The local URL (path and query) ``href`` on ``page_url`` points to, or None if elsewhere."""
    target = urlsplit(urljoin(f"http://{HOST}{page_url}", href))
    if target.scheme not in {"http", "https"} or target.netloc != HOST:
        return None
    if target.path.startswith("/static/"):
        return None
    return target.path + (f"?{target.query}" if target.query else "")


def crawl_site(client: FlaskClient, base_iris: tuple[str, ...]) -> Crawl:
    """Fetch ``/`` and every local link of every HTML page, breadth-first."""
    crawl = Crawl()
    referrers = {"/": "(start)"}
    queue = deque(["/"])
    while queue:
        url = queue.popleft()
        response = client.get(url)
        crawl.visits[url] = Visit(
            response.status_code, response.mimetype or "", response.data, referrers[url]
        )
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for link in HtmlPage(response.get_data(as_text=True)).links:
            if link.href.startswith(base_iris):
                crawl.absolute.append((link.href, url))
            target = local_url(url, link.href)
            if target is None:
                continue
            if link.type and (link.tag == "a" or link.rel == "alternate"):
                crawl.declared.setdefault(target, (link.type, url))
            if target not in referrers:
                referrers[target] = url
                queue.append(target)
    return crawl


@pytest.fixture(scope="module")
def crawl(app: Flask, settings: Settings) -> Crawl:
    base_iris = tuple({settings.base_iri, CANONICAL_BASE_IRI})
    with app.test_client() as client:
        return crawl_site(client, base_iris)


@pytest.fixture(scope="module")
def published_subjects() -> set[URIRef]:
    """Every subject IRI under the base in data/ and ontology/, read by rdflib from the files."""
    graph = Graph()
    for folder in (ROOT / "data", ROOT / "ontology"):
        for path in sorted(Path(folder).rglob("*.ttl")):
            graph.parse(path, format="turtle")
    return {
        s for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(CANONICAL_BASE_IRI)
    }


def path_of(iri: URIRef) -> str:
    return "/" + iri[len(CANONICAL_BASE_IRI) :]


def test_crawl_found_pages_in_every_format_and_both_languages(crawl: Crawl) -> None:
    mimetypes = {visit.mimetype for visit in crawl.visits.values()}
    assert {fmt.media_type for fmt in Format} <= mimetypes
    assert any("lang=pl" in url for url in crawl.visits)
    assert len(crawl.visits) > 100


def test_every_linked_page_answers_200(crawl: Crawl) -> None:
    broken = [
        (url, visit.status, visit.referrer)
        for url, visit in crawl.visits.items()
        if visit.status != 200
    ]
    assert broken == []


def test_links_with_a_media_type_answer_in_it(crawl: Crawl) -> None:
    wrong = [
        (url, declared, crawl.visits[url].mimetype, page)
        for url, (declared, page) in crawl.declared.items()
        if crawl.visits[url].mimetype != declared
    ]
    assert wrong == []


def test_links_to_published_resources_stay_on_this_host(crawl: Crawl) -> None:
    """A page links what this server publishes by its local path, never by the absolute IRI
    (which names a host that may not be this one: example.org, by default)."""
    assert crawl.absolute == []


def test_crawl_reaches_every_subject_of_data_and_ontology(
    crawl: Crawl, published_subjects: set[URIRef]
) -> None:
    assert len(published_subjects) > 100
    reached = crawl.reached_paths()
    missing = sorted(str(s) for s in published_subjects if path_of(s) not in reached)
    assert missing == []


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=[fmt.value for fmt in RDF_FORMATS])
def test_every_subject_reads_back_in_every_rdf_format(
    crawl: Crawl, client: FlaskClient, published_subjects: set[URIRef], fmt: Format
) -> None:
    failures: list[tuple[str, object, object]] = []
    for subject in sorted(published_subjects):
        url = f"{path_of(subject)}.{fmt.file_extension}"
        visit = crawl.visits.get(url)
        if visit is None:
            response = client.get(url)
            visit = Visit(response.status_code, response.mimetype or "", response.data, "(direct)")
        if visit.status != 200 or visit.mimetype != fmt.media_type:
            failures.append((url, visit.status, visit.mimetype))
            continue
        graph = parse_rdf(visit.body, fmt)
        if (subject, None, None) not in graph:
            failures.append((url, "no triples about the subject", len(graph)))
    assert failures == []
