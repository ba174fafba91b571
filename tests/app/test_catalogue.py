"""The DCAT-AP catalogue the build writes: asserted on its triples."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD
from rdflib.term import Node

from tests.conftest import ROOT
from twinning_kg.errors import TwinningError
from twinning_kg.publishing.build import build
from twinning_kg.settings import Settings
from twinning_kg.vocabulary import TWIN

BASE = "https://twinning.example.org/"
CATALOG = URIRef(BASE + "catalog")
GRAPH_DATASET = URIRef(BASE + "catalog#twinning")
ONTOLOGY_DATASET = URIRef(BASE + "catalog#ontology")
SIEDLCE_DATASET = URIRef(BASE + "catalog#city-siedlce")
SERVICE = URIRef(BASE + "catalog#sparql")
EU = "http://publications.europa.eu/resource/authority/"
THEME = Namespace(EU + "data-theme/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
DATE_TYPES = (XSD.date, XSD.gYearMonth, XSD.gYear)


@pytest.fixture(scope="module")
def catalogue(settings: Settings) -> Graph:
    return Graph().parse(settings.build_dir / "catalog.ttl", format="turtle")


def _languages(graph: Graph, node: Node, prop: URIRef) -> set[str | None]:
    return {o.language for o in graph.objects(node, prop) if isinstance(o, Literal)}


def test_the_catalogue_lists_the_whole_graph_each_city_the_ontology_and_the_service(
    catalogue: Graph,
) -> None:
    assert (CATALOG, RDF.type, DCAT.Catalog) in catalogue
    assert set(catalogue.objects(CATALOG, DCAT.dataset)) == {
        GRAPH_DATASET,
        ONTOLOGY_DATASET,
        SIEDLCE_DATASET,
    }
    assert set(catalogue.objects(GRAPH_DATASET, DCTERMS.hasPart)) == {SIEDLCE_DATASET}
    assert (SIEDLCE_DATASET, DCTERMS.isPartOf, GRAPH_DATASET) in catalogue
    assert (CATALOG, DCAT.service, SERVICE) in catalogue
    assert (CATALOG, DCAT.themeTaxonomy, URIRef(EU + "data-theme")) in catalogue
    assert (CATALOG, FOAF.homepage, URIRef(BASE)) in catalogue
    assert set(catalogue.objects(CATALOG, DCTERMS.language)) == {
        URIRef(EU + "language/POL"),
        URIRef(EU + "language/ENG"),
    }


@pytest.mark.parametrize(
    "node", [CATALOG, GRAPH_DATASET, ONTOLOGY_DATASET, SIEDLCE_DATASET, SERVICE]
)
def test_titles_and_descriptions_are_in_polish_and_english(catalogue: Graph, node: URIRef) -> None:
    assert _languages(catalogue, node, DCTERMS.title) == {"pl", "en"}
    assert _languages(catalogue, node, DCTERMS.description) == {"pl", "en"}


def test_publisher_contact_and_licence_come_from_the_settings(catalogue: Graph) -> None:
    publisher = URIRef(BASE + "id/institution/siedlce-city-office")
    for node in (CATALOG, GRAPH_DATASET, ONTOLOGY_DATASET, SIEDLCE_DATASET, SERVICE):
        assert (node, DCTERMS.publisher, publisher) in catalogue
        assert (node, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in (
            catalogue
        )
    assert (publisher, RDF.type, FOAF.Agent) in catalogue
    assert (publisher, FOAF.name, Literal("Urząd Miasta Siedlce")) in catalogue
    local_authority = URIRef("http://purl.org/adms/publishertype/LocalAuthority")
    assert (publisher, DCTERMS.type, local_authority) in catalogue
    assert (local_authority, SKOS.inScheme, URIRef("http://purl.org/adms/publishertype/1.0")) in (
        catalogue
    )
    contact = catalogue.value(GRAPH_DATASET, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in catalogue
    assert (contact, VCARD.fn, Literal("Urząd Miasta Siedlce")) in catalogue
    assert (contact, VCARD.hasURL, URIRef("https://siedlce.pl/")) in catalogue


def test_the_graph_dataset_has_themes_keywords_and_rights(catalogue: Graph) -> None:
    themes = set(catalogue.objects(GRAPH_DATASET, DCAT.theme))
    assert themes == {THEME.SOCI, THEME.EDUC, THEME.GOVE, THEME.INTR}
    for theme in themes:
        assert (theme, SKOS.inScheme, URIRef(EU + "data-theme")) in catalogue
        assert _languages(catalogue, theme, SKOS.prefLabel) >= {"en"}
    keywords = {str(k) for k in catalogue.objects(GRAPH_DATASET, DCAT.keyword)}
    assert {"town twinning", "miasta partnerskie", "Siedlce", "Dasing", "Berdyczów"} <= keywords
    assert (GRAPH_DATASET, DCTERMS.accessRights, URIRef(EU + "access-right/PUBLIC")) in catalogue
    assert catalogue.value(GRAPH_DATASET, DCTERMS.provenance) is not None
    assert _languages(catalogue, GRAPH_DATASET, ADMS.versionNotes) == {"pl", "en"}
    assert set(catalogue.objects(GRAPH_DATASET, DCTERMS.conformsTo)) == {
        URIRef(BASE + "def/twinning"),
        URIRef(BASE + "def/shapes"),
    }


def test_spatial_coverage_is_siedlce_by_its_wikidata_item_and_poland(catalogue: Graph) -> None:
    siedlce = URIRef("http://www.wikidata.org/entity/Q319813")
    poland = URIRef(EU + "country/POL")
    assert set(catalogue.objects(GRAPH_DATASET, DCTERMS.spatial)) == {siedlce, poland}
    assert (siedlce, RDF.type, DCTERMS.Location) in catalogue
    assert str(catalogue.value(siedlce, DCAT.centroid)).startswith("POINT(22.")
    assert (poland, SKOS.inScheme, URIRef(EU + "country")) in catalogue
    assert set(catalogue.objects(CATALOG, DCTERMS.spatial)) == {siedlce, poland}


def test_the_city_dataset_is_siedlces_records(catalogue: Graph, settings: Settings) -> None:
    assert (SIEDLCE_DATASET, RDF.type, DCAT.Dataset) in catalogue
    titles = {str(t) for t in catalogue.objects(SIEDLCE_DATASET, DCTERMS.title)}
    assert titles == {"Partnerstwa miasta Siedlce", "Town twinning partnerships of Siedlce"}
    assert set(catalogue.objects(SIEDLCE_DATASET, DCTERMS.spatial)) == {
        URIRef("http://www.wikidata.org/entity/Q319813"),
        URIRef(EU + "country/POL"),
    }
    graphs = {
        URIRef(BASE + "graph/data/siedlce/" + path.stem)
        for path in (settings.root / "data" / "siedlce").glob("*.ttl")
    }
    assert set(catalogue.objects(SIEDLCE_DATASET, DCTERMS.hasPart)) == graphs
    assert (SIEDLCE_DATASET, DCAT.landingPage, URIRef(BASE + "id/municipality/siedlce")) in (
        catalogue
    )
    keywords = {str(k) for k in catalogue.objects(SIEDLCE_DATASET, DCAT.keyword)}
    assert {"Siedlce", "Dasing", "Berdyczów", "town twinning"} <= keywords
    assert set(catalogue.objects(SIEDLCE_DATASET, DCAT.theme)) == set(
        catalogue.objects(GRAPH_DATASET, DCAT.theme)
    )
    assert catalogue.value(SIEDLCE_DATASET, DCTERMS.temporal) is not None


def test_temporal_coverage_runs_from_the_earliest_to_the_latest_dated_fact(
    catalogue: Graph, source_graph: Graph
) -> None:
    dates = sorted(
        str(o)
        for _s, p, o in source_graph
        if str(p).startswith(str(TWIN)) and isinstance(o, Literal) and o.datatype in DATE_TYPES
    )
    period = catalogue.value(GRAPH_DATASET, DCTERMS.temporal)
    assert (period, RDF.type, DCTERMS.PeriodOfTime) in catalogue
    assert str(catalogue.value(period, DCAT.startDate)) == dates[0]
    assert str(catalogue.value(period, DCAT.endDate)) == dates[-1]


def test_issued_and_modified_are_the_dates_the_sources_declare(
    catalogue: Graph, source_graph: Graph
) -> None:
    modified = max(source_graph.objects(None, DCTERMS.modified), key=str)
    for node in (CATALOG, GRAPH_DATASET, ONTOLOGY_DATASET, SIEDLCE_DATASET):
        assert catalogue.value(node, DCTERMS.modified) == modified
        assert catalogue.value(node, DCTERMS.issued) is not None


def test_every_distribution_names_its_file_size_checksum_and_formats(
    catalogue: Graph, settings: Settings
) -> None:
    seen = 0
    for dataset in (GRAPH_DATASET, ONTOLOGY_DATASET, SIEDLCE_DATASET):
        distributions = list(catalogue.objects(dataset, DCAT.distribution))
        assert len(distributions) == 5
        for distribution in distributions:
            url = catalogue.value(distribution, DCAT.downloadURL)
            assert catalogue.value(distribution, DCAT.accessURL) == url
            name = str(url).removeprefix(BASE + "dumps/")
            data = (settings.build_dir / "dumps" / name).read_bytes()
            byte_size = catalogue.value(distribution, DCAT.byteSize)
            assert isinstance(byte_size, Literal), url
            assert int(byte_size) == len(data)
            checksum = catalogue.value(distribution, SPDX.checksum)
            assert catalogue.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
            value = catalogue.value(checksum, SPDX.checksumValue)
            assert value == Literal(hashlib.sha256(data).hexdigest(), datatype=XSD.hexBinary)
            file_type = catalogue.value(distribution, DCTERMS["format"])
            assert (file_type, SKOS.inScheme, URIRef(EU + "file-type")) in catalogue
            media_type = str(catalogue.value(distribution, DCAT.mediaType))
            assert media_type.startswith("http://www.iana.org/assignments/media-types/")
            if name.endswith(".gz"):
                assert catalogue.value(distribution, DCAT.compressFormat) is not None
            seen += 1
    assert seen == 15


def test_the_sparql_service_names_its_endpoint_and_the_datasets_it_serves(
    catalogue: Graph,
) -> None:
    assert (SERVICE, RDF.type, DCAT.DataService) in catalogue
    assert (SERVICE, DCAT.endpointURL, URIRef(BASE + "sparql")) in catalogue
    assert (SERVICE, DCAT.endpointDescription, URIRef(BASE + "sparql")) in catalogue
    assert set(catalogue.objects(SERVICE, DCAT.servesDataset)) == {GRAPH_DATASET, ONTOLOGY_DATASET}


def test_the_catalogue_links_the_void_description(catalogue: Graph) -> None:
    void = URIRef(BASE + ".well-known/void")
    assert (CATALOG, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"), void) in catalogue


def test_other_settings_give_another_publisher_contact_licence_and_urls(tmp_path: Path) -> None:
    settings = Settings(
        root=ROOT,
        build_dir=tmp_path,
        base_url="https://data.example.pl/twinning/",
        publisher_iri="https://data.example.pl/id/office",
        publisher_name="Urząd Gminy Przykład",
        publisher_type="http://purl.org/adms/publishertype/RegionalAuthority",
        contact_name="Biuro Promocji",
        contact_email="dane@example.pl",
        contact_url="",
        licence_iri="https://creativecommons.org/publicdomain/zero/1.0/",
        catalogue_issued="2020-01-02",
        catalogue_modified="2027-03",
    )
    build(settings)
    graph = Graph().parse(tmp_path / "catalog.ttl", format="turtle")
    publisher = URIRef("https://data.example.pl/id/office")
    assert (CATALOG, DCTERMS.publisher, publisher) in graph
    assert (publisher, FOAF.name, Literal("Urząd Gminy Przykład")) in graph
    contact = graph.value(GRAPH_DATASET, DCAT.contactPoint)
    assert (contact, VCARD.fn, Literal("Biuro Promocji")) in graph
    assert (contact, VCARD.hasEmail, URIRef("mailto:dane@example.pl")) in graph
    assert graph.value(contact, VCARD.hasURL) is None
    cc0 = URIRef("https://creativecommons.org/publicdomain/zero/1.0/")
    assert (GRAPH_DATASET, DCTERMS.license, cc0) in graph
    assert (cc0, RDF.type, DCTERMS.LicenseDocument) in graph
    assert graph.value(CATALOG, DCTERMS.issued) == Literal("2020-01-02", datatype=XSD.date)
    assert graph.value(CATALOG, DCTERMS.modified) == Literal("2027-03", datatype=XSD.gYearMonth)
    urls = {str(u) for u in graph.objects(None, DCAT.downloadURL)}
    assert urls and all(u.startswith("https://data.example.pl/twinning/dumps/") for u in urls)
    assert (SERVICE, DCAT.endpointURL, URIRef("https://data.example.pl/twinning/sparql")) in graph
    assert b"siedlce.pl" not in (tmp_path / "catalog.ttl").read_bytes()


def test_a_date_setting_that_is_not_a_date_is_refused(tmp_path: Path) -> None:
    settings = Settings(root=ROOT, build_dir=tmp_path, catalogue_modified="yesterday")
    with pytest.raises(TwinningError, match="TWINNING_CATALOGUE_MODIFIED"):
        build(settings)
