"""The SPARQL 1.1 Service Description of the endpoint (``GET /sparql`` for RDF clients)."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from twinning_kg.formats import GRAPH_RESULT_FORMATS, Format, ResultsFormat
from twinning_kg.vocabulary import VOID, new_graph

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
_GRAPH_FORMAT_IRIS = {
    Format.TURTLE: FORMATS.Turtle,
    Format.NTRIPLES: FORMATS["N-Triples"],
    Format.JSONLD: FORMATS["JSON-LD"],
    Format.RDFXML: FORMATS.RDF_XML,
}


def service_description(
    endpoint_url: str,
    *,
    void_url: str,
    graphs: list[tuple[str, int]],
    timeout_s: float,
    row_cap: int,
) -> Graph:
    """Describe the endpoint: languages, result formats, features, the dataset and its graphs."""
    graph = new_graph()
    graph.bind("sd", SD)
    service = URIRef(endpoint_url)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    for results_format in ResultsFormat:
        graph.add((service, SD.resultFormat, URIRef(results_format.w3c_iri)))
    for graph_format in GRAPH_RESULT_FORMATS:
        graph.add((service, SD.resultFormat, _GRAPH_FORMAT_IRIS[graph_format]))
    graph.add(
        (
            service,
            RDFS.comment,
            Literal(
                f"Read-only. Queries run for at most {timeout_s:g} s and return at most "
                f"{row_cap} rows (a truncated result says so in X-Result-Truncated). "
                "SERVICE (federated queries) and SPARQL Update are refused.",
                lang="en",
            ),
        )
    )
    dataset = BNode("dataset")
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, RDFS.seeAlso, URIRef(void_url)))
    default = BNode("default")
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, RDFS.comment, Literal("The union of all named graphs.", lang="en")))
    total = 0
    for index, (name, triples) in enumerate(graphs):
        total += triples
        named = BNode(f"named{index}")
        described = BNode(f"graph{index}")
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
        graph.add((named, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, VOID.triples, Literal(triples, datatype=XSD.integer)))
    graph.add((default, VOID.triples, Literal(total, datatype=XSD.integer)))
    return graph
