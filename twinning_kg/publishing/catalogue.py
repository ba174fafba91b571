"""The DCAT-AP 3 catalogue: the graph and the ontology as datasets, their dumps, the endpoint.

The fixed text (titles, descriptions, themes) is ``catalogue.ttl``; the publisher, contact
point, licence and URLs come from the settings; dates, coverage and keywords from the data by
packaged queries; the values of EU vocabularies are described from ``eu-vocabularies.ttl``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from twinning_kg.errors import TwinningError
from twinning_kg.loading import rebase
from twinning_kg.publishing.addresses import Addresses
from twinning_kg.publishing.dumps import GZIP_IRI, Dump
from twinning_kg.settings import Settings
from twinning_kg.store import GraphStore
from twinning_kg.vocabulary import new_graph

ADMS: Final = Namespace("http://www.w3.org/ns/adms#")
DCATAP: Final = Namespace("http://data.europa.eu/r5r/")
SPDX: Final = Namespace("http://spdx.org/rdf/terms#")
VCARD: Final = Namespace("http://www.w3.org/2006/vcard/ns#")
STABLE: Final = URIRef(
    "http://publications.europa.eu/resource/authority/planned-availability/STABLE"
)
COUNTRY: Final = URIRef("http://publications.europa.eu/resource/authority/country")
WKT: Final = URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")
_ISO_DATE: Final = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_DATE_TYPES: Final = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}


@dataclass(frozen=True, slots=True)
class Coverage:
    """What the data says about itself: dates, place, names."""

    issued: Literal | None
    modified: Literal | None
    earliest: Literal | None
    latest: Literal | None
    place: URIRef | None
    place_labels: tuple[Literal, ...]
    centroid: Literal | None
    country: URIRef | None
    keywords: tuple[Literal, ...]

    @property
    def places(self) -> tuple[URIRef, ...]:
        """The spatial coverage: the main town (its Wikidata item) and its EU country."""
        return tuple(p for p in (self.place, self.country) if p is not None)


def iso_date(text: str, *, what: str) -> Literal:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as an ``xsd:gYear``/``gYearMonth``/``date``.

    >>> iso_date("2022", what="x").datatype == XSD.gYear
    True

    :raises TwinningError: for anything else.
    """
    text = text.strip()
    if not _ISO_DATE.match(text):
        raise TwinningError(f"{what}: {text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    return Literal(text, datatype=_DATE_TYPES[len(text)])


@cache
def _packaged(name: str, base_iri: str) -> Graph:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return Graph().parse(data=text, format="turtle", publicID=base_iri)


def eu_vocabularies() -> Graph:
    """The controlled-vocabulary values the catalogue may use, typed and labelled."""
    return _packaged("eu-vocabularies.ttl", "")


def measure_coverage(store: GraphStore, settings: Settings) -> Coverage:
    """Dates, spatial coverage and keywords, from the data (settings override the dates)."""
    declared = store.select("find_declared_dates")
    row = declared[0] if declared else {}
    issued = row.get("issued")
    modified = row.get("modified")
    if settings.catalogue_issued:
        issued = iso_date(settings.catalogue_issued, what="TWINNING_CATALOGUE_ISSUED")
    if settings.catalogue_modified:
        modified = iso_date(settings.catalogue_modified, what="TWINNING_CATALOGUE_MODIFIED")
    dates = store.select("find_date_range")
    span = dates[0] if dates else {}
    earliest, latest = span.get("earliest"), span.get("latest")
    hubs = store.select("find_spatial_coverage")
    hub = hubs[0] if hubs else {}
    place = hub.get("wikidata") or hub.get("place")
    vocabulary = eu_vocabularies()
    countries = [
        country
        for country in vocabulary.subjects(SKOS.notation, Literal(str(hub.get("code", ""))))
        if isinstance(country, URIRef) and (country, SKOS.inScheme, COUNTRY) in vocabulary
    ]
    return Coverage(
        issued=issued if isinstance(issued, Literal) else None,
        modified=modified if isinstance(modified, Literal) else None,
        earliest=iso_date(str(earliest), what="earliest date") if earliest else None,
        latest=iso_date(str(latest), what="latest date") if latest else None,
        place=place if isinstance(place, URIRef) else None,
        place_labels=tuple(
            label for key in ("label_pl", "label_en") if isinstance(label := hub.get(key), Literal)
        ),
        centroid=_wkt_point(hub.get("lat"), hub.get("long")),
        country=countries[0] if countries else None,
        keywords=tuple(
            name
            for row in store.select("list_partner_names")
            if isinstance(name := row.get("name"), Literal)
        ),
    )


def _wkt_point(lat: object, long: object) -> Literal | None:
    """A WGS84 point as a GeoSPARQL WKT literal (longitude first), if both are numbers.

    >>> str(_wkt_point(Literal("52.165"), Literal("22.27139")))
    'POINT(22.27139 52.165)'
    """
    try:
        latitude, longitude = float(str(lat)), float(str(long))
    except ValueError:
        return None
    return Literal(f"POINT({longitude} {latitude})", datatype=WKT)


def _describe_vocabulary_values(graph: Graph) -> None:
    """Copy the description of every EU-vocabulary value the catalogue uses (and theirs)."""
    vocabulary = eu_vocabularies()
    done: set[URIRef] = set()
    while True:
        todo = {o for o in graph.objects() if isinstance(o, URIRef) and o not in done} & set(
            vocabulary.subjects()
        )
        if not todo:
            return
        for value in todo:
            for triple in vocabulary.triples((value, None, None)):
                graph.add(triple)
        done |= todo


def _add_distribution(
    graph: Graph, where: Addresses, dataset: URIRef, dump: Dump, common: dict[URIRef, object]
) -> None:
    fmt = dump.format
    node = where.node(f"distribution-{dump.name}")
    what_en = "The whole graph" if dataset == where.graph_dataset else "The ontology"
    what_pl = "Cały graf" if dataset == where.graph_dataset else "Ontologia"
    graphs_en = "one named graph per source file" if fmt.keeps_graphs else "the named graphs merged"
    graphs_pl = "graf nazwany dla każdego pliku" if fmt.keeps_graphs else "grafy nazwane scalone"
    gzip_en, gzip_pl = (", gzip-compressed", ", skompresowany gzip") if fmt.compressed else ("", "")
    graph.add((dataset, DCAT.distribution, node))
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCTERMS.title, Literal(f"{dump.name} ({fmt.label})")))
    graph.add(
        (
            node,
            DCTERMS.description,
            Literal(f"{what_en} as {fmt.label}: {graphs_en}{gzip_en}.", lang="en"),
        )
    )
    graph.add(
        (
            node,
            DCTERMS.description,
            Literal(f"{what_pl} w formacie {fmt.label}: {graphs_pl}{gzip_pl}.", lang="pl"),
        )
    )
    graph.add((node, DCAT.accessURL, dump.url))
    graph.add((node, DCAT.downloadURL, dump.url))
    graph.add((dump.url, RDF.type, RDFS.Resource))
    graph.add((node, DCAT.mediaType, fmt.media_type_iri))
    graph.add((node, DCTERMS["format"], fmt.file_type_iri))
    if fmt.compressed:
        graph.add((node, DCAT.compressFormat, GZIP_IRI))
    graph.add((node, DCAT.byteSize, Literal(dump.size, datatype=XSD.nonNegativeInteger)))
    checksum = BNode()
    graph.add((node, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((checksum, SPDX.checksumValue, Literal(dump.sha256, datatype=XSD.hexBinary)))
    graph.add((node, DCATAP.availability, STABLE))
    for prop, value in common.items():
        if isinstance(value, URIRef | Literal):
            graph.add((node, prop, value))


def build_catalogue(
    settings: Settings,
    coverage: Coverage,
    *,
    graph_dumps: Sequence[Dump],
    ontology_dumps: Sequence[Dump],
) -> Graph:
    """The DCAT-AP 3.0.1 catalogue as an RDF graph (validated against the official shapes)."""
    where = Addresses.of(settings)
    graph = new_graph()
    for prefix, namespace in (("adms", ADMS), ("dcatap", DCATAP), ("spdx", SPDX), ("vcard", VCARD)):
        graph.bind(prefix, namespace)
    for triple in _packaged("catalogue.ttl", settings.base_iri):
        graph.add(triple)
    catalogue, datasets = where.catalogue, (where.graph_dataset, where.ontology_dataset)
    service = where.sparql_service

    publisher = rebase(URIRef(settings.publisher_iri), settings.base_iri)
    assert isinstance(publisher, URIRef)  # noqa: S101  # rebase keeps IRIs IRIs
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal(settings.publisher_name)))
    if settings.publisher_type:
        graph.add((publisher, DCTERMS.type, URIRef(settings.publisher_type)))
    contact = where.node("contact")
    graph.add((contact, RDF.type, VCARD.Kind))
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(settings.contact_name or settings.publisher_name)))
    if settings.contact_email:
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{settings.contact_email}")))
    if settings.contact_url:
        graph.add((contact, VCARD.hasURL, URIRef(settings.contact_url)))
    licence = URIRef(settings.licence_iri)
    graph.add((licence, RDF.type, DCTERMS.LicenseDocument))

    for node in (catalogue, *datasets, service):
        graph.add((node, DCTERMS.publisher, publisher))
        graph.add((node, DCTERMS.license, licence))
    for node in (*datasets, service):
        graph.add((node, DCAT.contactPoint, contact))
    for node in (catalogue, *datasets):
        if coverage.issued is not None:
            graph.add((node, DCTERMS.issued, coverage.issued))
        if coverage.modified is not None:
            graph.add((node, DCTERMS.modified, coverage.modified))
    for node in (catalogue, where.graph_dataset):
        for place in coverage.places:
            graph.add((node, DCTERMS.spatial, place))
    for place in coverage.places:
        graph.add((place, RDF.type, DCTERMS.Location))
    if coverage.place is not None:
        for label in coverage.place_labels:
            graph.add((coverage.place, SKOS.prefLabel, label))
        if coverage.centroid is not None:
            graph.add((coverage.place, DCAT.centroid, coverage.centroid))
    if coverage.earliest is not None or coverage.latest is not None:
        period = BNode()
        graph.add((where.graph_dataset, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if coverage.earliest is not None:
            graph.add((period, DCAT.startDate, coverage.earliest))
        if coverage.latest is not None:
            graph.add((period, DCAT.endDate, coverage.latest))
    for keyword in coverage.keywords:
        graph.add((where.graph_dataset, DCAT.keyword, keyword))

    graph.add((catalogue, FOAF.homepage, where.home_url))
    graph.add((where.home_url, RDF.type, FOAF.Document))
    ontology_page = where.page_url("def/twinning")
    for node, page in (
        (where.graph_dataset, where.home_url),
        (where.ontology_dataset, ontology_page),
    ):
        graph.add((node, DCAT.landingPage, page))
        graph.add((page, RDF.type, FOAF.Document))
    for node in (catalogue, where.graph_dataset):
        graph.add((node, RDFS.seeAlso, where.void_url))
    graph.add((service, DCAT.endpointURL, where.sparql_url))
    graph.add((service, DCAT.endpointDescription, where.sparql_url))
    graph.add((where.sparql_url, RDF.type, RDFS.Resource))

    common: dict[URIRef, object] = {
        DCTERMS.license: licence,
        DCTERMS.issued: coverage.issued,
        DCTERMS.modified: coverage.modified,
    }
    for dataset, dumps in (
        (where.graph_dataset, graph_dumps),
        (where.ontology_dataset, ontology_dumps),
    ):
        for dump in dumps:
            _add_distribution(graph, where, dataset, dump, common)
    _describe_vocabulary_values(graph)
    return graph
