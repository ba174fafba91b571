"""Write SPARQL results as they come, row by row, stopping at the row cap.

SELECT/ASK: JSON, XML, CSV, TSV (W3C SPARQL 1.1 results formats), written here so the cap can
stop the iteration; CONSTRUCT/DESCRIBE: pyoxigraph's own RDF serialisers over a capped iterator.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Final, Protocol, TypeVar
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from twinning_kg.formats import Format, ResultsFormat

Write = Callable[[bytes], object]
T = TypeVar("T")
XSD_STRING: Final = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_OX_RDF: Final = {
    Format.TURTLE: ox.RdfFormat.TURTLE,
    Format.NTRIPLES: ox.RdfFormat.N_TRIPLES,
    Format.JSONLD: ox.RdfFormat.JSON_LD,
    Format.RDFXML: ox.RdfFormat.RDF_XML,
}
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass(slots=True)
class Written:
    """What was written: how many rows (or triples), and whether the cap cut it short."""

    rows: int = 0
    truncated: bool = False


def _json_term(term: Term) -> dict[str, object]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return (
                f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
            )
        return f"<literal>{escape(term.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject>"
        f"<predicate>{_xml_term(term.predicate)}</predicate>"
        f"<object>{_xml_term(term.object)}</object></triple>"
    )


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    text = (
        f"_:{term.value}" if isinstance(term, ox.BlankNode) else str(getattr(term, "value", term))
    )
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _tsv_value(term: Term | None) -> str:
    if term is None:
        return ""
    return str(term).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def capped(items: Iterable[T], cap: int, written: Written) -> Iterator[T]:
    """Yield at most ``cap`` items; note in ``written`` whether more were there."""
    for item in items:
        if written.rows >= cap:
            written.truncated = True
            return
        written.rows += 1
        yield item


def write_boolean(value: bool, fmt: ResultsFormat, write: Write) -> Written:
    """An ASK result."""
    if fmt is ResultsFormat.JSON:
        write(json.dumps({"head": {}, "boolean": value}).encode())
    elif fmt is ResultsFormat.XML:
        write(
            b'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            b"<head/><boolean>" + (b"true" if value else b"false") + b"</boolean></sparql>\n"
        )
    else:  # CSV/TSV have no boolean form; the common convention is a one-cell table
        write(b"_askResult\r\n" if fmt is ResultsFormat.CSV else b"?_askResult\n")
        write((b"true" if value else b"false") + (b"\r\n" if fmt is ResultsFormat.CSV else b"\n"))
    return Written(rows=1)


class Solution(Protocol):
    """A row of a SELECT result: pyoxigraph's QuerySolution, or a mapping from a remote store."""

    def __getitem__(self, name: str, /) -> Term | None: ...


def write_solutions(
    names: list[str], solutions: Iterable[Solution], fmt: ResultsFormat, write: Write, *, cap: int
) -> Written:
    """A SELECT result over the variables ``names``, streamed, at most ``cap`` rows."""
    written = Written()
    rows = capped(solutions, cap, written)
    if fmt is ResultsFormat.JSON:
        write(b'{"head":{"vars":' + json.dumps(names).encode() + b'},"results":{"bindings":[')
        first = True
        for row in rows:
            values = {n: row[n] for n in names}
            binding = {n: _json_term(v) for n, v in values.items() if v is not None}
            write((b"" if first else b",\n") + json.dumps(binding, ensure_ascii=False).encode())
            first = False
        write(b"]}}\n")
    elif fmt is ResultsFormat.XML:
        head = "".join(f"<variable name={quoteattr(n)}/>" for n in names)
        write(
            b'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            + f"<head>{head}</head><results>\n".encode()
        )
        for row in rows:
            values = {n: row[n] for n in names}
            cells = "".join(
                f"<binding name={quoteattr(n)}>{_xml_term(v)}</binding>"
                for n, v in values.items()
                if v is not None
            )
            write(f"<result>{cells}</result>\n".encode())
        write(b"</results></sparql>\n")
    elif fmt is ResultsFormat.CSV:
        write((",".join(names) + "\r\n").encode())
        for row in rows:
            write((",".join(_csv_value(row[n]) for n in names) + "\r\n").encode())
    else:
        write(("\t".join("?" + n for n in names) + "\n").encode())
        for row in rows:
            write(("\t".join(_tsv_value(row[n]) for n in names) + "\n").encode())
    return written


class _Writer:
    """A file-like object for pyoxigraph's serialisers."""

    def __init__(self, write: Write) -> None:
        self._write = write

    def write(self, data: bytes) -> int:
        self._write(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing is buffered here."""


def write_triples(
    triples: Iterable[ox.Triple], fmt: Format, write: Write, *, cap: int, prefixes: dict[str, str]
) -> Written:
    """A CONSTRUCT/DESCRIBE result in an RDF format, at most ``cap`` triples."""
    written = Written()
    output: BinaryIO = _Writer(write)  # type: ignore[assignment]  # duck-typed file object
    ox.serialize(
        capped(triples, cap, written),
        output,
        _OX_RDF[fmt],
        prefixes=prefixes if fmt in (Format.TURTLE, Format.JSONLD, Format.RDFXML) else None,
    )
    return written
