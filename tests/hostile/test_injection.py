"""SPARQL injection through every value the app puts into its own queries is treated as data: no
extra rows, no 500, nothing echoed unescaped.

The values a request brings are the search box (``q``), the entity path (kind and slug), ``lang``
and ``Accept-Language``, ``format`` and the editor's ``example``. Search matches labels in
Python; paths resolve to an IRI only when each segment is a plain slug; the language is one of a
fixed list; the IRI goes to the store bound (pyoxigraph's ``substitutions``), or, for a remote
store, in a ``VALUES`` row written by ``sparql/binding.py`` (tested here on a real pyoxigraph
store, against the same query bound the embedded way).
"""

from __future__ import annotations

from typing import Final
from urllib.parse import quote

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from twinning_kg.errors import BadRequest
from twinning_kg.sparql.binding import bind_values, serialise

pytestmark = pytest.mark.live

PAYLOADS: Final = [
    '" } ; DROP ALL ; #',
    "> ?s ?p ?o . #",
    "\\u0022 } UNION { ?s ?p ?o } #",
    "\\u003E ?s ?p ?o . #",
    "' OR '1'='1",
    '") } UNION { ?s ?p ?o } #',
    "dasing> ?p ?o } UNION { ?s ?p ?o",
    "dasing%3E%20%3Fs%20%3Fp%20%3Fo",
    'en" ; DROP ALL ; #',
    "}}\n SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } #",
]
IDS: Final = [f"payload{i}" for i in range(len(PAYLOADS))]
#: More for the search box (moved here from tests/app/test_search.py).
SEARCH_PAYLOADS: Final = [
    *PAYLOADS,
    '"> <script>alert(1)</script>',
    "} UNION { ?s ?p ?o } #",
    '") } ; DROP ALL ; SELECT * WHERE { ("',
    "<https://twinning.example.org/id/municipality/dasing>",
    "\\u0022 \\\\ \\n",
    ".*[(",
    "%00%2e%2e",
    "{{ 7*7 }} {% raw %}",
]
DASING: Final = "https://twinning.example.org/id/municipality/dasing"
NO_TRACE: Final = ("Traceback", 'File "', "/work/", "site-packages")


def assert_clean(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text[:300]
    assert not any(marker in response.text for marker in NO_TRACE), response.text[:300]


def triples(response: httpx.Response) -> Graph:
    assert response.status_code == 200, response.text[:300]
    return Graph().parse(data=response.text, format="nt")


# --- the search box --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload", SEARCH_PAYLOADS, ids=[f"search{i}" for i in range(len(SEARCH_PAYLOADS))]
)
def test_search_treats_the_payload_as_text(sparql_http: httpx.Client, payload: str) -> None:
    plain = sparql_http.get("/search", params={"q": "dasing", "format": "json"}).json()
    assert plain["results"]
    for text in (payload, "dasing" + payload, payload + "dasing"):
        response = sparql_http.get("/search", params={"q": text, "format": "json"})
        assert_clean(response)
        body = response.json()
        assert body["query"] == text
        assert body["results"] == [], text  # no label holds these characters: no rows at all
    page = sparql_http.get("/search", params={"q": payload})
    assert_clean(page)
    assert page.status_code == 200
    if "<" in payload:
        assert payload not in page.text  # escaped in the page


# --- entity paths ----------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
@pytest.mark.parametrize(
    "template",
    [
        "/id/municipality/{}",
        "/id/municipality/dasing{}",
        "/id/municipality/dasing{}.nt",
        "/id/{}/dasing",
        "/graph/data/siedlce/{}",
        "/def/twinning/{}",
        "/def/shapes/{}",
    ],
)
def test_a_payload_in_a_path_is_not_found(
    sparql_http: httpx.Client, payload: str, template: str
) -> None:
    path = template.format(quote(payload, safe=""))
    for accept in ("application/n-triples", "text/html"):
        response = sparql_http.get(path, headers={"Accept": accept})
        assert_clean(response)
        assert response.status_code in (400, 404), (path, response.status_code)
        assert "dasing>" not in response.text and "DROP ALL" not in response.text


def test_a_payload_in_a_path_adds_no_triples(sparql_http: httpx.Client) -> None:
    """The entity's own page, then the same path with text after it: 404, never more triples."""
    own = triples(sparql_http.get("/id/municipality/dasing.nt"))
    assert (URIRef(DASING), None, None) in own
    for payload in PAYLOADS:
        response = sparql_http.get(f"/id/municipality/dasing{quote(payload, safe='')}.nt")
        assert response.status_code in (400, 404)


# --- lang, Accept-Language, format, example ----------------------------------------------------


LANG_PAYLOADS: Final = [*PAYLOADS, "pl'", 'en"', "en-GB'\"", "*"]


@pytest.mark.parametrize(
    "payload", LANG_PAYLOADS, ids=[f"lang{i}" for i in range(len(LANG_PAYLOADS))]
)
def test_a_payload_in_lang_falls_back_to_english(sparql_http: httpx.Client, payload: str) -> None:
    reference = triples(sparql_http.get("/id/municipality/dasing.nt"))
    rdf = sparql_http.get("/id/municipality/dasing.nt", params={"lang": payload})
    assert len(triples(rdf) ^ reference) == 0  # the same triples, none more
    header = payload.replace("\n", " ")  # a header holds no line break
    for params, headers in (
        ({"lang": payload}, {}),
        ({}, {"Accept-Language": f"{header};q=1"}),
        ({"lang": payload}, {"Accept-Language": header}),
    ):
        for path in ("/", "/id/municipality/dasing", "/search", "/sparql"):
            response = sparql_http.get(
                path,
                params={**params, "q": "dasing"} if path == "/search" else params,
                headers={"Accept": "text/html", **headers},
            )
            assert_clean(response)
            assert response.status_code == 200
            assert '<html lang="en"' in response.text
            if "<" in payload:
                assert payload not in response.text


OTHER_PAYLOADS: Final = [*PAYLOADS, "../../etc/passwd", "%2e%2e%2fetc%2fpasswd"]


@pytest.mark.parametrize(
    "payload", OTHER_PAYLOADS, ids=[f"value{i}" for i in range(len(OTHER_PAYLOADS))]
)
def test_a_payload_in_format_or_example_is_refused_or_ignored(
    sparql_http: httpx.Client, payload: str
) -> None:
    for path, params in (
        ("/id/municipality/dasing", {"format": payload}),
        ("/search", {"q": "dasing", "format": payload}),
        ("/sparql", {"query": "ASK {}", "format": payload}),
        ("/queries", {"format": payload}),
        ("/sparql", {"example": payload}),
    ):
        response = sparql_http.get(path, params=params, headers={"Accept": "text/html"})
        assert_clean(response)
        assert response.status_code in (200, 400, 404, 406), (path, params, response.status_code)
        assert "root:" not in response.text
        if response.status_code == 200 and path == "/sparql" and "example" in params:
            assert 'data-example=""' in response.text or payload not in response.text


# --- the binding a remote store uses -----------------------------------------------------------

LABEL_QUERY: Final = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?s ?label WHERE { ?s rdfs:label ?label }"
)


@pytest.fixture(scope="module")
def small_store() -> ox.Store:
    store = ox.Store()
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for i, text in enumerate(["Dasing", 'say "hi"', "it's", "a\\b"]):
        store.add(ox.Quad(ox.NamedNode(f"http://x/{i}"), label, ox.Literal(text, language="en")))
    return store


def _rows(store: ox.Store, text: str, **options: object) -> list[tuple[str, ...]]:
    result = store.query(text, **options)  # type: ignore[arg-type]  # keyword options
    assert isinstance(result, ox.QuerySolutions)
    return sorted(tuple(str(value) for value in solution) for solution in result)


@pytest.mark.parametrize(
    "value",
    [*PAYLOADS, 'say "hi"', "it's", "a\\b", "Dasing"],
    ids=[*IDS, "quote", "apostrophe", "backslash", "plain"],
)
@pytest.mark.parametrize("lang", ["en", None])
def test_a_bound_literal_matches_exactly_what_pyoxigraph_binding_matches(
    small_store: ox.Store, value: str, lang: str | None
) -> None:
    literal = Literal(value, lang=lang)
    bound = bind_values(LABEL_QUERY, {"label": literal})
    expected = _rows(
        small_store,
        LABEL_QUERY,
        substitutions={ox.Variable("label"): ox.Literal(value, language=lang)},
    )
    assert _rows(small_store, bound) == expected
    assert len(expected) == (
        1 if lang == "en" and value in ("Dasing", 'say "hi"', "it's", "a\\b") else 0
    )


@pytest.mark.parametrize(
    "iri",
    [DASING + "> ?p ?o } UNION { ?s ?p ?o", DASING + ">", DASING + '"', DASING + " x", "a{b}"],
)
def test_an_iri_that_would_break_out_is_refused(iri: str) -> None:
    with pytest.raises(BadRequest):
        serialise(URIRef(iri))
    with pytest.raises(BadRequest):
        bind_values("DESCRIBE ?entity", {"entity": URIRef(iri)})
