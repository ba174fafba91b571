"""The files linking writes: stable Turtle, atomic writes that leave nothing behind on failure."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from twinning_kg.linking.enrichment import ItemFacts
from twinning_kg.linking.records import enrichment_graph, render_turtle, write_atomically
from twinning_kg.vocabulary import WD


def test_turtle_is_the_same_bytes_whatever_the_insertion_order() -> None:
    facts = [
        ItemFacts(WD.Q36, labels=[Literal("Polska", lang="pl"), Literal("Poland", lang="en")]),
        ItemFacts(WD.Q183, labels=[Literal("Niemcy", lang="pl")], countries=[WD.Q183]),
    ]

    def render(order: list[ItemFacts]) -> str:
        graph = enrichment_graph(order, slug="x", day=date(2025, 1, 2), endpoint_url="http://e/")
        return render_turtle(graph, header="header")

    assert render(facts) == render(list(reversed(facts)))
    assert render(facts).startswith("# header\n")
    Graph().parse(data=render(facts), format="turtle")


def test_an_item_the_endpoint_does_not_know_is_left_out() -> None:
    graph = enrichment_graph([ItemFacts(WD.Q1)], slug="x", day=date(2025, 1, 2), endpoint_url="e")
    assert (WD.Q1, None, None) not in graph
    assert (
        URIRef("https://twinning.example.org/id/source/wikidata-enrichment-x"),
        None,
        None,
    ) in graph


def test_write_atomically_replaces_the_file_in_one_step(tmp_path: Path) -> None:
    target = tmp_path / "out.ttl"
    target.write_text("old", encoding="utf-8")
    write_atomically(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttl"]


def test_a_failure_while_writing_removes_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(_fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(tmp_path / "out.ttl", "text")
    assert list(tmp_path.iterdir()) == []
