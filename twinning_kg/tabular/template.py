"""The tabular template: its sheets, their columns, and what each column means in RDF.

Every sheet but ``extra`` holds one resource per row, named by its ``id`` (the last segment of
its IRI, ``{base}id/{kind}/{id}``). A column maps to one property; ``multi`` columns take several
values separated by :data:`SEPARATOR`. ``templates/README.md`` documents the same, for people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Final

from rdflib import URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS

from twinning_kg.vocabulary import GEO, SCHEMA, TWIN

#: Between the values of a multi-valued cell.
SEPARATOR: Final = " | "


class Type(Enum):
    """How a cell's text becomes RDF terms."""

    TEXT = "text"  # a literal in the column's language
    TAGGED = "tagged"  # a literal with its language after @: ``Dasing@de``
    PLAIN = "plain"  # a literal without language
    REF = "ref"  # an id of a row (or ``kind:id``, or a Wikidata QID of a place)
    CONCEPT = "concept"  # a SKOS concept by its id (notation) or any of its labels
    DATE = "date"  # one date (see dates.py)
    DATE_OR_RANGE = "date-or-range"  # a date, or a range written to startDate/endDate
    LATITUDE = "latitude"
    LONGITUDE = "longitude"
    QID = "qid"  # a Wikidata item: Q… (or its URL)
    IRI = "iri"  # any http(s) IRI
    LANGUAGE = "language"  # an EU language code: POL, ENG
    PARTNER = "partner"  # the partner municipality of a partnership (see mapping.py)
    TERM = "term"  # a claim's object: a reference, a date or a plain text
    PREDICATE = "predicate"  # a property as prefix:name


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its header, the property it fills and how its cells are read."""

    name: str
    type: Type
    predicate: URIRef | None = None
    lang: str | None = None
    multi: bool = False
    required: bool = False
    kinds: tuple[str, ...] = ()  # REF: the kinds it may point to; CONCEPT: the concept kind
    meaning: str = ""


@dataclass(frozen=True, slots=True)
class Sheet:
    """One sheet: the kinds of resource its rows are and its columns (after ``id`` and ``kind``)."""

    name: str
    kinds: dict[str, URIRef]  # kind value → class; several kinds need a ``kind`` column
    columns: tuple[Column, ...]
    meaning: str = ""
    default_file: str = "{city}.ttl"
    by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {c.name: c for c in self.all_columns})

    @property
    def all_columns(self) -> tuple[Column, ...]:
        """Every column: ``id`` (and ``kind`` if there are several kinds) first, ``file`` last."""
        head = [Column("id", Type.PLAIN, required=True, meaning="the resource's id")]
        if len(self.kinds) > 1:
            head.append(Column("kind", Type.PLAIN, required=True, meaning="the kind of resource"))
        tail = Column("file", Type.PLAIN, meaning="the Turtle file the row goes to")
        return (*head, *self.columns, tail)


PLACE_KINDS: Final = ("municipality", "region", "country", "place")
AGENT_KINDS: Final = ("municipality", "institution", "person", "country", "region")
ANY_KIND: Final = (
    "municipality",
    "region",
    "country",
    "place",
    "partnership",
    "agreement",
    "document",
    "institution",
    "person",
    "event",
    "cooperation",
    "source",
    "claim",
)


def _text(name: str, predicate: URIRef, meaning: str, *, required: bool = False) -> list[Column]:
    return [
        Column(
            f"{name}_{lang}",
            Type.TEXT,
            predicate,
            lang=lang,
            multi=True,
            required=required and lang in ("pl", "en"),
            meaning=f"{meaning} ({lang})",
        )
        for lang in ("pl", "en")
    ]


def _ref(name: str, predicate: URIRef, kinds: tuple[str, ...], meaning: str) -> Column:
    return Column(name, Type.REF, predicate, multi=True, kinds=kinds, meaning=meaning)


def _concept(name: str, predicate: URIRef, kind: str, meaning: str) -> Column:
    return Column(name, Type.CONCEPT, predicate, multi=True, kinds=(kind,), meaning=meaning)


def _date(name: str, predicate: URIRef, meaning: str) -> Column:
    return Column(name, Type.DATE, predicate, meaning=meaning)


LABELS: Final = (
    *_text("label", RDFS.label, "name", required=True),
    Column(
        "alt_labels",
        Type.TAGGED,
        SKOS.altLabel,
        multi=True,
        meaning="other names, each with its language: Gmina Dasing@pl",
    ),
)
DESCRIBED: Final = (
    *_text("description", DCTERMS.description, "description"),
    *_text("note", SKOS.note, "note"),
    *_text("editorial_note", SKOS.editorialNote, "editorial note: how the source was read"),
)
SOURCES: Final = _ref("sources", PROV.wasDerivedFrom, ("source",), "ids of the sources")

PLACE_COLUMNS: Final = (
    *LABELS,
    Column(
        "native_name",
        Type.TAGGED,
        TWIN.nativeName,
        multi=True,
        meaning="the name in the place's own language: Dasing@de",
    ),
    _concept("municipality_type", TWIN.municipalityType, "municipality-type", "municipality type"),
    _ref("country", TWIN.country, ("country",), "the country"),
    _ref("part_of", TWIN.partOf, PLACE_KINDS, "the region or municipality it lies in"),
    _ref("near", TWIN.near, PLACE_KINDS, "a place it lies near"),
    Column("wikidata", Type.QID, OWL.sameAs, multi=True, meaning="its Wikidata item: Q645832"),
    Column("lat", Type.LATITUDE, GEO.lat, meaning="latitude, decimal degrees (WGS 84)"),
    Column("long", Type.LONGITUDE, GEO.long, meaning="longitude, decimal degrees (WGS 84)"),
    Column("iso_code", Type.PLAIN, TWIN.iso3166Code, meaning="country: ISO 3166-1 alpha-2 code"),
    *_text("wikidata_note", TWIN.wikidataNote, "why there is no Wikidata link (yet)"),
    *DESCRIBED,
    SOURCES,
)

EVENT_LINKS: Final = (
    _ref("partnerships", TWIN.partnership, ("partnership",), "partnerships it belongs to"),
    _concept("domains", TWIN.domain, "domain", "cooperation domains"),
)

SHEETS: Final[tuple[Sheet, ...]] = (
    Sheet(
        "city",
        {"municipality": TWIN.Municipality},
        PLACE_COLUMNS,
        meaning="the municipality whose data this is: one row",
    ),
    Sheet(
        "places",
        {
            "municipality": TWIN.Municipality,
            "region": TWIN.Region,
            "country": TWIN.Country,
            "place": TWIN.Place,
        },
        PLACE_COLUMNS,
        meaning="partner municipalities, other towns, regions, countries and places",
        default_file="places.ttl",
    ),
    Sheet(
        "partnerships",
        {"partnership": TWIN.Partnership},
        (
            Column(
                "partner",
                Type.PARTNER,
                TWIN.partner,
                required=True,
                kinds=("municipality",),
                meaning="the partner municipality: its id in places, or its Wikidata QID",
            ),
            *LABELS,
            _concept("status", TWIN.status, "status", "active, suspended or ended"),
            _date("start_date", TWIN.startDate, "when the partnership began"),
            _date("end_date", TWIN.endDate, "when it ended"),
            _concept("domains", TWIN.domain, "domain", "cooperation domains"),
            _ref("agreements", TWIN.agreement, ("agreement",), "ids of its agreements"),
            _ref("carried_out_by", TWIN.carriedOutBy, ("institution",), "institutions"),
            *_text("status_note", TWIN.statusNote, "what the status rests on"),
            _ref("status_source", TWIN.statusSource, ("source",), "the source of the status"),
            *DESCRIBED,
            SOURCES,
        ),
        meaning="one row per partnership of the city with another municipality",
        default_file="partnership-{partner}.ttl",
    ),
    Sheet(
        "agreements",
        {"agreement": TWIN.Agreement, "related-agreement": TWIN.RelatedAgreement},
        (
            *LABELS,
            _date("signing_date", TWIN.signingDate, "the day it was signed"),
            Column("date", Type.DATE_OR_RANGE, TWIN.date, meaning="its date, of any precision"),
            *_text("date_text", TWIN.dateText, "the date as the source words it"),
            _ref("parties", TWIN.party, AGENT_KINDS, "who signed up to it"),
            _ref("signing_place", TWIN.signingPlace, PLACE_KINDS, "where it was signed"),
            _ref("signed_during", TWIN.signedDuring, ("event",), "the event it was signed at"),
            *_text("signatories", TWIN.signatories, "who signed it, as the source says"),
            *_text("purpose", TWIN.purpose, "its purpose"),
            _concept("domains", TWIN.domain, "domain", "cooperation domains"),
            _ref("text", TWIN.text, ("document",), "the document with its text"),
            *DESCRIBED,
            SOURCES,
        ),
        meaning="partnership agreements (kind agreement) and other agreements (related-agreement)",
    ),
    Sheet(
        "documents",
        {"document": TWIN.Document},
        (
            *LABELS,
            *_text("title", DCTERMS.title, "the document's title"),
            Column(
                "encoding_format",
                Type.PLAIN,
                SCHEMA.encodingFormat,
                meaning="its media type: application/pdf",
            ),
            Column(
                "format", Type.IRI, DCTERMS.format, multi=True, meaning="the IANA media type IRI"
            ),
            *DESCRIBED,
            SOURCES,
        ),
        meaning="published texts of agreements",
    ),
    Sheet(
        "institutions",
        {"institution": TWIN.Institution},
        (
            *LABELS,
            _concept("institution_types", TWIN.institutionType, "institution-type", "its types"),
            _date("founding_date", TWIN.foundingDate, "when it was founded"),
            _ref("based_in", TWIN.basedIn, PLACE_KINDS, "the place it is based in"),
            _ref("country", TWIN.country, ("country",), "its country"),
            _ref("parent_organization", TWIN.parentOrganization, ("institution",), "its parent"),
            _ref("named_after", TWIN.namedAfter, ("person",), "the person it is named after"),
            *_text("purpose", TWIN.purpose, "its purpose"),
            _ref("partnerships", TWIN.partnership, ("partnership",), "partnerships it serves"),
            _ref("cooperates_with", TWIN.cooperatesWith, ("institution",), "institutions"),
            *DESCRIBED,
            SOURCES,
        ),
        meaning="schools, ensembles, clubs, chambers, offices",
    ),
    Sheet(
        "people",
        {"person": TWIN.Person},
        (*LABELS, *DESCRIBED, SOURCES),
        meaning="people the sources name",
    ),
    Sheet(
        "events",
        {"event": TWIN.Event},
        (
            *LABELS,
            _concept("event_types", TWIN.eventType, "event-type", "its types"),
            Column(
                "date",
                Type.DATE_OR_RANGE,
                TWIN.date,
                meaning="its date; a range (1999/2000) gives start and end",
            ),
            _date("start_date", TWIN.startDate, "when it began"),
            _date("end_date", TWIN.endDate, "when it ended"),
            *_text("date_text", TWIN.dateText, "the date as the source words it"),
            *_text("recurrence", TWIN.recurrence, "how often it recurs"),
            _ref("place", TWIN.place, PLACE_KINDS, "where it took place"),
            Column(
                "street_name", Type.PLAIN, TWIN.streetName, multi=True, meaning="a street it named"
            ),
            _ref("sub_event_of", TWIN.subEventOf, ("event",), "the event it was part of"),
            _ref("return_visit_of", TWIN.returnVisitOf, ("event",), "the visit it returned"),
            *EVENT_LINKS,
            _ref("organizers", TWIN.organizer, AGENT_KINDS, "who organised it"),
            _ref("participants", TWIN.participant, AGENT_KINDS, "who took part"),
            _ref("performers", TWIN.performer, AGENT_KINDS, "who performed"),
            _ref("invited_by", TWIN.invitedBy, AGENT_KINDS, "who invited"),
            _ref("funded_by", TWIN.fundedBy, AGENT_KINDS, "who paid"),
            *DESCRIBED,
            SOURCES,
        ),
        meaning="what happened: visits, concerts, fairs, exchanges",
    ),
    Sheet(
        "cooperations",
        {"cooperation": TWIN.Cooperation},
        (
            *LABELS,
            _ref("participants", TWIN.participant, AGENT_KINDS, "who cooperates"),
            _ref("counterparts", TWIN.counterpart, AGENT_KINDS, "with whom"),
            _concept("domains", TWIN.domain, "domain", "cooperation domains"),
            *_text("date_text", TWIN.dateText, "when, as the source words it"),
            *DESCRIBED,
            SOURCES,
        ),
        meaning="cooperation outside a formal partnership",
    ),
    Sheet(
        "sources",
        {"source": TWIN.Source},
        (
            *LABELS,
            Column(
                "title",
                Type.TAGGED,
                DCTERMS.title,
                multi=True,
                meaning="its title, with its language: Partner cities@en",
            ),
            _ref("publisher", DCTERMS.publisher, AGENT_KINDS, "who published it (an id)"),
            Column(
                "publisher_name",
                Type.PLAIN,
                DCTERMS.publisher,
                multi=True,
                meaning="who published it (a name)",
            ),
            Column(
                "language",
                Type.LANGUAGE,
                DCTERMS.language,
                multi=True,
                meaning="EU language code: POL, ENG",
            ),
            Column(
                "identifier", Type.PLAIN, DCTERMS.identifier, multi=True, meaning="an identifier"
            ),
            _date("created", DCTERMS.created, "when it was written"),
            Column("page", Type.IRI, FOAF.page, multi=True, meaning="its web address"),
            Column(
                "citation",
                Type.PLAIN,
                DCTERMS.bibliographicCitation,
                multi=True,
                meaning="how to cite it",
            ),
            _ref("references", DCTERMS.references, ("source",), "sources it cites"),
            *_text("comment", RDFS.comment, "comment"),
            *DESCRIBED,
        ),
        meaning="where the facts come from; every row elsewhere names its sources",
        default_file="sources.ttl",
    ),
    Sheet(
        "claims",
        {"claim": TWIN.Claim},
        (
            *LABELS,
            Column(
                "subject",
                Type.REF,
                RDF.subject,
                required=True,
                kinds=ANY_KIND,
                meaning="what the claim is about",
            ),
            Column(
                "predicate",
                Type.PREDICATE,
                RDF.predicate,
                required=True,
                meaning="the property claimed: twin:status",
            ),
            Column(
                "object",
                Type.TERM,
                RDF.object,
                required=True,
                meaning="the value claimed: an id, a date or a text",
            ),
            *_text("comment", RDFS.comment, "what the other source says"),
            *DESCRIBED,
            SOURCES,
        ),
        meaning="what other sources say, kept apart from the city's own statements",
        default_file="other-sources.ttl",
    ),
)

#: The sheet of statements no other sheet can hold: one triple per row.
EXTRA: Final = "extra"
EXTRA_COLUMNS: Final = (
    "file",
    "subject",
    "predicate",
    "object",
    "object_type",
    "datatype",
    "language",
)

#: The IRI path of a kind, where it is not the kind itself: ``{base}id/agreement/…``.
IRI_KIND: Final[dict[str, str]] = {"related-agreement": "agreement"}

BY_NAME: Final[dict[str, Sheet]] = {sheet.name: sheet for sheet in SHEETS}
SHEET_NAMES: Final = (*BY_NAME, EXTRA)


def headers(sheet: str) -> tuple[str, ...]:
    """The column headers of ``sheet``, in template order."""
    if sheet == EXTRA:
        return EXTRA_COLUMNS
    return tuple(column.name for column in BY_NAME[sheet].all_columns)
