"""Bind values into a query's ``VALUES`` block: the only way values reach the Wikidata queries.

A query file (``twinning_kg/queries/*.rq``) declares each block to fill as an *empty* block, such as
``VALUES (?place ?name) {}``, so the file parses and runs unchanged (and then matches nothing).
:func:`bind_values` fills that block with one row per tuple of terms
(:func:`twinning_kg.sparql.binding.fill_values`), each written by :func:`term_token`, stricter than
the store's writer: it accepts only

- IRIs that are absolute ``http``/``https`` IRIs without the characters SPARQL forbids in an IRI
  (``<>"{}|^`\\``, spaces, control characters);
- literals whose text has no backslash and no control character (so neither ``\\u`` escapes nor
  line breaks can change how the query parses), with a well-formed language tag or a datatype IRI
  as above; the double quote is the one character escaped.

Anything else raises :class:`~twinning_kg.errors.TwinningError`: text that cannot be written safely
is refused, never spliced.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from rdflib import Literal, URIRef

from twinning_kg.errors import TwinningError
from twinning_kg.sparql.binding import fill_values
from twinning_kg.vocabulary import Term

_IRI: Final = re.compile(r"https?://[^\x00-\x20<>\"{}|^`\\]+")
_LANGUAGE: Final = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_UNSAFE_TEXT: Final = re.compile(r"[\x00-\x1f\x7f\\]")

BindableTerm = URIRef | Literal | None


def iri_token(iri: str) -> str:
    """Write an IRI for a query, after checking it.

    >>> iri_token("http://www.wikidata.org/entity/Q36")
    '<http://www.wikidata.org/entity/Q36>'
    >>> iri_token("http://x.org/> } DROP ALL")
    Traceback (most recent call last):
    ...
    twinning_kg.errors.TwinningError: refusing to put 'http://x.org/> } DROP ALL' into a query: ...
    """
    if not _IRI.fullmatch(iri):
        raise TwinningError(f"refusing to put {iri!r} into a query: not a plain http(s) IRI")
    return f"<{iri}>"


def literal_token(literal: Literal) -> str:
    """Write a literal for a query, after checking it.

    >>> literal_token(Literal("Brześć", lang="pl"))
    '"Brześć"@pl'
    >>> literal_token(Literal('say "hi"'))
    '"say \\\\"hi\\\\""'
    """
    text = str(literal)
    if _UNSAFE_TEXT.search(text):
        raise TwinningError(
            f"refusing to put {text!r} into a query: it holds a backslash or a control character"
        )
    token = '"' + text.replace('"', '\\"') + '"'
    if literal.language is not None:
        if not _LANGUAGE.fullmatch(literal.language):
            raise TwinningError(f"refusing to put language tag {literal.language!r} into a query")
        return f"{token}@{literal.language}"
    if literal.datatype is not None:
        return f"{token}^^{iri_token(str(literal.datatype))}"
    return token


def term_token(term: BindableTerm) -> str:
    """Write one value of a ``VALUES`` row: an IRI, a literal, or ``UNDEF`` for None."""
    if term is None:
        return "UNDEF"
    if isinstance(term, URIRef):
        return iri_token(str(term))
    return literal_token(term)


def bind_values(
    query: str, variables: Sequence[str], rows: Sequence[Sequence[BindableTerm]]
) -> str:
    """Fill the query's empty ``VALUES`` block over exactly ``variables`` with ``rows``.

    >>> query = "SELECT * WHERE { VALUES ?item {} }"
    >>> print(bind_values(query, ["item"], [[URIRef("http://x.org/a")]]))
    SELECT * WHERE { VALUES ?item {
      <http://x.org/a>
    } }

    :raises TwinningError: if the query has no such block (or more than one), a row has the wrong
        length, or a value cannot be written safely.
    """
    return fill_values(query, variables, rows, write=_strict_token)


def _strict_token(term: Term | None) -> str:
    if term is not None and not isinstance(term, URIRef | Literal):
        raise TwinningError(f"refusing to put {term!r} into a query: not an IRI or a literal")
    return term_token(term)
