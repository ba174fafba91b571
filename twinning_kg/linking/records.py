"""The files linking writes into ``data/``: accepted links and the Wikidata enrichment.

- ``{folder}/wikidata-links.ttl``: for each accepted link, ``owl:sameAs`` and a ``twin:Claim``
  recording it with its score (``sssom:confidence``), how it was made
  (``sssom:mapping_justification``), when, and why (``rdfs:comment`` in Polish and English);
  links already in the file are kept.
- ``{folder}/wikidata-enrichment.ttl``: what Wikidata says about the linked items, on the items
  themselves (``wd:Q…``), derived from a ``twin:Source`` that records the retrieval date.

Files are written in a stable order (subjects, then predicates and objects, sorted), so a second
run without changes gives the same bytes and a reviewer sees real changes only. Writing is atomic:
a temporary file in the same folder, then a rename; on any error nothing is left behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, XSD

from twinning_kg import __version__
from twinning_kg.linking.enrichment import ItemFacts
from twinning_kg.linking.matching import Match
from twinning_kg.linking.places import Place
from twinning_kg.loading import read_graph
from twinning_kg.vocabulary import GEO, TWIN, WDT, entity_iri, new_graph

SSSOM: Final = Namespace("https://w3id.org/sssom/")
SEMAPV: Final = Namespace("https://w3id.org/semapv/vocab/")
GEOSPARQL: Final = Namespace("http://www.opengis.net/ont/geosparql#")
LINKS_FILE: Final = "wikidata-links.ttl"
ENRICHMENT_FILE: Final = "wikidata-enrichment.ttl"
WIKIDATA_SOURCE: Final = entity_iri("source", "wikidata")


@dataclass(frozen=True, slots=True)
class Link:
    """An accepted link: the place, the scored match, and whether a person chose it."""

    place: Place
    match: Match
    chosen_by_person: bool = False


def _graph() -> Graph:
    graph = new_graph()
    graph.bind("sssom", SSSOM)
    graph.bind("semapv", SEMAPV)
    graph.bind("geosparql", GEOSPARQL)
    for kind in ("source", "claim", "municipality", "region", "country"):
        graph.bind(kind, Namespace(str(entity_iri(kind, ""))))
    return graph


def _add_wikidata_source(graph: Graph) -> None:
    graph.add((WIKIDATA_SOURCE, RDF.type, TWIN.Source))
    graph.add((WIKIDATA_SOURCE, RDFS.label, Literal("Wikidane", lang="pl")))
    graph.add((WIKIDATA_SOURCE, RDFS.label, Literal("Wikidata", lang="en")))
    graph.add((WIKIDATA_SOURCE, DCTERMS.publisher, Literal("Wikimedia Foundation")))
    graph.add((WIKIDATA_SOURCE, FOAF.page, URIRef("https://www.wikidata.org/")))


def _qid(item: URIRef) -> str:
    return str(item).rsplit("/", 1)[-1]


def _claim_iri(place: Place) -> URIRef:
    kind, slug = str(place.iri).rstrip("/").rsplit("/", 2)[-2:]
    return entity_iri("claim", f"wikidata-link-{kind}-{slug}")


def _pl(number: float, digits: int) -> str:
    return f"{number:.{digits}f}".replace(".", ",")


def _comments(link: Link, *, threshold: float, day: date) -> tuple[str, str]:
    """Why the link was made, in Polish and English."""
    m = link.match
    if m.distance_km is None:
        where_pl, where_en = "bez współrzędnych do porównania", "no coordinates to compare"
    else:
        where_pl = f"{_pl(m.distance_km, 1)} km od naszych współrzędnych"
        where_en = f"{m.distance_km:.1f} km from our coordinates"
    pl = (
        f"Uzgodnienie z Wikidanymi ({day.isoformat()}): etykieta "
        + ", ".join(f"„{n}”" for n in m.names)
        + "; typ pasuje; "
        + ("państwo zgodne z naszym" if m.country_ok else "państwa nie porównano")
        + f"; {where_pl}. Wynik {_pl(m.score, 2)}"
    )
    en = (
        f"Wikidata reconciliation ({day.isoformat()}): label "
        + ", ".join(f'"{n}"' for n in m.names)
        + "; type fits; "
        + ("same country as ours" if m.country_ok else "country not compared")
        + f"; {where_en}. Score {m.score:.2f}"
    )
    if link.chosen_by_person:
        pl += "; wybrane przez osobę spośród kandydatów."
        en += "; chosen by a person among the candidates."
    else:
        pl += f" (próg {_pl(threshold, 2)}), bez bliskiego konkurenta."
        en += f" (threshold {threshold:.2f}), no close runner-up."
    return pl, en


def links_graph(
    links: Sequence[Link], *, existing: Graph | None, threshold: float, day: date
) -> Graph:
    """The links file's graph: what ``existing`` holds, plus ``links``."""
    graph = _graph()
    for triple in existing or ():
        graph.add(triple)
    _add_wikidata_source(graph)
    for link in links:
        place, match = link.place, link.match
        claim = _claim_iri(place)
        graph.add((place.iri, OWL.sameAs, match.item))
        graph.add((claim, RDF.type, TWIN.Claim))
        graph.add((claim, RDFS.label, Literal(f"{place.label} = {_qid(match.item)}", lang="pl")))
        graph.add((claim, RDFS.label, Literal(f"{place.label} = {_qid(match.item)}", lang="en")))
        graph.add((claim, RDF.subject, place.iri))
        graph.add((claim, RDF.predicate, OWL.sameAs))
        graph.add((claim, RDF.object, match.item))
        confidence = Literal(f"{match.score:.3f}", datatype=XSD.decimal)
        graph.add((claim, SSSOM.confidence, confidence))
        how = SEMAPV.ManualMappingCuration if link.chosen_by_person else SEMAPV.LexicalMatching
        graph.add((claim, SSSOM.mapping_justification, how))
        graph.add((claim, SSSOM.mapping_tool, Literal(f"twinning-kg {__version__}")))
        graph.add((claim, DCTERMS.created, Literal(day.isoformat(), datatype=XSD.date)))
        pl, en = _comments(link, threshold=threshold, day=day)
        graph.add((claim, RDFS.comment, Literal(pl, lang="pl")))
        graph.add((claim, RDFS.comment, Literal(en, lang="en")))
        graph.add((claim, PROV.wasDerivedFrom, WIKIDATA_SOURCE))
    return graph


def enrichment_graph(
    facts: Sequence[ItemFacts], *, slug: str, day: date, endpoint_url: str
) -> Graph:
    """The enrichment file's graph: each item's labels and facts, and where they come from."""
    graph = _graph()
    _add_wikidata_source(graph)
    retrieval = entity_iri("source", f"wikidata-enrichment-{slug}")
    graph.add((retrieval, RDF.type, TWIN.Source))
    graph.add((retrieval, RDFS.label, Literal(f"Wikidane: wzbogacenie ({slug})", lang="pl")))
    graph.add((retrieval, RDFS.label, Literal(f"Wikidata: enrichment ({slug})", lang="en")))
    graph.add((retrieval, DCTERMS.created, Literal(day.isoformat(), datatype=XSD.date)))
    graph.add((retrieval, DCTERMS.source, Literal(endpoint_url)))
    graph.add((retrieval, PROV.wasDerivedFrom, WIKIDATA_SOURCE))
    graph.add((retrieval, RDFS.comment, Literal(
        f"Etykiety, współrzędne (P625), państwo (P17), liczba ludności (P1082) i oficjalna strona "
        f"(P856) powiązanych elementów Wikidanych, pobrane {day.isoformat()} poleceniem "
        "twinning-kg link --enrich.", lang="pl")))  # fmt: skip
    graph.add((retrieval, RDFS.comment, Literal(
        f"Labels, coordinates (P625), country (P17), population (P1082) and official website "
        f"(P856) of the linked Wikidata items, retrieved on {day.isoformat()} by "
        "twinning-kg link --enrich.", lang="en")))  # fmt: skip
    for entry in facts:
        if entry.is_empty():
            continue
        item = entry.item
        graph.add((item, PROV.wasDerivedFrom, retrieval))
        for label in entry.labels:
            graph.add((item, RDFS.label, label))
        for wkt in entry.coordinates:
            graph.add((item, WDT.P625, Literal(str(wkt), datatype=GEOSPARQL.wktLiteral)))
        point = entry.point
        if point is not None:
            graph.add((item, GEO.lat, Literal(f"{point[0]:.6f}", datatype=XSD.decimal)))
            graph.add((item, GEO.long, Literal(f"{point[1]:.6f}", datatype=XSD.decimal)))
        for country in entry.countries:
            graph.add((item, WDT.P17, country))
        for population in entry.populations:
            graph.add((item, WDT.P1082, _count(population)))
        for website in entry.websites:
            graph.add((item, WDT.P856, website))
    return graph


def _count(value: Literal) -> Literal:
    """A population as an xsd:integer when it is a whole number (Wikidata sends "+77000").

    >>> _count(Literal("+77000", datatype=XSD.decimal))
    rdflib.term.Literal('77000', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer'))
    """
    text = str(value).lstrip("+")
    return Literal(text, datatype=XSD.integer) if text.isdigit() else value


def render_turtle(graph: Graph, *, header: str) -> str:
    """Turtle with a comment header; stable for the same triples (rdflib sorts what it writes)."""
    body = graph.serialize(format="turtle")
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.strip().splitlines())
    return comment + "\n" + body


def read_existing(path: Path) -> Graph | None:
    """The graph of a file linking wrote before, if there is one.

    :raises DataLoadError: if it does not parse.
    """
    return read_graph(path) if path.is_file() else None


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.

    :raises OSError: if the folder cannot be written; the temporary file is removed then.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
