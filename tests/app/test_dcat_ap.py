"""The catalogue passes the official DCAT-AP 3.0.1 SHACL shapes with zero violations.

Both ways SEMIC publishes them are used (copies in ``tests/fixtures/dcat-ap/``, see its README):
the combined shapes with their class ranges, and the split files (mandatory, recommended, ranges,
controlled vocabularies, deprecated terms). The catalogue states the types and schemes of the
controlled-vocabulary values itself, as the range shapes expect; nothing is fetched.

Recommended properties the catalogue leaves out on purpose come back as warnings; each one is
listed below with the reason, and any other warning fails the test. A city folder's dataset
(``catalog#city-{city}``) gets the warnings the whole graph gets, for the same reasons; so does
every city covered by its Wikidata item. ``check_catalogue`` is shared with the multi-city tests.
"""

from __future__ import annotations

from functools import cache

import pyshacl
import pytest
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from tests.app.downloads import fetch
from tests.conftest import ROOT
from tests.rdf_files import parse_rdf
from twinning_kg.formats import Format
from twinning_kg.settings import Settings

SHAPES = ROOT / "tests" / "fixtures" / "dcat-ap"
SUITES = {
    "combined": ("shacl/dcat-ap-SHACL.ttl", "shacl/ranges.ttl"),
    "split": (
        "html-shacl/shapes.ttl",
        "html-shacl/shapes_recommended.ttl",
        "html-shacl/range.ttl",
        "html-shacl/mdr-vocabularies.shape.ttl",
        "html-shacl/deprecateduris.ttl",
    ),
}
BASE = "https://twinning.example.org/"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
SIEDLCE = "http://www.wikidata.org/entity/Q319813"
WIKIDATA = "http://www.wikidata.org/entity/Q"
CITY_DATASET = BASE + "catalog#city-"
POLAND = "http://publications.europa.eu/resource/authority/country/POL"
PUBLISHER = "not an EU institution, so not in the EU corporate-body table the shape wants"
#: (focus node, path) of every warning we accept, and why.
KNOWN_WARNINGS: dict[tuple[str, str], str] = {
    **{(BASE + node, DCT + "publisher"): PUBLISHER for node in ("catalog", "catalog#twinning")},
    **{
        (BASE + node, DCT + "publisher"): PUBLISHER
        for node in ("catalog#ontology", "catalog#sparql")
    },
    **{
        (BASE + node, DCT + "spatial"): "Siedlce by its Wikidata item: no EU table holds Siedlce"
        for node in ("catalog", "catalog#twinning")
    },
    (SIEDLCE, DCAT + "bbox"): "the data gives Siedlce's coordinates (the centroid), not a box",
    (POLAND, DCAT + "bbox"): "the data has no geometry for Poland",
    (POLAND, DCAT + "centroid"): "the data has no geometry for Poland",
    (BASE + "catalog#ontology", DCT + "spatial"): "a vocabulary covers no place",
    (BASE + "catalog#ontology", DCT + "temporal"): "a vocabulary covers no period",
}


@cache
def _shapes(suite: str) -> Graph:
    graph = Graph()
    for name in SUITES[suite]:
        graph.parse(SHAPES / name, format="turtle")
    return graph


def _results(data: Graph, suite: str) -> dict[str, list[tuple[str, str, str]]]:
    _conforms, report, _text = pyshacl.validate(
        data, shacl_graph=_shapes(suite), inference="none", advanced=True, allow_warnings=True
    )
    found: dict[str, list[tuple[str, str, str]]] = {"Violation": [], "Warning": [], "Info": []}
    for result in report.objects(None, SH.result):
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        found[severity].append(
            (
                str(report.value(result, SH.focusNode)),
                str(report.value(result, SH.resultPath)),
                str(report.value(result, SH.resultMessage)),
            )
        )
    return found


def _known(focus: str, path: str) -> bool:
    """Whether a warning is one the catalogue accepts (see KNOWN_WARNINGS)."""
    if focus.startswith(CITY_DATASET):
        # a city's dataset: the publisher and its city by Wikidata item, as for the whole graph
        focus = BASE + "catalog#twinning"
    elif focus.startswith(WIKIDATA):
        # every city is given by its Wikidata item, with a centroid but no box, as Siedlce is
        focus = SIEDLCE
    return (focus, path) in KNOWN_WARNINGS


def check_catalogue(data: Graph, suite: str) -> None:
    """Zero violations, and no warning but the known ones."""
    results = _results(data, suite)
    assert results["Violation"] == [], "\n".join(map(str, results["Violation"]))
    unexpected = [w for w in results["Warning"] if not _known(w[0], w[1])]
    assert unexpected == [], "\n".join(map(str, unexpected))


_check = check_catalogue


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_the_built_catalogue_passes_the_dcat_ap_shapes(settings: Settings, suite: str) -> None:
    catalogue = Graph().parse(settings.build_dir / "catalog.ttl", format="turtle")
    _check(catalogue, suite)


@pytest.mark.parametrize("suite", sorted(SUITES))
@pytest.mark.parametrize("fmt", [Format.TURTLE, Format.JSONLD, Format.NTRIPLES, Format.RDFXML])
def test_the_served_catalogue_passes_the_dcat_ap_shapes(
    client: FlaskClient, suite: str, fmt: Format
) -> None:
    response = fetch(client, "/catalog", {"Accept": fmt.media_type})
    assert response.mimetype == fmt.media_type
    graph = Graph()
    for triple in parse_rdf(response.data, fmt.media_type)[0]:
        graph.add(triple)
    _check(graph, suite)


def test_the_shapes_see_the_catalogue_at_all(settings: Settings) -> None:
    """A guard: without a mandatory title the shapes must object (they are really applied)."""
    catalogue = Graph().parse(settings.build_dir / "catalog.ttl", format="turtle")
    catalogue.remove((URIRef(BASE + "catalog#twinning"), URIRef(DCT + "title"), None))
    for suite in SUITES:
        violations = _results(catalogue, suite)["Violation"]
        assert any(path == DCT + "title" for _focus, path, _message in violations), suite
