"""The SHACL shapes against the real data and against the fixtures.

* The real data (every ``.ttl`` in ``ontology/`` and ``data/``) has no result of severity
  sh:Violation (warnings are recommendations and are allowed).
* ``tests/fixtures/two_towns.ttl``, a small invented graph, has no result at all.
* Every file in ``tests/fixtures/invalid/`` is a full copy of ``two_towns.ttl`` with one deliberate
  defect (written out in full, not a delta, so a fixture can also *remove* triples). It opens with
  machine-readable comments::

      # expect-shape: twinsh:PartnershipShape      the named node shape that reports the defect
      # expect-path: twin:partner                  sh:resultPath, or "none" (node-level results,
                                                   SPARQL rules without a path, inverse paths)
      # expect-severity: sh:Violation              or sh:Warning for a recommendation
      # expect-constraint: sh:MaxCountConstraintComponent   optional

  It is validated together with ``ontology/twinning.ttl`` and ``ontology/vocabularies.ttl``, and
  EVERY result must match those lines: the defect is reported, and nothing else is.
  The fixtures are written by ``tests/fixtures/make_invalid.py`` (one table of defects); run it
  after changing ``two_towns.ttl``. A test checks that the files are exactly what it writes.
* Every named node shape has at least one such fixture, and each SHACL-SPARQL rule lives in a
  named node shape of its own, so a new shape or rule without a fixture fails the suite.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH
from rdflib.term import Node

from twinning_kg.loading import discover, read_graph
from twinning_kg.validation import ValidationReport, Violation, validate
from twinning_kg.vocabulary import PREFIXES, TWINSH

ROOT = Path(__file__).resolve().parents[2]
SHAPES_DIR = ROOT / "shapes"
FIXTURES = ROOT / "tests" / "fixtures"
TWO_TOWNS = FIXTURES / "two_towns.ttl"
INVALID_FIXTURES = sorted((FIXTURES / "invalid").glob("*.ttl"))
#: What every fixture is validated together with.
MODEL_FILES = (ROOT / "ontology" / "twinning.ttl", ROOT / "ontology" / "vocabularies.ttl")
SHAPES_GRAPH_IRI = URIRef(str(TWINSH).rstrip("/"))

_HEADER = re.compile(r"#\s*expect-(?P<key>[a-z]+):\s*(?P<value>\S+)\s*$")
_REQUIRED_KEYS = frozenset({"shape", "path", "severity"})
_KNOWN_KEYS = _REQUIRED_KEYS | {"constraint"}
#: Constraints a node shape may carry itself; such a shape needs its own sh:message.
_NODE_LEVEL_CONSTRAINTS = (SH["or"], SH.xone, SH["not"], SH["and"], SH["class"], SH["in"])


@dataclass(frozen=True, slots=True)
class Expectation:
    """What a fixture's header says its validation reports."""

    shape: URIRef
    path: URIRef | None
    severity: URIRef
    constraint: URIRef | None

    def matches(self, result: Violation) -> bool:
        """Tell whether ``result`` is the expected one (shape, path, severity, constraint)."""
        return (
            result.node_shape == self.shape
            and result.result_path == self.path
            and result.severity == self.severity
            and (self.constraint is None or result.constraint == self.constraint)
        )


def expand(curie: str) -> URIRef:
    """Expand ``prefix:local`` with the project's prefixes."""
    prefix, sep, local = curie.partition(":")
    if not sep or prefix not in PREFIXES:
        raise ValueError(f"not a CURIE with a known prefix: {curie!r}")
    return URIRef(str(PREFIXES[prefix]) + local)


def read_expectation(path: Path) -> Expectation:
    """Read the ``# expect-*`` lines at the top of a fixture."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match:
            key = match["key"]
            if key not in _KNOWN_KEYS or key in found:
                raise ValueError(f"{path.name}: unknown or repeated header expect-{key}")
            found[key] = match["value"]
    missing = _REQUIRED_KEYS - found.keys()
    if missing:
        raise ValueError(f"{path.name}: missing header(s) {sorted(missing)}")
    return Expectation(
        shape=expand(found["shape"]),
        path=None if found["path"] == "none" else expand(found["path"]),
        severity=expand(found["severity"]),
        constraint=expand(found["constraint"]) if "constraint" in found else None,
    )


def union(paths: Iterable[Path]) -> Graph:
    """Read RDF files into one graph."""
    graph = Graph()
    for path in paths:
        graph += read_graph(path)
    return graph


def describe(results: Iterable[Violation], shapes: Graph) -> str:
    """One line per result, for assertion messages."""

    def short(node: Node | None) -> str:
        return "none" if node is None else node.n3(shapes.namespace_manager)

    return "\n".join(
        f"  {short(r.severity)} {short(r.node_shape)} path={short(r.result_path)} "
        f"{short(r.constraint)} focus={short(r.focus_node)}: {r.message}"
        for r in results
    )


def kebab(name: str) -> str:
    """``PartnershipTwinnedWith`` -> ``partnership-twinned-with``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def named_node_shapes(shapes: Graph) -> set[URIRef]:
    """Every sh:NodeShape of the shapes graph that has an IRI."""
    return {s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}


def has_languages(graph: Graph, subject: Node, predicate: URIRef, *languages: str) -> bool:
    """Tell whether ``subject`` has a ``predicate`` literal in each of ``languages``."""
    found = {o.language for o in graph.objects(subject, predicate) if isinstance(o, Literal)}
    return set(languages) <= found


@pytest.fixture(scope="module")
def shapes() -> Graph:
    """The shapes graph: every RDF file in shapes/."""
    return union(discover([SHAPES_DIR]))


@pytest.fixture(scope="module")
def model() -> Graph:
    """The ontology and its SKOS vocabularies, which every fixture is validated with."""
    return union(MODEL_FILES)


def validate_fixture(path: Path, model: Graph, shapes: Graph) -> ValidationReport:
    """Validate ``path`` together with the ontology and the vocabularies."""
    data = Graph()
    data += model
    data += read_graph(path)
    return validate(data, shapes)


def test_real_data_has_no_violations(shapes: Graph) -> None:
    data = union(discover([ROOT / "ontology", ROOT / "data"]))
    report = validate(data, shapes)
    assert report.conforms, "the data violates the shapes:\n" + describe(report.violations, shapes)


def test_no_triple_is_stated_in_two_source_files() -> None:
    """The SPARQL default graph is the union of the files, and Oxigraph's union is a bag: a
    triple stated twice would be counted twice (README, SPARQL endpoint)."""
    seen: dict[tuple[Node, Node, Node], Path] = {}
    repeated = []
    for path in discover([ROOT / "ontology", ROOT / "data", SHAPES_DIR]):
        for s, p, o in read_graph(path):
            if isinstance(s, BNode) or isinstance(o, BNode):
                continue  # a blank node is its file's own
            first = seen.setdefault((s, p, o), path)
            if first != path:
                repeated.append(f"{s} {p} {o}: {first.name} and {path.name}")
    assert not repeated, "\n".join(repeated[:20])


def test_two_towns_fixture_has_no_results(model: Graph, shapes: Graph) -> None:
    report = validate_fixture(TWO_TOWNS, model, shapes)
    assert report.results == (), "two_towns.ttl must be clean:\n" + describe(report.results, shapes)


@pytest.mark.parametrize("path", INVALID_FIXTURES, ids=[p.stem for p in INVALID_FIXTURES])
def test_invalid_fixture_fails_exactly_as_its_header_says(
    path: Path, model: Graph, shapes: Graph
) -> None:
    expected = read_expectation(path)
    report = validate_fixture(path, model, shapes)
    if expected.severity == SH.Violation:
        assert report.conforms is False
    else:  # a recommendation: reported, but the data still conforms
        assert report.conforms is True
    assert any(expected.matches(r) for r in report.results), (
        f"{path.name}: the expected result is missing; got:\n" + describe(report.results, shapes)
    )
    unexpected = [r for r in report.results if not expected.matches(r)]
    assert not unexpected, f"{path.name}: results other than the expected one:\n" + describe(
        unexpected, shapes
    )


def load_fixture_writer(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import tests/fixtures/make_invalid.py, which is a script, not a package module."""
    spec = importlib.util.spec_from_file_location("make_invalid", FIXTURES / "make_invalid.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_invalid_fixtures_are_what_make_invalid_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    writer = load_fixture_writer(monkeypatch)
    two_towns = TWO_TOWNS.read_text(encoding="utf-8")
    defects = {defect.name: defect for defect in writer.DEFECTS}
    assert sorted(defects) == sorted(p.stem for p in INVALID_FIXTURES), (
        "tests/fixtures/invalid/ is out of date: run tests/fixtures/make_invalid.py"
    )
    stale = [
        p.name
        for p in INVALID_FIXTURES
        if p.read_text(encoding="utf-8") != defects[p.stem].render(two_towns)
    ]
    assert not stale, f"out of date (run tests/fixtures/make_invalid.py): {stale}"


def test_every_node_shape_has_an_invalid_fixture(shapes: Graph) -> None:
    covered = {read_expectation(path).shape for path in INVALID_FIXTURES}
    uncovered = named_node_shapes(shapes) - covered
    assert not uncovered, "node shapes without a fixture in tests/fixtures/invalid/: " + ", ".join(
        sorted(s.n3(shapes.namespace_manager) for s in uncovered)
    )


def test_fixture_headers_name_existing_shapes_and_follow_the_naming_rule(shapes: Graph) -> None:
    shape_names = named_node_shapes(shapes)
    for path in INVALID_FIXTURES:
        expected = read_expectation(path)
        assert expected.shape in shape_names, f"{path.name}: unknown shape {expected.shape}"
        assert expected.severity in {SH.Violation, SH.Warning, SH.Info}, path.name
        local = str(expected.shape).removeprefix(str(TWINSH)).removesuffix("Shape")
        assert path.stem.startswith(kebab(local) + "-"), (
            f"{path.name} should be named {kebab(local)}-{{case}}.ttl"
        )


def test_each_sparql_rule_is_a_named_shape_of_its_own(shapes: Graph) -> None:
    """So that the fixture coverage of node shapes covers every SHACL-SPARQL rule too."""
    rules_per_shape: dict[URIRef, int] = {}
    for owner, _rule in shapes.subject_objects(SH.sparql):
        node_shape = owner if isinstance(owner, URIRef) else shapes.value(None, SH.property, owner)
        assert isinstance(node_shape, URIRef), "a SPARQL rule must belong to a named node shape"
        rules_per_shape[node_shape] = rules_per_shape.get(node_shape, 0) + 1
    assert rules_per_shape, "the shapes declare no SHACL-SPARQL rule"
    crowded = {s: n for s, n in rules_per_shape.items() if n > 1}
    assert not crowded, f"node shapes with more than one SPARQL rule: {crowded}"


def test_sparql_prefixes_are_declared_on_the_shapes_graph_node(shapes: Graph) -> None:
    declared = {
        str(shapes.value(d, SH.prefix)) for d in shapes.objects(SHAPES_GRAPH_IRI, SH.declare)
    }
    assert {"twin", "rdf", "rdfs", "xsd"} <= declared
    for rule in shapes.objects(None, SH.sparql):
        assert shapes.value(rule, SH.prefixes) == SHAPES_GRAPH_IRI


def test_shapes_graph_and_every_shape_are_documented_in_polish_and_english(
    shapes: Graph,
) -> None:
    for predicate in (RDFS.label, DCTERMS.title, DCTERMS.description):
        assert has_languages(shapes, SHAPES_GRAPH_IRI, predicate, "pl", "en"), predicate
    for shape in named_node_shapes(shapes):
        assert has_languages(shapes, shape, RDFS.label, "pl", "en"), f"{shape}: rdfs:label"
        assert has_languages(shapes, shape, RDFS.comment, "pl", "en"), f"{shape}: rdfs:comment"
        if any((shape, p, None) in shapes for p in _NODE_LEVEL_CONSTRAINTS):
            assert has_languages(shapes, shape, SH.message, "en"), f"{shape}: sh:message"
        for property_shape in shapes.objects(shape, SH.property):
            if (property_shape, SH.sparql, None) in shapes:
                continue  # the SPARQL rule carries the message (checked below)
            assert has_languages(shapes, property_shape, SH.message, "en"), (
                f"{shape}: a property shape on {shapes.value(property_shape, SH.path)} "
                "has no English sh:message"
            )
    for rule in shapes.objects(None, SH.sparql):
        assert has_languages(shapes, rule, SH.message, "en"), "a SPARQL rule has no sh:message"
