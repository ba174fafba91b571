"""A second city next to Siedlce: IRIs reused by Wikidata item, one partnership per pair."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS

from tests.tabular.helpers import SYNTHETIC, data_with_siedlce, folder_graph
from twinning_kg.cli import main
from twinning_kg.tabular.template import headers
from twinning_kg.tabular.workbook import write_workbook
from twinning_kg.vocabulary import TWIN, entity_iri


def test_synthetic_city_imports_next_to_siedlce(runner: CliRunner, tmp_path: Path) -> None:
    data = data_with_siedlce(tmp_path)
    result = runner.invoke(
        main, ["import", str(SYNTHETIC), "--city", "przykladowo", "--data", str(data)]
    )
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (data / "przykladowo").iterdir())
    assert files == [
        "partnership-beispielstadt.ttl",
        "partnership-dasing.ttl",
        "przykladowo.ttl",
        "sources.ttl",
    ]
    graph = folder_graph(data / "przykladowo")
    town = entity_iri("municipality", "przykladowo")
    dasing = entity_iri("municipality", "dasing")  # Q645832: the IRI data/siedlce gives it
    assert (dasing, TWIN.twinnedWith, town) in graph
    assert (entity_iri("partnership", "przykladowo-dasing"), TWIN.partner, dasing) in graph
    assert (None, RDF.type, TWIN.Municipality) in graph
    assert (dasing, RDF.type, None) not in graph  # Dasing's own facts stay in data/siedlce
    for label in graph.objects(None, RDFS.label):
        assert "synthetic" in str(label).lower() or "syntetycz" in str(label).lower(), label
    event = entity_iri("event", "przykladowo-beispielstadt-exchange")
    assert graph.value(event, TWIN.startDate) == Literal(
        "1999", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear")
    )


def _row(sheet: str, **cells: str) -> list[str]:
    return [cells.get(name, "") for name in headers(sheet)]


def test_a_partnership_recorded_by_both_cities_is_one(runner: CliRunner, tmp_path: Path) -> None:
    """Dasing's own record of its partnership with Siedlce (QIDs) is partnership:siedlce-dasing."""
    data = data_with_siedlce(tmp_path)
    source = "synthetic-dasing-record"
    marked = {
        "label_pl": "Syntetyczny zapis testowy, nie prawdziwy",
        "label_en": "Synthetic test record, not real",
    }
    book = {
        "city": [
            _row(
                "city",
                id="dasing",
                wikidata="Q645832",
                label_pl="Dasing",
                label_en="Dasing",
                sources=source,
            )
        ],
        "partnerships": [
            _row(
                "partnerships",
                id="dasing-siedlce",
                partner="Q319813",
                status="active",
                agreements="agreement:siedlce-dasing-1998",
                sources=source,
                label_pl="Partnerstwo Siedlce \u2013 Dasing",
                label_en="Siedlce \u2013 Dasing partnership",
            )
        ],
        "sources": [_row("sources", id=source, **marked)],
    }
    template = tmp_path / "dasing.xlsx"
    write_workbook(book, template, fmt="xlsx")
    result = runner.invoke(main, ["import", str(template), "--city", "dasing", "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (data / "dasing").iterdir()) == [
        "dasing.ttl",
        "partnership-siedlce.ttl",
        "sources.ttl",
    ]
    mine = folder_graph(data / "dasing")
    partnership = entity_iri("partnership", "siedlce-dasing")
    assert (entity_iri("partnership", "dasing-siedlce"), None, None) not in mine
    assert (partnership, RDF.type, TWIN.Partnership) in mine
    union = folder_graph(data / "dasing") + folder_graph(data / "siedlce")
    assert set(union.objects(partnership, PROV.wasDerivedFrom)) >= {
        entity_iri("source", "siedlce-partner-cities-page"),
        entity_iri("source", source),
    }
    assert len(set(union.subjects(RDF.type, TWIN.Partnership))) == 7
