"""What the tests that compare our validation with pySHACL's share: a result's every field, the
prefixes and parser of their small inline graphs, and seeded random damage to a graph."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Final

from rdflib import Graph, Literal
from rdflib.namespace import RDF, XSD

from twinning_kg.loading import load_dataset, union_graph
from twinning_kg.validation import Violation

ROOT: Final = Path(__file__).resolve().parents[1]

Key = tuple[object, ...]

PREFIXES: Final = """
@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


def key(result: Violation) -> Key:
    """Every field of a result that pySHACL's report gives."""
    return (
        result.focus_node,
        result.result_path,
        result.value,
        result.message,
        result.severity,
        result.source_shape,
        result.node_shape,
        result.constraint,
    )


def parse(text: str) -> Graph:
    """An inline Turtle graph."""
    return Graph().parse(data=text, format="turtle")


def damage(graph: Graph, rng: random.Random, count: int) -> None:
    """Remove, retarget, retag, retype and add triples at random."""
    triples = sorted(graph, key=str)
    objects = sorted({o for _, _, o in triples}, key=str)
    subjects = sorted({s for s, _, _ in triples}, key=str)
    classes = sorted({o for _, p, o in triples if p == RDF.type}, key=str)
    for _ in range(count):
        s, p, o = rng.choice(triples)
        kind = rng.randrange(7)
        if kind in (0, 1, 2, 3):
            graph.remove((s, p, o))
        if kind == 1:
            graph.add((s, p, rng.choice(objects)))
        elif kind == 2:
            tag = rng.choice(["pl", "en", "de", "EN", "pl-PL"])
            graph.add((s, p, Literal(str(o), lang=tag)))
        elif kind == 3:
            datatype = rng.choice([XSD.date, XSD.gYear, XSD.string, XSD.decimal, XSD.integer, None])
            graph.add((s, p, Literal(str(o) + rng.choice(["", "x", "-13"]), datatype=datatype)))
        elif kind == 4:
            graph.add((s, p, rng.choice(objects)))
        elif kind == 5:
            graph.add((rng.choice(subjects), p, o))
        elif kind == 6:
            graph.add((s, RDF.type, rng.choice(classes)))


def read_all(*paths: Path) -> Graph:
    """Every RDF file under ``paths`` in one graph."""
    return union_graph(load_dataset(list(paths)))


def damaged_siedlce(seed: int, count: int = 80) -> Graph:
    """The Siedlce data (``data/``) with ``count`` reproducible random changes (:func:`damage`)."""
    damaged = read_all(ROOT / "data")
    damage(damaged, random.Random(seed), count)  # noqa: S311  # reproducible damage
    return damaged
