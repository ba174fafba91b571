"""The DCAT-AP 3 catalogue: the whole graph, each city folder and the ontology as datasets, their
dumps, the endpoint.

The fixed text (titles, descriptions, themes) is ``catalogue.ttl``; the publisher, contact
point, licence and URLs come from the settings; dates, coverage and keywords from the data by
packaged queries; the values of EU vocabularies are described from ``eu-vocabularies.ttl``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from twinning_kg.loading import rebase
from twinning_kg.publishing.addresses import Addresses
from twinning_kg.publishing.cities import City
from twinning_kg.publishing.coverage import Coverage, eu_vocabularies
from twinning_kg.publishing.dumps import GZIP_IRI, Dump
from twinning_kg.settings import Settings
from twinning_kg.vocabulary import new_graph

ADMS: Final = Namespace("http://www.w3.org/ns/adms#")
DCATAP: Final = Namespace("http://data.europa.eu/r5r/")
SPDX: Final = Namespace("http://spdx.org/rdf/terms#")
VCARD: Final = Namespace("http://www.w3.org/2006/vcard/ns#")
STABLE: Final = URIRef(
    "http://publications.europa.eu/resource/authority/planned-availability/STABLE"
)


@dataclass(frozen=True, slots=True)
class CityPart:
    """One city folder as a dataset of its own: the folder, its town, coverage and dumps."""

    city: City
    town: URIRef | None
    coverage: Coverage
    dumps: tuple[Dump, ...]


@cache
def _packaged(name: str, base_iri: str) -> Graph:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return Graph().parse(data=text, format="turtle", publicID=base_iri)


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


#: What each kind of dataset's distributions hold, in English and Polish.
_WHOLE: Final = ("The whole graph", "Cały graf")
_ONTOLOGY: Final = ("The ontology", "Ontologia")
#: Properties a city's dataset shares with the whole graph's (themes, rights, provenance…).
_SHARED: Final = (
    DCAT.theme,
    DCTERMS.language,
    DCTERMS.accessRights,
    DCTERMS.accrualPeriodicity,
    DCTERMS.conformsTo,
    DCTERMS.provenance,
)


def _add_distribution(
    graph: Graph,
    where: Addresses,
    dataset: URIRef,
    dump: Dump,
    common: dict[URIRef, object],
    what: tuple[str, str],
) -> None:
    fmt = dump.format
    node = where.node(f"distribution-{dump.name}")
    what_en, what_pl = what
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


def _add_coverage(graph: Graph, node: URIRef, coverage: Coverage) -> None:
    """Dates, places (described as dct:Location) and the period a dataset covers."""
    if coverage.issued is not None:
        graph.add((node, DCTERMS.issued, coverage.issued))
    if coverage.modified is not None:
        graph.add((node, DCTERMS.modified, coverage.modified))
    for place in coverage.places:
        graph.add((node, DCTERMS.spatial, place))
        graph.add((place, RDF.type, DCTERMS.Location))
    for city in coverage.cities:
        for label in city.labels:
            graph.add((city.iri, SKOS.prefLabel, label))
        if city.centroid is not None:
            graph.add((city.iri, DCAT.centroid, city.centroid))
    if coverage.earliest is not None or coverage.latest is not None:
        period = BNode()
        graph.add((node, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if coverage.earliest is not None:
            graph.add((period, DCAT.startDate, coverage.earliest))
        if coverage.latest is not None:
            graph.add((period, DCAT.endDate, coverage.latest))


def _city_names(part: CityPart) -> tuple[str, str]:
    """The city's name in Polish and English (the folder's name when the data gives none)."""
    labels = part.coverage.cities[0].labels if part.coverage.cities else ()
    by_lang = {label.language: str(label) for label in labels}
    english = by_lang.get("en") or by_lang.get("pl") or part.city.slug
    return by_lang.get("pl") or english, english


def _add_city(graph: Graph, where: Addresses, part: CityPart) -> URIRef:
    """A city's own dataset: titles from its name, its coverage, its files' graphs as parts."""
    node = where.node(part.city.stem)
    name_pl, name_en = _city_names(part)
    files = len(part.city.graphs)
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.title, Literal(f"Partnerstwa miasta {name_pl}", lang="pl")))
    graph.add((node, DCTERMS.title, Literal(f"Town twinning partnerships of {name_en}", lang="en")))
    graph.add(
        (
            node,
            DCTERMS.description,
            Literal(
                f"Zapisy gminy {name_pl} o jej partnerstwach miast: partnerzy, umowy, instytucje "
                f"i wydarzenia, każda informacja ze swoim źródłem. Pliki folderu "
                f"data/{part.city.slug}/ ({files}), każdy jako graf nazwany.",
                lang="pl",
            ),
        )
    )
    graph.add(
        (
            node,
            DCTERMS.description,
            Literal(
                f"The records of {name_en} on its town-twinning partnerships: partners, "
                f"agreements, institutions and events, each statement with its source. The "
                f"files of the folder data/{part.city.slug}/ ({files}), each a named graph.",
                lang="en",
            ),
        )
    )
    for keyword in (
        Literal("miasta partnerskie", lang="pl"),
        Literal("town twinning", lang="en"),
        *part.coverage.keywords,
    ):
        graph.add((node, DCAT.keyword, keyword))
    for source_graph in part.city.graphs:
        graph.add((node, DCTERMS.hasPart, source_graph))
    if part.town is not None and str(part.town).startswith(where.base_iri):
        page = where.page_url(str(part.town)[len(where.base_iri) :])
        graph.add((node, DCAT.landingPage, page))
        graph.add((page, RDF.type, FOAF.Document))
    _add_coverage(graph, node, part.coverage)
    return node


def build_catalogue(
    settings: Settings,
    coverage: Coverage,
    *,
    graph_dumps: Sequence[Dump],
    ontology_dumps: Sequence[Dump],
    cities: Sequence[CityPart] = (),
) -> Graph:
    """The DCAT-AP 3.0.1 catalogue as an RDF graph (validated against the official shapes).

    The whole graph is one dataset, each city folder another (``dct:isPartOf`` the whole, which
    ``dct:hasPart`` it), the ontology a third; the SPARQL endpoint is a data service.
    """
    where = Addresses.of(settings)
    graph = new_graph()
    for prefix, namespace in (("adms", ADMS), ("dcatap", DCATAP), ("spdx", SPDX), ("vcard", VCARD)):
        graph.bind(prefix, namespace)
    for triple in _packaged("catalogue.ttl", settings.base_iri):
        graph.add(triple)
    catalogue, whole = where.catalogue, where.graph_dataset
    service = where.sparql_service
    city_nodes = [_add_city(graph, where, part) for part in cities]
    for node in city_nodes:
        graph.add((catalogue, DCAT.dataset, node))
        graph.add((whole, DCTERMS.hasPart, node))
        graph.add((node, DCTERMS.isPartOf, whole))
        for prop in _SHARED:
            for value in list(graph.objects(whole, prop)):
                graph.add((node, prop, value))
    datasets = (whole, where.ontology_dataset, *city_nodes)

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
    for node in (catalogue, where.ontology_dataset):
        if coverage.issued is not None:
            graph.add((node, DCTERMS.issued, coverage.issued))
        if coverage.modified is not None:
            graph.add((node, DCTERMS.modified, coverage.modified))
    _add_coverage(graph, whole, coverage)
    for place in coverage.places:
        graph.add((catalogue, DCTERMS.spatial, place))
    for keyword in coverage.keywords:
        graph.add((whole, DCAT.keyword, keyword))

    graph.add((catalogue, FOAF.homepage, where.home_url))
    graph.add((where.home_url, RDF.type, FOAF.Document))
    ontology_page = where.page_url("def/twinning")
    for node, page in ((whole, where.home_url), (where.ontology_dataset, ontology_page)):
        graph.add((node, DCAT.landingPage, page))
        graph.add((page, RDF.type, FOAF.Document))
    for node in (catalogue, whole):
        graph.add((node, RDFS.seeAlso, where.void_url))
    graph.add((service, DCAT.endpointURL, where.sparql_url))
    graph.add((service, DCAT.endpointDescription, where.sparql_url))
    graph.add((where.sparql_url, RDF.type, RDFS.Resource))

    parts: list[tuple[URIRef, Sequence[Dump], tuple[str, str], Coverage]] = [
        (whole, graph_dumps, _WHOLE, coverage),
        (where.ontology_dataset, ontology_dumps, _ONTOLOGY, coverage),
    ]
    for node, part in zip(city_nodes, cities, strict=True):
        name_pl, name_en = _city_names(part)
        what = (f"The records of {name_en}", f"Zapisy gminy {name_pl}")
        parts.append((node, part.dumps, what, part.coverage))
    for dataset, dumps, what, dated in parts:
        common: dict[URIRef, object] = {
            DCTERMS.license: licence,
            DCTERMS.issued: dated.issued,
            DCTERMS.modified: dated.modified,
        }
        for dump in dumps:
            _add_distribution(graph, where, dataset, dump, common, what)
    _describe_vocabulary_values(graph)
    return graph
