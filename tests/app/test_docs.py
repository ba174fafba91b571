"""The README documents every setting and every route (Datasette's test_docs, in miniature)."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest
from flask import Flask

from tests.conftest import ROOT
from twinning_kg.settings import ENV_PREFIX, Settings

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [f.name for f in fields(Settings)])
def test_every_setting_has_a_readme_row(name: str) -> None:
    row = f"| `{name}` | `{ENV_PREFIX}{name.upper()}` |"
    assert row in README, f"README's configuration table lacks {row}"


def test_every_route_is_documented(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        documented = re.sub(r"<(?:path:)?(\w+)>", "", rule.rule).rstrip("/") or "/"
        if rule.rule == "/<path:path>":
            continue  # the catch-all: documented as /id/…, /def/…, /graph/…
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        assert any(f"{method} {documented}" in README for method in methods), rule.rule
    for prefix in ("GET /id/", "GET /def/twinning", "GET /def/shapes", "GET /graph/"):
        assert prefix in README


def test_readme_leads_with_the_two_commands() -> None:
    head = README[: README.index("## Command line")]
    assert "make run" in head
    assert "make test" in head
