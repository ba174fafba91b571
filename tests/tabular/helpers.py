"""Shared by the tabular tests: the shipped examples, graphs of folders, editing a CSV cell."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from rdflib import Graph

from tests.conftest import ROOT

EXAMPLES = ROOT / "templates" / "examples"
SIEDLCE = ROOT / "data" / "siedlce"
SYNTHETIC = EXAMPLES / "synthetic-przykladowo-csv"


def folder_graph(folder: Path) -> Graph:
    """The union of every Turtle file in ``folder``."""
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def file_graphs(folder: Path) -> dict[str, Graph]:
    """Each Turtle file of ``folder`` as its own graph."""
    return {p.name: Graph().parse(p, format="turtle") for p in sorted(folder.glob("*.ttl"))}


def data_with_siedlce(tmp_path: Path) -> Path:
    """A data folder holding a copy of data/siedlce."""
    data = tmp_path / "data"
    shutil.copytree(SIEDLCE, data / "siedlce")
    return data


def edited_template(tmp_path: Path, sheet: str, row: int, column: str, value: str) -> Path:
    """A copy of the synthetic template with one cell (spreadsheet row number) changed."""
    folder = tmp_path / "template"
    shutil.copytree(SYNTHETIC, folder)
    path = folder / f"{sheet}.csv"
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    rows[row - 1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows(rows)
    return folder
