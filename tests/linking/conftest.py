"""Fixtures for the Wikidata linking tests: the real `oxigraph` server playing Wikidata (started
once per run, only if a test asks for it), a copy of data/ to write into, and no proxies."""

from __future__ import annotations

from pathlib import Path

from tests.linking.servers import (  # noqa: F401  # fixtures, used by name
    data_copy_fixture,
    no_proxy_fixture,
    wikidata_endpoint_fixture,
)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) with its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
