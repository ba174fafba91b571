"""Read and write the template as xlsx (openpyxl), ods (odfpy) or a folder of CSV files.

A workbook here is plain text: each sheet a header and rows of strings, each row with the number
a spreadsheet shows for it (the header is row 1). Cells a program typed (numbers, dates) are
turned into the text a person would have written.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from twinning_kg.errors import TwinningError
from twinning_kg.tabular.template import SHEET_NAMES, headers

FORMATS: Final = ("xlsx", "ods", "csv")


@dataclass(slots=True)
class SheetData:
    """A sheet's header and its non-empty rows as ``(row number, cells)``."""

    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        """Each row as ``(row number, {header: cell})``; cells beyond the header are dropped."""
        for number, cells in self.rows:
            yield (
                number,
                {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(self.header)},
            )


Workbook = dict[str, SheetData]


def _text(value: object) -> str:
    """A cell value as the text a person would have typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _sheet(rows: Iterator[Sequence[object]]) -> SheetData:
    data = SheetData(header=[])
    for number, raw in enumerate(rows, start=1):
        cells = [_text(v) for v in raw]
        while cells and not cells[-1].strip():
            cells.pop()
        if number == 1:
            data.header = [c.strip() for c in cells]
        elif any(c.strip() for c in cells):
            data.rows.append((number, cells))
    return data


def detect_format(path: Path) -> str:
    """``xlsx``, ``ods`` or ``csv`` (a ``.csv`` file or a folder of them).

    :raises TwinningError: for any other path.
    """
    if path.is_dir() or path.suffix.lower() == ".csv":
        return "csv"
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("xlsx", "ods"):
        return suffix
    raise TwinningError(f"{path.name}: not a template (use .xlsx, .ods, .csv or a folder of .csv)")


def _read_xlsx(path: Path) -> Workbook:
    import openpyxl  # type: ignore[import-untyped]  # openpyxl ships no type hints

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors
        raise TwinningError(f"{path.name}: cannot read as xlsx: {exc}") from None
    try:
        return {ws.title: _sheet(ws.iter_rows(values_only=True)) for ws in book.worksheets}
    finally:
        book.close()


def _ods_rows(table: object) -> Iterator[list[object]]:
    from odf import teletype  # type: ignore[import-untyped]  # odfpy ships no type hints
    from odf.namespaces import OFFICENS, TABLENS  # type: ignore[import-untyped]

    for row in table.childNodes:  # type: ignore[attr-defined]
        if row.qname != (TABLENS, "table-row"):
            continue
        cells: list[object] = []
        for cell in row.childNodes:
            if cell.qname not in ((TABLENS, "table-cell"), (TABLENS, "covered-table-cell")):
                continue
            repeat = int(cell.attributes.get((TABLENS, "number-columns-repeated"), "1"))
            kind = cell.attributes.get((OFFICENS, "value-type"), "")
            value: object
            if kind == "date":
                value = str(cell.attributes.get((OFFICENS, "date-value"), "")).removesuffix(
                    "T00:00:00"
                )
            elif kind in ("float", "percentage", "currency"):
                value = float(cell.attributes.get((OFFICENS, "value"), "0"))
            elif kind == "boolean":
                value = cell.attributes.get((OFFICENS, "boolean-value"), "") == "true"
            else:
                value = "\n".join(
                    teletype.extractText(p) for p in cell.childNodes if p.qname[1] == "p"
                )
            cells.extend([value] * min(repeat, 1024))
        repeat_rows = int(row.attributes.get((TABLENS, "number-rows-repeated"), "1"))
        for _ in range(min(repeat_rows, 1 if not any(_text(c) for c in cells) else repeat_rows)):
            yield cells


def _read_ods(path: Path) -> Workbook:
    from odf.namespaces import TABLENS
    from odf.opendocument import load  # type: ignore[import-untyped]

    try:
        document = load(str(path))
    except Exception as exc:  # odfpy raises zipfile and XML parser errors
        raise TwinningError(f"{path.name}: cannot read as ods: {exc}") from None
    book: Workbook = {}
    for table in document.spreadsheet.childNodes:
        if table.qname == (TABLENS, "table"):
            book[str(table.attributes.get((TABLENS, "name"), ""))] = _sheet(_ods_rows(table))
    return book


def _read_csv_file(path: Path) -> SheetData:
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return _sheet(iter(list(csv.reader(stream))))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise TwinningError(f"{path.name}: cannot read as UTF-8 CSV: {exc}") from None


def _read_csv(path: Path) -> Workbook:
    if path.is_dir():
        files = sorted(path.glob("*.csv"))
        if not files:
            raise TwinningError(f"{path.name}: no .csv files in the folder")
        return {f.stem: _read_csv_file(f) for f in files}
    if not path.is_file():
        raise TwinningError(f"{path.name}: no such file or folder")
    return {path.stem: _read_csv_file(path)}


def read_workbook(path: Path) -> Workbook:
    """Read a template in any of the three forms.

    :raises TwinningError: if the file cannot be read.
    """
    if not path.exists():
        raise TwinningError(f"{path.name}: no such file or folder")
    fmt = detect_format(path)
    if fmt == "xlsx":
        return _read_xlsx(path)
    if fmt == "ods":
        return _read_ods(path)
    return _read_csv(path)


def _ordered(book: Mapping[str, Sequence[Sequence[str]]]) -> list[tuple[str, list[list[str]]]]:
    return [(name, [list(headers(name)), *map(list, book.get(name, []))]) for name in SHEET_NAMES]


def _atomic_bytes(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _xlsx_bytes(sheets: list[tuple[str, list[list[str]]]]) -> bytes:
    import openpyxl
    from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets:
        ws = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if not value:
                    continue
                cell = ws.cell(row=r, column=c)
                cell.value = value
                cell.data_type = "s"  # text, also when it starts with "=" or looks like a number
                if "\n" in value:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for c in range(1, len(rows[0]) + 1):
            ws.cell(row=1, column=c).font = Font(bold=True)
        ws.freeze_panes = "B2"
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _ods_bytes(sheets: list[tuple[str, list[list[str]]]]) -> bytes:
    from odf import teletype
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow  # type: ignore[import-untyped]
    from odf.text import P  # type: ignore[import-untyped]

    document = OpenDocumentSpreadsheet()
    for name, rows in sheets:
        table = Table(name=name)
        width = len(rows[0])
        for row in rows:
            element = TableRow()
            for value in [*row, *[""] * (width - len(row))]:
                cell = TableCell(valuetype="string") if value else TableCell()
                if value:
                    for line in value.split("\n"):
                        paragraph = P()
                        teletype.addTextToElement(paragraph, line)
                        cell.addElement(paragraph)
                element.addElement(cell)
            table.addElement(element)
        document.spreadsheet.addElement(table)
    stream = io.BytesIO()
    document.write(stream)
    return stream.getvalue()


def write_workbook(
    book: Mapping[str, Sequence[Sequence[str]]], path: Path, *, fmt: str
) -> list[Path]:
    """Write every sheet of the template (rows without the header) as ``fmt`` at ``path``.

    For ``csv``, ``path`` is a folder that gets one ``{sheet}.csv`` per sheet. Each file is
    written to a temporary file and renamed. Returns the files written.
    """
    sheets = _ordered(book)
    if fmt == "csv":
        path.mkdir(parents=True, exist_ok=True)
        written = []
        for name, rows in sheets:
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerows(rows)
            _atomic_bytes(path / f"{name}.csv", text.getvalue().encode("utf-8"))
            written.append(path / f"{name}.csv")
        return written
    path.parent.mkdir(parents=True, exist_ok=True)
    data = _xlsx_bytes(sheets) if fmt == "xlsx" else _ods_bytes(sheets)
    _atomic_bytes(path, data)
    return [path]
