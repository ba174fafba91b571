"""schema.org JSON-LD for the ``<script type="application/ld+json">`` block of every page."""

from __future__ import annotations

import json
from typing import Final

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF

from twinning_kg.vocabulary import GEO, TWIN
from twinning_kg.web.presentation import Lookup, label, pick_literal

SCHEMA_TYPES: Final = {
    TWIN.Municipality: "City",
    TWIN.Region: "AdministrativeArea",
    TWIN.Country: "Country",
    TWIN.Place: "Place",
    TWIN.Institution: "Organization",
    TWIN.Person: "Person",
    TWIN.Event: "Event",
    TWIN.Agreement: "CreativeWork",
    TWIN.RelatedAgreement: "CreativeWork",
    TWIN.Document: "MediaObject",
    TWIN.Source: "CreativeWork",
}


def _dumps(data: dict[str, object]) -> str:
    # "</script" would end the <script> element early and "<!--" would change how the rest of it
    # is read; "<" only occurs inside JSON strings, where its escaped form means the same.
    return json.dumps(data, ensure_ascii=False, indent=1).replace("<", "\\u003c")


def schema_org_jsonld(graph: Lookup, iri: URIRef, lang: str) -> str:
    """A small schema.org description of ``iri``: type, name, description, sameAs, geo, dates."""
    kinds = [
        SCHEMA_TYPES[t]
        for t in graph.objects(iri, RDF.type)
        if isinstance(t, URIRef) and t in SCHEMA_TYPES
    ]
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": kinds[0] if kinds else "Thing",
        "@id": str(iri),
        "name": label(graph, iri, lang),
    }
    description = pick_literal(graph.objects(iri, DCTERMS.description), lang)
    if description is not None:
        data["description"] = str(description)
    same = sorted(str(o) for o in graph.objects(iri, OWL.sameAs))
    if same:
        data["sameAs"] = same
    lat, lon = graph.value(iri, GEO.lat), graph.value(iri, GEO.long)
    if isinstance(lat, Literal) and isinstance(lon, Literal):
        data["geo"] = {"@type": "GeoCoordinates", "latitude": str(lat), "longitude": str(lon)}
    for prop, key in (
        (TWIN.date, "startDate"),
        (TWIN.startDate, "startDate"),
        (TWIN.endDate, "endDate"),
    ):
        value = graph.value(iri, prop)
        if isinstance(value, Literal) and key not in data:
            data[key] = str(value)
    return _dumps(data)


def dataset_jsonld(name: str, description: str, url: str, extra: dict[str, object]) -> str:
    """schema.org ``Dataset`` JSON-LD for the home page (what dataset search engines read)."""
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": name,
        "description": description,
        "url": url,
        **extra,
    }
    return _dumps(data)
