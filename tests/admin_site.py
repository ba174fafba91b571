"""A private copy of the repository's RDF served in process with the admin endpoints on: the
fixtures and helpers of the operations, reload and admin tests.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from tests.conftest import ROOT
from twinning_kg.settings import Settings
from twinning_kg.web import create_app

TOKEN: Final = "s3cret-admin-token"  # noqa: S105  # a test token, not a credential
AUTH: Final = {"Authorization": f"Bearer {TOKEN}"}
JSON: Final = {"Accept": "application/json"}
DASING: Final = URIRef("https://twinning.example.org/id/municipality/dasing")
DASING_PATH: Final = "/id/municipality/dasing"
DASING_FILE: Final = "data/siedlce/partnership-dasing.ttl"
#: The English label of Dasing, as the file writes it (the first "Dasing"@en in the file).
LABEL_EN: Final = '"Dasing"@en'
GENERATED_ID: Final = re.compile(r"^[0-9a-f]{16}$")

AppFactory = Callable[..., Flask]


@pytest.fixture(name="site")
def site_fixture(tmp_path: Path) -> Path:
    """A private copy of the repository's RDF, free to break."""
    root = tmp_path / "site"
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


@pytest.fixture(name="make_app")
def make_app_fixture(site: Path) -> AppFactory:
    """Build an app over ``site``; the admin token is on unless ``admin_token=""`` is given."""

    def make(**changes: object) -> Flask:
        options: dict[str, object] = {
            "root": site,
            "admin_token": TOKEN,
            "state_dir": Path("state"),
        }
        options.update(changes)
        app = create_app(Settings(**options))  # type: ignore[arg-type]  # test options
        app.testing = True
        return app

    return make


@pytest.fixture(name="app")
def app_fixture(make_app: AppFactory) -> Flask:
    """The app over the private copy, admin endpoints on."""
    return make_app()


@pytest.fixture(name="client")
def client_fixture(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as client:
        yield client


def edit(site: Path, old: str, new: str, *, path: str = DASING_FILE) -> int:
    """Replace the first ``old`` in a data file by ``new``; return the line it was on."""
    file = site / path
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    file.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def site_dirs(site: Path) -> list[Path]:
    return [site / "ontology", site / "data", site / "shapes"]


def english_labels(client: FlaskClient) -> set[str]:
    """Dasing's English labels as its Turtle document gives them."""
    response = client.get(f"{DASING_PATH}.ttl")
    assert response.status_code == 200, response.text
    graph = Graph().parse(data=response.text, format="turtle")
    return {
        str(o)
        for o in graph.objects(DASING, RDFS.label)
        if isinstance(o, Literal) and o.language == "en"
    }
