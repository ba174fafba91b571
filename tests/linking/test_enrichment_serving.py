"""The enrichment graph is data like the rest: served, drawn on the map, never fetched at serve
time (the web app does not even import the linking package)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal
from rdflib.namespace import RDFS

from tests.conftest import ROOT
from twinning_kg.cli import main
from twinning_kg.settings import Settings
from twinning_kg.vocabulary import WD
from twinning_kg.web import create_app

DASING_COORDINATES = "geo:lat 48.38482 ; geo:long 11.04667 ;"


@pytest.mark.live
def test_enrichment_is_served_and_places_a_town_without_coordinates_on_the_map(
    runner: CliRunner, wikidata_endpoint: str, data_copy: Path
) -> None:
    root = data_copy.parent
    for folder in ("ontology", "shapes"):
        shutil.copytree(ROOT / folder, root / folder)
    dasing = data_copy / "siedlce" / "partnership-dasing.ttl"
    text = dasing.read_text(encoding="utf-8")
    assert text.count(DASING_COORDINATES) == 1
    dasing.write_text(text.replace(DASING_COORDINATES, ""), encoding="utf-8")
    result = runner.invoke(
        main, ["link", "--endpoint", wikidata_endpoint, "--data", str(data_copy), "--enrich"]
    )
    assert result.exit_code == 0, result.output

    app = create_app(Settings(root=root))
    app.testing = True
    client = app.test_client()

    graph_page = client.get(
        "/graph/data/siedlce/wikidata-enrichment", headers={"Accept": "text/turtle"}
    )
    assert graph_page.status_code == 200
    served = Graph().parse(data=graph_page.data, format="turtle")
    assert (WD.Q319813, RDFS.label, Literal("Siedlce", lang="pl")) in served

    home = map_points(client.get("/?lang=en").get_data(as_text=True))
    assert home["Dasing"] == pytest.approx((48.38482, 11.04667))  # from Wikidata's P625
    page = map_points(client.get("/id/municipality/dasing?lang=en").get_data(as_text=True))
    assert (48.38482, 11.04667) in [pytest.approx(point) for point in page.values()]


def map_points(html: str) -> dict[str, tuple[float, float]]:
    """The markers of a page's map: label → (lat, lon)."""
    found = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S)
    assert found is not None
    return {p["label"]: (p["lat"], p["lon"]) for p in json.loads(found.group(1))["points"]}


def test_the_web_app_does_not_import_the_linking_package() -> None:
    code = (
        "import sys, twinning_kg.web, twinning_kg.web.serving; "
        "print(sorted(m for m in sys.modules if m.startswith('twinning_kg.linking')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_only_the_wikidata_module_of_linking_talks_to_the_network() -> None:
    network = re.compile(r"^\s*(?:from|import)\s+(SPARQLWrapper|urllib|http|socket|httpx)\b", re.M)
    folder = ROOT / "twinning_kg" / "linking"
    talkers = {p.name for p in folder.glob("*.py") if network.search(p.read_text(encoding="utf-8"))}
    assert talkers == {"wikidata.py"}
