"""Reading responses back: RDF bodies with rdflib, HTML pages with the standard html.parser."""

from __future__ import annotations

import contextlib
import json
import warnings
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Any

from rdflib import Graph, Literal
from rdflib.namespace import XSD

from twinning_kg.formats import Format


@dataclass(frozen=True, slots=True)
class Link:
    """An ``<a>`` or ``<link>`` element: its ``href`` and the attributes tests look at."""

    tag: str
    href: str
    rel: str = ""
    type: str = ""


class HtmlPage(HTMLParser):
    """A parsed page: ``lang``, ``title``, ``h1``, ``links``, ``jsonld`` blocks, visible ``text``.

    Entities are decoded, so ``text`` holds what a reader sees ("Berdyczów", ``"> <script>``).
    """

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.title = ""
        self.h1 = ""
        self.links: list[Link] = []
        self.jsonld: list[Any] = []
        self._open: list[str] = []
        self._script: list[str] | None = None
        self._chunks: list[str] = []
        self.feed(html)
        self.close()
        self.text = " ".join("".join(self._chunks).split())
        self.title = " ".join(self.title.split())
        self.h1 = " ".join(self.h1.split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.lang = attributes.get("lang")
        if tag in {"a", "link"} and attributes.get("href"):
            rel, kind = attributes.get("rel", ""), attributes.get("type", "")
            self.links.append(Link(tag, attributes["href"], rel, kind))
        if tag == "script" and attributes.get("type") == "application/ld+json":
            self._script = []
        if tag not in {"meta", "link", "input", "br", "img"}:
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.jsonld.append(json.loads("".join(self._script)))
            self._script = None
        if tag in self._open:
            while self._open.pop() != tag:
                pass
        self._chunks.append(" ")

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)
            return
        if "script" in self._open or "style" in self._open:
            return
        if "title" in self._open:
            self.title += data
        elif "h1" in self._open:
            self.h1 += data
        self._chunks.append(data)

    @property
    def alternates(self) -> dict[str, str]:
        """The head's ``<link rel="alternate">`` elements: media type → href."""
        return {
            link.type: link.href
            for link in self.links
            if link.tag == "link" and link.rel == "alternate"
        }

    @property
    def hrefs(self) -> list[str]:
        """Every ``href`` of an ``<a>`` element, in document order."""
        return [link.href for link in self.links if link.tag == "a"]


def parse_rdf(body: bytes | str, fmt: Format) -> Graph:
    """Parse a response body as ``fmt`` with rdflib.

    rdflib's JSON-LD parser builds a ConjunctiveGraph internally, which rdflib 7 itself deprecates;
    that warning is rdflib's business, not the server's, so it is silenced here and only here.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        return Graph().parse(data=body, format=fmt.rdflib_name)


def canonical(graph: Graph) -> Graph:
    """A copy of ``graph`` with xsd:decimal literals in one lexical form (``51.0`` and ``51``).

    Serialisers disagree on decimal lexical forms (Turtle writes ``51.0``, JSON-LD ``"51"``); the
    value is the same, and that is what round-trip comparisons should compare.
    """
    copy = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.decimal:
            with contextlib.suppress(InvalidOperation):
                o = Literal(format(Decimal(str(o)).normalize(), "f"), datatype=XSD.decimal)
        copy.add((s, p, o))
    return copy
