"""A city's Turtle files back into the template, losing nothing.

Each typed resource of ``data/{city}/`` becomes a row of its sheet, in the file that types it.
The rows are then mapped back exactly as ``import`` would; every triple of a file that the rows do
not give back goes to the ``extra`` sheet with its file, so importing the export gives the same
graph, file by file.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from twinning_kg.errors import TwinningError
from twinning_kg.loading import discover, read_graph
from twinning_kg.tabular.mapping import EU_LANGUAGE, Known, map_workbook, split_entity
from twinning_kg.tabular.template import (
    EXTRA,
    SEPARATOR,
    SHEETS,
    Column,
    Sheet,
    Type,
    headers,
)
from twinning_kg.tabular.terms import iri_to_cell, literal_datatype_cell
from twinning_kg.tabular.workbook import SheetData, Workbook
from twinning_kg.vocabulary import WD, entity_iri

DATE_TYPES = (XSD.date, XSD.gYear, XSD.gYearMonth)
Rows = dict[str, list[list[str]]]


def read_city(folder: Path) -> dict[str, Graph]:
    """Every Turtle file of a city's folder, by file name.

    :raises TwinningError: if the folder holds no data.
    """
    if not folder.is_dir():
        raise TwinningError(f"no data folder for the city {folder.name!r}")
    return {path.name: read_graph(path) for path in discover([folder]) if path.parent == folder}


def _fits(column: Column, node: Node, city: URIRef) -> str | None:
    """The cell text for ``node`` in ``column``, or None when the column cannot hold it."""
    kind = column.type
    if isinstance(node, Literal):
        text = str(node)
        if text != text.strip() or not text or SEPARATOR in text:
            return None
        if kind is Type.TEXT:
            return text if node.language == column.lang else None
        if kind is Type.TAGGED:
            return f"{text}@{node.language}" if node.language else None
        plain = node.language is None and node.datatype in (None, XSD.string)
        if kind is Type.PLAIN:
            return text if plain else None
        if kind in (Type.DATE, Type.DATE_OR_RANGE):
            return text if node.datatype in DATE_TYPES else None
        if kind in (Type.LATITUDE, Type.LONGITUDE):
            return text if node.datatype == XSD.decimal else None
        if kind is Type.TERM:
            return text if node.datatype in DATE_TYPES else None
        return None
    if not isinstance(node, URIRef):
        return None
    parts = split_entity(node)
    if kind in (Type.REF, Type.PARTNER) and parts and parts[0] in column.kinds:
        return None if node == city and kind is Type.PARTNER else parts[1]
    if kind is Type.CONCEPT and parts and parts[0] == column.kinds[0]:
        return parts[1]
    if kind is Type.QID and node in WD:
        return str(node)[len(str(WD)) :]
    if kind is Type.LANGUAGE and str(node).startswith(EU_LANGUAGE):
        return str(node)[len(EU_LANGUAGE) :]
    if kind is Type.IRI and parts is None and str(node).startswith(("http://", "https://")):
        return str(node)
    if kind in (Type.TERM, Type.PREDICATE):
        return iri_to_cell(node)
    return None


def _single(column: Column) -> bool:
    return not column.multi


def _row(sheet: Sheet, kind: str, iri: URIRef, graph: Graph, file: str, city: URIRef) -> list[str]:
    parts = split_entity(iri)
    cells: dict[str, str] = {"id": parts[1] if parts else "", "kind": kind, "file": file}
    for column in sheet.columns:
        if column.predicate is None:
            continue
        values = sorted(
            text
            for node in graph.objects(iri, column.predicate)
            if (text := _fits(column, node, city)) is not None
        )
        if column.type is Type.TERM and values:
            values = [v for v in values if ":" in v or v[:1].isdigit()]
        if _single(column) and column.type is not Type.PARTNER:
            values = values[:1]
        if column.type is Type.PARTNER and len(values) != 1:
            values = []
        cells[column.name] = SEPARATOR.join(values)
    return [cells.get(name, "") for name in headers(sheet.name)]


def _place(iri: URIRef, klass: Node, city: URIRef) -> tuple[Sheet, str] | None:
    for sheet in SHEETS:
        for kind, cls in sheet.kinds.items():
            if cls == klass and (sheet.name == "city") == (iri == city):
                return sheet, kind
    return None


def _extra_row(file: str, s: Node, p: Node, o: Node) -> list[str]:
    if not isinstance(s, URIRef) or not isinstance(p, URIRef):
        raise TwinningError(f"{file}: blank nodes cannot be exported")
    if isinstance(o, Literal):
        cells = [str(o), "literal", literal_datatype_cell(o), o.language or ""]
    elif isinstance(o, URIRef):
        cells = [iri_to_cell(o), "iri", "", ""]
    else:
        raise TwinningError(f"{file}: blank nodes cannot be exported")
    return [file, iri_to_cell(s), iri_to_cell(p), *cells]


def export_rows(folder: Path, *, city: str, known: Known) -> Rows:
    """The template's rows (without headers) for the city in ``folder``.

    :raises TwinningError: if the folder is missing or holds something the template cannot hold.
    """
    files = read_city(folder)
    city_iri = entity_iri("municipality", city)
    rows: Rows = {sheet.name: [] for sheet in SHEETS}
    placed: set[URIRef] = set()
    for file, graph in sorted(files.items()):
        for subject, klass in sorted(graph.subject_objects(RDF.type)):
            if not isinstance(subject, URIRef) or subject in placed or not split_entity(subject):
                continue
            where = _place(subject, klass, city_iri)
            if where is None:
                continue
            sheet, kind = where
            placed.add(subject)
            rows[sheet.name].append(_row(sheet, kind, subject, graph, file, city_iri))
    for sheet_rows in rows.values():
        sheet_rows.sort(key=lambda r: (r[-1], r[0]))
    book: Workbook = {
        name: SheetData(list(headers(name)), [(n, r) for n, r in enumerate(rs, start=2)])
        for name, rs in rows.items()
    }
    mapped = map_workbook(book, city=city, known=known)
    if mapped.problems:
        first = mapped.problems[0]
        raise TwinningError(f"cannot export: {first.sheet} row {first.row}: {first.problem}")
    extra: list[list[str]] = []
    for file, graph in sorted(files.items()):
        made = mapped.files.get(file, Graph())
        surplus = [t for t in made if t not in graph]
        if surplus:
            raise TwinningError(f"cannot export {file}: the template would add {surplus[0]}")
        extra.extend(_extra_row(file, *t) for t in graph if t not in made)
    for file in mapped.files.keys() - files.keys():
        raise TwinningError(f"cannot export: the template would write {file}")
    extra.sort()
    rows[EXTRA] = extra
    return rows
