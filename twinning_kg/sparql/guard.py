"""Check a query before any engine sees it: size, nesting, SERVICE, updates, and its form.

Engines are not safe with hostile input: pyoxigraph crashes on ~5000 nested brackets, rdflib on
~50; both execute ``SERVICE`` (outbound requests). So we read the query ourselves first, after
undoing SPARQL's ``\\u``/``\\U`` codepoint escapes (which apply to the whole query text), skipping
comments, strings and IRIs, and refuse what must not run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from itertools import pairwise
from typing import Final, Literal

from twinning_kg.errors import BadRequest, Forbidden, InvalidQuery, QueryTooLarge
from twinning_kg.settings import Settings

QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]
FORMS: Final = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS: Final = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
_ESCAPE: Final = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
#: An IRI, with the codepoint escapes the engine reads in one (in the text as sent).
_IRI: Final = re.compile(r"<(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>")
#: SPARQL's white space (other spaces are no separators to the engine).
_SPACE: Final = frozenset(" \t\r\n")
_WORD: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
#: A keyword: no hyphen, no dot (``true.SERVICE``: three tokens, as the engines read it).
_NAME: Final = re.compile(r"\w+")
#: SPARQL's PN_CHARS_BASE and the characters PN_CHARS and VARNAME add (with ``_``). A name read
#: shorter than the engine reads it would show keywords that are not there (``?x·FROM`` is one
#: variable); one read longer only where the engine fails on the character anyway (``\w``).
_BASE: Final = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
    "\U00010000-\U000effff_\\w"
)
_MORE: Final = "0-9\u00b7\u0300-\u036f\u203f-\u2040"
#: The characters of a variable's name after its first (a regex class body, for ``[…]``).
VARNAME_CHARS: Final = _BASE + _MORE
#: A variable's name (no hyphen: ``?x-SERVICE`` is three tokens).
_VARNAME: Final = re.compile(f"[{_BASE}{_MORE}]+")
#: A character of a prefixed name (either part), a blank-node label or a keyword.
_NAME_CHAR: Final = re.compile(f"[{_BASE}{_MORE}\\-.:%]")
#: What may start a prefixed name or a keyword.
_NAME_START: Final = re.compile(f"[{_BASE}]")
#: The local part of a prefixed name, after the colon: never starting with ``.``, ``-`` or what
#: only PN_CHARS adds (``:.SERVICE`` is ``:``, ``.`` and SERVICE), never ending with ``.``.
_LOCAL: Final = re.compile(
    f"(?:(?:[{_BASE}0-9:%]|\\\\.)(?:[{_BASE}{_MORE}\\-:%]|\\\\.|\\.+(?=[{_BASE}{_MORE}\\-:%\\\\]))*)?"
)
#: The keywords that open a dataset clause (Oxigraph also reads ``FROMNAMED`` as one).
_DATASET_KEYWORDS: Final = frozenset({"FROM", "FROMNAMED"})


@dataclass(frozen=True, slots=True)
class CheckedQuery:
    """A query that passed the checks: its text (as sent) and its form."""

    text: str
    form: QueryForm
    #: Whether the query names its own dataset (``FROM``/``FROM NAMED``): graphs of the store.
    has_dataset: bool = False


@dataclass(frozen=True, slots=True)
class Limits:
    """What a query may be."""

    max_bytes: int = 100_000
    max_depth: int = 64
    max_negations: int = 256
    allowed_services: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """The limits the settings configure (the endpoint and ``twinning-kg query`` share them).

        >>> limits = Limits.from_settings(Settings(sparql_allowed_services=" http://a/q , "))
        >>> limits.allowed_services
        frozenset({'http://a/q'})
        """
        services = settings.sparql_allowed_services.split(",")
        return cls(
            max_bytes=settings.sparql_max_query_bytes,
            allowed_services=frozenset(s.strip() for s in services if s.strip()),
        )


def unescape(text: str) -> str:
    r"""Apply SPARQL codepoint escapes, as a parser does before reading the query.

    >>> unescape(r"\u0053ERVICE")
    'SERVICE'
    """

    def replace(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise InvalidQuery(f"invalid codepoint escape {match.group(0)!r}")
        return chr(code)

    return _ESCAPE.sub(replace, text)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "word", "iri", "name" (a prefixed name), "punct"
    text: str
    depth: int


def _tokens(text: str, *, quoted_iris: bool = True) -> Iterator[_Token]:
    """Words, IRIs and punctuation at their bracket depth; comments and strings skipped.

    With ``quoted_iris=False``, a ``<`` whose would-be IRI holds an apostrophe is read as the
    comparison operator instead (``1<2+'>'``): the engine reads it so in an expression, where
    the apostrophe opens a string.
    """
    i, n, depth = 0, len(text), 0
    while i < n:
        c = text[i]
        if c in _SPACE:
            i += 1
        elif c == "#":  # a comment ends at either line break
            ends = [end for end in (text.find("\n", i), text.find("\r", i)) if end >= 0]
            i = min(ends) + 1 if ends else n
        elif c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                if text[j] == "\\":
                    j += 1
                elif len(quote) == 1 and text[j] in "\r\n":
                    raise InvalidQuery("line break in a short string literal")
                j += 1
            if j >= n:
                raise InvalidQuery("unterminated string literal")
            i = j + len(quote)
        elif (
            c == "<"
            and (match := _IRI.match(text, i))
            and (quoted_iris or "'" not in match.group(0))
        ):
            yield _Token("iri", match.group(0)[1:-1], depth)
            i = match.end()
        elif c in "?$":
            match = _VARNAME.match(text, i + 1)
            i = match.end() if match else i + 1
        elif c == ":":  # a prefixed name with the empty prefix (``:x``, or ``:`` alone)
            match = _LOCAL.match(text, i + 1)
            end = match.end() if match else i + 1
            yield _Token("name", text[i:end], depth)
            i = end
        elif c in "({[":
            depth += 1
            yield _Token("punct", c, depth)
            i += 1
        elif c in ")}]":
            yield _Token("punct", c, depth)
            depth -= 1
            i += 1
        elif c.isalpha() or _NAME_START.match(c):
            j = i
            while j < n and (text[j] == "\\" or _NAME_CHAR.match(text[j])):
                j += 2 if text[j] == "\\" else 1  # ex:a\#b: an escaped character of a name
            word = text[i:j].rstrip(".")
            if ":" not in word:
                keyword = _NAME.match(text, i)
                word = keyword.group() if keyword else c
                i += len(word)
                yield _Token("word", word, depth)
                if word.upper() != "SERVICE" and "SERVICE" in word.upper():
                    # engines need no space between keywords: trueSERVICE, SERVICESILENT
                    yield _Token("word", "SERVICE", depth)
                continue
            prefix, _, local = word.partition(":")
            if local[:1] in (".", "-"):  # no name goes on so: ex:.SERVICE is ex: . SERVICE
                word = prefix + ":"
            i += len(word)
            # A prefixed name (ex:SERVICE) or a blank-node label is not a keyword, but engines
            # read SERVICE:x, SERVICEex:x, true.SERVICE:x as SERVICE and a name.
            if "SERVICE" in prefix.upper():
                yield _Token("word", "SERVICE", depth)
            yield _Token("name", word, depth)
        elif c == "@":  # a language tag
            match = _WORD.match(text, i + 1)
            i = match.end() if match else i + 1
        else:
            yield _Token("punct", c, depth)
            i += 1


def check_query(text: str, limits: Limits) -> CheckedQuery:
    """Refuse what must not run; return the query's form.

    >>> check_query("PREFIX ex: <http://example.org/> ASK { ex:a ex:b ?c }", Limits()).form
    'ASK'
    >>> check_query("SELECT * FROM <http://example.org/g> { ?s ?p ?o }", Limits()).has_dataset
    True

    :raises QueryTooLarge: longer than ``limits.max_bytes``.
    :raises Forbidden: a SPARQL Update, or SERVICE to an endpoint not allow-listed.
    :raises BadRequest: nested deeper than ``limits.max_depth``, or too many ``!`` operators.
    :raises InvalidQuery: no query form, or a lexical error found on the way.
    """
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > limits.max_bytes:
        raise QueryTooLarge(
            f"The query is {size} bytes long; this endpoint accepts up to {limits.max_bytes}."
        )
    # Every reading the engine might take: the spec's (escapes undone first) and Oxigraph's
    # (escapes undone inside strings and IRIs only), each also with ``<`` before an apostrophe
    # read as an operator. Whatever one of them refuses is refused.
    plain = unescape(text)
    form = _scan(_tokens(plain), limits)
    as_sent = list(_tokens(text))
    _scan(as_sent, limits)
    for reading in {plain, text}:
        if "'" in reading:
            # A lexical error there: no reading the engine can take (it reads those as IRIs).
            with suppress(InvalidQuery):
                _scan(_tokens(reading, quoted_iris=False), limits)
    if form is None:
        raise InvalidQuery("Not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE.")
    return CheckedQuery(text=text, form=form, has_dataset=_names_dataset(as_sent))


def _scan(tokens: Iterable[_Token], limits: Limits) -> QueryForm | None:
    """Refuse what the tokens show must not run; the query's form, if they show one."""
    form: QueryForm | None = None
    negations = 0
    previous: _Token | None = None
    for token in tokens:
        if token.depth > limits.max_depth:
            raise BadRequest(f"The query nests brackets more than {limits.max_depth} levels deep.")
        if token.kind == "punct" and token.text == "!":
            negations += 1
            if negations > limits.max_negations:
                raise BadRequest(f"The query uses more than {limits.max_negations} '!' operators.")
        if token.kind == "word":
            word = token.text.upper()
            if word in UPDATE_KEYWORDS:
                raise Forbidden(
                    "This endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, "
                    "CREATE, ADD, MOVE, COPY) is not accepted."
                )
            if form is None and word in FORMS and token.depth == 0:
                form = word  # type: ignore[assignment]  # checked against FORMS just above
        if previous is not None and previous.kind == "word":
            said = previous.text.upper()
            if said == "SERVICE" and token.kind == "word" and token.text.upper() == "SILENT":
                previous = token
                continue
            if said in ("SERVICE", "SILENT") and (
                token.kind != "iri" or token.text not in limits.allowed_services
            ):
                raise BadRequest(
                    "SERVICE (federated query) is not allowed on this endpoint"
                    + (
                        f"; allowed services: {', '.join(sorted(limits.allowed_services))}."
                        if limits.allowed_services
                        else "."
                    )
                )
        previous = token
    if previous is not None and previous.kind == "word" and previous.text.upper() == "SERVICE":
        raise BadRequest("SERVICE (federated query) is not allowed on this endpoint.")
    return form


def _names_dataset(tokens: list[_Token]) -> bool:
    """Whether the query has a dataset clause: ``FROM`` or ``FROM NAMED`` and a graph's IRI.

    Read from the tokens of the text as sent: Oxigraph undoes ``\\u`` escapes only inside
    strings and IRIs, so an escape elsewhere never spells ``FROM`` for it (and one inside a string
    never ends it). A clause missed here leaves the union default graph, as before dataset
    clauses were read; one seen where there is none would empty the default graph, so a ``FROM``
    counts only where a dataset clause can be: outside brackets, followed by ``NAMED``, an IRI or
    a prefixed name.
    """
    return any(
        token.kind == "word"
        and token.depth == 0
        and token.text.upper() in _DATASET_KEYWORDS
        and (following.kind in ("iri", "name") or following.text.upper() == "NAMED")
        for token, following in pairwise(tokens)
    )
