"""The files ``twinning-kg bootstrap`` writes: a new city's folder in the layout of data/siedlce.

- ``{slug}.ttl``: the city (unless the data already has it), with its label, native name,
  country, coordinates and Wikidata link;
- ``partnership-{partner}.ttl``: the partner (unless known), the partnership with its status and
  dates from the P190 statement's qualifiers, its agreement, and ``twin:twinnedWith`` both ways;
  for a partnership the data already has, only the new source;
- ``places.ttl``: the countries the data does not have yet;
- ``sources.ttl``: Wikidata and the retrieval of the city's item (date, endpoint).

Every resource is ``prov:wasDerivedFrom`` the retrieval and carries a ``skos:editorialNote`` saying
what a person should check or complete; :attr:`CityFiles.todo` lists the same. Nothing is
invented: an agreement gets a signing date only from a start time at day precision (a partnership
starts when its agreement is signed), and a status without an end time is "active as Wikidata
presents it", with that note. :func:`write_city_folder` writes the folder in one rename.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

from twinning_kg.errors import TwinningError
from twinning_kg.linking.bootstrap import (
    Bootstrap,
    PlannedPartnership,
    PlannedPlace,
    qid,
)
from twinning_kg.linking.crosscheck import DAY, MONTH, When
from twinning_kg.linking.records import WIKIDATA_SOURCE, render_turtle
from twinning_kg.vocabulary import GEO, TWIN, entity_iri, new_graph

KINDS: Final = ("municipality", "country", "partnership", "agreement", "source", "status")
STATUS: Final = Namespace(str(entity_iri("status", "")))
#: The dash between two towns' names in a partnership's label, as in data/siedlce.
DASH: Final = "\u2013"
SOURCES_FILE: Final = "sources.ttl"
PLACES_FILE: Final = "places.ttl"


@dataclass(slots=True)
class CityFiles:
    """The folder's files (name → Turtle) and what a person has to complete."""

    files: dict[str, str] = field(default_factory=dict)
    todo: list[str] = field(default_factory=list)


def _graph() -> Graph:
    graph = new_graph()
    for kind in KINDS:
        graph.bind(kind, Namespace(str(entity_iri(kind, ""))))
    return graph


def when_literal(when: When) -> Literal:
    """A Wikidata time at its precision as our date literal.

    >>> when_literal(When("1999-06-01", MONTH))
    rdflib.term.Literal('1999-06', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#gYearMonth'))
    """
    if when.precision >= DAY:
        return Literal(when.iso[:10], datatype=XSD.date)
    if when.precision == MONTH:
        return Literal(when.iso[:7], datatype=XSD.gYearMonth)
    return Literal(when.iso[:4], datatype=XSD.gYear)


def _note(graph: Graph, node: URIRef, pl: str, en: str) -> None:
    graph.add((node, SKOS.editorialNote, Literal(pl, lang="pl")))
    graph.add((node, SKOS.editorialNote, Literal(en, lang="en")))


def _labels(place: PlannedPlace) -> tuple[str, str, bool]:
    """The Polish and English label, and whether one of them had to be copied."""
    labels = place.description.labels
    pl, en = labels.get("pl"), labels.get("en")
    fallback = place.description.name
    return str(pl or en or fallback), str(en or pl or fallback), pl is None or en is None


def label(place: PlannedPlace, data_labels: dict[URIRef, tuple[str, str]], lang: str) -> str:
    """A place's label in ``lang``: ours for a known place, else what Wikidata gives."""
    known = data_labels.get(place.iri)
    pl, en = known if known is not None else _labels(place)[:2]
    return pl if lang == "pl" else en


def _describe_place(graph: Graph, place: PlannedPlace, run: Bootstrap, todo: list[str]) -> None:
    """The triples of a new municipality or country."""
    iri, item = place.iri, place.item
    pl, en, copied = _labels(place)
    graph.add((iri, RDF.type, TWIN.Municipality if place.kind == "municipality" else TWIN.Country))
    graph.add((iri, RDFS.label, Literal(pl, lang="pl")))
    graph.add((iri, RDFS.label, Literal(en, lang="en")))
    for native in place.description.natives:
        graph.add((iri, TWIN.nativeName, native))
    graph.add((iri, OWL.sameAs, item))
    if place.description.point is not None:
        lat, lon = place.description.point
        graph.add((iri, GEO.lat, Literal(f"{lat:.6f}", datatype=XSD.decimal)))
        graph.add((iri, GEO.long, Literal(f"{lon:.6f}", datatype=XSD.decimal)))
    if place.kind == "municipality":
        if place.country is not None:
            graph.add((iri, TWIN.country, place.country.iri))
            if len(place.description.countries) > 1:
                todo.append(
                    f"{en} <{iri}>: Wikidata gives several countries (P17); the first was taken"
                )
        else:
            todo.append(f"{en} <{iri}>: Wikidata gives no country (P17); add twin:country")
    elif place.description.iso:
        graph.add((iri, TWIN.iso3166Code, Literal(place.description.iso)))
    else:
        todo.append(f"{en} <{iri}>: Wikidata gives no ISO code (P297); add twin:iso3166Code")
    _note(
        graph,
        iri,
        f"Z Wikidanych ({qid(item)}, pobrane {run.day.isoformat()} poleceniem twinning-kg "
        "bootstrap): etykiety, nazwa miejscowa, państwo i współrzędne. Sprawdź je.",
        f"From Wikidata ({qid(item)}, retrieved on {run.day.isoformat()} by twinning-kg "
        "bootstrap): labels, native name, country and coordinates. Check them.",
    )
    if copied:
        _note(
            graph,
            iri,
            "Wikidane nie mają etykiety w jednym z języków (pl, en): wpisano tę samą nazwę; "
            "popraw.",
            "Wikidata has no label in one of the languages (pl, en): the same name is given; fix.",
        )
        todo.append(f"{en} <{iri}>: Wikidata lacks its Polish or English label; check both")
    graph.add((iri, PROV.wasDerivedFrom, run.source))


def _status(graph: Graph, node: URIRef, entry: PlannedPartnership, run: Bootstrap) -> None:
    twin = entry.twin
    if twin.ended:
        graph.add((node, TWIN.status, STATUS.ended))
        if twin.end is not None:
            graph.add((node, TWIN.endDate, when_literal(twin.end)))
            pl = f"Zakończone według Wikidanych: data końca (P582) {twin.end.shown()}."
            en = f"Ended according to Wikidata: end time (P582) {twin.end.shown()}."
        else:
            pl = "Zakończone według Wikidanych: data końca (P582) ma nieznaną wartość; uzupełnij."
            en = "Ended according to Wikidata: the end time (P582) is an unknown value; complete."
    else:
        graph.add((node, TWIN.status, STATUS.active))
        pl = (
            "Status „aktywne” tak, jak przedstawiają je Wikidane: stwierdzenie P190 nie ma daty "
            "końca (P582). Sprawdź, czy partnerstwo trwa."
        )
        en = (
            'Status "active" as Wikidata presents it: the P190 statement has no end time (P582). '
            "Check that the partnership goes on."
        )
    graph.add((node, TWIN.statusNote, Literal(pl, lang="pl")))
    graph.add((node, TWIN.statusNote, Literal(en, lang="en")))
    graph.add((node, TWIN.statusSource, run.source))


def _partnership(
    graph: Graph,
    entry: PlannedPartnership,
    run: Bootstrap,
    names: dict[URIRef, tuple[str, str]],
    todo: list[str],
    file_name: str,
) -> None:
    """The triples of a new partnership and its agreement."""
    city, partner, twin = run.city, entry.partner, entry.twin
    a_pl, b_pl = label(city, names, "pl"), label(partner, names, "pl")
    a_en, b_en = label(city, names, "en"), label(partner, names, "en")
    node, agreement = entry.iri, entry.agreement
    graph.add((node, RDF.type, TWIN.Partnership))
    graph.add((node, RDFS.label, Literal(f"Partnerstwo {a_pl} {DASH} {b_pl}", lang="pl")))
    graph.add((node, RDFS.label, Literal(f"{a_en} {DASH} {b_en} partnership", lang="en")))
    graph.add((node, TWIN.partner, city.iri))
    graph.add((node, TWIN.partner, partner.iri))
    graph.add((city.iri, TWIN.twinnedWith, partner.iri))
    graph.add((partner.iri, TWIN.twinnedWith, city.iri))
    _status(graph, node, entry, run)
    if twin.start is not None:
        graph.add((node, TWIN.startDate, when_literal(twin.start)))
    graph.add((node, TWIN.agreement, agreement))
    _note(
        graph,
        node,
        f"Ze stwierdzenia P190 elementu {qid(city.item)} w Wikidanych (kwalifikatory P580/P582). "
        "Uzupełnij dziedziny współpracy, opis i instytucje.",
        f"From the P190 statement of Wikidata item {qid(city.item)} (qualifiers P580/P582). "
        "Complete the cooperation domains, description and institutions.",
    )
    graph.add((node, PROV.wasDerivedFrom, run.source))
    graph.add((agreement, RDF.type, TWIN.Agreement))
    graph.add((agreement, RDFS.label, Literal(f"Umowa partnerska {a_pl} {DASH} {b_pl}", lang="pl")))
    graph.add(
        (agreement, RDFS.label, Literal(f"{a_en} {DASH} {b_en} twinning agreement", lang="en"))
    )
    graph.add((agreement, TWIN.party, city.iri))
    graph.add((agreement, TWIN.party, partner.iri))
    if twin.start is not None and twin.start.precision >= DAY:
        graph.add((agreement, TWIN.signingDate, when_literal(twin.start)))
        _note(
            graph,
            agreement,
            "Data podpisania to data początku partnerstwa w Wikidanych (P580): partnerstwo zaczyna "
            "się w dniu podpisania umowy. Sprawdź ją z tekstem umowy.",
            "The signing date is the partnership's start time in Wikidata (P580): a partnership "
            "starts when its agreement is signed. Check it against the agreement's text.",
        )
    else:
        given = f"only {twin.start.shown()}" if twin.start is not None else "no start time"
        _note(
            graph,
            agreement,
            "Wikidane nie podają dnia podpisania umowy: dodaj twin:signingDate (RRRR-MM-DD).",
            "Wikidata does not give the day the agreement was signed: add twin:signingDate "
            "(YYYY-MM-DD).",
        )
        todo.append(
            f"{a_en} {DASH} {b_en} agreement <{agreement}> in {file_name}: Wikidata gives {given}; "
            "add twin:signingDate (validate reports it until then)"
        )
    graph.add((agreement, PROV.wasDerivedFrom, run.source))


def _sources(run: Bootstrap) -> Graph:
    graph = _graph()
    graph.add((WIKIDATA_SOURCE, RDF.type, TWIN.Source))
    graph.add((WIKIDATA_SOURCE, RDFS.label, Literal("Wikidane", lang="pl")))
    graph.add((WIKIDATA_SOURCE, RDFS.label, Literal("Wikidata", lang="en")))
    graph.add((WIKIDATA_SOURCE, DCTERMS.publisher, Literal("Wikimedia Foundation")))
    graph.add((WIKIDATA_SOURCE, FOAF.page, URIRef("https://www.wikidata.org/")))
    node, item = run.source, run.city.item
    name = run.city.description.name
    day = run.day.isoformat()
    graph.add((node, RDF.type, TWIN.Source))
    graph.add((node, RDFS.label, Literal(f"Wikidane: {name} ({qid(item)})", lang="pl")))
    graph.add((node, RDFS.label, Literal(f"Wikidata: {name} ({qid(item)})", lang="en")))
    graph.add((node, FOAF.page, URIRef(f"https://www.wikidata.org/wiki/{qid(item)}")))
    graph.add((node, DCTERMS.created, Literal(day, datatype=XSD.date)))
    graph.add((node, DCTERMS.source, Literal(run.endpoint_url)))
    graph.add((node, PROV.wasDerivedFrom, WIKIDATA_SOURCE))
    graph.add((node, RDFS.comment, Literal(
        f"Stwierdzenia P190 (partnerska jednostka administracyjna) elementu {qid(item)} z "
        "kwalifikatorami P580/P582 oraz etykiety, nazwy miejscowe, współrzędne, państwa i kody "
        f"ISO miejsc, pobrane {day} poleceniem twinning-kg bootstrap. Punkt wyjścia do "
        "uzupełnienia przez osobę.", lang="pl")))  # fmt: skip
    graph.add((node, RDFS.comment, Literal(
        f"The P190 (twinned administrative body) statements of item {qid(item)} with their "
        "P580/P582 qualifiers, and the places' labels, native names, coordinates, countries and "
        f"ISO codes, retrieved on {day} by twinning-kg bootstrap. A starting point for a person "
        "to complete.", lang="en")))  # fmt: skip
    return graph


def _header(run: Bootstrap, what: str) -> str:
    item = qid(run.city.item)
    return (
        f"{run.city.description.name} data: {what}\n"
        f"Started by `twinning-kg bootstrap --wikidata {item}` on {run.day.isoformat()} from\n"
        f"{run.endpoint_url}: every fact here comes from Wikidata (prov:wasDerivedFrom\n"
        "the retrieval in sources.ttl). Check it, complete it (skos:editorialNote says what),\n"
        "then run `twinning-kg validate`."
    )


def render_city_files(run: Bootstrap, data_labels: dict[URIRef, tuple[str, str]]) -> CityFiles:
    """Every file of the new city's folder, as Turtle, and the list of what to complete."""
    out = CityFiles()
    city = _graph()
    if run.city.existing:
        what = f"the city is described where the data already has it ({run.city.iri})."
    else:
        _describe_place(city, run.city, run, out.todo)
        what = "the city itself; each partnership is in partnership-{partner}.ttl."
    out.files[f"{run.slug}.ttl"] = render_turtle(city, header=_header(run, what))
    for entry in sorted(run.partnerships, key=lambda p: p.partner.slug):
        graph = _graph()
        file_name = f"partnership-{entry.partner.slug}.ttl"
        partner_en = label(entry.partner, data_labels, "en")
        if entry.existing:
            graph.add((entry.iri, PROV.wasDerivedFrom, run.source))
            out.todo.append(
                f"{partner_en}: the data already has this partnership <{entry.iri}>; "
                "Wikidata is added as a source (compare with `twinning-kg link --check`)"
            )
            what = f"Wikidata as a further source of the partnership {entry.iri}."
        else:
            if not entry.partner.existing:
                _describe_place(graph, entry.partner, run, out.todo)
            _partnership(graph, entry, run, data_labels, out.todo, file_name)
            what = f"the partnership with {partner_en}, its agreement and the partner."
        out.files[file_name] = render_turtle(graph, header=_header(run, what))
    places = _graph()
    for country in sorted(run.countries, key=lambda c: str(c.iri)):
        _describe_place(places, country, run, out.todo)
    what = "the countries the data did not have yet (none if empty)."
    out.files[PLACES_FILE] = render_turtle(places, header=_header(run, what))
    what = "the sources: Wikidata and this retrieval of the city's item."
    out.files[SOURCES_FILE] = render_turtle(_sources(run), header=_header(run, what))
    return out


def write_city_folder(folder: Path, files: dict[str, str], *, force: bool) -> None:
    """Write ``files`` into ``folder`` in one rename; ``force`` replaces an existing folder.

    The files go to a hidden temporary folder next to ``folder`` first; a replaced folder is
    moved aside, the new one renamed into place, and the old one deleted.

    :raises TwinningError: if the folder exists (without ``force``) or cannot be written; then
        nothing is left behind and an existing folder is as it was.
    """
    if folder.exists() and not force:
        raise TwinningError(f"{folder} exists: give --force to replace it")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.new-"))
    except OSError as exc:
        raise TwinningError(f"cannot write {folder}: {exc.strerror or exc}") from None
    aside: Path | None = None
    try:
        for name, text in files.items():
            with (staging / name).open("w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
        staging.chmod(0o755)
        if folder.exists():
            aside = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.old-"))
            os.rename(folder, aside / folder.name)
        os.rename(staging, folder)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if aside is not None and (aside / folder.name).exists() and not folder.exists():
            os.rename(aside / folder.name, folder)
        raise TwinningError(f"cannot write {folder}: {exc.strerror or exc}") from None
    finally:
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)
