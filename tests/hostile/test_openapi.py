"""``GET /openapi.json``: a valid OpenAPI document naming every route of the app, and no other."""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from flask import Flask
from werkzeug.routing import Rule

from tests.conftest import ROOT
from twinning_kg.settings import Settings
from twinning_kg.web import create_app

#: Methods every route answers without being named: Flask adds HEAD to GET, and OPTIONS.
IMPLICIT = {"HEAD", "OPTIONS"}
#: A path that fills a path template with each parameter's example, else ``x``.
PARAM = re.compile(r"\{([^}]+)\}")


@pytest.fixture(scope="module")
def app() -> Flask:
    app = create_app(Settings(root=ROOT))
    app.testing = True
    return app


@pytest.fixture(scope="module")
def document(app: Flask) -> dict[str, Any]:
    response = app.test_client().get("/openapi.json", headers={"Host": "twinning.test:8080"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.get_json()
    return body


def _concrete(path: str, operation: dict[str, Any]) -> str:
    examples = {
        p["name"]: str(p.get("example") or (p["schema"].get("enum") or ["x"])[0])
        for p in operation.get("parameters", [])
        if p["in"] == "path"
    }
    return PARAM.sub(lambda m: examples[m.group(1)], path)


def _documented_rules(app: Flask, document: dict[str, Any]) -> set[tuple[str, str]]:
    adapter = app.url_map.bind("localhost")
    found: set[tuple[str, str]] = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            rule: Rule
            rule, _ = adapter.match(_concrete(path, operation), method.upper(), return_rule=True)
            found.add((rule.rule, method.upper()))
    return found


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]  # an Err fails the test
    assert document["openapi"] == "3.1.0"
    assert len(operations) == sum(len(item) for item in document["paths"].values())


def test_the_server_is_the_host_asked(document: dict[str, Any]) -> None:
    assert document["servers"] == [{"url": "http://twinning.test:8080"}]


def test_the_server_is_the_configured_base_url() -> None:
    app = create_app(Settings(root=ROOT, base_url="https://twinning.example.net/kg/"))
    document = app.test_client().get("/openapi.json").get_json()
    assert document["servers"] == [{"url": "https://twinning.example.net/kg"}]


def test_every_route_is_documented_and_every_documented_path_is_a_route(
    app: Flask, document: dict[str, Any]
) -> None:
    routes = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - IMPLICIT
    }
    assert _documented_rules(app, document) == routes


def test_every_operation_documents_the_error_shape(document: dict[str, Any]) -> None:
    errors = document["components"]["responses"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            codes = {int(code) for code in operation["responses"] if int(code) >= 400}
            assert {405, 414, 431, 500, 503} <= codes, (method, path)
            for code in codes:
                content = errors[f"E{code}"]["content"]
                # The HTTP server answers 414 and 431 before reading Accept: JSON alone.
                negotiated = {"text/html", "application/json", "text/plain"}
                assert set(content) == ({"application/json"} if code in (414, 431) else negotiated)
                assert content["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }
    required = document["components"]["schemas"]["Error"]["required"]
    assert required == ["error", "status", "message"]
