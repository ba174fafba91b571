"""Loading: syntax errors name file:line:col, bad files leak nothing, the base IRI moves."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef

from twinning_kg.errors import DataLoadError
from twinning_kg.loading import (
    discover,
    graph_iri,
    load_dataset,
    parse_error,
    read_graph,
    shown_path,
)

GOOD = """@prefix ex: <https://twinning.example.org/id/> .
ex:a ex:b ex:c .
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.ttl", GOOD + 'ex:d ex:e "unterminated .\n')
    with pytest.raises(DataLoadError) as caught:
        read_graph(bad)
    assert caught.value.message.startswith(f"{bad}:3:")
    assert "newline found in string literal" in caught.value.message
    assert caught.value.line == 3


def test_statement_error_reports_its_line(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.ttl", GOOD + "\n\nex:d ex:e ex:f ;; ]\n")
    with pytest.raises(DataLoadError, match=r"bad\.ttl:5:\d+: "):
        read_graph(bad)


def test_failed_file_adds_nothing_to_the_dataset(tmp_path: Path) -> None:
    write(tmp_path, "a.ttl", GOOD)
    write(tmp_path, "b.ttl", GOOD.replace("ex:c", "ex:d") + "ex:x ex:y .\n")
    with pytest.raises(DataLoadError, match=r"b\.ttl"):
        load_dataset([tmp_path], root=tmp_path)


def test_each_file_gets_its_own_named_graph(tmp_path: Path) -> None:
    write(tmp_path, "a.ttl", GOOD)
    (tmp_path / "sub").mkdir()
    write(tmp_path, "sub/b.ttl", GOOD.replace("ex:c", "ex:d"))
    dataset = load_dataset([tmp_path], root=tmp_path)
    names = sorted(str(g.identifier) for g in dataset.graphs() if len(g))
    assert names == [
        "https://twinning.example.org/graph/a",
        "https://twinning.example.org/graph/sub/b",
    ]
    assert len(list(dataset.quads((None, None, None, None)))) == 2


def test_base_iri_is_rewritten_on_load(tmp_path: Path) -> None:
    path = write(tmp_path, "a.ttl", GOOD)
    graph = read_graph(path, base_iri="http://localhost:5000/")
    assert (
        URIRef("http://localhost:5000/id/a"),
        URIRef("http://localhost:5000/id/b"),
        URIRef("http://localhost:5000/id/c"),
    ) in graph


def test_missing_path_and_unsupported_type_are_errors(tmp_path: Path) -> None:
    with pytest.raises(DataLoadError, match="no such file"):
        discover([tmp_path / "nope.ttl"])
    rdfxml = write(tmp_path, "x.rdf", "<rdf:RDF/>")
    with pytest.raises(DataLoadError, match="unsupported file type"):
        discover([rdfxml])


def test_graph_iri_is_relative_to_root() -> None:
    iri = graph_iri(Path("data/siedlce/sources.ttl"), root=Path())
    assert iri == URIRef("https://twinning.example.org/graph/data/siedlce/sources")


def test_a_parser_error_without_a_position_names_the_file_alone() -> None:
    located = SyntaxError("boom")
    located.lineno, located.offset = 3, 7
    assert parse_error(Path("x.ttl"), located).message == "x.ttl:3:7: boom"
    assert parse_error(Path("x.ttl"), SyntaxError("boom")).message == "x.ttl: boom"


def test_a_symbolic_link_to_nothing_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "gone.ttl").symlink_to(tmp_path / "nowhere.ttl")
    with pytest.raises(DataLoadError, match=r"gone\.ttl: a symbolic link to nothing"):
        discover([tmp_path])


def test_a_linked_file_is_shown_where_it_is_linked_not_where_it_points(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "real.ttl").write_text("", encoding="utf-8")
    root = tmp_path / "site"
    (root / "data").mkdir(parents=True)
    (root / "data" / "linked.ttl").symlink_to(elsewhere / "real.ttl")
    assert shown_path(root / "data" / "linked.ttl", root=root) == "data/linked.ttl"
    assert shown_path(elsewhere / "real.ttl", root=root) == str(elsewhere / "real.ttl")
