"""Content negotiation on an entity page, as real clients ask for it.

One table of ``Accept`` header → status and media type for ``/id/municipality/dasing``, then URL
suffixes and ``?format=``, which beat ``Accept``. The headers are the ones the clients send:

* curl, wget, Python requests and httpx send ``*/*``; ``urllib`` sends no ``Accept`` at all.
* Browsers send their navigation header (Firefox, now and in the releases that listed image types;
  Chrome; Safari), all ranking HTML first and ``application/xml`` (an RDF/XML alias here) at 0.9.
* rapper (Raptor 2) sends its parser's media types with Raptor's own q-values and ``*/*;q=0.1``
  (``raptor_parser_get_accept_header`` in ``src/raptor_parse.c``); its default parser is RDF/XML.
* rdflib's ``Graph.parse(url, format=...)`` builds its header in ``URLInputSource.__init__``
  (``rdflib/parser.py``); with no format it lists every registered parser media type, unranked.
  ``test_rdflib_sends_the_headers_in_the_table`` checks the table against the installed rdflib, and
  ``test_rdflib_reads_the_entity_over_http`` lets rdflib itself fetch the page through the app.

Ties go to the server's order of preference (HTML, Turtle, JSON-LD, N-Triples, RDF/XML), whatever
order the client lists them in; more specific ranges override wildcards (RFC 9110, section 12.5.1).
Media type parameters other than ``q`` do not stop a match. A header with no ``type/subtype`` in it
(``foo``, ``;;;``) says nothing and is treated like no header.
"""

from __future__ import annotations

import email.message
import io
import urllib.request
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import urlsplit
from urllib.response import addinfourl

import pytest
import rdflib.parser
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import OWL

from twinning_kg.formats import Format
from twinning_kg.vocabulary import WD, entity_iri

DASING = "/id/municipality/dasing"
DASING_IRI = entity_iri("municipality", "dasing")

HTML = Format.HTML
TURTLE = Format.TURTLE
JSONLD = Format.JSONLD
NTRIPLES = Format.NTRIPLES
RDFXML = Format.RDFXML

FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
FIREFOX_WITH_IMAGES = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
)
CHROME = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
    "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
SAFARI = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RAPPER = "application/rdf+xml, text/rdf;q=0.6, */*;q=0.1"
RAPPER_TURTLE = (
    "text/turtle, application/x-turtle, application/turtle, text/n3;q=0.3, text/rdf+n3;q=0.3, "
    "application/rdf+n3;q=0.3, */*;q=0.1"
)
RDFLIB_ANY = (
    "application/rdf+xml, text/n3, text/turtle, application/n-triples, application/ld+json, "
    "application/n-quads, application/trix, application/trig"
)
RDFLIB = {
    None: RDFLIB_ANY,
    "turtle": "text/turtle, application/x-turtle, */*;q=0.1",
    "xml": "application/rdf+xml, */*;q=0.1",
    "json-ld": "application/ld+json, application/json;q=0.9, */*;q=0.1",
    "nt": "text/plain, */*;q=0.1",
}


class Case(NamedTuple):
    """One row: what the client sends and the representation it must get (None: 406)."""

    id: str
    accept: str | None
    expected: Format | None


CASES = [
    # Command-line and library clients.
    Case("curl", "*/*", HTML),
    Case("no-accept-header", None, HTML),
    Case("empty-accept-header", "", HTML),
    Case("python-requests", "*/*", HTML),
    Case("rapper", RAPPER, RDFXML),
    Case("rapper-i-turtle", RAPPER_TURTLE, TURTLE),
    Case("rdflib-no-format", RDFLIB[None], TURTLE),
    Case("rdflib-turtle", RDFLIB["turtle"], TURTLE),
    Case("rdflib-xml", RDFLIB["xml"], RDFXML),
    Case("rdflib-json-ld", RDFLIB["json-ld"], JSONLD),
    Case("rdflib-nt", RDFLIB["nt"], NTRIPLES),
    # Browsers.
    Case("firefox", FIREFOX, HTML),
    Case("firefox-with-image-types", FIREFOX_WITH_IMAGES, HTML),
    Case("chrome", CHROME, HTML),
    Case("safari", SAFARI, HTML),
    # One media type each, registered names and aliases.
    Case("text/html", "text/html", HTML),
    Case("application/xhtml+xml", "application/xhtml+xml", HTML),
    Case("text/turtle", "text/turtle", TURTLE),
    Case("application/x-turtle", "application/x-turtle", TURTLE),
    Case("application/ld+json", "application/ld+json", JSONLD),
    Case("application/json-is-json-ld", "application/json", JSONLD),
    Case("application/n-triples", "application/n-triples", NTRIPLES),
    Case("text/plain-is-n-triples", "text/plain", NTRIPLES),
    Case("application/rdf+xml", "application/rdf+xml", RDFXML),
    Case("application/xml-is-rdf-xml", "application/xml", RDFXML),
    Case("text/xml-is-rdf-xml", "text/xml", RDFXML),
    Case("media-type-case-insensitive", "TEXT/Turtle", TURTLE),
    Case("charset-parameter", "text/turtle; charset=utf-8", TURTLE),
    Case(
        "json-ld-profile-parameter",
        'application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"',
        JSONLD,
    ),
    # q-values.
    Case("q-json-ld-over-turtle", "text/turtle;q=0.5, application/ld+json;q=0.9", JSONLD),
    Case("q-turtle-over-html", "text/html;q=0.1, text/turtle", TURTLE),
    Case("q-rdf-xml-by-a-hair", "text/turtle;q=0.99, application/rdf+xml", RDFXML),
    Case("q-later-in-list-wins", "application/n-triples;q=0.2, text/turtle;q=0.3", TURTLE),
    Case("q-zero-refuses", "text/turtle;q=0", None),
    Case("q-zero-html-then-wildcard", "text/html;q=0, */*;q=0.5", TURTLE),
    # Ties: the server's order decides, not the client's.
    Case("tie-json-ld-listed-first-turtle-wins", "application/ld+json, text/turtle", TURTLE),
    Case("tie-html-listed-second-still-wins", "text/turtle, text/html", HTML),
    Case(
        "tie-rdf-xml-first-n-triples-wins", "application/rdf+xml, application/n-triples", NTRIPLES
    ),
    Case("tie-equal-q", "application/rdf+xml;q=0.5, application/ld+json;q=0.5", JSONLD),
    # Wildcards, and specific ranges overriding them.
    Case("wildcard-text", "text/*", HTML),
    Case("wildcard-application", "application/*", JSONLD),
    Case("wildcard-text-below-n-triples", "text/*;q=0.5, application/n-triples", NTRIPLES),
    Case("wildcard-any-below-rdf-xml", "*/*;q=0.1, application/rdf+xml", RDFXML),
    Case("wildcard-text-but-not-html", "text/*, text/html;q=0", TURTLE),
    Case("wildcard-text-above-turtle", "text/turtle;q=0.5, text/*;q=0.9", HTML),
    # Garbage says nothing; well-formed but unavailable types get 406.
    Case("garbage-semicolons", ";;;", HTML),
    Case("garbage-word", "foo", HTML),
    Case("garbage-commas", ",,,", HTML),
    Case("garbage-bad-q", "text/turtle;q=abc", HTML),
    Case("image/png", "image/png", None),
    Case("unknown-type", "foo/bar", None),
    Case("sparql-results-json", "application/sparql-results+json", None),
    Case("only-formats-we-lack", "application/trig, application/n-quads", None),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_accept_header_picks_the_representation(client: FlaskClient, case: Case) -> None:
    headers = {} if case.accept is None else {"Accept": case.accept}
    response = client.get(DASING, headers=headers)
    if case.expected is None:
        assert response.status_code == 406
        assert response.headers["Vary"].startswith("Accept")
        return
    assert response.status_code == 200
    assert response.mimetype == case.expected.media_type
    assert response.headers["Content-Location"] == f"{DASING}.{case.expected.file_extension}"


@pytest.mark.parametrize("accept", ["image/png", "foo/bar", "text/turtle;q=0"])
def test_not_acceptable_lists_what_is_available(client: FlaskClient, accept: str) -> None:
    response = client.get(DASING, headers={"Accept": accept})
    assert response.status_code == 406
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == 406
    assert body["error"] == "not-acceptable"
    for fmt in Format:
        assert fmt.media_type in body["message"]


def test_not_acceptable_for_a_browser_is_an_html_page(client: FlaskClient) -> None:
    response = client.get(f"{DASING}?format=png", headers={"Accept": FIREFOX})
    assert response.status_code == 406
    assert response.mimetype == "text/html"
    assert "text/turtle" in response.get_data(as_text=True)


@pytest.mark.parametrize("fmt", list(Format), ids=[f.value for f in Format])
def test_suffix_picks_the_representation(client: FlaskClient, fmt: Format) -> None:
    response = client.get(f"{DASING}.{fmt.file_extension}")
    assert response.status_code == 200
    assert response.mimetype == fmt.media_type
    assert response.headers["Content-Location"] == f"{DASING}.{fmt.file_extension}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("html", HTML),
        ("ttl", TURTLE),
        ("turtle", TURTLE),
        ("jsonld", JSONLD),
        ("json-ld", JSONLD),
        ("json", JSONLD),
        ("nt", NTRIPLES),
        ("ntriples", NTRIPLES),
        ("n-triples", NTRIPLES),
        ("rdf", RDFXML),
        ("xml", RDFXML),
        ("TTL", TURTLE),
        ("text/turtle", TURTLE),
        ("application/ld+json", JSONLD),
        ("application/rdf+xml", RDFXML),
    ],
)
def test_format_parameter_picks_the_representation(
    client: FlaskClient, value: str, expected: Format
) -> None:
    response = client.get(DASING, query_string={"format": value})
    assert response.status_code == 200
    assert response.mimetype == expected.media_type
    assert response.headers["Content-Location"] == f"{DASING}.{expected.file_extension}"


@pytest.mark.parametrize("value", ["png", "csv", "text/csv", "ttl2"])
def test_unknown_format_parameter_is_not_acceptable(client: FlaskClient, value: str) -> None:
    response = client.get(DASING, query_string={"format": value})
    assert response.status_code == 406
    assert "text/turtle" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "accept", "expected"),
    [
        (f"{DASING}.ttl", "application/ld+json", TURTLE),
        (f"{DASING}.ttl", FIREFOX, TURTLE),
        (f"{DASING}.html", "text/turtle", HTML),
        (f"{DASING}.jsonld", "image/png", JSONLD),
        (f"{DASING}.rdf", "text/html;q=1, application/rdf+xml;q=0", RDFXML),
        (f"{DASING}?format=nt", "text/turtle", NTRIPLES),
        (f"{DASING}.ttl?format=rdf", "text/html", TURTLE),
    ],
    ids=[
        "ttl-over-json-ld",
        "ttl-over-browser",
        "html-over-turtle",
        "jsonld-over-png",
        "rdf-over-q-zero",
        "format-param-over-accept",
        "suffix-over-format-param",
    ],
)
def test_explicit_format_beats_accept(
    client: FlaskClient, url: str, accept: str, expected: Format
) -> None:
    response = client.get(url, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == expected.media_type


@pytest.mark.parametrize(
    "url",
    [
        f"{DASING}.xyz",
        f"{DASING}.png",
        f"{DASING}.",
        f"{DASING}.ttl.ttl",
        f"{DASING}.json.ttl",
        "/id/municipality/.ttl",
    ],
)
def test_unknown_suffix_is_not_found(client: FlaskClient, url: str) -> None:
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_every_negotiated_answer_varies_on_accept(client: FlaskClient) -> None:
    for case in CASES:
        headers = {} if case.accept is None else {"Accept": case.accept}
        response = client.get(DASING, headers=headers)
        assert "Accept" in [v.strip() for v in response.headers["Vary"].split(",")], case.id


# rdflib as a client --------------------------------------------------------------------------


def _urlopen_through(client: FlaskClient, sent: list[str]) -> Callable[..., addinfourl]:
    """A stand-in for rdflib's ``_urlopen`` that sends the request to the app instead."""

    def urlopen(request: urllib.request.Request) -> addinfourl:
        sent.append(request.get_header("Accept") or "")
        url = urlsplit(request.full_url)
        response = client.get(url.path, query_string=url.query, headers=request.header_items())
        headers = email.message.Message()
        for name, value in response.headers.items():
            headers[name] = value
        return addinfourl(
            io.BytesIO(response.data), headers, request.full_url, response.status_code
        )

    return urlopen


#: rdflib's own JSON-LD parser builds a ConjunctiveGraph, which rdflib 7 deprecates.
RDFLIB_JSONLD_WARNING = "ignore:ConjunctiveGraph is deprecated:DeprecationWarning"


@pytest.mark.filterwarnings(RDFLIB_JSONLD_WARNING)
@pytest.mark.parametrize("rdflib_format", list(RDFLIB), ids=[str(f) for f in RDFLIB])
def test_rdflib_sends_the_headers_in_the_table(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, rdflib_format: str | None
) -> None:
    sent: list[str] = []
    monkeypatch.setattr(rdflib.parser, "_urlopen", _urlopen_through(client, sent))
    Graph().parse(str(DASING_IRI), format=rdflib_format)
    assert sent[0] == RDFLIB[rdflib_format]


@pytest.mark.filterwarnings(RDFLIB_JSONLD_WARNING)
@pytest.mark.parametrize("rdflib_format", list(RDFLIB), ids=[str(f) for f in RDFLIB])
def test_rdflib_reads_the_entity_over_http(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, rdflib_format: str | None
) -> None:
    monkeypatch.setattr(rdflib.parser, "_urlopen", _urlopen_through(client, []))
    graph = Graph().parse(str(DASING_IRI), format=rdflib_format)
    assert (DASING_IRI, OWL.sameAs, URIRef(WD.Q645832)) in graph
