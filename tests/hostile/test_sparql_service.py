"""``SERVICE`` in any spelling is refused (400) before anything runs, and a socket listening where
it points records no connection; an allow-listed SERVICE does reach it (the trap works).

Both pyoxigraph and rdflib execute ``SERVICE <http://…>`` (outbound requests, results returned to
the caller), so the guard must read the query as the engine reads it: codepoint escapes, comments,
escaped characters in prefixed names, keywords run together with what follows them.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Final

import httpx
import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.hostile._listeners import DIRECT, REFUSAL_S, Trap
from twinning_kg.errors import TwinningError
from twinning_kg.sparql.guard import Limits, check_query

pytestmark = pytest.mark.live

SERVICE_SPELLINGS: Final[dict[str, Callable[[str], str]]] = {
    "plain": lambda url: f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "lower-case": lambda url: f"select * where {{ service <{url}> {{ ?s ?p ?o }} }}",
    "mixed-case": lambda url: f"SELECT * WHERE {{ SeRvIcE <{url}> {{ ?s ?p ?o }} }}",
    "u-escape": lambda url: f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "u-escape-inside": lambda url: (
        f"SELECT * WHERE {{ SER\\u0056\\u0049CE <{url}> {{ ?s ?p ?o }} }}"
    ),
    "big-u-escape": lambda url: f"SELECT * WHERE {{ \\U00000053ervice <{url}> {{ ?s ?p ?o }} }}",
    "escaped-iri": lambda url: (
        "SELECT * WHERE { SERVICE <" + url.replace("h", "\\u0068", 1) + "> { ?s ?p ?o } }"
    ),
    "comment-between": lambda url: f"SELECT * WHERE {{ SERVICE # no\n <{url}> {{ ?s ?p ?o }} }}",
    "comment-no-space": lambda url: f"SELECT * WHERE {{ SERVICE#x\n<{url}>#y\n{{ ?s ?p ?o }} }}",
    "no-space": lambda url: f"SELECT * WHERE {{ SERVICE<{url}>{{ ?s ?p ?o }} }}",
    "tabs-and-newlines": lambda url: (
        f"SELECT * WHERE {{\r\n\tSERVICE\r\n\t<{url}>\t{{ ?s ?p ?o }} }}"
    ),
    "silent": lambda url: f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "silent-comments": lambda url: (
        f"SELECT * WHERE {{ SERVICE#a\n\tsilent #b\n<{url}> {{ ?s ?p ?o }} }}"
    ),
    "prefixed-name": lambda url: (
        f"PREFIX trap: <{url.rsplit('/', 1)[0]}/> "
        "SELECT * WHERE { SERVICE trap:sparql { ?s ?p ?o } }"
    ),
    # The engine reads SERVICE:sparql as SERVICE and the name :sparql (empty prefix).
    "keyword-glued-to-name": lambda url: (
        f"PREFIX : <{url.rsplit('/', 1)[0]}/> SELECT * WHERE {{ SERVICE:sparql {{ ?s ?p ?o }} }}"
    ),
    "silent-glued-to-name": lambda url: (
        f"PREFIX : <{url.rsplit('/', 1)[0]}/> "
        "SELECT * WHERE { SERVICE SILENT:sparql { ?s ?p ?o } }"
    ),
    "keyword-glued-to-prefixed-name": lambda url: (
        f"PREFIX trap: <{url.rsplit('/', 1)[0]}/> "
        "SELECT * WHERE { VALUES ?x { 1 } SERVICEtrap:sparql { ?s ?p ?o } }"
    ),
    "keyword-glued-to-silent": lambda url: (
        f"SELECT * WHERE {{ VALUES ?x {{ 1 }} SERVICESILENT<{url}> {{ ?s ?p ?o }} }}"
    ),
    # ``ex:.SERVICE``: the name ex: (empty local part), the dot, then SERVICE.
    "after-empty-name-dot": lambda url: (
        "PREFIX ex: <http://example.org/> "
        f"SELECT * WHERE {{ ?s ?p ex:.SERVICE <{url}> {{ ?a ?b ?c }} }}"
    ),
    # ``true.SERVICE``: the boolean, the dot ending the triple, then SERVICE.
    "after-true-dot": lambda url: f"SELECT * WHERE {{ ?s ?p true.SERVICE <{url}> {{ ?a ?b ?c }} }}",
    "after-false-dot-glued": lambda url: (
        f"PREFIX : <{url.rsplit('/', 1)[0]}/> "
        "SELECT * WHERE { VALUES ?x { false } ?x ?p false.SERVICE:sparql { ?a ?b ?c } }"
    ),
    # ``\\#`` and ``\\'`` are characters of a prefixed name, not a comment or a string.
    "escaped-hash-in-name": lambda url: (
        "PREFIX ex: <http://example.org/> "
        f"SELECT * WHERE {{ VALUES ?x {{ ex:a\\#b }} SERVICE <{url}> {{ ?a ?b ?c }} }}"
    ),
    "escaped-quotes-in-names": lambda url: (
        "PREFIX ex: <http://example.org/> SELECT * WHERE { VALUES ?x { ex:a\\' } "
        f"SERVICE <{url}> {{ ?a ?b ?c }} VALUES ?y {{ ex:b\\' }} }}"
    ),
    "variable": lambda url: (
        f"SELECT * WHERE {{ VALUES ?endpoint {{ <{url}> }} SERVICE ?endpoint {{ ?s ?p ?o }} }}"
    ),
    "in-subquery": lambda url: (
        f"SELECT ?s WHERE {{ {{ SELECT ?s WHERE {{ OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}"
        " } }"
    ),
    "in-exists": lambda url: f"ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "construct": lambda url: f"CONSTRUCT WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "describe": lambda url: f"DESCRIBE ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "ask": lambda url: f"ASK {{ SERVICE SILENT <{url}> {{ }} }}",
    "relative-iri": lambda _url: "SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
    # ``:`` is a whole prefixed name (a local part never starts with a dot), then ``.`` ends the
    # triple: the engine reads SERVICE next.
    "after-a-default-prefix-name": lambda url: (
        "PREFIX : <http://www.w3.org/2002/07/owl#Class> "
        f"SELECT * WHERE {{ ?s a :.SERVICE <{url}> {{ ?a ?b ?c }} }}"
    ),
    "after-a-variable-and-a-default-prefix-name": lambda url: (
        f"PREFIX : <http://example.org/> SELECT * WHERE {{ ?s ?x:.SERVICE <{url}> {{ ?a ?b ?c }} }}"
    ),
    # Two dots inside a local part, then an escaped "#": one name to the engine.
    "after-a-name-with-two-dots": lambda url: (
        "PREFIX : <http://example.org/> "
        f"SELECT * WHERE {{ VALUES ?x {{ :a..\\# }} SERVICE <{url}> {{ ?s ?p ?o }} }}"
    ),
    "after-a-comment-ended-by-a-carriage-return": lambda url: (
        f"SELECT * WHERE {{ # a comment\rSERVICE <{url}> {{ ?s ?p ?o }} }}"
    ),
    # Oxigraph undoes \u escapes inside a string only, so \u005C (a backslash) or \u0027 (an
    # apostrophe) there never ends or opens one; undone first, they would hide what follows.
    "after-an-escaped-backslash-in-a-string": lambda url: (
        f'SELECT * WHERE {{ BIND("a\\u005C" AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }} # "'
    ),
    "after-an-escaped-apostrophe-in-a-string": lambda url: (
        f"SELECT * WHERE {{ BIND('\\u0027' AS ?z) SERVICE <{url}> {{ ?s ?p ?o }} }} # '''"
    ),
    # "<" as less-than, not the start of an IRI, then an apostrophe that opens a string.
    "after-less-than-and-an-apostrophe": lambda url: (
        f"SELECT * WHERE {{ BIND(1<2+'>' AS ?z) SERVICE <{url}> {{ ?s ?p ?o }} }} # '"
    ),
}


def send(http: httpx.Client, query: str, method: str) -> httpx.Response:
    if method == "GET":
        return http.get("/sparql", params={"query": query})
    if method == "POST-form":
        return http.post("/sparql", data={"query": query})
    return http.post("/sparql", content=query.encode(), headers={"Content-Type": DIRECT})


@pytest.mark.parametrize("spelling", list(SERVICE_SPELLINGS))
def test_service_is_refused_before_execution(
    sparql_http: httpx.Client, trap: Trap, spelling: str
) -> None:
    """Sent as GET, form POST and direct POST: 400 each time, and the trap sees nothing."""
    query = SERVICE_SPELLINGS[spelling](trap.url())
    seen = len(trap.connections)
    for method in ("GET", "POST-form", "POST-direct"):
        started = time.monotonic()
        response = send(sparql_http, query, method)
        assert response.status_code == 400, (method, response.text)
        assert "SERVICE" in response.text
        assert time.monotonic() - started < REFUSAL_S
    trap.assert_untouched_since(seen)


def test_an_allow_listed_service_reaches_the_trap(sparql_http: httpx.Client, trap: Trap) -> None:
    """The control: the same server does connect where it is allowed to, so the trap works."""
    seen = len(trap.connections)
    query = f"SELECT * WHERE {{ SERVICE SILENT <{trap.url('allowed')}> {{ ?s ?p ?o }} }}"
    response = sparql_http.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    deadline = time.monotonic() + 5
    while len(trap.connections) == seen and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(b"/allowed" in request for request in trap.connections[seen:])


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX ex: <http://example.org/> ASK { ex:service ex:SERVICE 'SERVICE <http://x/>' }",
        "ASK { ?service ?p ?o } # SERVICE <http://127.0.0.1:9/>",
        'ASK { ?s ?p "SERVICE <http://127.0.0.1:9/> { }" }',
        "PREFIX ex: <http://example.org/> ASK { ex:a\\#SERVICE ?p ?o }",
    ],
    ids=["names", "variable-and-comment", "string", "escaped-hash-then-word"],
)
def test_the_word_service_as_data_is_not_refused(sparql_http: httpx.Client, query: str) -> None:
    """Names, variables, strings and comments spelt SERVICE are not the keyword."""
    response = sparql_http.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["boolean"], bool)


# --- the guard against the engine, on generated spellings -------------------------------------

#: Pieces glued (without spaces) into the object of a triple and what follows it: the keyword,
#: names, literals, escapes and comments, so that keywords run into names as engines allow.
_PIECES: Final = [
    "SERVICE",
    "service",
    "\\u0053ERVICE",
    "SILENT",
    "ex:",
    "ex:a",
    ":",
    "_:b",
    "true",
    "false",
    "a",
    "1",
    "?x",
    '"s"',
    '"s"@en',
    "<http://example.org/o>",
    ".",
    ";",
    ",",
    "-",
    "\\#",
    "\\'",
    "\\.",
    "#c\n",
    " ",
    "\n",
    "(",
    ")",
]
#: What may end the spelling: the trap as an IRI, or as a name (``:`` and ``ex:`` are the trap).
_TAILS: Final = [" <{trap}>", "<{trap}>", ":sparql", "ex:sparql", " :sparql", ""]


@pytest.fixture(scope="module")
def engine() -> ox.Store:
    """pyoxigraph, as the workers run it, over one triple (so that joins are not empty)."""
    store = ox.Store()
    node = ox.NamedNode("http://example.org/o")
    store.add(ox.Quad(node, node, node, ox.DefaultGraph()))
    return store


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=5),
    st.sampled_from(_TAILS),
)
@example(["true", ".", "SERVICE"], " <{trap}>")
@example(["false", ".", "SERVICE"], ":sparql")
@example(["ex:a", "\\#", " SERVICE"], " <{trap}>")
@example(["<http://example.org/o>", "SERVICE"], ":sparql")
@example(["<http://example.org/o>", "SERVICE"], "ex:sparql")
@example(["<http://example.org/o>", "SERVICE", "SILENT"], "<{trap}>")
@example(["ex:", ".", "SERVICE"], ":sparql")
def test_whatever_the_engine_would_call_the_guard_refuses(
    engine: ox.Store, trap: Trap, pieces: list[str], tail: str
) -> None:
    """Any spelling the guard lets through makes pyoxigraph connect nowhere (the examples are
    spellings the guard once let through)."""
    url = trap.url("")
    query = (
        f"PREFIX ex: <{url}> PREFIX : <{url}> SELECT * WHERE {{ VALUES ?x {{ 1 }} ?s ?p ?o . ?s ?p "
        + "".join(pieces)
        + tail.format(trap=trap.url())
        + " { ?a ?b ?c } }"
    )
    try:
        check_query(query, Limits())
    except TwinningError:
        return  # refused: nothing runs
    seen = len(trap.connections)
    with contextlib.suppress(SyntaxError, OSError, ValueError):
        list(engine.query(query, use_default_graph_as_union=True))  # type: ignore[arg-type]
    assert trap.connections[seen:] == [], f"the guard let through: {query!r}"
