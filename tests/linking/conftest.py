"""Fixtures for the Wikidata linking tests: the real `oxigraph` server playing Wikidata (started
once per run, only if a test asks for it), a copy of data/ to write into, and no proxies."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.linking.servers import oxigraph_endpoint


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests go straight to 127.0.0.1 even where a proxy is configured."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture(scope="session")
def wikidata_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a real oxigraph server holding tests/fixtures/wikidata/wikidata-sample.ttl."""
    with oxigraph_endpoint(tmp_path_factory.mktemp("wikidata")) as url:
        yield url


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of the repository's data/ folder: `link` writes here, never into data/."""
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target)
    return target


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) with its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
