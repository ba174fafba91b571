"""What the tests that compare our validation with pySHACL's share: a result's every field, and
the prefixes and parser of their small inline graphs."""

from __future__ import annotations

from typing import Final

from rdflib import Graph

from twinning_kg.validation import Violation

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
