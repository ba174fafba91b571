"""``validate_files`` parses the files with pyoxigraph and reports what ``validate`` reports on
the same files parsed with rdflib.

Compared field by field, counting repeats, on every invalid fixture and on the Siedlce data with
seeded random damage (written out as N-Triples). Two differences between the parsers are
normalised, and only they: blank nodes get new labels in each parse, and pyoxigraph reads
``"x"^^xsd:string`` as the plain literal it is in RDF 1.1 (rdflib keeps the datatype written).
It also names, per result, the file that first types the focus node and the node's label, and
refuses what it cannot read with the file, line and column.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal
from rdflib.namespace import XSD

from tests.shacl_results import Key, damage, key
from twinning_kg.errors import DataLoadError, TwinningError
from twinning_kg.loading import discover, read_graph
from twinning_kg.validation import Violation, validate, validate_files

ROOT = Path(__file__).resolve().parents[2]
INVALID = ROOT / "tests" / "fixtures" / "invalid"
MODEL = (ROOT / "ontology" / "twinning.ttl", ROOT / "ontology" / "vocabularies.ttl")


def _same(node: object) -> object:
    if isinstance(node, BNode):
        return "_:"
    if isinstance(node, Literal) and node.datatype == XSD.string:
        return Literal(str(node))
    return node


def comparable(result: Violation) -> Key:
    return tuple(_same(field) for field in key(result))


def read_all(*paths: Path) -> Graph:
    graph = Graph()
    for path in discover(list(paths)):
        graph += read_graph(path)
    return graph


def by_rdflib(paths: list[Path], shapes: Graph) -> Counter[Key]:
    return Counter(comparable(r) for r in validate(read_all(*paths), shapes).results)


def by_pyoxigraph(paths: list[Path], shapes: Graph) -> Counter[Key]:
    return Counter(comparable(r) for r in validate_files(paths, shapes, root=ROOT).results)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return read_all(ROOT / "shapes")


@pytest.mark.parametrize("fixture", sorted(p.stem for p in INVALID.glob("*.ttl")))
def test_invalid_fixtures_report_as_when_parsed_with_rdflib(fixture: str, shapes: Graph) -> None:
    paths = [*MODEL, INVALID / f"{fixture}.ttl"]
    expected = by_rdflib(paths, shapes)
    assert expected, "every fixture has a defect"
    assert by_pyoxigraph(paths, shapes) == expected


@pytest.mark.filterwarnings("ignore::UserWarning")  # rdflib on the ill-typed literals made here
@pytest.mark.parametrize("seed", range(4))
def test_damaged_siedlce_data_reports_as_when_parsed_with_rdflib(
    seed: int, shapes: Graph, tmp_path: Path
) -> None:
    damaged = read_all(ROOT / "data")
    damage(damaged, random.Random(seed), 80)  # noqa: S311  # reproducible damage
    written = tmp_path / "damaged.nt"
    damaged.serialize(written, format="nt", encoding="utf-8")
    paths = [*MODEL, written]
    expected = by_rdflib(paths, shapes)
    assert len(expected) >= 20, "too little damage to compare"
    assert by_pyoxigraph(paths, shapes) == expected


def test_the_real_data_conforms(shapes: Graph) -> None:
    report = validate_files([ROOT / "ontology", ROOT / "data"], shapes, root=ROOT)
    assert report.conforms, [r.message for r in report.violations]


TOWN = """@prefix twin: <https://twinning.example.org/def/twinning/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://twinning.example.org/id/municipality/nowhere> a twin:Municipality ;
    rdfs:label "Nigdzie"@pl , "Nowhere"@en .
"""


def test_a_result_names_the_first_file_typing_its_focus_node_and_its_label(
    shapes: Graph, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.ttl").write_text(TOWN, encoding="utf-8")
    (data / "b.ttl").write_text(TOWN, encoding="utf-8")  # the same again, found second
    report = validate_files([*MODEL, data], shapes, root=tmp_path)
    mine = [r for r in report.results if str(r.focus_node).endswith("/nowhere")]
    assert mine, "a town without a country or Wikidata link has results"
    assert {(r.source_file, r.focus_label) for r in mine} == {("data/a.ttl", "Nowhere")}
    outside = {r.source_file for r in report.results if r not in mine}
    assert outside <= {None, str(MODEL[0]), str(MODEL[1])}  # outside the root: as given


def test_a_syntax_error_names_file_line_and_column(shapes: Graph, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(TOWN + "\n<https://example.org/a> <https://example.org/b> .\n", "utf-8")
    with pytest.raises(DataLoadError, match=re.escape(str(bad)) + r":6:\d+: \S"):
        validate_files([bad], shapes, root=tmp_path)


def test_a_triple_term_is_refused_with_a_message(shapes: Graph, tmp_path: Path) -> None:
    odd = tmp_path / "odd.ttl"
    odd.write_text(
        TOWN.replace(
            '"Nowhere"@en .',
            '"Nowhere"@en , <<( <https://example.org/a> <https://example.org/b> 1 )>> .',
        ),
        encoding="utf-8",
    )
    with pytest.raises(TwinningError, match="triple term"):
        validate_files([*MODEL, odd], shapes, root=tmp_path)
