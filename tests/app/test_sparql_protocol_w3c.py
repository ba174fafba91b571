"""The W3C SPARQL 1.1 Protocol and Service Description test suites, read from their manifests.

Each ``mf:ProtocolTest`` in ``tests/fixtures/w3c-protocol/manifest.ttl`` is one or more HTTP
requests written in the W3C HTTP-in-RDF vocabulary (``ht:``); every request is built from it
(method, path, headers, body), sent to the app, and checked against ``mf:expectedStatus``,
``mf:expectedFormat`` and ``mf:expectedBoolean``. The store holds our data plus the suite's
``ut:graphData`` files, each in the named graph its ``rdfs:label`` names.

The endpoint is read-only, so the ``update_*`` cases (which expect an update to succeed) are run
as *expected refusals*: the update gets 403 with the read-only message, and the follow-up query
shows that nothing changed. Every other case runs exactly as the manifest says; none is skipped.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.query import Result
from werkzeug.test import TestResponse

from tests.app.responses import parse_rdf
from tests.conftest import FIXTURES
from twinning_kg.formats import GRAPH_RESULT_FORMATS, ResultsFormat
from twinning_kg.settings import Settings
from twinning_kg.store.oxigraph import OxigraphStore
from twinning_kg.web import create_app
from twinning_kg.web.sparql import READ_ONLY, UPDATE_TYPE

SUITE: Final = FIXTURES / "w3c-protocol"
PROTOCOL_MANIFEST: Final = SUITE / "manifest.ttl"
SD_MANIFEST: Final = SUITE / "service-description" / "manifest.ttl"
ENDPOINT_PATH: Final = "/sparql"
MANIFEST_PATH_PREFIX: Final = "/sparql/"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
SRX = "{http://www.w3.org/2005/sparql-results#}"

#: hts:StatusCodeNxx → the status class (the first digit) it stands for.
STATUS_CLASSES: Final = {HTS[f"StatusCode{n}xx"]: n for n in range(1, 6)}
RESULTS_TYPES: Final = {f.media_type: f for f in ResultsFormat}
RDF_TYPES: Final = {f.media_type: f for f in GRAPH_RESULT_FORMATS}


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One ``ht:Request`` and the ``ht:Response`` it expects."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    status_classes: frozenset[int]
    expected_format: str | None
    expected_boolean: bool | None

    @property
    def is_update(self) -> bool:
        """Whether this request asks for a SPARQL Update (direct or as an ``update`` form field)."""
        content_type = dict(self.headers).get("content-type", "")
        form = (self.body or b"").decode("utf-8", errors="replace")
        return content_type.startswith(UPDATE_TYPE) or form.startswith("update=")


@dataclass(frozen=True, slots=True)
class ProtocolCase:
    """One ``mf:ProtocolTest``: its local name, its requests, the graphs it needs."""

    name: str
    title: str
    authority: str
    requests: tuple[HttpRequest, ...]
    graph_data: tuple[tuple[str, str], ...]  # (graph IRI, file name)

    @property
    def expects_update_to_succeed(self) -> bool:
        """An update case: the first request is an update the manifest expects to succeed."""
        first = self.requests[0]
        return first.is_update and first.status_classes <= {2, 3}


def _one(graph: Graph, subject: object, predicate: URIRef) -> object:
    values = list(graph.objects(subject, predicate))  # type: ignore[arg-type]
    assert len(values) == 1, f"{subject} needs exactly one {predicate}, has {values}"
    return values[0]


def _optional(graph: Graph, subject: object, predicate: URIRef) -> object | None:
    values = list(graph.objects(subject, predicate))  # type: ignore[arg-type]
    assert len(values) <= 1, f"{subject} has several {predicate}"
    return values[0] if values else None


def _read_request(graph: Graph, node: object) -> HttpRequest:
    path = str(_one(graph, node, HT.absolutePath))
    assert path.startswith(MANIFEST_PATH_PREFIX), path
    path = ENDPOINT_PATH + path[len(MANIFEST_PATH_PREFIX) - 1 :].removeprefix("/")
    headers: list[tuple[str, str]] = []
    header_list = _optional(graph, node, HT.headers)
    if header_list is not None:
        for header in Collection(graph, header_list):  # type: ignore[arg-type]
            name = str(_one(graph, header, HT.fieldName)).lower()
            headers.append((name, str(_one(graph, header, HT.fieldValue))))
    body: bytes | None = None
    body_node = _optional(graph, node, HT.body)
    if body_node is not None:
        encoding = str(_optional(graph, body_node, CNT.characterEncoding) or "UTF-8")
        body = str(_one(graph, body_node, CNT.chars)).encode(encoding)
    response = _one(graph, node, HT.resp)
    statuses = set(graph.objects(response, MF.expectedStatus))  # type: ignore[arg-type]
    assert statuses, f"{node} expects no status"
    expected_format = _optional(graph, response, MF.expectedFormat)
    expected_boolean = _optional(graph, response, MF.expectedBoolean)
    return HttpRequest(
        method=str(_one(graph, node, HT.methodName)),
        path=path,
        headers=tuple(headers),
        body=body,
        status_classes=frozenset(STATUS_CLASSES[s] for s in statuses),  # type: ignore[index]
        expected_format=None if expected_format is None else str(expected_format),
        expected_boolean=(
            None if expected_boolean is None else bool(expected_boolean.toPython())  # type: ignore[attr-defined]
        ),
    )


def read_protocol_manifest(path: Path = PROTOCOL_MANIFEST) -> list[ProtocolCase]:
    """Every entry of the manifest, in its order, as a ProtocolCase."""
    graph = Graph().parse(path, format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    cases: list[ProtocolCase] = []
    for entry in Collection(graph, _one(graph, manifest, MF.entries)):  # type: ignore[arg-type]
        assert (entry, RDF.type, MF.ProtocolTest) in graph, entry
        action = _one(graph, entry, MF.action)
        requests = Collection(graph, _one(graph, action, HT.requests))  # type: ignore[arg-type]
        graph_data = tuple(
            sorted(
                (str(_one(graph, data, RDFS_LABEL)), Path(str(_one(graph, data, UT.graph))).name)
                for data in graph.objects(entry, UT.graphData)
            )
        )
        cases.append(
            ProtocolCase(
                name=str(entry).rsplit("#", 1)[1],
                title=str(_one(graph, entry, MF.name)),
                authority=str(_one(graph, action, HT.connectionAuthority)),
                requests=tuple(_read_request(graph, r) for r in requests),
                graph_data=graph_data,
            )
        )
    return cases


CASES: Final = read_protocol_manifest()


def _case_id(case: ProtocolCase) -> str:
    return f"expected-refusal:{case.name}" if case.expects_update_to_succeed else case.name


# --- the store and the app ------------------------------------------------------------------


@pytest.fixture(scope="module")
def w3c_store(settings: Settings) -> OxigraphStore:
    """Our data plus every ``ut:graphData`` file of the suite, in the graph its label names."""
    store = OxigraphStore.from_paths(
        settings.source_dirs, root=settings.root, base_iri=settings.base_iri
    )
    for graph_iri, file_name in sorted({g for case in CASES for g in case.graph_data}):
        store._store.load(
            path=SUITE / file_name, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph_iri)
        )
    return store


@pytest.fixture(scope="module")
def w3c_app(settings: Settings, w3c_store: OxigraphStore) -> Iterator[Flask]:
    app = create_app(settings, store=w3c_store)
    app.testing = True
    yield app
    app.extensions["twinning_kg.executor"].close()


@pytest.fixture
def w3c_client(w3c_app: Flask) -> Iterator[FlaskClient]:
    with w3c_app.test_client() as client:
        yield client


def send(client: FlaskClient, request: HttpRequest, authority: str) -> TestResponse:
    """Send ``request`` as the manifest writes it: method, path with query string, headers, body."""
    return client.open(
        request.path,
        method=request.method,
        base_url=f"http://{authority}",
        headers=list(request.headers),
        data=request.body,
    )


# --- reading the answers back ---------------------------------------------------------------


def _media_type(response: TestResponse) -> str:
    return (response.mimetype or "").lower()


def read_boolean(response: TestResponse) -> bool:
    """The answer of an ASK query, in the JSON or XML results format."""
    fmt = RESULTS_TYPES.get(_media_type(response))
    if fmt is ResultsFormat.JSON:
        value = json.loads(response.data)["boolean"]
    elif fmt is ResultsFormat.XML:
        element = ET.fromstring(response.data).find(f"{SRX}boolean")  # noqa: S314  # our output
        assert element is not None and element.text in ("true", "false"), response.text
        value = element.text == "true"
    else:
        raise AssertionError(f"a boolean result must be JSON or XML, not {response.mimetype}")
    assert isinstance(value, bool)
    return value


def read_table(response: TestResponse) -> Result:
    """A SELECT result in any of the four results formats, parsed by rdflib."""
    fmt = RESULTS_TYPES.get(_media_type(response))
    assert fmt is not None, f"a tabular result must be JSON, XML, CSV or TSV: {response.mimetype}"
    result = Result.parse(io.BytesIO(response.data), format=fmt.value)
    assert result.type == "SELECT"
    return result


def read_rdf(response: TestResponse) -> Graph:
    """A CONSTRUCT/DESCRIBE result in RDF/XML, Turtle, N-Triples or JSON-LD."""
    fmt = RDF_TYPES.get(_media_type(response))
    assert fmt is not None, f"an RDF result must be an RDF format, not {response.mimetype}"
    return parse_rdf(response.data, fmt)


def check_response(request: HttpRequest, response: TestResponse) -> None:
    """The status class and the result format the manifest expects (and the boolean, if any)."""
    assert response.status_code // 100 in request.status_classes, (
        f"{request.method} {request.path}: expected {sorted(request.status_classes)}xx, "
        f"got {response.status_code}: {response.text[:500]}"
    )
    if request.expected_format == "boolean":
        answer = read_boolean(response)
        if request.expected_boolean is not None:
            assert answer is request.expected_boolean
    elif request.expected_format == "tabular":
        read_table(response)
    elif request.expected_format == "RDF":
        read_rdf(response)
    else:
        assert request.expected_format is None, request.expected_format


def count_quads(client: FlaskClient) -> int:
    """Every quad the endpoint can see, counted by the endpoint itself."""
    response = client.get(
        ENDPOINT_PATH,
        query_string={
            "query": "SELECT (COUNT(*) AS ?n) { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        },
    )
    assert response.status_code == 200, response.text
    return int(json.loads(response.data)["results"]["bindings"][0]["n"]["value"])


# --- the protocol suite ---------------------------------------------------------------------


def test_the_manifest_has_every_protocol_case() -> None:
    """34 cases, as upstream lists them; only the update cases expect a refusal."""
    assert len(CASES) == 34
    assert len({c.name for c in CASES}) == len(CASES)
    refusals = sorted(c.name for c in CASES if c.expects_update_to_succeed)
    assert refusals == sorted(c.name for c in CASES if c.name.startswith("update_"))
    assert len(refusals) == 7


def test_the_graph_data_is_loaded(w3c_store: OxigraphStore) -> None:
    graphs = {str(g.value) for g in w3c_store._store.named_graphs()}
    for case in CASES:
        for graph_iri, _ in case.graph_data:
            assert graph_iri in graphs


@pytest.mark.parametrize(
    "case", [c for c in CASES if not c.expects_update_to_succeed], ids=_case_id
)
def test_protocol_case(w3c_client: FlaskClient, case: ProtocolCase) -> None:
    for request in case.requests:
        check_response(request, send(w3c_client, request, case.authority))


@pytest.mark.parametrize("case", [c for c in CASES if c.expects_update_to_succeed], ids=_case_id)
def test_protocol_update_case_is_refused(
    w3c_client: FlaskClient, w3c_store: OxigraphStore, case: ProtocolCase
) -> None:
    """The endpoint is read-only: 403 with the read-only message; the follow-up sees no change."""
    before = count_quads(w3c_client)
    stored_before = len(w3c_store)
    update, *follow_ups = case.requests
    response = send(w3c_client, update, case.authority)
    assert response.status_code == 403, response.text
    assert READ_ONLY in response.text
    for request in follow_ups:
        assert not request.is_update
        response = send(w3c_client, request, case.authority)
        assert response.status_code // 100 == 2, response.text
        assert request.expected_format == "boolean"
        assert request.expected_boolean is True
        assert read_boolean(response) is False, "the refused update's effect is visible"
    assert count_quads(w3c_client) == before
    assert len(w3c_store) == stored_before


# --- the service description suite ----------------------------------------------------------


def read_sd_manifest(path: Path = SD_MANIFEST) -> list[str]:
    """The local names of the manifest's ``mf:ServiceDescriptionTest`` entries, in order."""
    graph = Graph().parse(path, format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    names = []
    for entry in Collection(graph, _one(graph, manifest, MF.entries)):  # type: ignore[arg-type]
        assert (entry, RDF.type, MF.ServiceDescriptionTest) in graph, entry
        names.append(str(entry).rsplit("#", 1)[1])
    return names


SD_CASES: Final = read_sd_manifest()
SD_AUTHORITY: Final = "www.example"
SD_ENDPOINT: Final = URIRef(f"http://{SD_AUTHORITY}{ENDPOINT_PATH}")
SD_LANGUAGES: Final = {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}
SD_CLASSES_OF: Final = {  # property → (class of its subject, class of its object or None)
    SD.endpoint: (SD.Service, None),
    SD.supportedLanguage: (SD.Service, SD.Language),
    SD.feature: (SD.Service, SD.Feature),
    SD.resultFormat: (SD.Service, None),
    SD.defaultDataset: (SD.Service, SD.Dataset),
    SD.defaultGraph: (SD.Dataset, SD.Graph),
    SD.namedGraph: (SD.Dataset, SD.NamedGraph),
    SD.name: (SD.NamedGraph, None),
    SD.graph: (SD.NamedGraph, SD.Graph),
}
SD_FEATURES: Final = {
    SD.DereferencesURIs,
    SD.UnionDefaultGraph,
    SD.RequiresDataset,
    SD.EmptyGraphs,
    SD.BasicFederatedQuery,
}


def fetch_description(client: FlaskClient, media_type: str) -> Graph:
    response = client.get(
        ENDPOINT_PATH, base_url=f"http://{SD_AUTHORITY}", headers={"Accept": media_type}
    )
    assert response.status_code == 200, response.text
    assert _media_type(response) == media_type
    return parse_rdf(response.data, RDF_TYPES[media_type])


def check_sd_conforms_to_schema(graph: Graph) -> None:
    """The SD vocabulary's domains and ranges (with rdf:type stated), and its fixed value sets."""
    services = set(graph.subjects(RDF.type, SD.Service))
    assert services, "no sd:Service"
    for predicate, (domain, range_) in SD_CLASSES_OF.items():
        for subject, value in graph.subject_objects(predicate):
            if domain is not SD.Service or subject in services:
                assert (subject, RDF.type, domain) in graph, (subject, predicate)
            if predicate in (SD.endpoint, SD.name, SD.resultFormat):
                assert isinstance(value, URIRef), (predicate, value)
            if range_ is not None and range_ not in (SD.Language, SD.Feature):
                assert (value, RDF.type, range_) in graph, (predicate, value)
    for service in services:
        assert set(graph.objects(service, SD.endpoint)), "a service needs sd:endpoint"
        assert set(graph.objects(service, SD.supportedLanguage)) <= SD_LANGUAGES
        assert set(graph.objects(service, SD.feature)) <= SD_FEATURES
    for _, triples in graph.subject_objects(URIRef("http://rdfs.org/ns/void#triples")):
        assert isinstance(triples, Literal) and int(triples) >= 0


@pytest.mark.parametrize("media_type", sorted(RDF_TYPES))
@pytest.mark.parametrize("case", SD_CASES)
def test_service_description_case(w3c_client: FlaskClient, case: str, media_type: str) -> None:
    graph = fetch_description(w3c_client, media_type)
    if case == "returns-rdf":
        assert len(graph) > 0
    elif case == "has-endpoint-triple":
        assert (None, SD.endpoint, SD_ENDPOINT) in graph
    elif case == "conforms-to-schema":
        check_sd_conforms_to_schema(graph)
    else:  # pragma: no cover - a new upstream case must be added here
        raise AssertionError(f"unknown service-description case {case}")


def test_service_description_manifest_has_three_cases() -> None:
    assert SD_CASES == ["has-endpoint-triple", "returns-rdf", "conforms-to-schema"]
