"""Real SPARQL clients against the real server: SPARQLWrapper in every format, rdflib's
SPARQLStore, and the README's curl examples replayed with httpx.

Only 127.0.0.1 is reached; urllib (under SPARQLWrapper and rdflib) is told to bypass any proxy
for it.
"""

from __future__ import annotations

import csv
import io
import re
import shlex
import warnings
from collections.abc import Iterator
from typing import Any, Final
from urllib.parse import quote
from xml.dom.minidom import Document

import httpx
import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import ResultRow
from SPARQLWrapper import CSV, JSON, JSONLD, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from tests.app.responses import parse_rdf
from tests.conftest import ROOT
from twinning_kg.formats import Format, ResultsFormat
from twinning_kg.vocabulary import TWIN, entity_iri

pytestmark = pytest.mark.live

SIEDLCE = entity_iri("municipality", "siedlce")
DASING = entity_iri("municipality", "dasing")
README_BASE: Final = "http://127.0.0.1:5000"
LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    f"SELECT ?town ?label WHERE {{ VALUES ?town {{ <{SIEDLCE}> <{DASING}> }}"
    " ?town rdfs:label ?label } ORDER BY ?town ?label"
)
ASK_TRUE = f"ASK {{ <{SIEDLCE}> a <{TWIN.Municipality}> }}"
ASK_FALSE = f"ASK {{ <{SIEDLCE}> a <{TWIN.Partnership}> }}"
CONSTRUCT = (
    f"CONSTRUCT {{ ?town <{RDFS.label}> ?label ; a ?type }} "
    f"WHERE {{ VALUES ?town {{ <{DASING}> }} ?town <{RDFS.label}> ?label ; a ?type }}"
)


@pytest.fixture(autouse=True)
def no_proxy_for_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib honours *_proxy variables; the server is on 127.0.0.1, never behind a proxy."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def endpoint(live_server: str) -> str:
    return f"{live_server}/sparql"


@pytest.fixture(scope="module")
def expected_labels(live_server: str) -> list[tuple[str, str]]:
    """The rows of LABELS, from the data files themselves (rdflib), not from the server."""
    graph = Graph()
    for path in sorted((ROOT / "data").rglob("*.ttl")):
        graph.parse(path, format="turtle")
    return sorted(
        (str(town), str(label))
        for town in (SIEDLCE, DASING)
        for label in graph.objects(town, RDFS.label)
    )


def wrapper(endpoint: str, query: str, return_format: str) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint, agent="twinning-kg tests (SPARQLWrapper)")
    client.setQuery(query)
    client.setReturnFormat(return_format)
    client.setTimeout(30)
    return client


def converted(client: SPARQLWrapper) -> Any:
    """``client.query().convert()``; SPARQLWrapper builds rdflib's deprecated ConjunctiveGraph
    for RDF/XML and JSON-LD, a warning that is rdflib's business, silenced here only."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        return client.query().convert()


# --- SPARQLWrapper ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(
    endpoint: str, expected_labels: list[tuple[str, str]], method: str
) -> None:
    client = wrapper(endpoint, LABELS, JSON)
    client.setMethod(method)
    data = converted(client)
    assert data["head"]["vars"] == ["town", "label"]
    rows = [(b["town"]["value"], b["label"]["value"]) for b in data["results"]["bindings"]]
    assert sorted(rows) == expected_labels


def test_sparqlwrapper_select_xml(endpoint: str, expected_labels: list[tuple[str, str]]) -> None:
    document = converted(wrapper(endpoint, LABELS, XML))
    assert isinstance(document, Document)
    rows = []
    for result in document.getElementsByTagName("result"):
        cells = {
            b.getAttribute("name"): "".join(
                n.data for el in b.childNodes for n in el.childNodes if n.nodeType == n.TEXT_NODE
            )
            for b in result.getElementsByTagName("binding")
        }
        rows.append((cells["town"], cells["label"]))
    assert sorted(rows) == expected_labels


def test_sparqlwrapper_select_csv(endpoint: str, expected_labels: list[tuple[str, str]]) -> None:
    body = converted(wrapper(endpoint, LABELS, CSV))
    reader = csv.DictReader(io.StringIO(body.decode("utf-8"), newline=""))
    assert reader.fieldnames == ["town", "label"]
    assert sorted((r["town"], r["label"]) for r in reader) == expected_labels


def test_sparqlwrapper_select_tsv(endpoint: str, expected_labels: list[tuple[str, str]]) -> None:
    body = converted(wrapper(endpoint, LABELS, TSV)).decode("utf-8")
    header, *lines = body.rstrip("\n").split("\n")
    assert header.split("\t") == ["?town", "?label"]
    rows = []
    for line in lines:
        town, label = line.split("\t")
        match = re.fullmatch(r'"(.*)"@[\w-]+', label)
        assert town.startswith("<") and match, line
        rows.append((town[1:-1], match.group(1)))
    assert sorted(rows) == expected_labels


@pytest.mark.parametrize(("query", "expected"), [(ASK_TRUE, True), (ASK_FALSE, False)])
def test_sparqlwrapper_ask_json_and_xml(endpoint: str, query: str, expected: bool) -> None:
    assert converted(wrapper(endpoint, query, JSON))["boolean"] is expected
    document = converted(wrapper(endpoint, query, XML))
    (boolean,) = document.getElementsByTagName("boolean")
    assert boolean.firstChild.data == ("true" if expected else "false")


def expected_construct(live_server: str) -> set[tuple[object, object, object]]:
    with httpx.Client(base_url=live_server, trust_env=False, timeout=10.0) as http:
        response = http.get("/sparql", params={"query": CONSTRUCT, "format": "nt"})
    return set(parse_rdf(response.content, Format.NTRIPLES))


@pytest.mark.parametrize("return_format", [TURTLE, RDFXML, JSONLD])
def test_sparqlwrapper_construct(endpoint: str, live_server: str, return_format: str) -> None:
    result = converted(wrapper(endpoint, CONSTRUCT, return_format))
    if isinstance(result, bytes):  # Turtle comes back as the body
        graph = parse_rdf(result, Format.TURTLE)
    else:
        graph = Graph()
        for triple in result:
            graph.add(triple)
    assert (DASING, RDF.type, TWIN.Municipality) in graph
    assert set(graph) == expected_construct(live_server)


def test_sparqlwrapper_construct_ntriples(endpoint: str, live_server: str) -> None:
    """SPARQLWrapper has no N-Triples constant: ask for it with an explicit Accept."""
    client = wrapper(endpoint, CONSTRUCT, TURTLE)
    client.setOnlyConneg(True)  # else its format=turtle parameter wins over the Accept below
    client.addCustomHttpHeader("Accept", "application/n-triples")
    response = client.query().response
    assert response.headers["Content-Type"].startswith("application/n-triples")
    graph = parse_rdf(response.read(), Format.NTRIPLES)
    assert set(graph) == expected_construct(live_server)


def test_sparqlwrapper_sees_the_row_cap_headers(endpoint: str) -> None:
    response = wrapper(endpoint, "SELECT * WHERE { ?s ?p ?o } LIMIT 7", JSON).query().response
    assert response.headers["X-Result-Rows"] == "7"
    assert response.headers.get("X-Result-Truncated") is None


# --- rdflib's SPARQLStore --------------------------------------------------------------------


@pytest.fixture
def remote_graph(endpoint: str) -> Iterator[Graph]:
    """rdflib's SPARQLStore on its defaults (GET, XML results; RDF/XML for graphs)."""
    graph = Graph(store=SPARQLStore(endpoint))
    yield graph
    graph.close()


def test_sparqlstore_select(remote_graph: Graph, expected_labels: list[tuple[str, str]]) -> None:
    rows = [row for row in remote_graph.query(LABELS) if isinstance(row, ResultRow)]
    assert sorted((str(r.town), str(r.label)) for r in rows) == expected_labels
    assert all(isinstance(r.label, Literal) and r.label.language for r in rows)


def test_sparqlstore_ask_and_construct(remote_graph: Graph, live_server: str) -> None:
    assert remote_graph.query(ASK_TRUE).askAnswer is True
    assert remote_graph.query(ASK_FALSE).askAnswer is False
    constructed = remote_graph.query(CONSTRUCT).graph
    assert constructed is not None
    assert set(constructed) == expected_construct(live_server)


def test_sparqlstore_triple_patterns(remote_graph: Graph) -> None:
    labels = set(remote_graph.objects(SIEDLCE, RDFS.label))
    assert Literal("Siedlce", lang="pl") in labels
    assert (SIEDLCE, RDF.type, TWIN.Municipality) in remote_graph


@pytest.mark.parametrize(("return_format", "method"), [("json", "POST"), ("csv", "GET")])
def test_sparqlstore_other_results_formats(
    endpoint: str, expected_labels: list[tuple[str, str]], return_format: str, method: str
) -> None:
    graph = Graph(store=SPARQLStore(endpoint, returnFormat=return_format, method=method))
    rows = [row for row in graph.query(LABELS) if isinstance(row, ResultRow)]
    assert sorted((str(r.town), str(r.label)) for r in rows) == expected_labels
    graph.close()


# --- the README's curl examples --------------------------------------------------------------


def readme_curl_examples() -> list[str]:
    """The curl commands of the README's "SPARQL endpoint" section, continuation lines joined."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## SPARQL endpoint", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL):
        for command in block.replace("\\\n", " ").splitlines():
            if command.strip().startswith("curl "):
                commands.append(command.strip())
    return commands


CURL_EXAMPLES: Final = readme_curl_examples()


def curl_as_httpx(command: str, base_url: str) -> httpx.Request:
    """What curl would send for ``command`` (the options the README uses), on ``base_url``."""
    words = shlex.split(command, comments=True)
    assert words[0] == "curl"
    headers: dict[str, str] = {}
    form: list[str] = []
    body: bytes | None = None
    url = ""
    options = iter(words[1:])
    for word in options:
        if word == "-H":
            name, _, value = next(options).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "--data-urlencode":
            name, _, value = next(options).partition("=")
            form.append(f"{name}={quote(value, safe='')}")
        elif word == "--data-binary":
            body = next(options).encode()
        elif word.startswith("http"):
            url = word.replace(README_BASE, base_url)
        else:
            raise AssertionError(f"the test does not know curl option {word!r}")
    if form:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        body = "&".join(form).encode()
    return httpx.Request("POST" if body is not None else "GET", url, headers=headers, content=body)


def test_the_readme_has_curl_examples_for_each_way_to_ask() -> None:
    joined = "\n".join(CURL_EXAMPLES)
    assert len(CURL_EXAMPLES) >= 4
    assert "?query=" in joined  # GET
    assert "--data-urlencode" in joined  # POST form
    assert "application/sparql-query" in joined  # POST direct
    assert "text/turtle" in joined  # CONSTRUCT/DESCRIBE as Turtle


@pytest.mark.parametrize("command", CURL_EXAMPLES)
def test_readme_curl_example_works(live_server: str, command: str) -> None:
    request = curl_as_httpx(command, live_server)
    with httpx.Client(trust_env=False, timeout=10.0) as http:
        response = http.send(request)
    assert response.status_code == 200, response.text
    media_type = response.headers["content-type"].split(";")[0]
    accept = request.headers.get("Accept")
    if accept:
        assert media_type == accept
    results = {f.media_type: f for f in ResultsFormat}
    if media_type in results:
        body = response.content
        if results[media_type] is ResultsFormat.JSON:
            data = response.json()
            assert "boolean" in data or data["results"]["bindings"]
        else:
            assert body.count(b"\n") >= 2  # a header and at least one row
    else:
        graph = parse_rdf(response.content, Format.from_media_type(media_type) or Format.TURTLE)
        assert len(graph) > 0
