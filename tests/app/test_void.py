"""The VoID description: computed from the data, checked against the source files."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF
from rdflib.term import Node

from tests.app.downloads import fetch
from twinning_kg.publishing.dumps import DUMP_FORMATS
from twinning_kg.settings import Settings
from twinning_kg.vocabulary import TWIN, VOID

BASE = "https://twinning.example.org/"
GRAPH_DATASET = URIRef(BASE + "catalog#twinning")
ONTOLOGY_DATASET = URIRef(BASE + "catalog#ontology")
WIKIDATA = "http://www.wikidata.org/entity/"


@pytest.fixture(scope="module")
def void(settings: Settings) -> Graph:
    return Graph().parse(settings.build_dir / "void.ttl", format="turtle")


def _count(graph: Graph, node: Node, prop: URIRef) -> int:
    value = graph.value(node, prop)
    assert isinstance(value, Literal), f"{node} has no {prop}"
    return int(value)


def test_void_counts_every_triple_subject_and_object_of_the_source_files(
    void: Graph, source_graph: Graph
) -> None:
    assert _count(void, GRAPH_DATASET, VOID.triples) == len(source_graph)
    assert _count(void, GRAPH_DATASET, VOID.distinctSubjects) == len(set(source_graph.subjects()))
    assert _count(void, GRAPH_DATASET, VOID.distinctObjects) == len(set(source_graph.objects()))
    assert _count(void, GRAPH_DATASET, VOID.properties) == len(set(source_graph.predicates()))
    classes = set(source_graph.objects(None, RDF.type))
    assert _count(void, GRAPH_DATASET, VOID.classes) == len(classes)
    entities = {s for s in source_graph.subjects() if str(s).startswith(BASE + "id/")}
    assert _count(void, GRAPH_DATASET, VOID.entities) == len(entities)


def test_class_and_property_partitions_match_the_data(void: Graph, source_graph: Graph) -> None:
    partitions = {
        void.value(p, VOID["class"]): _count(void, p, VOID.entities)
        for p in void.objects(GRAPH_DATASET, VOID.classPartition)
    }
    assert partitions[TWIN.Municipality] == len(
        set(source_graph.subjects(RDF.type, TWIN.Municipality))
    )
    assert partitions[TWIN.Partnership] == len(
        set(source_graph.subjects(RDF.type, TWIN.Partnership))
    )
    properties = {
        void.value(p, VOID.property): _count(void, p, VOID.triples)
        for p in void.objects(GRAPH_DATASET, VOID.propertyPartition)
    }
    assert properties[TWIN.partner] == len(list(source_graph.triples((None, TWIN.partner, None))))
    assert sum(properties.values()) == len(source_graph)


def test_the_linkset_to_wikidata_counts_the_links(void: Graph, source_graph: Graph) -> None:
    linksets = {
        void.value(ls, VOID.linkPredicate): ls for ls in void.subjects(RDF.type, VOID.Linkset)
    }
    same_as = linksets[OWL.sameAs]
    expected = [o for o in source_graph.objects(None, OWL.sameAs) if str(o).startswith(WIKIDATA)]
    assert _count(void, same_as, VOID.triples) == len(expected) > 0
    assert void.value(same_as, VOID.subjectsTarget) == GRAPH_DATASET
    wikidata = void.value(same_as, VOID.objectsTarget)
    assert void.value(wikidata, VOID.uriSpace) == Literal(WIKIDATA)
    assert (GRAPH_DATASET, VOID.subset, same_as) in void


def test_void_names_the_endpoint_the_dumps_the_uri_space_and_the_vocabularies(
    void: Graph, settings: Settings
) -> None:
    catalogue = Graph().parse(settings.build_dir / "catalog.ttl", format="turtle")
    assert (GRAPH_DATASET, VOID.sparqlEndpoint, URIRef(BASE + "sparql")) in void
    assert (GRAPH_DATASET, VOID.uriSpace, Literal(BASE + "id/")) in void
    for dataset in (GRAPH_DATASET, ONTOLOGY_DATASET):
        downloads = {
            catalogue.value(d, DCAT.downloadURL)
            for d in catalogue.objects(dataset, DCAT.distribution)
        }
        assert set(void.objects(dataset, VOID.dataDump)) == downloads
    vocabularies = set(void.objects(GRAPH_DATASET, VOID.vocabulary))
    assert {URIRef(str(TWIN)), URIRef(str(OWL))} <= vocabularies
    assert (GRAPH_DATASET, VOID.subset, ONTOLOGY_DATASET) in void


def test_the_ontology_subset_counts_the_ontology_files(void: Graph, settings: Settings) -> None:
    ontology = Graph()
    for path in sorted((settings.root / settings.ontology_dir).rglob("*.ttl")):
        ontology.parse(path, format="turtle")
    assert _count(void, ONTOLOGY_DATASET, VOID.triples) == len(ontology)


def test_well_known_void_serves_the_built_description(
    client: FlaskClient, settings: Settings
) -> None:
    response = fetch(client, "/.well-known/void")
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    assert response.data == (settings.build_dir / "void.ttl").read_bytes()
    assert response.headers["Content-Location"] == "/.well-known/void.ttl"
    jsonld = fetch(client, "/.well-known/void", {"Accept": "application/ld+json"})
    assert jsonld.mimetype == "application/ld+json"
    assert jsonld.data == (settings.build_dir / "void.jsonld").read_bytes()
    assert fetch(client, "/.well-known/void.rdf").mimetype == "application/rdf+xml"


def test_each_city_folder_is_a_subset_with_its_own_counts_dumps_and_graphs(
    void: Graph, settings: Settings
) -> None:
    city = URIRef(BASE + "catalog#city-siedlce")
    assert (GRAPH_DATASET, VOID.subset, city) in void
    assert (city, RDF.type, VOID.Dataset) in void
    files = sorted((settings.root / settings.data_dir / "siedlce").rglob("*.ttl"))
    records = Graph()
    for path in files:
        records.parse(path, format="turtle")
    assert _count(void, city, VOID.triples) == len(records)
    dumps = {str(d).removeprefix(BASE + "dumps/") for d in void.objects(city, VOID.dataDump)}
    assert dumps == {f"city-siedlce{fmt.suffix}" for fmt in DUMP_FORMATS}
    graphs = {URIRef(BASE + "graph/data/siedlce/" + path.stem) for path in files}
    assert set(void.objects(city, DCTERMS.hasPart)) == graphs
    titles = list(void.objects(city, DCTERMS.title))
    assert all(isinstance(t, Literal) for t in titles)
    assert {t.language for t in titles if isinstance(t, Literal)} == {"pl", "en"}
