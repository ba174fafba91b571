"""Binding values into query text for a remote store: nothing escapes its term, and the VALUES
block lands where the packaged queries need it (checked by running the queries on pyoxigraph)."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from tests.conftest import ROOT
from twinning_kg import queries
from twinning_kg.errors import BadRequest, TwinningError
from twinning_kg.loading import discover, graph_iri
from twinning_kg.sparql.binding import (
    bind_values,
    fill_values,
    inline_iris,
    serialise,
    where_group,
)
from twinning_kg.store.oxigraph import to_oxigraph, to_rdflib
from twinning_kg.vocabulary import Term

SIEDLCE = URIRef("https://twinning.example.org/id/municipality/siedlce")
EMPTY = ox.Store()


def bound_value(term: Term) -> Term | None:
    """Bind ``term`` to ?v in a query that selects ?v, run it on pyoxigraph, return ?v."""
    solutions = EMPTY.query(bind_values("SELECT ?v WHERE { }", {"v": term}))
    assert isinstance(solutions, ox.QuerySolutions)
    rows = list(solutions)
    assert len(rows) == 1
    assert [v.value for v in solutions.variables] == ["v"]
    value = rows[0]["v"]
    return None if value is None else to_rdflib(value)


# --- terms --------------------------------------------------------------------------------------


def test_an_iri_is_written_in_angle_brackets() -> None:
    assert serialise(URIRef("http://example.org/a#b")) == "<http://example.org/a#b>"
    assert bound_value(URIRef("http://example.org/a#b")) == URIRef("http://example.org/a#b")


@pytest.mark.parametrize(
    "iri",
    [
        "http://x> } ; DROP ALL ; <",
        "http://x>",
        "http://x/ a",
        "http://x/\na",
        'http://x/"',
        "http://x/{}",
        "http://x/|",
        "http://x/^",
        "http://x/`",
        "http://x/\\u003E",
        "http://x/\\",
        "http://x/\x00",
        "<http://x>",
    ],
)
def test_an_iri_that_could_break_out_is_refused(iri: str) -> None:
    with pytest.raises(BadRequest, match="Not an IRI"):
        serialise(URIRef(iri))
    with pytest.raises(BadRequest):
        bind_values("SELECT ?v WHERE { }", {"v": URIRef(iri)})
    with pytest.raises(BadRequest):
        rows = [[URIRef("http://x/fine")], [URIRef(iri)]]
        fill_values("SELECT ?v WHERE { VALUES ?v {} }", ["v"], rows)


@pytest.mark.parametrize(
    "text",
    [
        'say "hi"',
        "line one\nline two",
        "carriage\rreturn",
        "back\\slash",
        "ends with a backslash\\",
        'ends with a quote"',
        '""" triple quotes """',
        '" } ; DROP ALL ; SELECT * { "',
        '"\n} ; DROP ALL ; #',
        "tab\tand \x00 NUL, \x0c form feed, \x7f",
        "'single' '''quotes'''",
        "unicode: Berdyczów, Łódź, 漢字, \u2028, 🎉",
        "\\u0022 not an escape",
        "",
    ],
)
def test_a_literal_arrives_exactly_as_it_was(text: str) -> None:
    for literal in (Literal(text), Literal(text, lang="pl"), Literal(text, datatype=XSD.token)):
        assert bound_value(literal) == literal


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(st.characters(exclude_categories=["Cs"])),
    kind=st.sampled_from(["plain", "en", "pl-PL", str(XSD.token), "http://example.org/t#x"]),
)
def test_any_text_arrives_exactly_as_it_was(text: str, kind: str) -> None:
    if kind == "plain":
        literal = Literal(text)
    elif kind.startswith("http"):
        literal = Literal(text, datatype=URIRef(kind))
    else:
        literal = Literal(text, lang=kind)
    assert bound_value(literal) == literal


def test_typed_values_keep_their_type() -> None:
    for literal in (Literal(3), Literal("2005-06-14", datatype=XSD.date), Literal(True)):
        assert bound_value(literal) == literal


def test_a_datatype_that_could_break_out_is_refused() -> None:
    literal = Literal("1", datatype=URIRef("http://x> . } DROP ALL ; SELECT * { <"))
    with pytest.raises(BadRequest, match="datatype"):
        serialise(literal)


def test_a_language_tag_that_could_break_out_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="language tag"):
        Literal("x", lang="en } DROP ALL ; #")


def test_blank_nodes_are_refused() -> None:
    with pytest.raises(BadRequest, match="Blank nodes"):
        serialise(BNode())


@pytest.mark.parametrize("name", ["", "1x", "x y", "x) } DROP ALL ; #", "?x", "x-y"])
def test_a_bad_variable_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="bad variable name"):
        bind_values("SELECT * WHERE { }", {name: Literal("v")})


def test_each_row_fills_the_declared_block() -> None:
    iris = [URIRef("http://example.org/a"), URIRef("http://example.org/b#c")]
    query = "SELECT ?v WHERE { VALUES ?v {} FILTER(?v != <http://x>) }"
    solutions = EMPTY.query(fill_values(query, ["v"], [[iri] for iri in iris]))
    assert isinstance(solutions, ox.QuerySolutions)
    assert [to_rdflib(row["v"]) for row in solutions] == iris


def test_the_summaries_query_answers_for_the_resources_it_is_filled_with(
    repository: ox.Store,
) -> None:
    def triples(text: str) -> set[tuple[object, object, object]]:
        answer = answers(repository.query(text, use_default_graph_as_union=True))
        assert isinstance(answer, Graph)
        return set(answer)

    text = queries.load("describe_summaries")
    assert triples(text) == set()  # the block unfilled
    dasing = URIRef("https://twinning.example.org/id/municipality/dasing")
    both = triples(fill_values(text, ["neighbour"], [[SIEDLCE], [dasing]]))
    assert {s for s, _p, _o in both} == {SIEDLCE, dasing}
    alone = triples(fill_values(text, ["neighbour"], [[SIEDLCE]]))
    assert alone and alone == {t for t in both if t[0] == SIEDLCE}


def test_rows_of_several_values_and_undef() -> None:
    query = "SELECT ?a ?b WHERE { VALUES (?a ?b) {} }"
    rows: list[list[Term | None]] = [
        [URIRef("http://e/a"), Literal("x", lang="pl")],
        [URIRef("http://e/b"), None],
    ]
    solutions = EMPTY.query(fill_values(query, ["a", "b"], rows))
    assert isinstance(solutions, ox.QuerySolutions)
    got = [(to_rdflib(row["a"]), row["b"] and to_rdflib(row["b"])) for row in solutions]
    assert got == [(URIRef("http://e/a"), Literal("x", lang="pl")), (URIRef("http://e/b"), None)]


def test_the_declared_block_must_be_there_once_and_rows_fit_it() -> None:
    with pytest.raises(TwinningError, match=r"0 empty VALUES blocks over \?v"):
        fill_values("SELECT ?v WHERE { ?v ?p ?o }", ["v"], [[URIRef("http://x/a")]])
    with pytest.raises(TwinningError, match="0 empty VALUES blocks"):
        fill_values("SELECT * WHERE { VALUES ?w {} }", ["v"], [[URIRef("http://x/a")]])
    with pytest.raises(TwinningError, match="2 empty VALUES blocks"):
        fill_values("SELECT * { { VALUES ?v {} } UNION { VALUES ?v {} } }", ["v"], [])
    with pytest.raises(TwinningError, match="2 values for 1 variables"):
        fill_values("SELECT * WHERE { VALUES ?v {} }", ["v"], [[URIRef("http://x/a"), None]])


def test_no_bindings_leave_the_query_alone() -> None:
    query = "SELECT * WHERE { ?s ?p ?o } # as it was"
    assert bind_values(query, {}) == query


# --- where the VALUES block goes ----------------------------------------------------------------

VALUES = 'VALUES (?o) { ("v") }'


def bound(query: str) -> str:
    return bind_values(query, {"o": Literal("v")})


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "SELECT ?s WHERE { ?s ?p ?o }",
            f"SELECT ?s WHERE {{ {VALUES}  ?s ?p ?o }}",
        ),
        (
            "select ?s where{?s ?p ?o}",
            f"select ?s where{{ {VALUES} ?s ?p ?o}}",
        ),
        (  # the first WHERE group, not the sub-select's nested in it
            "SELECT ?s WHERE { ?s ?p ?o { SELECT ?o WHERE { ?x ?q ?o } } }",
            f"SELECT ?s WHERE {{ {VALUES}  ?s ?p ?o {{ SELECT ?o WHERE {{ ?x ?q ?o }} }} }}",
        ),
        (  # WHERE is optional
            "ASK { ?s ?p ?o }",
            f"ASK {{ {VALUES}  ?s ?p ?o }}",
        ),
        (
            "SELECT * { ?s ?p ?o }",
            f"SELECT * {{ {VALUES}  ?s ?p ?o }}",
        ),
        (  # not the CONSTRUCT template
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {VALUES}  ?s ?p ?o }}",
        ),
        (
            "CONSTRUCT { ?s ?p ?o } { ?s ?p ?o }",
            f"CONSTRUCT {{ ?s ?p ?o }} {{ {VALUES}  ?s ?p ?o }}",
        ),
        (  # comments, IRIs and strings that look like a WHERE group are not one
            "# WHERE { in a comment\n"
            "PREFIX ex: <http://example.org/#where> # WHERE {\n"
            "SELECT ?s (CONCAT(\"WHERE {\", ?x) AS ?y) ('{' AS ?z) WHERE { ?s ?p ?o }",
            "# WHERE { in a comment\n"
            "PREFIX ex: <http://example.org/#where> # WHERE {\n"
            "SELECT ?s (CONCAT(\"WHERE {\", ?x) AS ?y) ('{' AS ?z) WHERE { "
            f"{VALUES}  ?s ?p ?o }}",
        ),
        (  # a variable named like the keyword
            "SELECT ?where WHERE { ?where ?p ?o }",
            f"SELECT ?where WHERE {{ {VALUES}  ?where ?p ?o }}",
        ),
        (  # a group that only holds a sub-select: VALUES cannot stand beside it
            "SELECT ?n WHERE { SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } }",
            f"SELECT ?n WHERE {{ SELECT (COUNT(*) AS ?n) WHERE {{ {VALUES}  ?s ?p ?o }} }}",
        ),
    ],
)
def test_values_land_at_the_start_of_the_where_group(query: str, expected: str) -> None:
    assert bound(query) == expected
    EMPTY.query(bound(query))  # and pyoxigraph parses it


def test_describe_without_where_gets_one() -> None:
    assert bound("DESCRIBE ?o") == f"DESCRIBE ?o\nWHERE {{ {VALUES} }}"
    assert where_group("DESCRIBE <http://example.org/a>") is None


def test_a_trailing_comment_does_not_swallow_the_added_where() -> None:
    query = bound("DESCRIBE ?o # no WHERE clause")
    assert query.endswith(f"\nWHERE {{ {VALUES} }}")
    EMPTY.query(query)


# --- the packaged queries, bound as for a remote store, answer as pyoxigraph binds them --------

SAMPLES: dict[str, Term] = {
    "entity": SIEDLCE,
    "graph": URIRef("https://twinning.example.org/graph/data/siedlce/partnership-dasing"),
    "space": Literal("https://twinning.example.org/id/"),
    "target": Literal("http://www.wikidata.org/entity/"),
    "graphs": Literal(""),  # every graph: the ontology declares the publication dates
    "town": SIEDLCE,
    "place": SIEDLCE,
}


def bound_variables(name: str) -> list[str]:
    """The variables a packaged query's header says are bound."""
    header = re.search(r"^# Bound variables: (.*)$", queries.load(name), re.MULTILINE)
    if header is None or header.group(1).startswith("none"):
        return []
    return re.findall(r"\?(\w+)", header.group(1))


BOUND_QUERIES = [name for name in queries.names() if bound_variables(name)]


@pytest.fixture(scope="module")
def repository() -> ox.Store:
    """The repository's files in a pyoxigraph store, a named graph each."""
    store = ox.Store()
    paths = [ROOT / "ontology", ROOT / "data", ROOT / "shapes"]
    for path in discover(paths):
        name = ox.NamedNode(str(graph_iri(path, root=ROOT)))
        store.load(path=path, format=ox.RdfFormat.TURTLE, to_graph=name)
    return store


def answers(result: object) -> object:
    """A query result in a form that compares: solutions as a sorted list, triples as a graph."""
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows = [tuple(str(row[n]) for n in names) for row in result]
        return names, sorted(rows)
    assert isinstance(result, ox.QueryTriples)
    graph = Graph()
    for triple in result:
        graph.add(
            (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object))
        )
    return graph


def test_some_packaged_queries_are_bound() -> None:
    assert {"describe_entity", "describe_context", "describe_graph"} <= set(BOUND_QUERIES)


def is_graph_query(text: str) -> bool:
    """A CONSTRUCT or DESCRIBE (whose IRIs both stores write in place), not a SELECT or ASK."""
    body = re.sub(r"#[^\n]*", "", text)
    return re.search(r"^\s*(CONSTRUCT|DESCRIBE)\b", body, re.MULTILINE | re.IGNORECASE) is not None


@pytest.mark.parametrize("name", BOUND_QUERIES)
def test_a_bound_packaged_query_answers_the_same_in_both_stores(
    repository: ox.Store, name: str
) -> None:
    """As the remote store sends it (text only) and as the embedded store runs it."""
    variables = bound_variables(name)
    missing = [v for v in variables if v not in SAMPLES]
    assert not missing, f"add a sample value for {missing} to SAMPLES"
    bindings = {v: SAMPLES[v] for v in variables}
    text = queries.load(name)
    if is_graph_query(text):  # both stores write the IRIs in place, the rest as before
        text, bindings = inline_iris(text, bindings)
    embedded = repository.query(
        text,
        substitutions={ox.Variable(k): to_oxigraph(v) for k, v in bindings.items()},
        use_default_graph_as_union=True,
    )
    remote = repository.query(bind_values(text, bindings), use_default_graph_as_union=True)
    expected, got = answers(embedded), answers(remote)
    if isinstance(expected, Graph):
        assert isinstance(got, Graph)
        assert len(expected) > 0
        assert isomorphic(got, expected)
    else:
        assert got == expected
        assert expected[1], "the sample values should find something"  # type: ignore[index]


GRAPH_QUERIES = [name for name in BOUND_QUERIES if is_graph_query(queries.load(name))]


def test_the_entity_pages_queries_are_graph_queries() -> None:
    pages = {"describe_entity", "describe_context", "describe_graph", "describe_links"}
    assert pages <= set(GRAPH_QUERIES)  # describe_summaries is filled (fill_values), not bound


@pytest.mark.parametrize("name", GRAPH_QUERIES)
def test_a_graph_query_answers_about_its_iri_only(repository: ox.Store, name: str) -> None:
    """Written in place, the IRI reaches every part of the query, sub-selects included: no
    bound variable is left, and the answer holds nothing the IRI does not lead to."""
    bindings = {v: SAMPLES[v] for v in bound_variables(name)}
    text, rest = inline_iris(queries.load(name), bindings)
    assert not rest
    code = re.sub(r"#[^\n]*", "", text)
    assert not [v for v in bindings if re.search(rf"[?$]{v}\b", code)]
    answer = answers(repository.query(text, use_default_graph_as_union=True))
    assert isinstance(answer, Graph) and len(answer) > 0
    if "graph" in bindings:
        graph = ox.NamedNode(bindings["graph"])
        held = {
            (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
            for q in repository.quads_for_pattern(None, None, None, graph)
        }
        assert set(answer) == held
        return
    if "neighbour" in bindings:  # a summary: triples about the resource only
        assert set(answer.subjects()) == {bindings["neighbour"]}
        return
    entity = ox.NamedNode(bindings["entity"])
    links = [
        *repository.quads_for_pattern(entity, None, None),
        *repository.quads_for_pattern(None, None, entity),
    ]
    reach = {to_rdflib(term) for q in links for term in (q.subject, q.predicate, q.object)}
    assert {s for s in answer.subjects() if not isinstance(s, BNode)} <= reach


def test_a_bound_value_does_not_reach_into_a_sub_select_but_a_written_iri_does(
    repository: ox.Store,
) -> None:
    """Why graph queries are bound by writing the IRI in place (describe_context's neighbours)."""
    query = (
        "CONSTRUCT { ?n a ?type } WHERE { { SELECT DISTINCT ?n WHERE { ?e ?p ?n } } ?n a ?type }"
    )
    bound: dict[str, Term] = {"e": SIEDLCE}
    written = repository.query(inline_iris(query, bound)[0], use_default_graph_as_union=True)
    valued = repository.query(bind_values(query, bound), use_default_graph_as_union=True)
    neighbours = {
        to_rdflib(q.object)
        for q in repository.quads_for_pattern(ox.NamedNode(SIEDLCE), None, None)
        if isinstance(q.object, ox.NamedNode)
    }
    assert isinstance(written, ox.QueryTriples) and isinstance(valued, ox.QueryTriples)
    typed = {to_rdflib(t.subject) for t in written}
    assert typed and typed <= neighbours
    assert not {to_rdflib(t.subject) for t in valued} <= neighbours


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("DESCRIBE ?e", "DESCRIBE <http://example.org/e>"),
        ("DESCRIBE $e", "DESCRIBE <http://example.org/e>"),
        (
            "CONSTRUCT { ?e ?p ?e2 } WHERE { ?e ?p ?e2 }",
            "CONSTRUCT { <http://example.org/e> ?p ?e2 } WHERE { <http://example.org/e> ?p ?e2 }",
        ),
        (
            "CONSTRUCT { ?e\u00b7 ?p ?o } WHERE { ?e\u00b7 ?p ?o }",
            "CONSTRUCT { ?e\u00b7 ?p ?o } WHERE { ?e\u00b7 ?p ?o }",
        ),
        ("DESCRIBE ?e\u200d ?e\u30fc", "DESCRIBE ?e\u200d ?e\u30fc"),  # other variables
        (
            'CONSTRUCT { ?e ?p "?e" } WHERE { ?e ?p <http://x/?e> # ?e\n}',
            'CONSTRUCT { <http://example.org/e> ?p "?e" } WHERE { <http://example.org/e> ?p '
            "<http://x/?e> # ?e\n}",
        ),
    ],
)
def test_an_iri_is_written_wherever_its_variable_stands(query: str, expected: str) -> None:
    assert inline_iris(query, {"e": URIRef("http://example.org/e")}) == (expected, {})


def test_an_iri_written_in_place_is_checked_like_any_bound_one() -> None:
    with pytest.raises(BadRequest, match="Not an IRI"):
        inline_iris("DESCRIBE ?e", {"e": URIRef("http://x> } ; DROP ALL ; <")})
    with pytest.raises(ValueError, match="bad variable name"):
        inline_iris("DESCRIBE ?e", {"e)": URIRef("http://example.org/e")})
