"""IRIs and literals in cells: ``prefix:name`` for the prefixes we know, ``<…>`` for the rest."""

from __future__ import annotations

import re
from typing import Final

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from twinning_kg.settings import CANONICAL_BASE_IRI
from twinning_kg.tabular.template import ANY_KIND
from twinning_kg.vocabulary import PREFIXES

#: ``kind:id`` names an entity (``municipality:dasing``); the vocabularies' kinds too.
ENTITY_KINDS: Final = (
    *ANY_KIND,
    "domain",
    "event-type",
    "institution-type",
    "status",
    "municipality-type",
    "scheme",
)
CELL_PREFIXES: Final[dict[str, str]] = {
    **{kind: f"{CANONICAL_BASE_IRI}id/{kind}/" for kind in ENTITY_KINDS},
    **{prefix: str(namespace) for prefix, namespace in PREFIXES.items()},
    "language": "http://publications.europa.eu/resource/authority/language/",
}
_CURIE = re.compile(r"([A-Za-z][\w-]*):([^\s<>\"{}|^`\\]*)")
_IRI = re.compile(r"<([^\s<>\"{}|^`\\]+)>")
_SAFE_LOCAL = re.compile(r"[\w.-]*")


class TermError(ValueError):
    """A cell that does not name an IRI."""


def iri_to_cell(iri: URIRef) -> str:
    """Write an IRI as ``prefix:name`` if a prefix covers it, else as ``<iri>``.

    >>> iri_to_cell(URIRef("https://twinning.example.org/id/municipality/dasing"))
    'municipality:dasing'
    """
    text = str(iri)
    best = ""
    for prefix, namespace in CELL_PREFIXES.items():
        local = text[len(namespace) :]
        if (
            text.startswith(namespace)
            and _SAFE_LOCAL.fullmatch(local)
            and "/" not in local
            and len(namespace) > len(CELL_PREFIXES.get(best, ""))
        ):
            best = prefix
    if best:
        return f"{best}:{text[len(CELL_PREFIXES[best]) :]}"
    return f"<{text}>"


def cell_to_iri(text: str) -> URIRef:
    """Read ``prefix:name``, ``<iri>`` or a bare ``http(s)://`` IRI.

    :raises TermError: for anything else, or an unknown prefix.
    """
    value = text.strip()
    if match := _IRI.fullmatch(value):
        return URIRef(match[1])
    if re.fullmatch(r"https?://[^\s<>\"{}|^`\\]+", value):
        return URIRef(value)
    if (match := _CURIE.fullmatch(value)) and match[1] in CELL_PREFIXES:
        return URIRef(CELL_PREFIXES[match[1]] + match[2])
    raise TermError(f"{value!r} is not prefix:name (with a known prefix) or <IRI>")


def literal_datatype_cell(literal: Literal) -> str:
    """The datatype column of a literal: empty for plain strings and language-tagged text."""
    if literal.language or literal.datatype in (None, XSD.string):
        return ""
    return iri_to_cell(literal.datatype) if literal.datatype else ""
