"""Export then import gives back data/siedlce: the same graph, file by file (issue 9)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS

from tests.tabular.helpers import EXAMPLES, SIEDLCE, SYNTHETIC, file_graphs, folder_graph
from twinning_kg.cli import main


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "csv"])
def test_export_then_import_is_isomorphic(runner: CliRunner, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / ("siedlce-csv" if fmt == "csv" else f"siedlce.{fmt}")
    exported = runner.invoke(
        main, ["export", "--city", "siedlce", "--format", fmt, "--out", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    data = tmp_path / "data"
    imported = runner.invoke(main, ["import", str(out), "--city", "siedlce", "--data", str(data)])
    assert imported.exit_code == 0, imported.output
    assert isomorphic(folder_graph(data / "siedlce"), folder_graph(SIEDLCE))
    expected = file_graphs(SIEDLCE)
    got = file_graphs(data / "siedlce")
    assert got.keys() == expected.keys()
    for name, graph in expected.items():
        assert isomorphic(got[name], graph), name


@pytest.mark.parametrize("shipped", ["siedlce.xlsx", "siedlce.ods", "siedlce-csv"])
def test_the_shipped_worked_example_is_data_siedlce(
    runner: CliRunner, tmp_path: Path, shipped: str
) -> None:
    data = tmp_path / "data"
    result = runner.invoke(
        main, ["import", str(EXAMPLES / shipped), "--city", "siedlce", "--data", str(data)]
    )
    assert result.exit_code == 0, result.output
    assert isomorphic(folder_graph(data / "siedlce"), folder_graph(SIEDLCE))


def test_a_single_csv_file_is_one_sheet(runner: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = runner.invoke(
        main,
        ["import", str(SYNTHETIC / "sources.csv"), "--city", "przykladowo", "--data", str(data)],
    )
    assert result.exit_code == 0, result.output
    assert [p.name for p in (data / "przykladowo").iterdir()] == ["sources.ttl"]
    labels = {str(o) for o in folder_graph(data / "przykladowo").objects(None, RDFS.label)}
    assert "Synthetic sample source, not real" in labels


def test_existing_city_is_replaced_only_when_asked(runner: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "data"
    args = ["import", str(EXAMPLES / "siedlce-csv"), "--city", "siedlce", "--data", str(data)]
    assert runner.invoke(main, args).exit_code == 0
    again = runner.invoke(main, args)
    assert again.exit_code == 2
    assert "--replace" in again.output
    assert runner.invoke(main, [*args, "--replace"]).exit_code == 0
    assert isomorphic(folder_graph(data / "siedlce"), folder_graph(SIEDLCE))
    assert [p.name for p in data.iterdir()] == ["siedlce"]  # no staging folders left


def test_export_of_a_missing_city_fails(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        main, ["export", "--city", "atlantis", "--format", "csv", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert "atlantis" in result.output
