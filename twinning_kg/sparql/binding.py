"""Bind values into a packaged query as text: a ``VALUES`` block, or IRIs written in place.

pyoxigraph binds with ``substitutions=``; over HTTP we add a ``VALUES`` block instead, at the
start of the query's WHERE group (:func:`bind_values`), with each value serialised by rdflib after
checking it is a well-formed term. For CONSTRUCT and DESCRIBE queries, both stores write an IRI in
place of its variable instead (:func:`inline_iris`): engines plan joins from the constants in the
text. A query that takes many rows declares an empty block, ``VALUES ?x {}`` or
``VALUES (?x ?y) {}``, which :func:`fill_values` fills, a row per tuple (the file parses and runs
unchanged, and then matches nothing).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Final

from rdflib import BNode, Literal, URIRef

from twinning_kg.errors import BadRequest, TwinningError
from twinning_kg.sparql.guard import VARNAME_CHARS
from twinning_kg.vocabulary import Term

_UNSAFE_IRI: Final = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_NAME: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: A SPARQL variable's name ends where the characters that may continue one stop.
_NAME_END: Final = f"(?![{VARNAME_CHARS}])"
#: Comments, IRIs and strings: skipped when looking for the WHERE group.
_SKIP: Final = "|".join(
    [
        r"#[^\n]*",
        r"<[^<>\"{}|^`\\\x00-\x20]*>",
        r'"""(?:[^"\\]|\\.|"(?!""))*"""',
        r"'''(?:[^'\\]|\\.|'(?!''))*'''",
        r'"(?:[^"\\\n\r]|\\.)*"',
        r"'(?:[^'\\\n\r]|\\.)*'",
    ]
)
#: An empty VALUES block a query declares for its caller to fill.
_EMPTY_BLOCK: Final = re.compile(r"VALUES\s*(\(\s*(?:\?\w+\s*)+\)|\?\w+)\s*\{\s*\}")
#: What says where the WHERE group is: braces, parentheses and three keywords.
_TOKENS: Final = re.compile(
    rf"(?P<skip>{_SKIP})"
    r"|(?P<keyword>(?<![\w?$:])(?:SELECT|CONSTRUCT|WHERE)(?![\w:]))"
    r"|(?P<punctuation>[{}()])",
    re.IGNORECASE | re.DOTALL,
)


def serialise(term: Term) -> str:
    """A term as SPARQL syntax, refusing IRIs that could break out of ``<…>``.

    >>> serialise(URIRef("http://example.org/a"))
    '<http://example.org/a>'
    >>> serialise(Literal('say "hi"', lang="en"))
    '"say \\\\"hi\\\\""@en'
    """
    if isinstance(term, URIRef):
        if _UNSAFE_IRI.search(str(term)):
            raise BadRequest(f"Not an IRI that can be queried: {str(term)[:80]!r}")
        return f"<{term}>"
    if isinstance(term, Literal):
        if term.datatype is not None and _UNSAFE_IRI.search(str(term.datatype)):
            raise BadRequest(f"Not a datatype IRI that can be queried: {str(term.datatype)[:80]!r}")
        return term.n3()
    if isinstance(term, BNode):
        raise BadRequest("Blank nodes cannot be bound in a query.")
    raise TypeError(f"cannot bind {term!r}")


@lru_cache(maxsize=64)
def where_group(query: str) -> int | None:
    """The offset just inside the ``{`` that opens the query's WHERE group, or None if none
    (cached: a packaged query's text never changes, and pages bind one on every request).

    The WHERE keyword is optional (``ASK { … }``); a CONSTRUCT template is not the group; a
    group that holds only a sub-select is passed over for the sub-select's own WHERE group
    (VALUES cannot stand next to it). Comments, IRIs and strings are skipped.

    >>> query = "SELECT ?x # WHERE { in a comment\\nWHERE { ?x ?p ?o }"
    >>> query[where_group(query):]
    ' ?x ?p ?o }'
    """
    base = depth = parens = 0
    previous = ""
    found: int | None = None
    for match in _TOKENS.finditer(query):
        if match.lastgroup == "skip":
            continue
        word = match.group().upper()
        if found is not None:
            if word != "SELECT":
                return found
            base, found = depth, None  # a sub-select fills the group: look inside it
        elif word == "(":
            parens += 1
        elif word == ")":
            parens -= 1
        elif word == "}":
            depth -= 1
        elif word == "{":
            if depth == base and parens == 0 and previous != "CONSTRUCT":
                found = match.end()
            depth += 1
        previous = word
    return found


def bind_values(query: str, bindings: dict[str, Term]) -> str:
    """Bind ``bindings`` with a VALUES block at the start of the WHERE group (or add one).

    >>> print(bind_values("SELECT ?x WHERE { ?x ?p ?o }", {"o": URIRef("http://e/o")}))
    SELECT ?x WHERE { VALUES (?o) { (<http://e/o>) }  ?x ?p ?o }
    >>> print(bind_values("DESCRIBE ?x", {"x": URIRef("http://e/x")}))
    DESCRIBE ?x
    WHERE { VALUES (?x) { (<http://e/x>) } }

    :raises BadRequest: a value that cannot be written safely (see :func:`serialise`).
    :raises ValueError: a variable name that is not one.
    """
    if not bindings:
        return query
    for name in bindings:
        if not _NAME.match(name):
            raise ValueError(f"bad variable name {name!r}")
    names = " ".join(f"?{n}" for n in bindings)
    values = " ".join(serialise(v) for v in bindings.values())
    block = f"VALUES ({names}) {{ ({values}) }} "
    start = where_group(query)
    if start is None:  # DESCRIBE ?entity, with no WHERE clause
        return f"{query}\nWHERE {{ {block}}}"
    return query[:start] + " " + block + query[start:]


def value_token(term: Term | None) -> str:
    """One value of a ``VALUES`` row: ``UNDEF`` for None, else :func:`serialise`."""
    return "UNDEF" if term is None else serialise(term)


@lru_cache(maxsize=64)
def _empty_block(query: str, variables: tuple[str, ...]) -> tuple[int, int, str]:
    """Where the one empty ``VALUES`` block over exactly ``variables`` is (start, end, its
    variable list); cached, as a packaged query's text never changes."""
    blocks = [
        match
        for match in _EMPTY_BLOCK.finditer(query)
        if tuple(re.findall(r"\?(\w+)", match.group(1))) == variables
    ]
    if len(blocks) != 1:
        names = " ".join(f"?{v}" for v in variables)
        raise TwinningError(f"the query has {len(blocks)} empty VALUES blocks over {names}, not 1")
    return blocks[0].start(), blocks[0].end(), blocks[0].group(1)


def fill_values(
    query: str,
    variables: Sequence[str],
    rows: Iterable[Sequence[Term | None]],
    *,
    write: Callable[[Term | None], str] = value_token,
) -> str:
    """Fill the query's empty ``VALUES`` block over exactly ``variables`` with ``rows``, each value
    written by ``write`` (None is ``UNDEF``; callers with stricter rules pass their own).

    >>> print(fill_values("SELECT * WHERE { VALUES ?x {} }", ["x"], [[URIRef("http://e/a")]]))
    SELECT * WHERE { VALUES ?x {
      <http://e/a>
    } }

    :raises TwinningError: if the query has no such block (or more than one), or a row has the
        wrong length.
    :raises BadRequest: a value that cannot be written safely (see :func:`serialise`).
    """
    wanted = tuple(variables)
    start, end, declared = _empty_block(query, wanted)
    parenthesised = declared.startswith("(")
    lines = []
    for row in rows:
        if len(row) != len(wanted):
            raise TwinningError(f"a VALUES row has {len(row)} values for {len(wanted)} variables")
        tokens = " ".join(write(term) for term in row)
        lines.append(f"  ({tokens})" if parenthesised else f"  {tokens}")
    body = "\n".join(lines)
    return f"{query[:start]}VALUES {declared} {{\n{body}\n}}{query[end:]}"


@lru_cache(maxsize=64)
def _cut_at(query: str, name: str) -> tuple[str, ...]:
    """``query`` cut wherever the variable ``?name`` (or ``$name``) stands, outside comments,
    strings and IRIs: a packaged query is cut once, not on every page."""
    pieces, start = [], 0
    variable = rf"(?P<skip>{_SKIP})|[?$]{name}{_NAME_END}"
    for match in re.finditer(variable, query, re.DOTALL):
        if match.group("skip") is None:
            pieces.append(query[start : match.start()])
            start = match.end()
    pieces.append(query[start:])
    return tuple(pieces)


def inline_iris(query: str, bindings: dict[str, Term]) -> tuple[str, dict[str, Term]]:
    """Write each IRI of ``bindings`` in ``query`` wherever its ``?name`` (or ``$name``) stands.

    Returns the query and the bindings that are not IRIs, to be bound as before. Oxigraph plans a
    query's joins from the constants written in it; a term given as a substitution or in a
    ``VALUES`` block is bound only when the plan runs, so a pattern that starts from the entity is
    planned as a scan of the whole store (bench/README.md, "Profiling"), and a ``VALUES`` block
    outside a sub-select does not reach the variable inside it. Each IRI is serialised by
    :func:`serialise`, so it holds nothing that could end ``<…>`` early. Comments, strings and
    IRIs are left as they are. Only for CONSTRUCT and DESCRIBE queries, whose sub-selects do not
    project the variable: a SELECT may project it.

    >>> inline_iris("DESCRIBE ?x", {"x": URIRef("http://e/x"), "n": Literal("a")})
    ('DESCRIBE <http://e/x>', {'n': rdflib.term.Literal('a')})
    """
    rest: dict[str, Term] = {}
    for name, value in bindings.items():
        if not _NAME.match(name):
            raise ValueError(f"bad variable name {name!r}")
        if isinstance(value, URIRef):
            query = serialise(value).join(_cut_at(query, name))
        else:
            rest[name] = value
    return query, rest
