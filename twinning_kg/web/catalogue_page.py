"""The catalogue as people read it (``/catalog`` in HTML) and as dataset search engines read it
(the schema.org ``Dataset`` on the home page). Pure functions over the catalogue graph."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS

from twinning_kg.web.presentation import pick_literal

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LocalPath = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class DownloadView:
    """One distribution: a file to download."""

    title: str
    href: str
    url: str
    media_type: str
    content_type: str
    size: int
    sha256: str


@dataclass(slots=True)
class DatasetView:
    """One dataset with its downloads."""

    iri: str
    title: str
    description: str
    keywords: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    temporal: str = ""
    downloads: list[DownloadView] = field(default_factory=list)


@dataclass(slots=True)
class CatalogueView:
    """Everything catalogue.html shows."""

    iri: str
    title: str
    description: str
    publisher: str
    licence: str
    modified: str
    datasets: list[DatasetView] = field(default_factory=list)
    endpoint: str = ""


def _text(graph: Graph, node: URIRef, prop: URIRef, lang: str) -> str:
    value = pick_literal(graph.objects(node, prop), lang)
    return str(value) if value is not None else ""


def _label(graph: Graph, node: object, lang: str) -> str:
    if not isinstance(node, URIRef):
        return ""
    for prop in (SKOS.prefLabel, DCTERMS.title, FOAF.name):
        text = _text(graph, node, prop, lang)
        if text:
            return text
    return str(node)


def _temporal(graph: Graph, dataset: URIRef) -> str:
    for period in graph.objects(dataset, DCTERMS.temporal):
        start, end = graph.value(period, DCAT.startDate), graph.value(period, DCAT.endDate)
        if start is not None or end is not None:
            return f"{start or '…'}/{end or '…'}"
    return ""


def _media_type(iri: object) -> str:
    """``text/turtle`` for ``http://www.iana.org/assignments/media-types/text/turtle``."""
    return str(iri).rsplit("media-types/", 1)[-1] if iri is not None else ""


def _downloads(graph: Graph, dataset: URIRef, lang: str, local: LocalPath) -> list[DownloadView]:
    downloads: list[DownloadView] = []
    for distribution in graph.objects(dataset, DCAT.distribution):
        url = graph.value(distribution, DCAT.downloadURL)
        if not isinstance(distribution, URIRef) or not isinstance(url, URIRef):
            continue
        checksum = graph.value(distribution, SPDX.checksum)
        sha256 = graph.value(checksum, SPDX.checksumValue) if checksum is not None else None
        media = _media_type(graph.value(distribution, DCAT.mediaType))
        compression = _media_type(graph.value(distribution, DCAT.compressFormat))
        size = graph.value(distribution, DCAT.byteSize)
        downloads.append(
            DownloadView(
                title=_text(graph, distribution, DCTERMS.title, lang),
                href=local(str(url)),
                url=str(url),
                media_type=media,
                content_type=compression or media,
                size=int(size) if isinstance(size, Literal) else 0,
                sha256=str(sha256 or ""),
            )
        )
    return sorted(downloads, key=lambda d: d.url)


def catalogue_view(graph: Graph, lang: str, local: LocalPath) -> CatalogueView:
    """The catalogue page in ``lang``; ``local`` turns a public URL into a link on this host."""
    catalogue = next(
        (c for c in graph.subjects(RDF.type, DCAT.Catalog) if isinstance(c, URIRef)), URIRef("")
    )
    view = CatalogueView(
        iri=str(catalogue),
        title=_text(graph, catalogue, DCTERMS.title, lang),
        description=_text(graph, catalogue, DCTERMS.description, lang),
        publisher=_label(graph, graph.value(catalogue, DCTERMS.publisher), lang),
        licence=str(graph.value(catalogue, DCTERMS.license) or ""),
        modified=str(graph.value(catalogue, DCTERMS.modified) or ""),
    )
    for dataset in sorted(graph.objects(catalogue, DCAT.dataset), key=str, reverse=True):
        if not isinstance(dataset, URIRef):
            continue
        keywords = [k for k in graph.objects(dataset, DCAT.keyword) if isinstance(k, Literal)]
        view.datasets.append(
            DatasetView(
                iri=str(dataset),
                title=_text(graph, dataset, DCTERMS.title, lang),
                description=_text(graph, dataset, DCTERMS.description, lang),
                keywords=sorted(str(k) for k in keywords if k.language in (lang, None)),
                themes=sorted(_label(graph, t, lang) for t in graph.objects(dataset, DCAT.theme)),
                temporal=_temporal(graph, dataset),
                downloads=_downloads(graph, dataset, lang, local),
            )
        )
    for service in graph.objects(catalogue, DCAT.service):
        endpoint = graph.value(service, DCAT.endpointURL)
        if endpoint is not None:
            view.endpoint = local(str(endpoint))
    return view


def schema_org_dataset(graph: Graph, dataset: URIRef, lang: str) -> dict[str, object]:
    """What schema.org's ``Dataset`` adds to the home page from the catalogue: the downloads
    (``DataDownload``), keywords, coverage, publisher, the catalogue it is in."""
    data: dict[str, object] = {}
    keywords = sorted(
        str(k) for k in graph.objects(dataset, DCAT.keyword) if isinstance(k, Literal)
    )
    if keywords:
        data["keywords"] = keywords
    temporal = _temporal(graph, dataset)
    if temporal:
        data["temporalCoverage"] = temporal.replace("…", "..")
    places = [p for p in graph.objects(dataset, DCTERMS.spatial) if isinstance(p, URIRef)]
    if places:
        data["spatialCoverage"] = [
            {"@type": "Place", "@id": str(p), "name": _label(graph, p, lang)} for p in places
        ]
    publisher = graph.value(dataset, DCTERMS.publisher)
    if isinstance(publisher, URIRef):
        data["publisher"] = {
            "@type": "Organization",
            "@id": str(publisher),
            "name": _label(graph, publisher, lang),
        }
        data["creator"] = data["publisher"]
    data["isAccessibleForFree"] = True
    catalogues = list(graph.subjects(DCAT.dataset, dataset))
    if catalogues and isinstance(catalogues[0], URIRef):
        data["includedInDataCatalog"] = {
            "@type": "DataCatalog",
            "@id": str(catalogues[0]),
            "name": _text(graph, catalogues[0], DCTERMS.title, lang),
        }
    data["distribution"] = [
        {
            "@type": "DataDownload",
            "name": download.title,
            "contentUrl": download.url,
            "encodingFormat": download.content_type,
            "contentSize": f"{download.size} B",
            "sha256": download.sha256,
        }
        for download in _downloads(graph, dataset, lang, str)
    ]
    return data
