"""Where published things live: the catalogue's IRIs (under the base IRI, stable identifiers)
and the URLs people and harvesters fetch (under the public URL, ``base_url`` or the base IRI)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from rdflib import URIRef

from twinning_kg.settings import Settings

CATALOGUE_PATH: Final = "catalog"
VOID_PATH: Final = ".well-known/void"
SPARQL_PATH: Final = "sparql"
DUMPS_PATH: Final = "dumps/"


@dataclass(frozen=True, slots=True)
class Addresses:
    """IRIs of the catalogue, its datasets and service; URLs of pages, dumps and the endpoint.

    >>> where = Addresses(base_iri="https://t.example/", public_url="http://localhost:5000/")
    >>> str(where.graph_dataset), str(where.dump_url("twinning.ttl"))
    ('https://t.example/catalog#twinning', 'http://localhost:5000/dumps/twinning.ttl')
    """

    base_iri: str
    public_url: str

    @classmethod
    def of(cls, settings: Settings) -> Addresses:
        """The addresses the settings give."""
        return cls(base_iri=settings.base_iri, public_url=settings.public_url)

    @property
    def catalogue(self) -> URIRef:
        """The ``dcat:Catalog``."""
        return URIRef(self.base_iri + CATALOGUE_PATH)

    def node(self, name: str) -> URIRef:
        """A resource described in the catalogue (``{base}catalog#{name}``)."""
        return URIRef(f"{self.base_iri}{CATALOGUE_PATH}#{name}")

    @property
    def graph_dataset(self) -> URIRef:
        """The whole graph: a ``dcat:Dataset`` and a ``void:Dataset``."""
        return self.node("twinning")

    @property
    def ontology_dataset(self) -> URIRef:
        """The ontology and its SKOS vocabularies, a dataset of their own."""
        return self.node("ontology")

    @property
    def sparql_service(self) -> URIRef:
        """The SPARQL endpoint as a ``dcat:DataService``."""
        return self.node("sparql")

    @property
    def uri_space(self) -> str:
        """Where entity IRIs live (``void:uriSpace``)."""
        return self.base_iri + "id/"

    @property
    def home_url(self) -> URIRef:
        """The home page."""
        return URIRef(self.public_url)

    @property
    def catalogue_url(self) -> URIRef:
        """The catalogue document."""
        return URIRef(self.public_url + CATALOGUE_PATH)

    @property
    def void_url(self) -> URIRef:
        """The VoID document (also the IRI of the ``void:DatasetDescription``)."""
        return URIRef(self.public_url + VOID_PATH)

    @property
    def sparql_url(self) -> URIRef:
        """The SPARQL endpoint (and its service description)."""
        return URIRef(self.public_url + SPARQL_PATH)

    def page_url(self, path: str) -> URIRef:
        """A page of the site by its path (``def/twinning``)."""
        return URIRef(self.public_url + path.lstrip("/"))

    def dump_url(self, name: str) -> URIRef:
        """A dump file by name."""
        return URIRef(self.public_url + DUMPS_PATH + name)
