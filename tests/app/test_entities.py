"""Entity, ontology and shape pages: what each format says (as triples), and the HTTP around it.

RDF responses are parsed back with rdflib and checked triple by triple; the HTML page is read for
its language, heading, links and its schema.org JSON-LD block (itself parsed as RDF). Expected
labels and types of linked resources come from the source files, read by rdflib.
"""

from __future__ import annotations

import json
import re
from email.utils import parsedate_to_datetime

import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node
from werkzeug.test import TestResponse

from tests.app.responses import HtmlPage, canonical, parse_rdf
from twinning_kg.formats import Format
from twinning_kg.settings import CANONICAL_BASE_IRI
from twinning_kg.vocabulary import GEO, SCHEMA, TWIN, TWINSH, WD, entity_iri

RDF_FORMATS = [fmt for fmt in Format if fmt.is_rdf]
ALL_FORMATS = list(Format)

DASING = entity_iri("municipality", "dasing")
DASING_URL = "/id/municipality/dasing"
SIEDLCE = entity_iri("municipality", "siedlce")
GERMANY = entity_iri("country", "germany")
BAVARIA = entity_iri("region", "bavaria")
SIEDLCE_DASING = entity_iri("partnership", "siedlce-dasing")
MGV_ZAHLLING = entity_iri("institution", "mgv-zahlling")
MGV_ZAHLLING_URL = "/id/institution/mgv-zahlling"
BAVARIAN_CONCERTS_2002 = entity_iri("event", "dasing-bavarian-music-2002")
BERDYCHIV_URL = "/id/municipality/berdychiv"
MUNICIPALITY_URL = "/def/twinning/Municipality"
PARTNERSHIP_SHAPE_URL = "/def/shapes/PartnershipShape"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
UNKNOWN_URLS = [
    "/id/municipality/atlantis",
    "/def/twinning/Atlantis",
    "/def/shapes/AtlantisShape",
    "/id/nothing-of-this-kind/x",
    "/elsewhere/x",
]


def fetch(client: FlaskClient, url: str, fmt: Format) -> TestResponse:
    """GET the explicit-format URL of ``url`` and check it answered in that format."""
    response = client.get(f"{url}.{fmt.file_extension}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == fmt.media_type
    return response


def fetch_graph(client: FlaskClient, url: str, fmt: Format) -> Graph:
    """The RDF description at ``url`` in ``fmt``, parsed back."""
    graph = parse_rdf(fetch(client, url, fmt).data, fmt)
    assert len(graph) > 0
    return graph


def iri_of(url: str) -> URIRef:
    """The IRI a local path names (the app publishes under the canonical base)."""
    return URIRef(CANONICAL_BASE_IRI + url.lstrip("/"))


def link_header(response: TestResponse) -> dict[str, tuple[str, str]]:
    """``Link`` header entries: target → (rel, type)."""
    pattern = r'<([^>]*)>\s*;\s*rel="([^"]*)"(?:\s*;\s*type="([^"]*)")?'
    entries = re.findall(pattern, response.headers.get("Link", ""))
    return {target: (rel, kind) for target, rel, kind in entries}


def labels(graph: Graph, node: Node) -> set[Node]:
    return set(graph.objects(node, RDFS.label))


@pytest.fixture(params=RDF_FORMATS, ids=[fmt.value for fmt in RDF_FORMATS])
def rdf_format(request: pytest.FixtureRequest) -> Format:
    fmt: Format = request.param
    return fmt


@pytest.fixture(params=ALL_FORMATS, ids=[fmt.value for fmt in ALL_FORMATS])
def any_format(request: pytest.FixtureRequest) -> Format:
    fmt: Format = request.param
    return fmt


# The entity's own triples, its neighbours and its incoming links -------------------------------


def test_municipality_page_holds_its_own_triples(client: FlaskClient, rdf_format: Format) -> None:
    graph = fetch_graph(client, DASING_URL, rdf_format)
    assert (DASING, RDF.type, TWIN.Municipality) in graph
    assert (DASING, OWL.sameAs, WD.Q645832) in graph
    assert (DASING, RDFS.label, Literal("Dasing", lang="pl")) in graph
    assert (DASING, RDFS.label, Literal("Dasing", lang="en")) in graph
    assert (DASING, TWIN.country, GERMANY) in graph
    assert (DASING, TWIN.partOf, BAVARIA) in graph
    assert (DASING, TWIN.twinnedWith, SIEDLCE) in graph
    latitude = graph.value(DASING, GEO.lat)
    assert isinstance(latitude, Literal)
    assert float(latitude) == pytest.approx(48.38482)


def test_municipality_page_labels_and_types_what_it_links_to(
    client: FlaskClient, rdf_format: Format, source_graph: Graph
) -> None:
    graph = fetch_graph(client, DASING_URL, rdf_format)
    neighbours = {
        o
        for o in source_graph.objects(DASING, None)
        if isinstance(o, URIRef) and o.startswith(CANONICAL_BASE_IRI + "id/")
    }
    assert {GERMANY, BAVARIA, SIEDLCE} <= neighbours
    for neighbour in neighbours:
        assert labels(source_graph, neighbour) <= labels(graph, neighbour), neighbour
        types = set(source_graph.objects(neighbour, RDF.type))
        assert types <= set(graph.objects(neighbour, RDF.type)), neighbour
    assert (GERMANY, RDFS.label, Literal("Niemcy", lang="pl")) in graph
    assert (BAVARIA, RDFS.label, Literal("Bavaria", lang="en")) in graph
    assert (TWIN.country, RDFS.label, None) in graph, "properties are labelled too"


def test_municipality_page_holds_its_partnerships(
    client: FlaskClient, rdf_format: Format, source_graph: Graph
) -> None:
    graph = fetch_graph(client, DASING_URL, rdf_format)
    partnerships = set(source_graph.subjects(TWIN.partner, DASING))
    assert SIEDLCE_DASING in partnerships
    for partnership in partnerships:
        assert (partnership, TWIN.partner, DASING) in graph
        assert (partnership, RDF.type, TWIN.Partnership) in graph
        assert labels(source_graph, partnership) <= labels(graph, partnership)
        assert set(source_graph.objects(partnership, TWIN.status)) <= set(
            graph.objects(partnership, TWIN.status)
        )
    assert (SIEDLCE, TWIN.twinnedWith, DASING) in graph


def test_institution_page_holds_the_events_it_took_part_in(
    client: FlaskClient, rdf_format: Format, source_graph: Graph
) -> None:
    assert (BAVARIAN_CONCERTS_2002, TWIN.performer, MGV_ZAHLLING) in source_graph
    graph = fetch_graph(client, MGV_ZAHLLING_URL, rdf_format)
    events = {
        (event, role)
        for event, role in source_graph.subject_predicates(MGV_ZAHLLING)
        if (event, RDF.type, TWIN.Event) in source_graph
    }
    assert events
    for event, role in events:
        assert (event, role, MGV_ZAHLLING) in graph
        assert (event, RDF.type, TWIN.Event) in graph
        assert labels(source_graph, event) <= labels(graph, event)
    assert (BAVARIAN_CONCERTS_2002, TWIN.date, None) in graph, "dates feed the timeline"


@pytest.mark.parametrize(
    "url", [DASING_URL, MGV_ZAHLLING_URL, MUNICIPALITY_URL, PARTNERSHIP_SHAPE_URL]
)
def test_every_rdf_format_says_the_same(client: FlaskClient, url: str) -> None:
    turtle = canonical(fetch_graph(client, url, Format.TURTLE))
    for fmt in RDF_FORMATS:
        assert isomorphic(turtle, canonical(fetch_graph(client, url, fmt))), fmt


def test_html_page_shows_the_municipality(client: FlaskClient) -> None:
    page = HtmlPage(fetch(client, DASING_URL, Format.HTML).get_data(as_text=True))
    assert page.lang == "en"
    assert page.h1 == "Dasing"
    assert "/id/country/germany" in page.hrefs
    assert "/id/partnership/siedlce-dasing" in page.hrefs
    assert str(WD.Q645832) in page.hrefs
    assert "Germany" in page.text
    assert "Bavaria" in page.text


def test_html_page_carries_schema_org_json_ld(client: FlaskClient) -> None:
    page = HtmlPage(fetch(client, DASING_URL, Format.HTML).get_data(as_text=True))
    (block,) = [b for b in page.jsonld if b.get("@id") == str(DASING)]
    assert block["@context"] == "https://schema.org"
    # Read it as RDF without fetching schema.org's context: the terms it uses, inline.
    block["@context"] = {"@vocab": str(SCHEMA), "sameAs": {"@type": "@id"}}
    graph = parse_rdf(json.dumps(block), Format.JSONLD)
    assert (DASING, RDF.type, SCHEMA.City) in graph
    assert (DASING, SCHEMA.name, Literal("Dasing")) in graph
    assert (DASING, SCHEMA.sameAs, WD.Q645832) in graph


def test_institution_html_page_links_its_events(client: FlaskClient) -> None:
    page = HtmlPage(fetch(client, MGV_ZAHLLING_URL, Format.HTML).get_data(as_text=True))
    assert "/id/event/dasing-bavarian-music-2002" in page.hrefs


# Headers ---------------------------------------------------------------------------------------


def test_every_format_varies_on_accept_and_language(
    client: FlaskClient, any_format: Format
) -> None:
    for response in (
        fetch(client, DASING_URL, any_format),
        client.get(DASING_URL, headers={"Accept": any_format.media_type}),
    ):
        vary = {v.strip() for v in response.headers["Vary"].split(",")}
        assert {"Accept", "Accept-Language"} <= vary


def test_link_header_names_every_other_format(client: FlaskClient, any_format: Format) -> None:
    links = link_header(fetch(client, DASING_URL, any_format))
    for other in Format:
        target = f"{DASING_URL}.{other.file_extension}"
        if other is any_format:
            assert target not in links
        else:
            assert links[target] == ("alternate", other.media_type)


def test_html_head_repeats_the_alternates(client: FlaskClient) -> None:
    page = HtmlPage(fetch(client, DASING_URL, Format.HTML).get_data(as_text=True))
    assert page.alternates == {
        fmt.media_type: f"{DASING_URL}.{fmt.file_extension}" for fmt in RDF_FORMATS
    }


def test_content_location_is_the_explicit_url(client: FlaskClient, any_format: Format) -> None:
    negotiated = client.get(DASING_URL, headers={"Accept": any_format.media_type})
    assert negotiated.status_code == 200
    location = negotiated.headers["Content-Location"]
    assert location == f"{DASING_URL}.{any_format.file_extension}"
    explicit = client.get(location)
    assert explicit.headers["Content-Location"] == location
    assert explicit.data == negotiated.data
    assert explicit.headers["ETag"] == negotiated.headers["ETag"]


def test_rdf_is_open_to_every_origin(client: FlaskClient, rdf_format: Format) -> None:
    response = fetch(client, DASING_URL, rdf_format)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Link", "Content-Location"} <= exposed


def test_html_is_not_opened_to_other_origins(client: FlaskClient) -> None:
    response = fetch(client, DASING_URL, Format.HTML)
    assert "Access-Control-Allow-Origin" not in response.headers


def test_strong_etag_answers_304(client: FlaskClient, any_format: Format) -> None:
    url = f"{DASING_URL}.{any_format.file_extension}"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('"'), "a strong validator, not W/"
    assert first.headers["Last-Modified"]
    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": first.headers["Last-Modified"]}):
        again = client.get(url, headers=headers)
        assert again.status_code == 304, headers
        assert again.data == b""
        assert again.headers["ETag"] == etag
    changed = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200
    assert changed.data == first.data


def test_a_plain_get_carries_the_validators_and_cache_control(client: FlaskClient) -> None:
    """Written by the app itself when the request is not conditional."""
    response = client.get(f"{DASING_URL}.ttl")
    assert response.status_code == 200
    assert re.fullmatch(r'"[0-9a-f]{32}"', response.headers["ETag"])
    assert parsedate_to_datetime(response.headers["Last-Modified"]).tzinfo is not None
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_if_match_that_fails_answers_412(client: FlaskClient) -> None:
    """If-Match is read too, not only the two headers that give 304."""
    first = client.get(f"{DASING_URL}.ttl")
    refused = client.get(f"{DASING_URL}.ttl", headers={"If-Match": '"something-else"'})
    assert refused.status_code == 412
    kept = client.get(f"{DASING_URL}.ttl", headers={"If-Match": first.headers["ETag"]})
    assert kept.status_code == 200
    assert kept.data == first.data


def test_etag_differs_between_formats_and_languages(client: FlaskClient) -> None:
    etags = {fetch(client, DASING_URL, fmt).headers["ETag"] for fmt in Format}
    etags.add(client.get(f"{DASING_URL}.html?lang=pl").headers["ETag"])
    assert len(etags) == len(Format) + 1


def test_head_answers_the_headers_without_a_body(client: FlaskClient, any_format: Format) -> None:
    url = f"{DASING_URL}.{any_format.file_extension}"
    get, head = client.get(url), client.head(url)
    assert head.status_code == 200
    assert head.data == b""
    for name in ("Content-Type", "Content-Length", "ETag", "Link", "Vary", "Content-Location"):
        assert head.headers.get(name) == get.headers.get(name), name


# JSON-LD and its context -----------------------------------------------------------------------


def test_json_ld_uses_the_published_context(client: FlaskClient) -> None:
    response = fetch(client, DASING_URL, Format.JSONLD)
    published = client.get("/context.jsonld")
    assert published.status_code == 200
    assert published.mimetype == "application/ld+json"
    assert response.get_json()["@context"] == published.get_json()["@context"]
    assert link_header(response)["/context.jsonld"] == (
        "http://www.w3.org/ns/json-ld#context",
        "application/ld+json",
    )


def test_json_ld_reads_as_plain_json(client: FlaskClient) -> None:
    body = fetch(client, DASING_URL, Format.JSONLD).get_json()
    nodes = body["@graph"]
    (dasing,) = [node for node in nodes if node.get("id") == str(DASING)]
    assert dasing["type"] == "Municipality"
    assert dasing["label"] == {"pl": "Dasing", "en": "Dasing"}
    assert dasing["sameAs"] in ("wd:Q645832", str(WD.Q645832))
    assert dasing["country"] == str(GERMANY)
    for node in nodes:
        assert not [key for key in node if key.startswith(("http:", "https:"))], node


def test_context_document_is_cacheable_and_open(client: FlaskClient) -> None:
    response = client.get("/context.jsonld")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    context = response.get_json()["@context"]
    assert context["label"] == {"@id": "rdfs:label", "@container": "@language"}
    assert context["sameAs"] == {"@id": "owl:sameAs", "@type": "@id"}
    again = client.get("/context.jsonld", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


# The ontology and the shapes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [(MUNICIPALITY_URL, OWL.Class), (PARTNERSHIP_SHAPE_URL, SH.NodeShape)],
    ids=["term", "shape"],
)
def test_vocabulary_page_holds_labels_and_comments(
    client: FlaskClient, rdf_format: Format, source_graph: Graph, url: str, kind: URIRef
) -> None:
    iri = iri_of(url)
    graph = fetch_graph(client, url, rdf_format)
    assert (iri, RDF.type, kind) in graph
    for prop in (RDFS.label, RDFS.comment):
        expected = set(source_graph.objects(iri, prop))
        assert {lit.language for lit in expected if isinstance(lit, Literal)} == {"pl", "en"}
        assert expected <= set(graph.objects(iri, prop)), prop


def test_term_page_holds_the_whole_definition(
    client: FlaskClient, rdf_format: Format, source_graph: Graph
) -> None:
    graph = fetch_graph(client, MUNICIPALITY_URL, rdf_format)
    for triple in source_graph.triples((TWIN.Municipality, None, None)):
        assert triple in graph
    assert (TWIN.twinnedWith, RDFS.domain, TWIN.Municipality) in graph, "incoming: domain of"


def test_shape_page_holds_its_property_shapes_and_lists(
    client: FlaskClient, rdf_format: Format, source_graph: Graph
) -> None:
    shape = TWINSH.PartnershipShape
    graph = fetch_graph(client, PARTNERSHIP_SHAPE_URL, rdf_format)
    assert (shape, SH.targetClass, TWIN.Partnership) in graph
    assert isomorphic(canonical(graph.cbd(shape)), canonical(source_graph.cbd(shape)))
    (status,) = [p for p in graph.objects(shape, SH.property) if (p, SH.path, TWIN.status) in graph]
    allowed = graph.value(status, SH["in"])
    assert allowed is not None
    assert list(Collection(graph, allowed)) == [
        entity_iri("status", slug) for slug in ("active", "suspended", "ended")
    ]


@pytest.mark.parametrize("url", [MUNICIPALITY_URL, PARTNERSHIP_SHAPE_URL], ids=["term", "shape"])
@pytest.mark.parametrize("lang", ["pl", "en"])
def test_vocabulary_html_shows_labels_and_comments(
    client: FlaskClient, source_graph: Graph, url: str, lang: str
) -> None:
    iri = iri_of(url)
    response = client.get(url, query_string={"lang": lang})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = HtmlPage(response.get_data(as_text=True))
    assert page.lang == lang
    (label,) = [
        lit
        for lit in source_graph.objects(iri, RDFS.label)
        if isinstance(lit, Literal) and lit.language == lang
    ]
    assert page.h1 == str(label)
    html = response.get_data(as_text=True)
    for comment in source_graph.objects(iri, RDFS.comment):
        assert str(comment) in page.text
        assert str(escape(str(comment))) in html


# Unknown IRIs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", UNKNOWN_URLS)
def test_unknown_iri_is_404_json(client: FlaskClient, url: str) -> None:
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "status", "message", "request_id"}
    assert body["status"] == 404
    assert body["error"] == "not-found"
    assert body["message"]


@pytest.mark.parametrize("url", UNKNOWN_URLS)
@pytest.mark.parametrize("accept", [BROWSER, "*/*", None], ids=["browser", "curl", "no-accept"])
def test_unknown_iri_is_404_html(client: FlaskClient, url: str, accept: str | None) -> None:
    response = client.get(url, headers={} if accept is None else {"Accept": accept})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = HtmlPage(response.get_data(as_text=True))
    assert page.lang == "en"
    assert page.h1.startswith("404")
    assert "Not found" in page.h1
    assert "/" in page.hrefs


def test_unknown_iri_404_page_speaks_polish(client: FlaskClient) -> None:
    response = client.get(UNKNOWN_URLS[0], query_string={"lang": "pl"})
    assert response.status_code == 404
    page = HtmlPage(response.get_data(as_text=True))
    assert page.lang == "pl"
    assert "Nie znaleziono" in page.h1


@pytest.mark.parametrize("url", UNKNOWN_URLS)
def test_unknown_iri_is_404_text(client: FlaskClient, url: str) -> None:
    response = client.get(url, headers={"Accept": "text/plain"})
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith("404 not-found: ")


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=[fmt.value for fmt in RDF_FORMATS])
def test_unknown_iri_with_a_suffix_is_404(client: FlaskClient, fmt: Format) -> None:
    response = client.get(f"/id/municipality/atlantis.{fmt.file_extension}")
    assert response.status_code == 404


# Language --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "accept_language", "lang", "title"),
    [
        (None, None, "en", "Berdychiv"),
        (None, "pl", "pl", "Berdyczów"),
        (None, "pl-PL,pl;q=0.9,en-US;q=0.8,en;q=0.7", "pl", "Berdyczów"),
        (None, "en-GB,en;q=0.9,pl;q=0.8", "en", "Berdychiv"),
        (None, "de-DE,de;q=0.9", "en", "Berdychiv"),
        (None, "uk, pl;q=0.5", "pl", "Berdyczów"),
        ("pl", None, "pl", "Berdyczów"),
        ("pl", "en", "pl", "Berdyczów"),
        ("en", "pl", "en", "Berdychiv"),
        ("PL", None, "pl", "Berdyczów"),
        ("xx", "pl", "pl", "Berdyczów"),
    ],
    ids=[
        "default",
        "accept-language-pl",
        "browser-pl",
        "browser-en",
        "unsupported-falls-back-to-en",
        "second-choice-pl",
        "query-pl",
        "query-beats-accept-language",
        "query-en-beats-pl",
        "query-case-insensitive",
        "unknown-query-then-accept-language",
    ],
)
def test_language_of_the_html_page(
    client: FlaskClient, query: str | None, accept_language: str | None, lang: str, title: str
) -> None:
    headers = {} if accept_language is None else {"Accept-Language": accept_language}
    args = {} if query is None else {"lang": query}
    response = client.get(BERDYCHIV_URL, headers=headers, query_string=args)
    assert response.status_code == 200
    page = HtmlPage(response.get_data(as_text=True))
    assert page.lang == lang
    assert page.h1 == title
    assert page.title.startswith(title)


def test_polish_page_keeps_readers_in_polish(client: FlaskClient) -> None:
    page = HtmlPage(client.get(DASING_URL, query_string={"lang": "pl"}).get_data(as_text=True))
    assert "Niemcy" in page.text
    assert "/id/country/germany?lang=pl" in page.hrefs


def test_language_changes_the_etag_not_the_rdf(client: FlaskClient) -> None:
    english = client.get(DASING_URL, headers={"Accept-Language": "en"})
    polish = client.get(DASING_URL, headers={"Accept-Language": "pl"})
    assert english.headers["ETag"] != polish.headers["ETag"]
    turtle_en = client.get(f"{DASING_URL}.ttl", headers={"Accept-Language": "en"})
    turtle_pl = client.get(f"{DASING_URL}.ttl", headers={"Accept-Language": "pl"})
    assert turtle_en.data == turtle_pl.data
    assert turtle_en.headers["ETag"] == turtle_pl.headers["ETag"]
