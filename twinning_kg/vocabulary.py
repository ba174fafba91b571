"""Namespaces and IRI builders shared by every module."""

from __future__ import annotations

from typing import Final

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

from twinning_kg.settings import CANONICAL_BASE_IRI

Term = URIRef | BNode | Literal

TWIN: Final = Namespace(CANONICAL_BASE_IRI + "def/twinning/")
TWINSH: Final = Namespace(CANONICAL_BASE_IRI + "def/shapes/")
ONTOLOGY_IRI: Final = URIRef(CANONICAL_BASE_IRI + "def/twinning")
WD: Final = Namespace("http://www.wikidata.org/entity/")
WDT: Final = Namespace("http://www.wikidata.org/prop/direct/")
SCHEMA: Final = Namespace("http://schema.org/")
GEO: Final = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
ORG: Final = Namespace("http://www.w3.org/ns/org#")
VOID: Final = Namespace("http://rdfs.org/ns/void#")
DBO: Final = Namespace("http://dbpedia.org/ontology/")

#: Prefixes bound on every graph we serialise, so Turtle output reads the same everywhere.
PREFIXES: Final[dict[str, Namespace]] = {
    "twin": TWIN,
    "twinsh": TWINSH,
    "wd": WD,
    "wdt": WDT,
    "schema": SCHEMA,
    "geo": GEO,
    "org": ORG,
    "void": VOID,
    "dbo": DBO,
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "owl": Namespace(str(OWL)),
    "xsd": Namespace(str(XSD)),
    "skos": Namespace(str(SKOS)),
    "dcterms": Namespace(str(DCTERMS)),
    "dcat": Namespace(str(DCAT)),
    "prov": Namespace(str(PROV)),
    "foaf": Namespace(str(FOAF)),
    "sh": Namespace(str(SH)),
}


def entity_iri(kind: str, slug: str, *, base_iri: str = CANONICAL_BASE_IRI) -> URIRef:
    """Return the IRI of an entity of ``kind`` named ``slug``.

    >>> entity_iri("municipality", "dasing")
    rdflib.term.URIRef('https://twinning.example.org/id/municipality/dasing')
    """
    return URIRef(f"{base_iri}id/{kind}/{slug}")


def new_graph() -> Graph:
    """An empty graph with the project's prefixes bound (replacing rdflib's defaults)."""
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph
