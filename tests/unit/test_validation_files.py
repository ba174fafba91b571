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

import re
from collections import Counter
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal
from rdflib.namespace import XSD

from tests.shacl_results import Key, damaged_siedlce, key, read_all
from twinning_kg.errors import DataLoadError
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
    damaged = damaged_siedlce(seed)
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


@pytest.mark.parametrize(
    ("position", "literal"),
    [
        ("checked", '"Nowhere"@en , <<( <https://example.org/a> <https://example.org/b> 1 )>> .'),
        (
            "unchecked",
            '"Nowhere"@en ; <https://example.org/p> <<( <https://example.org/a> '
            "<https://example.org/b> 1 )>> .",
        ),
        ("direction", '"Nowhere"@en--ltr .'),
    ],
)
def test_rdf_1_2_terms_are_refused_naming_the_file(
    shapes: Graph, tmp_path: Path, position: str, literal: str
) -> None:
    odd = tmp_path / "odd.ttl"
    odd.write_text(TOWN.replace('"Nowhere"@en .', literal), encoding="utf-8")
    with pytest.raises(DataLoadError, match=re.escape(str(odd)) + r": .*cannot be validated"):
        validate_files([*MODEL, odd], shapes, root=tmp_path)


SHARED_BLANK = """<https://example.org/{name}> <https://example.org/address> _:b0 .
_:b0 <https://example.org/city> "{city}" .
"""
ONE_CITY = """@prefix sh: <http://www.w3.org/ns/shacl#> .
<https://example.org/OneCity> a sh:NodeShape ;
    sh:targetObjectsOf <https://example.org/address> ;
    sh:property [ sh:path <https://example.org/city> ; sh:maxCount 1 ; sh:message "one city" ] .
"""


def test_each_file_keeps_its_own_blank_nodes(tmp_path: Path) -> None:
    """``_:b0`` in two N-Triples files is two nodes, as in an RDF merge (and as rdflib reads)."""
    for name, city in (("a", "Siedlce"), ("b", "Dasing")):
        (tmp_path / f"{name}.nt").write_text(SHARED_BLANK.format(name=name, city=city), "utf-8")
    shapes = Graph().parse(data=ONE_CITY, format="turtle")
    paths = [tmp_path / "a.nt", tmp_path / "b.nt"]
    assert validate(read_all(*paths), shapes).conforms
    assert validate_files(paths, shapes, root=tmp_path).conforms


PRICE = """@prefix sh: <http://www.w3.org/ns/shacl#> .
<https://example.org/Price> a sh:NodeShape ;
    sh:targetSubjectsOf <https://example.org/price> ;
    sh:property [ sh:path <https://example.org/price> ; sh:minLength 5 ;
        sh:pattern "^[0-9]+[.][0-9][0-9]$" ] .
"""


def test_what_only_pyshacl_checks_gets_the_literals_as_written(tmp_path: Path) -> None:
    """The store would give ``95.50`` back as ``95.5``; pySHACL must see what the file says."""
    data = tmp_path / "price.ttl"
    data.write_text("<https://example.org/a> <https://example.org/price> 95.50 .\n", "utf-8")
    shapes = Graph().parse(data=PRICE, format="turtle")
    assert validate(read_all(data), shapes).conforms
    assert validate_files([data], shapes, root=tmp_path).conforms
    data.write_text("<https://example.org/a> <https://example.org/price> 95.5 .\n", "utf-8")
    assert by_pyoxigraph([data], shapes) == by_rdflib([data], shapes) != Counter()


def test_dates_with_time_zones_compare_by_day(shapes: Graph, tmp_path: Path) -> None:
    """pyoxigraph keeps a date's time zone (rdflib drops it); the date rules ignore it."""
    text = (ROOT / "tests" / "fixtures" / "two_towns.ttl").read_text(encoding="utf-8")
    for before, after in (
        ('startDate "2000-06-10"', 'startDate "2000-06-10Z"'),
        ('endDate "2000-06-12"', 'endDate "2000-06-10-05:00"'),
        ('signingDate "1999-05-12"', 'signingDate "1999-05-12+02:00"'),
    ):
        assert before in text
        text = text.replace(before, after)
    zoned = tmp_path / "zoned.ttl"
    zoned.write_text(text, encoding="utf-8")
    assert by_pyoxigraph([*MODEL, zoned], shapes) == by_rdflib([*MODEL, zoned], shapes) == Counter()
