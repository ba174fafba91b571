"""The home page at world scale: past a number of partnerships it says how many and where to
find them instead of listing them; it is kept in the worker's page cache; the catalogue names
only the most twinned partner towns as keywords."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import DCAT

from tests.app.responses import HtmlPage
from tests.prometheus import parse
from twinning_kg.publishing import coverage
from twinning_kg.publishing.build import build
from twinning_kg.settings import Settings
from twinning_kg.store.oxigraph import OxigraphStore
from twinning_kg.web import create_app, views

SIEDLCE_PARTNERSHIPS = 7


def home(settings: Settings, store: OxigraphStore, lang: str = "en") -> str:
    app = create_app(settings, store=store)
    with app.test_client() as client:
        response = client.get("/", query_string={"lang": lang})
        assert response.status_code == 200
        return response.text


def test_a_graph_with_more_partnerships_than_the_limit_is_not_listed(
    settings: Settings, store: OxigraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = home(settings, store)
    count = listed.count('<th scope="row">')
    assert count >= SIEDLCE_PARTNERSHIPS
    monkeypatch.setattr(views, "HOME_LIST_MAX", count - 1)
    html = home(settings, store)
    page = HtmlPage(html)
    assert f"This graph holds {count} partnerships, too many to show here" in html
    assert '<th scope="row">' not in html
    assert 'id="map-data"' not in html and "leaflet.js" not in html
    assert "/dumps/twinning.ttl" in html  # the downloads are still there
    assert any(d.get("@type") == "Dataset" for d in page.jsonld)
    assert f"zawiera {count} partnerstw, zbyt wiele" in home(settings, store, lang="pl")
    assert len(html) < len(listed)


def test_the_home_page_comes_from_the_page_cache_the_second_time(
    settings: Settings, store: OxigraphStore
) -> None:
    app = create_app(settings, store=store)
    with app.test_client() as client:
        first = client.get("/?lang=pl")
        second = client.get("/?lang=pl")
        other = client.get("/?lang=en")
        metrics = parse(client.get("/metrics").data.decode())
    assert first.data == second.data != other.data
    assert metrics.value("twinning_page_cache_total", result="hit") == 1
    assert metrics.value("twinning_page_cache_total", result="miss") == 2


def test_catalogue_keywords_name_only_the_most_twinned_towns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(coverage, "KEYWORD_TOWNS", 1)
    root = Path(__file__).resolve().parents[2]
    settings = Settings(root=root, build_dir=tmp_path)
    build(settings)
    catalogue = Graph().parse(tmp_path / "catalog.ttl")
    names = {
        str(k)
        for k in catalogue.objects(None, DCAT.keyword)
        if isinstance(k, Literal) and k.language in ("pl", "en")
    }
    assert "Siedlce" in names
    assert "Berdyczów" not in names and "Dasing" not in names  # one partnership each


def test_a_new_build_is_a_new_home_page(settings: Settings, store: OxigraphStore) -> None:
    import os

    from twinning_kg.publishing.build import MANIFEST

    app = create_app(settings, store=store)
    manifest = settings.build_dir / MANIFEST
    stat = manifest.stat()
    try:
        with app.test_client() as client:
            client.get("/")
            client.get("/")
            os.utime(manifest, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
            client.get("/")
            metrics = parse(client.get("/metrics").data.decode())
    finally:
        os.utime(manifest, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert metrics.value("twinning_page_cache_total", result="hit") == 1
    assert metrics.value("twinning_page_cache_total", result="miss") == 2
