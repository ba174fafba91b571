"""Values reach the Wikidata queries only through checked VALUES rows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.query import ResultRow

from twinning_kg import queries
from twinning_kg.errors import TwinningError
from twinning_kg.linking.values import bind_values, iri_token, literal_token

WD_Q36 = URIRef("http://www.wikidata.org/entity/Q36")
NAMES_QUERY = "SELECT ?place ?name WHERE { VALUES (?place ?name) {} }"


def select(query: str) -> list[ResultRow]:
    """The rows of a SELECT query over an empty graph."""
    rows = []
    for row in Graph().query(query):
        assert isinstance(row, ResultRow)
        rows.append(row)
    return rows


def test_bind_values_fills_the_empty_block_with_one_row_per_tuple() -> None:
    bound = bind_values(
        NAMES_QUERY, ["place", "name"], [(WD_Q36, Literal("Polska", lang="pl")), (WD_Q36, None)]
    )
    rows = select(bound)
    assert [(r[0], r[1]) for r in rows] == [(WD_Q36, Literal("Polska", lang="pl")), (WD_Q36, None)]


def test_bind_values_on_a_single_variable_block() -> None:
    bound = bind_values("SELECT ?item WHERE { VALUES ?item {} }", ["item"], [(WD_Q36,)])
    assert [r[0] for r in select(bound)] == [WD_Q36]


def test_every_wikidata_query_has_exactly_the_block_its_caller_fills() -> None:
    blocks = {
        "find_wikidata_candidates": ["place", "name"],
        "fetch_wikidata_labels": ["item", "lang"],
        "fetch_wikidata_facts": ["item"],
        "list_wikidata_twins": ["town"],
    }
    for name, variables in blocks.items():
        row = [WD_Q36 if v != "name" and v != "lang" else Literal("x") for v in variables]
        prepareQuery(bind_values(queries.load(name), variables, [row]))


@pytest.mark.parametrize(
    "iri",
    [
        "http://x.org/> } DELETE WHERE { ?s ?p ?o",
        "http://x.org/a b",
        'http://x.org/"',
        "javascript:alert(1)",
        "urn:x",
        "http://x.org/\\u003E",
        "",
    ],
)
def test_iri_token_refuses_what_could_break_out_of_the_iri(iri: str) -> None:
    with pytest.raises(TwinningError, match="refusing"):
        iri_token(iri)


@pytest.mark.parametrize(
    "literal",
    [
        Literal('x\\" } } DROP ALL #'),
        Literal("a\\u0022b"),
        Literal("line\nbreak"),
        Literal("tab\there"),
        Literal("x", datatype=URIRef("http://x.org/> DROP")),
    ],
)
def test_literal_token_refuses_backslashes_controls_and_bad_datatypes(literal: Literal) -> None:
    with pytest.raises(TwinningError, match="refusing"):
        literal_token(literal)


def test_a_wrong_or_missing_block_is_refused() -> None:
    with pytest.raises(TwinningError, match="0 empty VALUES blocks"):
        bind_values(NAMES_QUERY, ["name"], [])
    with pytest.raises(TwinningError, match="2 values for 1 variables"):
        bind_values("SELECT * WHERE { VALUES ?x {} }", ["x"], [(WD_Q36, WD_Q36)])


SAFE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\\"),
    max_size=40,
)


@given(text=SAFE_TEXT, lang=st.sampled_from(["pl", "en", "be-tarask", "zh-Hant"]))
def test_any_safe_name_comes_back_exactly_as_it_went_in(text: str, lang: str) -> None:
    """Quotes, braces, '#', 'DROP ALL' in a name stay text: the query keeps its shape."""
    name = Literal(text, lang=lang)
    bound = bind_values(NAMES_QUERY, ["place", "name"], [(WD_Q36, name)])
    rows = select(bound)
    assert len(rows) == 1
    assert rows[0][1] == name
