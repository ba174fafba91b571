"""The SPARQL endpoint (``GET``/``POST /sparql``), in-process: protocol details, every results and
RDF format parsed back, the Service Description, CORS, syntax errors and caching.

The W3C suite itself runs in ``test_sparql_protocol_w3c.py``; the limits and refusals (updates,
SERVICE, sizes, nesting, the time limit, the row cap) against the real server in
``tests/hostile/test_sparql_*.py``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import IO, Any, Final
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.query import Result
from werkzeug.test import TestResponse

from tests.app.responses import parse_rdf
from twinning_kg.formats import GRAPH_RESULT_FORMATS, Format, ResultsFormat
from twinning_kg.sparql import jobs
from twinning_kg.sparql.jobs import new_spool
from twinning_kg.store.oxigraph import OxigraphStore
from twinning_kg.vocabulary import TWIN, entity_iri

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS_NS = Namespace("http://www.w3.org/ns/formats/")
SRX = "{http://www.w3.org/2005/sparql-results#}"
SIEDLCE = entity_iri("municipality", "siedlce")
DASING = entity_iri("municipality", "dasing")
PREFIXES = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX twin: <https://twinning.example.org/def/twinning/>\n"
)
#: Two towns' labels in both languages: a small result whose every row we know.
LABELS_SELECT = (
    PREFIXES + f"SELECT ?town ?label WHERE {{ VALUES ?town {{ <{SIEDLCE}> <{DASING}> }}\n"
    "  ?town rdfs:label ?label } ORDER BY ?town ?label"
)
LABELS_CONSTRUCT = (
    PREFIXES + f"CONSTRUCT {{ ?town rdfs:label ?label }} WHERE {{ VALUES ?town {{ <{SIEDLCE}> }}\n"
    "  ?town rdfs:label ?label }"
)
ASK_TRUE = PREFIXES + f"ASK {{ <{SIEDLCE}> a twin:Municipality }}"
ASK_FALSE = PREFIXES + f"ASK {{ <{SIEDLCE}> a twin:Partnership }}"
EVERYTHING = "SELECT * WHERE { ?s ?p ?o }"
FORM: Final = "application/x-www-form-urlencoded"
DIRECT: Final = "application/sparql-query"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def sparql(
    client: FlaskClient,
    query: str,
    *,
    query_string: Mapping[str, str] | None = None,
    **kwargs: object,
) -> TestResponse:
    """GET /sparql?query=…; other keyword arguments go to the test client (headers…).

    Buffered, so that the client reads and closes every body as a WSGI server does, even when
    the test only looks at the headers.
    """
    kwargs.setdefault("buffered", True)
    return client.get("/sparql", query_string={"query": query, **(query_string or {})}, **kwargs)


def ok(response: TestResponse) -> TestResponse:
    assert response.status_code == 200, response.text
    return response


def ok_json(response: TestResponse) -> Any:
    """The JSON body of a 200 response."""
    body = ok(response).json
    assert body is not None, response.text
    return body


# --- reading each results format back ---------------------------------------------------------


def rows_from(response: TestResponse, fmt: ResultsFormat) -> list[dict[str, str]]:
    """A SELECT body parsed as ``fmt`` (stdlib parsers, then rdflib's), as rows of strings."""
    body = response.data
    if fmt is ResultsFormat.JSON:
        data = json.loads(body)
        names = data["head"]["vars"]
        rows = [{n: b[n]["value"] for n in names if n in b} for b in data["results"]["bindings"]]
    elif fmt is ResultsFormat.XML:
        root = ET.fromstring(body)  # noqa: S314  # our own server's output
        rows = [
            {b.get("name", ""): "".join(b.itertext()) for b in result.iter(f"{SRX}binding")}
            for result in root.iter(f"{SRX}result")
        ]
    elif fmt is ResultsFormat.CSV:
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))
    else:
        lines = body.decode("utf-8").rstrip("\n").split("\n")
        names = [n.lstrip("?") for n in lines[0].split("\t")]
        rows = [dict(zip(names, line.split("\t"), strict=True)) for line in lines[1:]]
        rows = [{k: _tsv_lexical(v) for k, v in row.items()} for row in rows]
    parsed = Result.parse(io.BytesIO(body), format=fmt.value)
    assert parsed.type == "SELECT"
    assert len(list(parsed)) == len(rows)
    return rows


def _tsv_lexical(term: str) -> str:
    """The lexical value of a TSV-encoded term (``<iri>``, ``"text"@pl``, ``"1"^^<…>``)."""
    if term.startswith("<") and term.endswith(">"):
        return term[1:-1]
    match = re.fullmatch(r'"(.*)"(?:@[\w-]+|\^\^<[^>]*>)?', term, flags=re.DOTALL)
    return match.group(1) if match else term


def boolean_from(response: TestResponse, fmt: ResultsFormat) -> bool:
    text = response.data.decode("utf-8")
    if fmt is ResultsFormat.JSON:
        value = json.loads(text)["boolean"]
    elif fmt is ResultsFormat.XML:
        element = ET.fromstring(text).find(f"{SRX}boolean")  # noqa: S314  # our own output
        assert element is not None
        value = element.text == "true"
    else:  # one-cell table, the usual convention for CSV/TSV
        header, cell = text.split()
        assert header.lstrip("?") == "_askResult"
        value = cell == "true"
    assert isinstance(value, bool)
    return value


# --- protocol ----------------------------------------------------------------------------------


def test_get_runs_the_query(client: FlaskClient) -> None:
    response = ok(sparql(client, ASK_TRUE))
    assert response.mimetype == "application/sparql-results+json"
    assert response.json == {"head": {}, "boolean": True}


def test_post_form_runs_the_query(client: FlaskClient) -> None:
    response = ok(client.post("/sparql", data={"query": ASK_TRUE}))
    assert response.json == {"head": {}, "boolean": True}


def test_post_direct_runs_the_query(client: FlaskClient) -> None:
    response = ok(client.post("/sparql", data=ASK_FALSE.encode(), content_type=DIRECT))
    assert response.json == {"head": {}, "boolean": False}


def test_post_direct_accepts_an_explicit_utf8_charset(client: FlaskClient) -> None:
    response = client.post(
        "/sparql", data=ASK_TRUE.encode(), content_type=f"{DIRECT}; charset=UTF-8"
    )
    assert ok(response).json == {"head": {}, "boolean": True}


def test_non_ascii_query_text_is_read_as_utf8(client: FlaskClient) -> None:
    query = PREFIXES + 'ASK { ?town rdfs:label "Berdyczów"@pl }'
    for response in (
        sparql(client, query),
        client.post("/sparql", data={"query": query}),
        client.post("/sparql", data=query.encode(), content_type=DIRECT),
    ):
        assert ok(response).json == {"head": {}, "boolean": True}


def test_dataset_parameters_choose_the_default_graph(client: FlaskClient) -> None:
    graph = "https://twinning.example.org/graph/data/siedlce/partnership-dasing"
    dasing_label = f"ASK {{ <{DASING}> <{RDFS.label}> ?label }}"
    siedlce_type = f"ASK {{ <{SIEDLCE}> a <{TWIN.Municipality}> }}"
    only_dasing = {"default-graph-uri": graph}
    assert ok_json(sparql(client, dasing_label, query_string=only_dasing))["boolean"] is True
    assert ok_json(sparql(client, siedlce_type, query_string=only_dasing))["boolean"] is False
    named = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    rows = ok_json(sparql(client, named, query_string={"named-graph-uri": graph}))
    assert [b["g"]["value"] for b in rows["results"]["bindings"]] == [graph]


DASING_GRAPH: Final = "https://twinning.example.org/graph/data/siedlce/partnership-dasing"
ONTOLOGY_GRAPH: Final = "https://twinning.example.org/graph/ontology/twinning"


GRAPHS_NAMED: Final = "SELECT DISTINCT ?g FROM NAMED <{}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"


def graphs_of(client: FlaskClient, query: str, **params: str) -> list[str]:
    rows = ok_json(sparql(client, query, query_string=params))["results"]["bindings"]
    return sorted(row["g"]["value"] for row in rows)


def test_from_makes_the_default_graph_the_graphs_it_names(client: FlaskClient) -> None:
    dasing_label = f"ASK FROM <{DASING_GRAPH}> {{ <{DASING}> <{RDFS.label}> ?label }}"
    siedlce_type = f"ASK FROM <{DASING_GRAPH}> {{ <{SIEDLCE}> a <{TWIN.Municipality}> }}"
    assert ok_json(sparql(client, dasing_label))["boolean"] is True
    assert ok_json(sparql(client, siedlce_type))["boolean"] is False
    # Two FROM clauses merge their graphs; the keyword in any case; a graph by prefixed name.
    both = (
        f"PREFIX : <{DASING_GRAPH.rsplit('/', 1)[0]}/> ASK from :partnership-dasing "
        f"FROM <{ONTOLOGY_GRAPH}> {{ <{DASING}> <{RDFS.label}> ?l . <{TWIN.Municipality}> a ?c }}"
    )
    assert ok_json(sparql(client, both))["boolean"] is True


def test_from_named_makes_the_named_graphs_the_graphs_it_names(client: FlaskClient) -> None:
    assert graphs_of(client, GRAPHS_NAMED.format(DASING_GRAPH)) == [DASING_GRAPH]
    # A dataset clause without FROM leaves the default graph empty (SPARQL 1.1, 13.2).
    default = f"ASK FROM NAMED <{DASING_GRAPH}> {{ ?s ?p ?o }}"
    assert ok_json(sparql(client, default))["boolean"] is False


def test_the_protocols_parameters_override_from(client: FlaskClient) -> None:
    """SPARQL 1.1 Protocol, 2.1.4: the protocol's dataset is used whole, the query's not at all."""
    named_only = {"named-graph-uri": DASING_GRAPH}
    default_only = {"default-graph-uri": DASING_GRAPH}
    query = GRAPHS_NAMED.format(ONTOLOGY_GRAPH)
    assert graphs_of(client, query, **named_only) == [DASING_GRAPH]
    assert graphs_of(client, query, **default_only) == []  # no named graphs in that dataset
    ask = f"ASK FROM <{ONTOLOGY_GRAPH}> {{ <{DASING}> <{RDFS.label}> ?label }}"
    assert ok_json(sparql(client, ask, query_string=default_only))["boolean"] is True
    assert ok_json(sparql(client, ask, query_string=named_only))["boolean"] is False


DASING_LABEL: Final = f"<{DASING}> <{RDFS.label}>"


@pytest.mark.parametrize(
    "query",
    [
        f"SELECT ?FROM WHERE {{ {DASING_LABEL} ?FROM }}",
        f"SELECT ?x\u00b7FROM WHERE {{ {DASING_LABEL} ?x\u00b7FROM }}",
        f"DESCRIBE ?x\u200dFROM <{DASING}>",
        f"PREFIX ex: <{DASING.rsplit('/', 1)[0]}/> DESCRIBE ex:a\u203fFROM ex:dasing",
        f"PREFIX : <{DASING.rsplit('/', 1)[0]}/> DESCRIBE :a.\u00b7FROM :dasing",
        f"DESCRIBE <{DASING}> <http://example.org/FROM>",
        f"PREFIX : <{DASING.rsplit('/', 1)[0]}/> DESCRIBE :dasing :FROM",
        f"PREFIX FROM: <{DASING.rsplit('/', 1)[0]}/> DESCRIBE FROM:dasing",
        "SELECT * # FROM <http://example.org/>\nWHERE { %s ?l }" % DASING_LABEL,  # noqa: S608,UP031  # SPARQL, not SQL
        f'SELECT ?l WHERE {{ {DASING_LABEL} ?l FILTER(?l != "\\u0022)}}FROM{{(\\u0022") }}',
    ],
    ids=[
        "variable",
        "variable-with-middle-dot",
        "variable-with-zero-width-joiner",
        "prefixed-name-with-undertie",
        "default-prefix-name-with-dot-and-middle-dot",
        "iri",
        "default-prefix-name",
        "prefix-name",
        "comment",
        "escaped-quotes-in-a-string",
    ],
)
def test_from_that_is_not_a_dataset_clause_keeps_the_union(client: FlaskClient, query: str) -> None:
    """FROM in a variable, an IRI, a prefixed name, a comment or a string, outside brackets:
    no dataset clause, so the default graph stays the union and Dasing's label is found."""
    response = sparql(client, query, headers={"Accept": "application/n-triples, application/json"})
    assert response.status_code == 200, response.text
    if response.mimetype == "application/n-triples":
        assert f"<{DASING}> <{RDFS.label}>" in response.text
    else:
        assert response.json is not None
        assert response.json["results"]["bindings"], query


@pytest.mark.parametrize("bad", ["", "relative/graph", "http://a b/", "<http://x/>"])
def test_dataset_parameters_must_be_absolute_iris(client: FlaskClient, bad: str) -> None:
    response = sparql(client, ASK_TRUE, query_string={"default-graph-uri": bad})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [(None, "text/html"), ("text/html", "text/html"), (BROWSER, "text/html"), ("*/*", "text/html")],
)
def test_no_query_gives_browsers_the_query_page(
    client: FlaskClient, accept: str | None, mimetype: str
) -> None:
    response = ok(client.get("/sparql", headers={"Accept": accept} if accept else {}))
    assert response.mimetype == mimetype
    assert "sparql" in response.text.lower()


@pytest.mark.parametrize("fmt", GRAPH_RESULT_FORMATS, ids=lambda f: f.value)
def test_no_query_gives_rdf_clients_the_service_description(
    client: FlaskClient, fmt: Format
) -> None:
    response = ok(client.get("/sparql", headers={"Accept": fmt.media_type}))
    assert response.mimetype == fmt.media_type
    assert (None, RDF.type, SD.Service) in parse_rdf(response.data, fmt)


def test_an_empty_form_post_is_the_query_page(client: FlaskClient) -> None:
    assert ok(client.post("/sparql", data=b"", content_type=FORM)).mimetype == "text/html"


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(lambda c: c.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D"), id="get-twice"),
        pytest.param(
            lambda c: c.post("/sparql", data=b"query=ASK%7B%7D&query=ASK%7B%7D", content_type=FORM),
            id="form-twice",
        ),
        pytest.param(
            lambda c: c.post("/sparql?query=ASK%7B%7D", data=b"query=ASK%7B%7D", content_type=FORM),
            id="url-and-form",
        ),
        pytest.param(
            lambda c: c.post("/sparql?query=ASK%7B%7D", data=b"ASK {}", content_type=DIRECT),
            id="url-and-body",
        ),
    ],
)
def test_a_repeated_query_is_400(client: FlaskClient, send: object) -> None:
    response = send(client)  # type: ignore[operator]
    assert response.status_code == 400
    assert "query" in response.text


@pytest.mark.parametrize("query", ["", "   \n"])
def test_an_empty_query_is_400(client: FlaskClient, query: str) -> None:
    assert sparql(client, query).status_code == 400


@pytest.mark.parametrize(
    "media_type",
    ["text/plain", "application/json", "multipart/form-data; boundary=x", "text/turtle"],
)
def test_an_unknown_body_type_is_415(client: FlaskClient, media_type: str) -> None:
    response = client.post("/sparql", data=b"ASK {}", content_type=media_type)
    assert response.status_code == 415
    assert "application/sparql-query" in response.text


def test_a_post_without_content_type_is_400(client: FlaskClient) -> None:
    response = client.post("/sparql", data=b"query=ASK%20%7B%7D")
    assert response.status_code == 400
    assert "Content-Type" in response.text


@pytest.mark.parametrize("charset", ["UTF-16", "latin-1", "iso-8859-2"])
def test_a_body_in_another_charset_is_415(client: FlaskClient, charset: str) -> None:
    for media in (DIRECT, FORM):
        body = ("ASK {}" if media == DIRECT else "query=ASK%20%7B%7D").encode(charset)
        response = client.post("/sparql", data=body, content_type=f"{media}; charset={charset}")
        assert response.status_code == 415, media
        assert "UTF-8" in response.text


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(
            lambda c: c.post(
                "/sparql", data='ASK { "\xe9" }'.encode("latin-1"), content_type=DIRECT
            ),
            id="direct-body",
        ),
        pytest.param(
            lambda c: c.post("/sparql", data=b"query=ASK%20%7B%22%E9%22%7D", content_type=FORM),
            id="form-body",
        ),
        pytest.param(lambda c: c.get("/sparql?query=ASK%20%7B%22%E9%22%7D"), id="query-string"),
    ],
)
def test_bytes_that_are_not_utf8_are_400(client: FlaskClient, send: object) -> None:
    """Regression: form and query-string values were decoded with replacement characters (or
    left percent-encoded), so a Latin-1 query silently ran as another query."""
    response = send(client)  # type: ignore[operator]
    assert response.status_code == 400
    assert "UTF-8" in response.text


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(client: FlaskClient, method: str) -> None:
    response = client.open("/sparql?query=ASK%7B%7D", method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_relative_iris_resolve_against_the_endpoint(client: FlaskClient) -> None:
    """Regression (W3C query_content_type_construct): relative IRIs failed with 'IRI parsing
    failed' because no base IRI was given; the protocol's base is the endpoint itself."""
    query = "CONSTRUCT { <s> <p> 1 } WHERE {}"
    response = ok(sparql(client, query, headers={"Accept": "application/n-triples"}))
    graph = parse_rdf(response.data, Format.NTRIPLES)
    assert set(graph) == {(URIRef("http://localhost/s"), URIRef("http://localhost/p"), Literal(1))}


# --- formats ------------------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["accept", "format"])
@pytest.mark.parametrize("fmt", list(ResultsFormat), ids=lambda f: f.value)
def test_select_in_every_results_format(
    client: FlaskClient, source_graph: Graph, fmt: ResultsFormat, by: str
) -> None:
    if by == "accept":
        response = sparql(client, LABELS_SELECT, headers={"Accept": fmt.media_type})
    else:
        response = sparql(client, LABELS_SELECT, query_string={"format": fmt.value})
    assert ok(response).mimetype == fmt.media_type
    rows = rows_from(response, fmt)
    expected = sorted(
        (str(town), str(label))
        for town in (SIEDLCE, DASING)
        for label in source_graph.objects(town, RDFS.label)
    )
    assert sorted((r["town"], r["label"]) for r in rows) == expected
    assert response.headers["X-Result-Rows"] == str(len(expected))
    assert "X-Result-Truncated" not in response.headers


@pytest.mark.parametrize("by", ["accept", "format"])
@pytest.mark.parametrize("fmt", list(ResultsFormat), ids=lambda f: f.value)
def test_ask_in_every_results_format(client: FlaskClient, fmt: ResultsFormat, by: str) -> None:
    for query, expected in ((ASK_TRUE, True), (ASK_FALSE, False)):
        if by == "accept":
            response = sparql(client, query, headers={"Accept": fmt.media_type})
        else:
            response = sparql(client, query, query_string={"format": fmt.value})
        assert ok(response).mimetype == fmt.media_type
        assert boolean_from(response, fmt) is expected


@pytest.mark.parametrize("by", ["accept", "format"])
@pytest.mark.parametrize("fmt", GRAPH_RESULT_FORMATS, ids=lambda f: f.value)
def test_construct_in_every_rdf_format(
    client: FlaskClient, source_graph: Graph, fmt: Format, by: str
) -> None:
    if by == "accept":
        response = sparql(client, LABELS_CONSTRUCT, headers={"Accept": fmt.media_type})
    else:
        response = sparql(client, LABELS_CONSTRUCT, query_string={"format": fmt.value})
    assert ok(response).mimetype == fmt.media_type
    graph = parse_rdf(response.data, fmt)
    assert set(graph) == set(source_graph.triples((SIEDLCE, RDFS.label, None)))


@pytest.mark.parametrize("by", ["accept", "format"])
@pytest.mark.parametrize("fmt", GRAPH_RESULT_FORMATS, ids=lambda f: f.value)
def test_describe_in_every_rdf_format(client: FlaskClient, fmt: Format, by: str) -> None:
    query = f"DESCRIBE <{DASING}>"
    if by == "accept":
        response = sparql(client, query, headers={"Accept": fmt.media_type})
    else:
        response = sparql(client, query, query_string={"format": fmt.value})
    assert ok(response).mimetype == fmt.media_type
    graph = parse_rdf(response.data, fmt)
    assert (DASING, RDF.type, TWIN.Municipality) in graph
    assert set(graph.subjects()) >= {DASING}


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, ResultsFormat.JSON),
        ("*/*", ResultsFormat.JSON),
        ("application/json", ResultsFormat.JSON),
        ("application/xml", ResultsFormat.XML),
        ("text/csv;q=0.5, text/tab-separated-values", ResultsFormat.TSV),
        (BROWSER, ResultsFormat.XML),
    ],
)
def test_select_accept_aliases_and_defaults(
    client: FlaskClient, accept: str | None, expected: ResultsFormat
) -> None:
    response = sparql(client, ASK_TRUE, headers={"Accept": accept} if accept else {})
    assert ok(response).mimetype == expected.media_type


@pytest.mark.parametrize(
    ("query", "formats", "expected"),
    [
        (LABELS_CONSTRUCT, ["rdf+xml", "application/rdf+xml"], "application/rdf+xml"),
        (LABELS_CONSTRUCT, ["json-ld", "application/ld+json"], "application/ld+json"),
        (LABELS_SELECT, ["tsv", "text/tab-separated-values"], "text/tab-separated-values"),
        (LABELS_SELECT, ["xml", "xml"], "application/sparql-results+xml"),
    ],
)
def test_repeated_format_parameters_as_sparqlwrapper_sends_them(
    client: FlaskClient, query: str, formats: list[str], expected: str
) -> None:
    """Regression: SPARQLWrapper sends ``format=rdf+xml&format=application/rdf+xml`` (and the
    same as ``output``/``results``); only the first value was read, and ``rdf+xml`` gave 406."""
    pairs = [("query", query)] + [(key, f) for key in ("format", "output") for f in formats]
    response = client.get(f"/sparql?{urlencode(pairs)}", buffered=True)
    assert ok(response).mimetype == expected


def test_construct_defaults_to_turtle(client: FlaskClient) -> None:
    assert ok(sparql(client, LABELS_CONSTRUCT)).mimetype == "text/turtle"


@pytest.mark.parametrize(
    ("query", "args"),
    [
        (ASK_TRUE, {"format": "html"}),
        (ASK_TRUE, {"format": "ttl"}),
        (LABELS_CONSTRUCT, {"format": "csv"}),
    ],
)
def test_an_unknown_format_parameter_is_406(
    client: FlaskClient, query: str, args: dict[str, str]
) -> None:
    assert sparql(client, query, query_string=args).status_code == 406


@pytest.mark.parametrize("query", [ASK_TRUE, LABELS_CONSTRUCT])
def test_an_unacceptable_accept_is_406_listing_the_formats(client: FlaskClient, query: str) -> None:
    response = sparql(client, query, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text or "text/turtle" in response.text


# --- service description --------------------------------------------------------------------


@pytest.fixture
def description(client: FlaskClient) -> Graph:
    response = ok(client.get("/sparql", headers={"Accept": "text/turtle"}))
    return parse_rdf(response.data, Format.TURTLE)


def test_service_description_names_the_endpoint(description: Graph) -> None:
    services = set(description.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    (service,) = services
    assert set(description.objects(service, SD.endpoint)) == {URIRef("http://localhost/sparql")}
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in description
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) not in description


def test_service_description_follows_the_host(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", base_url="https://data.example.net", headers={"Accept": "text/turtle"}
    )
    graph = parse_rdf(ok(response).data, Format.TURTLE)
    assert (None, SD.endpoint, URIRef("https://data.example.net/sparql")) in graph


def test_service_description_lists_every_result_format(description: Graph) -> None:
    formats = set(description.objects(None, SD.resultFormat))
    assert formats == {URIRef(f.w3c_iri) for f in ResultsFormat} | {
        FORMATS_NS.Turtle,
        FORMATS_NS["N-Triples"],
        FORMATS_NS["JSON-LD"],
        FORMATS_NS.RDF_XML,
    }


def test_service_description_describes_the_default_dataset(
    description: Graph, store: OxigraphStore
) -> None:
    (dataset,) = set(description.objects(None, SD.defaultDataset))
    assert (dataset, RDF.type, SD.Dataset) in description
    assert set(description.objects(dataset, SD.defaultGraph))
    names = {
        str(name)
        for graph in description.objects(dataset, SD.namedGraph)
        for name in description.objects(graph, SD.name)
    }
    stored = {str(g.value) for g in store._store.named_graphs()}
    assert names == stored


# --- CORS, caching -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(ResultsFormat), ids=lambda f: f.value)
def test_results_allow_any_origin(client: FlaskClient, fmt: ResultsFormat) -> None:
    response = ok(sparql(client, ASK_TRUE, headers={"Accept": fmt.media_type}))
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert "X-Result-Truncated" in exposed
    assert "ETag" in exposed


def test_graph_results_and_errors_allow_any_origin(client: FlaskClient) -> None:
    assert ok(sparql(client, LABELS_CONSTRUCT)).headers["Access-Control-Allow-Origin"] == "*"
    assert sparql(client, "ASK {").headers["Access-Control-Allow-Origin"] == "*"


def test_cors_preflight_allows_a_direct_post(client: FlaskClient) -> None:
    """Regression: the preflight of a cross-origin ``application/sparql-query`` POST got no CORS
    headers, so browsers refused to send the query."""
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()


def test_a_repeated_get_is_304_with_its_etag(client: FlaskClient) -> None:
    first = ok(sparql(client, LABELS_SELECT))
    etag = first.headers["ETag"]
    assert ok(sparql(client, LABELS_SELECT)).headers["ETag"] == etag
    again = sparql(client, LABELS_SELECT, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert "Accept" in first.headers["Vary"]


def test_head_and_304_release_the_spooled_result(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: the body was a generator; a WSGI server closes the iterable of a HEAD or 304
    response without starting it, which skipped the generator's ``finally`` and left the
    spooled result (possibly a temporary file) open until garbage collection."""
    spools: list[IO[bytes]] = []

    def recording_spool() -> IO[bytes]:
        spools.append(new_spool())
        return spools[-1]

    monkeypatch.setattr(jobs, "new_spool", recording_spool)  # QueryOutcome's body factory
    head = client.head("/sparql", query_string={"query": LABELS_SELECT})
    assert head.status_code == 200
    assert head.data == b""
    head.close()
    etag = ok(sparql(client, LABELS_SELECT)).headers["ETag"]
    not_modified = client.get(
        "/sparql", query_string={"query": LABELS_SELECT}, headers={"If-None-Match": etag}
    )
    assert not_modified.status_code == 304
    not_modified.close()
    assert len(spools) == 3
    assert all(spool.closed for spool in spools)


def test_etag_depends_on_the_query_and_the_format(client: FlaskClient) -> None:
    etags = {
        ok(sparql(client, LABELS_SELECT)).headers["ETag"],
        ok(sparql(client, LABELS_SELECT, headers={"Accept": "text/csv"})).headers["ETag"],
        ok(sparql(client, ASK_TRUE)).headers["ETag"],
    }
    assert len(etags) == 3


# --- errors ------------------------------------------------------------------------------------


def test_a_syntax_error_is_400_with_the_parsers_position(client: FlaskClient) -> None:
    query = "SELECT ?s\nWHERE {\n  ?s ?p ?o .\n  FILTER(\n}"
    response = sparql(client, query)
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert "invalid-query" in response.text
    assert re.search(r"\b5:\d+\b", response.text), response.text  # line 5 (line:column)


@pytest.mark.parametrize("accept", ["application/json", "application/sparql-results+json"])
def test_a_syntax_error_is_json_for_json_clients(client: FlaskClient, accept: str) -> None:
    response = sparql(client, "ASK {", headers={"Accept": accept})
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400
    assert body["error"] == "invalid-query"
    assert re.search(r"\b1:\d+\b", body["message"])
