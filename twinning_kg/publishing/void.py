"""The VoID description (``/.well-known/void``), computed from the data by packaged queries.

Statistics come from the store the dumps are made of, so a harvester that counts the triples
of a dump finds the number VoID gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, XSD

from twinning_kg.publishing.addresses import Addresses
from twinning_kg.publishing.dumps import Dump
from twinning_kg.store import GraphStore, Row
from twinning_kg.vocabulary import VOID, new_graph

WIKIDATA_SPACE: Final = "http://www.wikidata.org/entity/"
WIKIDATA_HOME: Final = URIRef("https://www.wikidata.org/")
WIKIDATA_ENDPOINT: Final = URIRef("https://query.wikidata.org/sparql")
FORMATS_NS: Final = "http://www.w3.org/ns/formats/"
#: void:feature for each dump's RDF media type.
FEATURES: Final = {
    "text/turtle": URIRef(FORMATS_NS + "Turtle"),
    "application/n-triples": URIRef(FORMATS_NS + "N-Triples"),
    "application/n-quads": URIRef(FORMATS_NS + "N-Quads"),
    "application/ld+json": URIRef(FORMATS_NS + "JSON-LD"),
    "application/rdf+xml": URIRef(FORMATS_NS + "RDF_XML"),
}


@dataclass(frozen=True, slots=True)
class Statistics:
    """What VoID says about a dataset's size and shape."""

    triples: int
    entities: int
    subjects: int
    objects: int
    properties: int
    classes: int
    class_partitions: tuple[tuple[URIRef, int], ...] = ()
    property_partitions: tuple[tuple[URIRef, int], ...] = ()
    vocabularies: tuple[URIRef, ...] = ()
    links: tuple[tuple[URIRef, int], ...] = field(default=())


@dataclass(frozen=True, slots=True)
class CitySubset:
    """A city folder as a subset of the whole graph: its statistics, dumps and files' graphs."""

    node: URIRef
    stats: Statistics
    dumps: tuple[Dump, ...]
    graphs: tuple[URIRef, ...]
    modified: Literal | None


def _int(row: Row, key: str) -> int:
    value = row.get(key)
    return int(str(value)) if value is not None else 0


def measure(store: GraphStore, *, uri_space: str) -> Statistics:
    """Count triples, entities (IRIs under ``uri_space``), subjects, objects, partitions, links."""
    totals = store.select("count_triples")[0]
    entities = store.select("count_entities", space=Literal(uri_space))
    links = store.select("count_links", target=Literal(WIKIDATA_SPACE))
    return Statistics(
        triples=_int(totals, "triples"),
        entities=_int(entities[0], "entities") if entities else 0,
        subjects=_int(totals, "subjects"),
        objects=_int(totals, "objects"),
        properties=_int(totals, "properties"),
        classes=_int(totals, "classes"),
        class_partitions=tuple(
            (URIRef(str(row["class"])), _int(row, "entities"))
            for row in store.select("count_class_partitions")
        ),
        property_partitions=tuple(
            (URIRef(str(row["property"])), _int(row, "triples"))
            for row in store.select("count_property_partitions")
        ),
        vocabularies=tuple(
            URIRef(str(row["vocabulary"]))
            for row in store.select("list_vocabularies")
            if str(row.get("vocabulary", ""))
        ),
        links=tuple(
            (URIRef(str(row["property"])), _int(row, "links")) for row in links if "property" in row
        ),
    )


def _add_counts(graph: Graph, node: URIRef, stats: Statistics) -> None:
    for prop, value in (
        (VOID.triples, stats.triples),
        (VOID.entities, stats.entities),
        (VOID.distinctSubjects, stats.subjects),
        (VOID.distinctObjects, stats.objects),
        (VOID.properties, stats.properties),
        (VOID.classes, stats.classes),
    ):
        graph.add((node, prop, Literal(value, datatype=XSD.integer)))


def _add_dataset(
    graph: Graph, node: URIRef, stats: Statistics, dumps: Sequence[Dump], where: Addresses
) -> None:
    graph.add((node, RDF.type, VOID.Dataset))
    graph.add((node, VOID.sparqlEndpoint, where.sparql_url))
    graph.add((node, VOID.uriSpace, Literal(where.uri_space)))
    graph.add((node, FOAF.homepage, where.home_url))
    for dump in dumps:
        graph.add((node, VOID.dataDump, dump.url))
        graph.add((node, VOID.feature, FEATURES[dump.format.media_type]))
    for vocabulary in stats.vocabularies:
        graph.add((node, VOID.vocabulary, vocabulary))
    _add_counts(graph, node, stats)
    for class_iri, count in stats.class_partitions:
        partition = BNode()
        graph.add((node, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], class_iri))
        graph.add((partition, VOID.entities, Literal(count, datatype=XSD.integer)))
    for property_iri, count in stats.property_partitions:
        partition = BNode()
        graph.add((node, VOID.propertyPartition, partition))
        graph.add((partition, VOID.property, property_iri))
        graph.add((partition, VOID.triples, Literal(count, datatype=XSD.integer)))


def build_void(
    *,
    where: Addresses,
    graph_stats: Statistics,
    ontology_stats: Statistics,
    graph_dumps: Sequence[Dump],
    ontology_dumps: Sequence[Dump],
    titles: Graph,
    modified: Literal | None,
    licence: URIRef,
    cities: Sequence[CitySubset] = (),
) -> Graph:
    """The VoID description: the graph; the ontology and each city folder as its subsets, each
    city with the named graphs of its files (``dcterms:hasPart``); the linksets to Wikidata.

    ``titles`` is the catalogue graph: the datasets' titles and descriptions are copied from it.
    """
    graph = new_graph()
    graph.add((where.void_url, RDF.type, VOID.DatasetDescription))
    graph.add((where.void_url, FOAF.primaryTopic, where.graph_dataset))
    dated = [(where.graph_dataset, modified), (where.ontology_dataset, modified)]
    dated += [(city.node, city.modified) for city in cities]
    for node, when in dated:
        for prop in (DCTERMS.title, DCTERMS.description):
            for value in titles.objects(node, prop):
                graph.add((node, prop, value))
        graph.add((node, DCTERMS.license, licence))
        if when is not None:
            graph.add((node, DCTERMS.modified, when))
    for prop in (DCTERMS.title, DCTERMS.description):
        for value in titles.objects(where.catalogue, prop):
            graph.add((where.void_url, prop, value))
    _add_dataset(graph, where.graph_dataset, graph_stats, graph_dumps, where)
    _add_dataset(graph, where.ontology_dataset, ontology_stats, ontology_dumps, where)
    graph.add((where.graph_dataset, VOID.subset, where.ontology_dataset))
    for city in cities:
        _add_dataset(graph, city.node, city.stats, city.dumps, where)
        graph.add((where.graph_dataset, VOID.subset, city.node))
        for source_graph in city.graphs:
            graph.add((city.node, DCTERMS.hasPart, source_graph))

    wikidata = where.node("wikidata")
    graph.add((wikidata, RDF.type, VOID.Dataset))
    graph.add((wikidata, DCTERMS.title, Literal("Wikidata", lang="en")))
    graph.add((wikidata, FOAF.homepage, WIKIDATA_HOME))
    graph.add((wikidata, VOID.sparqlEndpoint, WIKIDATA_ENDPOINT))
    graph.add((wikidata, VOID.uriSpace, Literal(WIKIDATA_SPACE)))
    for property_iri, count in graph_stats.links:
        linkset = where.node(f"links-wikidata-{_local_name(property_iri)}")
        graph.add((where.graph_dataset, VOID.subset, linkset))
        graph.add((linkset, RDF.type, VOID.Linkset))
        graph.add((linkset, VOID.subjectsTarget, where.graph_dataset))
        graph.add((linkset, VOID.objectsTarget, wikidata))
        graph.add((linkset, VOID.linkPredicate, property_iri))
        graph.add((linkset, VOID.triples, Literal(count, datatype=XSD.integer)))
    return graph


def _local_name(iri: URIRef) -> str:
    """The last segment of an IRI, for readable node names.

    >>> _local_name(URIRef("http://www.w3.org/2002/07/owl#sameAs"))
    'sameAs'
    """
    text = str(iri)
    return text[max(text.rfind("#"), text.rfind("/")) + 1 :] or "link"
