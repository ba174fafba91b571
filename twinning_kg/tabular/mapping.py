"""Rows of the template to Turtle files, recording which cell made each triple.

Two passes: the first gives every row its IRI and file (reusing the IRI of a place whose Wikidata
item the data folder already knows, and of a partnership between the same two items), the second
reads every cell. Every bad cell becomes a :class:`Problem`; nothing is dropped silently.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from twinning_kg.settings import CANONICAL_BASE_IRI
from twinning_kg.tabular.dates import FORMS, DateError, parse_date
from twinning_kg.tabular.report import Cell, Problem, column_letter
from twinning_kg.tabular.template import (
    BY_NAME,
    EXTRA,
    EXTRA_COLUMNS,
    IRI_KIND,
    SEPARATOR,
    SHEET_NAMES,
    SHEETS,
    Column,
    Sheet,
    Type,
)
from twinning_kg.tabular.terms import CELL_PREFIXES, TermError, cell_to_iri
from twinning_kg.tabular.workbook import SheetData, Workbook
from twinning_kg.vocabulary import TWIN, WD, entity_iri

Triple = tuple[Node, Node, Node]
ENTITY_PREFIX: Final = f"{CANONICAL_BASE_IRI}id/"
ID_PATTERN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
FILE_PATTERN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.ttl")
QID_PATTERN: Final = re.compile(
    r"(?:https?://(?:www\.)?wikidata\.org/(?:wiki|entity)/)?(Q[1-9]\d*)"
)
LANG_PATTERN: Final = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
EU_LANGUAGE: Final = CELL_PREFIXES["language"]


def split_entity(iri: Node) -> tuple[str, str] | None:
    """``(kind, id)`` of an entity IRI ``{base}id/{kind}/{id}``, else None.

    >>> split_entity(URIRef("https://twinning.example.org/id/municipality/dasing"))
    ('municipality', 'dasing')
    """
    if not isinstance(iri, URIRef) or not str(iri).startswith(ENTITY_PREFIX):
        return None
    kind, _, slug = str(iri)[len(ENTITY_PREFIX) :].partition("/")
    return (kind, slug) if slug and ID_PATTERN.fullmatch(slug) else None


@dataclass(slots=True)
class Known:
    """What the mapping needs to know beyond the sheets: concepts and the other cities' data."""

    concepts: dict[str, dict[str, URIRef]] = field(default_factory=dict)  # kind → key → IRI
    concept_names: dict[str, list[str]] = field(default_factory=dict)  # kind → ids, for hints
    items: dict[URIRef, URIRef] = field(default_factory=dict)  # Wikidata item → our IRI
    partnerships: dict[frozenset[URIRef], URIRef] = field(default_factory=dict)
    entities: set[URIRef] = field(default_factory=set)

    @classmethod
    def read(cls, vocabularies: Graph, existing: Graph | None = None) -> Known:
        """Concepts from the SKOS vocabularies; IRIs to reuse from ``existing`` data."""
        known = cls()
        for concept in vocabularies.subjects(RDF.type, SKOS.Concept):
            parts = split_entity(concept)
            if parts is None or not isinstance(concept, URIRef):
                continue
            kind, slug = parts
            keys = known.concepts.setdefault(kind, {})
            keys[slug.lower()] = concept
            known.concept_names.setdefault(kind, []).append(slug)
            for predicate in (SKOS.prefLabel, SKOS.altLabel, RDFS.label):
                for label in vocabularies.objects(concept, predicate):
                    keys.setdefault(str(label).lower(), concept)
        if existing is not None:
            for subject, item in existing.subject_objects(OWL.sameAs):
                if isinstance(subject, URIRef) and isinstance(item, URIRef) and item in WD:
                    known.items.setdefault(item, subject)
            for partnership in existing.subjects(RDF.type, TWIN.Partnership):
                if not isinstance(partnership, URIRef):
                    continue
                items = set()
                for partner in existing.objects(partnership, TWIN.partner):
                    items |= {i for i, s in known.items.items() if s == partner}
                if len(items) == 2:
                    known.partnerships.setdefault(frozenset(items), partnership)
            known.entities = {s for s in existing.subjects() if isinstance(s, URIRef)}
        return known


@dataclass(slots=True)
class Row:
    """A row of an entity sheet after the first pass."""

    sheet: Sheet
    number: int
    cells: dict[str, str]
    kind: str
    iri: URIRef
    file: str = ""


@dataclass(slots=True)
class Mapped:
    """The result: one graph per file, the cell behind each triple, and the problems."""

    files: dict[str, Graph] = field(default_factory=dict)
    cells: dict[Triple, Cell] = field(default_factory=dict)
    rows: dict[URIRef, Cell] = field(default_factory=dict)
    columns: dict[tuple[URIRef, URIRef], Cell] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, file: str, triple: Triple, cell: Cell) -> None:
        """Add ``triple`` to ``file``, remembering the first cell that made it."""
        self.files.setdefault(file, Graph()).add(triple)
        self.cells.setdefault(triple, cell)


class _Bad(ValueError):
    def __init__(self, problem: str, expected: str, kind: str) -> None:
        super().__init__(problem)
        self.problem, self.expected, self.kind = problem, expected, kind


def _values(text: str, column: Column) -> list[str]:
    parts = text.split(SEPARATOR) if column.multi else [text]
    return [part.strip() for part in parts if part.strip()]


class _Mapper:
    def __init__(self, book: Workbook, *, city: str, known: Known) -> None:
        self.book, self.city, self.known = book, city, known
        self.out = Mapped()
        self.rows: list[Row] = []
        self.by_id: dict[str, list[URIRef]] = defaultdict(list)
        self.by_item: dict[URIRef, URIRef] = {}
        self.local: set[URIRef] = set()
        self.city_iri = entity_iri("municipality", city)

    # -- helpers -----------------------------------------------------------------------------

    def cell(self, sheet: str, header: list[str], number: int, column: str) -> Cell:
        letter = column_letter(header.index(column)) if column in header else ""
        return Cell(sheet, number, column, letter)

    def problem(self, cell: Cell, value: str, problem: str, expected: str, kind: str) -> None:
        self.out.problems.append(Problem.at(cell, value, problem, expected, kind))

    # -- pass 1: ids, IRIs, files --------------------------------------------------------------

    def check_sheets(self) -> None:
        for name, data in self.book.items():
            if name not in SHEET_NAMES:
                close = difflib.get_close_matches(name, SHEET_NAMES, n=3)
                self.problem(
                    Cell(name, 0, ""),
                    name,
                    "unknown sheet",
                    "one of "
                    + ", ".join(SHEET_NAMES)
                    + (f" (closest: {', '.join(close)})" if close else ""),
                    "unknown-sheet",
                )
                continue
            allowed = BY_NAME[name].by_name if name != EXTRA else dict.fromkeys(EXTRA_COLUMNS)
            for index, header in enumerate(data.header):
                if header and header not in allowed:
                    close = difflib.get_close_matches(header, list(allowed), n=3)
                    self.problem(
                        Cell(name, 1, header, column_letter(index)),
                        header,
                        "unknown column",
                        "a column of the template"
                        + (f" (closest: {', '.join(close)})" if close else ""),
                        "unknown-column",
                    )

    def first_pass(self) -> None:
        seen: dict[URIRef, Cell] = {}
        for sheet in SHEETS:
            data = self.book.get(sheet.name)
            if data is None:
                continue
            for number, cells in data.records():
                row = self.identify(sheet, data, number, cells)
                if row is None:
                    continue
                id_cell = self.cell(sheet.name, data.header, number, "id")
                if row.iri in seen:
                    first = seen[row.iri]
                    self.problem(
                        id_cell,
                        cells.get("id", ""),
                        "duplicate id",
                        f"an id used once (already in {first.sheet}, row {first.row})",
                        "duplicate-id",
                    )
                    continue
                seen[row.iri] = id_cell
                self.rows.append(row)
                self.local.add(row.iri)
                self.out.rows.setdefault(row.iri, id_cell)
                if row.cells.get("id"):
                    self.by_id[row.cells["id"]].append(row.iri)
        city_rows = [r for r in self.rows if r.sheet.name == "city"]
        if len(city_rows) > 1:
            extra = city_rows[1]
            self.problem(
                Cell("city", extra.number, "id", "A"),
                extra.cells.get("id", ""),
                "more than one row",
                "one row: the city itself",
                "duplicate-id",
            )
        self.assign_files()

    def item_of(self, cells: dict[str, str]) -> URIRef | None:
        for value in cells.get("wikidata", "").split(SEPARATOR):
            if match := QID_PATTERN.fullmatch(value.strip()):
                return WD[match[1]]
        return None

    def identify(
        self, sheet: Sheet, data: SheetData, number: int, cells: dict[str, str]
    ) -> Row | None:
        slug = cells.get("id", "").strip()
        if len(sheet.kinds) > 1:
            kind = cells.get("kind", "").strip()
            if kind not in sheet.kinds:
                self.problem(
                    self.cell(sheet.name, data.header, number, "kind"),
                    kind,
                    "missing required value" if not kind else "unknown kind",
                    "one of " + ", ".join(sheet.kinds),
                    "missing" if not kind else "unknown-value",
                )
                return None
        else:
            kind = next(iter(sheet.kinds))
        if sheet.name == "partnerships" and not slug:
            partner = self.partner_slug(cells.get("partner", ""))
            slug = f"{self.city}-{partner}" if ID_PATTERN.fullmatch(partner) else ""
        if not slug:
            self.problem(
                self.cell(sheet.name, data.header, number, "id"),
                "",
                "missing required value",
                "an id: letters, digits, - . _",
                "missing",
            )
            return None
        if not ID_PATTERN.fullmatch(slug):
            self.problem(
                self.cell(sheet.name, data.header, number, "id"),
                slug,
                "not a valid id",
                "letters, digits, - . _ (no spaces)",
                "bad-id",
            )
            return None
        iri = entity_iri(IRI_KIND.get(kind, kind), slug)
        item = self.item_of(cells)
        if item is not None:
            iri = self.known.items.get(item, iri)
            self.by_item.setdefault(item, iri)
        if sheet.name == "city":
            self.city_iri = iri
        return Row(sheet, number, {**cells, "id": cells.get("id", "").strip() or slug}, kind, iri)

    def assign_files(self) -> None:
        partner_file: dict[str, str] = {}
        for row in self.rows:
            if row.sheet.name == "partnerships":
                partner = self.partner_slug(row.cells.get("partner", ""))
                row.file = row.cells.get("file", "").strip() or f"partnership-{partner}.ttl"
                partner_file.setdefault(partner, row.file)
                if row.iri in self.known.partnerships.values():
                    continue
                # the same two Wikidata items as a partnership in the data: that partnership
                mine = self.item_of(
                    next((r.cells for r in self.rows if r.sheet.name == "city"), {})
                )
                theirs = self.resolve_item(row.cells.get("partner", ""))
                if mine is not None and theirs is not None:
                    existing = self.known.partnerships.get(frozenset((mine, theirs)))
                    if existing is not None:
                        self.out.rows.setdefault(existing, self.out.rows[row.iri])
                        row.iri = existing
        by_slug_file = {r.cells["id"]: r.file for r in self.rows if r.file}
        referenced: dict[str, str] = {}
        for row in self.rows:
            if row.sheet.name == "partnerships":
                for ref in _values(
                    row.cells.get("agreements", ""), BY_NAME["partnerships"].by_name["agreements"]
                ):
                    referenced.setdefault(ref, row.file)
        for sheet_name in (
            "places",
            "agreements",
            "documents",
            "institutions",
            "events",
            "city",
            "people",
            "cooperations",
            "sources",
            "claims",
        ):
            for row in (r for r in self.rows if r.sheet.name == sheet_name):
                given = row.cells.get("file", "").strip()
                slug = row.cells["id"]
                if given:
                    row.file = given
                elif sheet_name == "places" and slug in partner_file:
                    row.file = partner_file[slug]
                elif sheet_name == "agreements" and slug in referenced:
                    row.file = referenced[slug]
                elif sheet_name == "documents":
                    owner = next(
                        (
                            r.file
                            for r in self.rows
                            if r.sheet.name == "agreements"
                            and r.cells.get("text", "").strip() == slug
                        ),
                        "",
                    )
                    row.file = owner or self.city_file(row)
                elif sheet_name in ("institutions", "events"):
                    links = _values(
                        row.cells.get("partnerships", ""), row.sheet.by_name["partnerships"]
                    )
                    row.file = (by_slug_file.get(links[0], "") if len(links) == 1 else "") or (
                        self.city_file(row)
                    )
                else:
                    row.file = row.sheet.default_file.format(city=self.city)
                by_slug_file.setdefault(slug, row.file)

    def partner_slug(self, text: str) -> str:
        """The id a partner goes by in file names: a QID becomes its place's id."""
        value = text.strip()
        if match := QID_PATTERN.fullmatch(value):
            iri = self.by_item.get(WD[match[1]]) or self.known.items.get(WD[match[1]])
            parts = split_entity(iri) if iri is not None else None
            return parts[1] if parts else match[1]
        return value

    def city_file(self, row: Row) -> str:
        return f"{self.city}.ttl"

    def resolve_item(self, text: str) -> URIRef | None:
        if match := QID_PATTERN.fullmatch(text.strip()):
            return WD[match[1]]
        for row in self.rows:
            if row.cells.get("id") == text.strip():
                return self.item_of(row.cells)
        return None

    # -- pass 2: cells -------------------------------------------------------------------------

    def second_pass(self) -> None:
        for row in self.rows:
            data = self.book[row.sheet.name]
            file_cell = self.cell(row.sheet.name, data.header, row.number, "file")
            if not FILE_PATTERN.fullmatch(row.file):
                self.problem(
                    file_cell,
                    row.file,
                    "not a file name",
                    "a name ending in .ttl, without folders",
                    "bad-file",
                )
                continue
            id_cell = self.cell(row.sheet.name, data.header, row.number, "id")
            self.out.add(row.file, (row.iri, RDF.type, row.sheet.kinds[row.kind]), id_cell)
            for column in row.sheet.columns:
                text = row.cells.get(column.name, "").strip()
                cell = self.cell(row.sheet.name, data.header, row.number, column.name)
                if column.predicate is not None:
                    self.out.columns.setdefault((row.iri, column.predicate), cell)
                if not text:
                    if column.required:
                        self.problem(cell, "", "missing required value", column.meaning, "missing")
                    continue
                for value in _values(text, column):
                    try:
                        for triple in self.triples(row, column, value):
                            self.out.add(row.file, triple, cell)
                    except _Bad as bad:
                        self.problem(cell, value, bad.problem, bad.expected, bad.kind)

    def triples(self, row: Row, column: Column, value: str) -> Iterable[Triple]:
        s, p = row.iri, column.predicate
        if p is None:  # pragma: no cover - every column but id, kind and file has one
            raise _Bad("column without a property", "", "template")
        kind = column.type
        if kind is Type.TEXT:
            return [(s, p, Literal(value, lang=column.lang))]
        if kind is Type.TAGGED:
            text, at, lang = value.rpartition("@")
            if not at or not text or not LANG_PATTERN.fullmatch(lang):
                raise _Bad("no language after @", "text@language, e.g. Dasing@de", "bad-language")
            return [(s, p, Literal(text, lang=lang))]
        if kind is Type.PLAIN:
            return [(s, p, Literal(value))]
        if kind is Type.REF:
            return [(s, p, self.reference(value, column))]
        if kind is Type.PARTNER:
            partner = self.reference(value, column)
            city = self.city_iri
            return [
                (s, p, city),
                (s, p, partner),
                (partner, TWIN.twinnedWith, city),
                (city, TWIN.twinnedWith, partner),
            ]
        if kind is Type.CONCEPT:
            return [(s, p, self.concept(value, column.kinds[0]))]
        if kind in (Type.DATE, Type.DATE_OR_RANGE):
            try:
                parsed = parse_date(value, allow_range=kind is Type.DATE_OR_RANGE)
            except DateError as exc:
                raise _Bad(f"not a date: {exc}", FORMS, "bad-date") from None
            if parsed.end is None:
                return [(s, p, parsed.start)]
            return [(s, TWIN.startDate, parsed.start), (s, TWIN.endDate, parsed.end)]
        if kind in (Type.LATITUDE, Type.LONGITUDE):
            return [(s, p, self.coordinate(value, kind))]
        if kind is Type.QID:
            if match := QID_PATTERN.fullmatch(value):
                return [(s, p, WD[match[1]])]
            raise _Bad("not a Wikidata item", "Q followed by digits, e.g. Q645832", "bad-qid")
        if kind is Type.IRI:
            try:
                iri = cell_to_iri(value)
            except TermError:
                iri = None
            if iri is None or not str(iri).startswith(("http://", "https://")):
                raise _Bad("not a web address", "an http:// or https:// address", "bad-iri")
            return [(s, p, iri)]
        if kind is Type.LANGUAGE:
            if re.fullmatch(r"[A-Z]{3}", value):
                return [(s, p, URIRef(EU_LANGUAGE + value))]
            raise _Bad("not a language code", "an EU language code: POL, ENG, DEU", "bad-language")
        if kind is Type.PREDICATE:
            try:
                return [(s, p, cell_to_iri(value))]
            except TermError as exc:
                raise _Bad(
                    str(exc), "a property as prefix:name, e.g. twin:status", "bad-iri"
                ) from None
        return [(s, p, self.term(value))]

    def reference(self, value: str, column: Column) -> URIRef:
        target: URIRef | None = None
        if match := QID_PATTERN.fullmatch(value):
            item = WD[match[1]]
            target = self.by_item.get(item) or self.known.items.get(item)
        elif ":" in value:
            try:
                target = cell_to_iri(value)
            except TermError:
                target = None
            if target is not None and target not in self.local | self.known.entities:
                target = None
        else:
            found = self.by_id.get(value, [])
            if len(found) > 1:
                raise _Bad(
                    "ambiguous id",
                    "kind:id, one of "
                    + ", ".join(sorted(":".join(split_entity(f) or ("", "")) for f in found)),
                    "unknown-reference",
                )
            target = found[0] if found else None
        if target is None:
            close = difflib.get_close_matches(value, list(self.by_id), n=3)
            raise _Bad(
                "unknown reference",
                f"the id of a row ({' or '.join(column.kinds)})"
                + (f"; closest: {', '.join(close)}" if close else ""),
                "unknown-reference",
            )
        parts = split_entity(target)
        kind = parts[0] if parts else ""
        if column.kinds and kind not in column.kinds:
            raise _Bad(
                f"refers to a {kind or 'resource'}",
                "the id of a " + " or ".join(column.kinds),
                "wrong-reference",
            )
        return target

    def concept(self, value: str, kind: str) -> URIRef:
        concept = self.known.concepts.get(kind, {}).get(value.lower())
        if concept is None:
            names = sorted(self.known.concept_names.get(kind, []))
            close = difflib.get_close_matches(value.lower(), names, n=3, cutoff=0.5)
            hint = f"closest: {', '.join(close)}; " if close else ""
            raise _Bad(f"unknown {kind}", f"{hint}one of {', '.join(names)}", "unknown-value")
        return concept

    def coordinate(self, value: str, kind: Type) -> Literal:
        text = value.replace(",", ".").replace("°", "").strip()
        limit = 90 if kind is Type.LATITUDE else 180
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or abs(number) > limit:
            raise _Bad(
                "not a coordinate",
                f"decimal degrees between -{limit} and {limit}, e.g. 52.165",
                "bad-coordinates",
            )
        return Literal(text, datatype=XSD.decimal)

    def term(self, value: str) -> Node:
        if value.startswith("<") or (":" in value and not value.startswith(("http", "https"))):
            try:
                return cell_to_iri(value)
            except TermError as exc:
                raise _Bad(str(exc), "kind:id, prefix:name, a date or a text", "bad-iri") from None
        if value in self.by_id and len(self.by_id[value]) == 1:
            return self.by_id[value][0]
        try:
            parsed = parse_date(value, allow_range=False)
        except DateError:
            return Literal(value)
        return parsed.start

    # -- the extra sheet -----------------------------------------------------------------------

    def extra(self) -> None:
        data = self.book.get(EXTRA)
        if data is None:
            return
        for number, cells in data.records():

            def at(column: str, number: int = number) -> Cell:
                return self.cell(EXTRA, data.header, number, column)

            try:
                file = cells.get("file", "").strip()
                if not FILE_PATTERN.fullmatch(file):
                    raise _Bad("not a file name", "a name ending in .ttl", "bad-file")
            except _Bad as bad:
                self.problem(at("file"), cells.get("file", ""), bad.problem, bad.expected, bad.kind)
                continue
            terms: list[Node] = []
            for column in ("subject", "predicate"):
                try:
                    terms.append(cell_to_iri(cells.get(column, "")))
                except TermError as exc:
                    self.problem(
                        at(column),
                        cells.get(column, ""),
                        str(exc),
                        "prefix:name or <IRI>",
                        "bad-iri",
                    )
            obj = self.extra_object(cells, at)
            if obj is not None and len(terms) == 2:
                self.out.add(file, (terms[0], terms[1], obj), at("object"))
                if isinstance(terms[0], URIRef):
                    self.out.rows.setdefault(terms[0], at("subject"))

    def extra_object(self, cells: dict[str, str], at: Callable[[str], Cell]) -> Node | None:
        text = cells.get("object", "")
        kind = cells.get("object_type", "").strip() or "literal"
        if kind == "iri":
            try:
                return cell_to_iri(text)
            except TermError as exc:
                self.problem(at("object"), text, str(exc), "prefix:name or <IRI>", "bad-iri")
                return None
        if kind != "literal":
            self.problem(
                at("object_type"), kind, "unknown object type", "iri or literal", "unknown-value"
            )
            return None
        language = cells.get("language", "").strip()
        datatype = cells.get("datatype", "").strip()
        if language:
            return Literal(text, lang=language)
        if datatype:
            try:
                return Literal(text, datatype=cell_to_iri(datatype))
            except TermError as exc:
                self.problem(at("datatype"), datatype, str(exc), "e.g. xsd:date", "bad-iri")
                return None
        return Literal(text)


def map_workbook(book: Workbook, *, city: str, known: Known) -> Mapped:
    """Map every row of ``book`` to triples in the files of ``data/{city}/``."""
    mapper = _Mapper(book, city=city, known=known)
    mapper.check_sheets()
    mapper.first_pass()
    mapper.second_pass()
    mapper.extra()
    return mapper.out


def read_vocabularies(ontology_dir: Path) -> Graph:
    """The SKOS vocabularies (every Turtle file of the ontology folder)."""
    graph = Graph()
    for path in sorted(ontology_dir.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph
