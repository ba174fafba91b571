"""Every packaged .rq file parses."""

from __future__ import annotations

import pytest
from rdflib.plugins.sparql import prepareQuery

from twinning_kg import queries


@pytest.mark.parametrize("name", queries.names())
def test_query_parses(name: str) -> None:
    text = queries.load(name)
    assert text.lstrip().startswith("#"), "every query opens with a comment saying what it does"
    prepareQuery(text)


def test_there_are_queries() -> None:
    assert "count_classes" in queries.names()
