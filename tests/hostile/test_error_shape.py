"""Every error has one shape: JSON ``{"error", "status", "message", "request_id"}`` for JSON
clients, the friendly page for browsers, a SPARQL-style line for SPARQL clients; and no body
carries a traceback, a path of the server's files or an internal host name.

Each status is triggered by the exact request below, in process (``create_app`` over a private
copy of the sources, with no build and a small body limit), except 414, which the HTTP server
itself answers for a request line over its limit (tested against the real server).
"""

from __future__ import annotations

import json
import re
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import ROOT
from tests.hostile.conftest import ADMIN_TOKEN
from twinning_kg.reloading import reload_lock
from twinning_kg.settings import Settings
from twinning_kg.web import create_app

JSON: Final = {"Accept": "application/json"}
HTML: Final = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
PLAIN: Final = {"Accept": "text/plain"}
AUTH: Final = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
CARTESIAN: Final = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
#: What a planted failure says: a path of the server and an internal address.
SECRET_FAULT: Final = f"cannot open {ROOT}/var/secret.db on 127.0.0.1:5432"
MAX_BODY: Final = 20_000


@dataclass(frozen=True)
class Trigger:
    """The exact request that makes the app answer ``status`` with ``code``."""

    status: int
    code: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    data: bytes | None = None
    content_type: str | None = None

    @property
    def sparql(self) -> bool:
        return self.path.startswith("/sparql")


TRIGGERS: Final = [
    Trigger(404, "not-found", "GET", "/id/municipality/atlantis"),
    Trigger(404, "not-found", "GET", "/%2e%2e/%2e%2e/etc/passwd"),
    Trigger(404, "not-found", "GET", "/dumps/twinning.zip"),
    Trigger(405, "method-not-allowed", "DELETE", "/id/municipality/dasing"),
    Trigger(405, "method-not-allowed", "PUT", "/sparql"),
    Trigger(406, "not-acceptable", "GET", "/id/municipality/dasing?format=png"),
    Trigger(406, "not-acceptable", "GET", "/sparql?query=ASK%20%7B%7D&format=png"),
    Trigger(400, "invalid-query", "GET", "/sparql?query=SELEC%20%3Fx"),
    Trigger(400, "bad-request", "GET", "/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D"),
    Trigger(
        413,
        "request-entity-too-large",
        "POST",
        "/sparql",
        data=b"query=" + b"A" * (MAX_BODY + 1),
        content_type="application/x-www-form-urlencoded",
    ),
    Trigger(
        415, "unsupported-media-type", "POST", "/sparql", data=b"<q/>", content_type="text/xml"
    ),
    Trigger(401, "unauthorized", "POST", "/admin/reload"),
    Trigger(403, "forbidden", "POST", "/admin/reload", headers={"Authorization": "Bearer nope"}),
    Trigger(403, "forbidden", "GET", "/sparql?update=CLEAR%20ALL"),
    Trigger(409, "reload-in-progress", "POST", "/admin/reload", headers=AUTH),
    Trigger(422, "reload-rejected", "POST", "/admin/reload", headers=AUTH),
    Trigger(503, "build-missing", "GET", "/catalog"),
    Trigger(503, "query-timeout", "GET", f"/sparql?query={CARTESIAN}"),
    Trigger(500, "internal-error", "GET", "/planted-fault"),
]


def _id(trigger: Trigger) -> str:
    return f"{trigger.status}-{trigger.method}-{trigger.path[:40]}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the sources (a reload test breaks it)."""
    root = tmp_path_factory.mktemp("error_shape") / "site"
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


@pytest.fixture(scope="module")
def settings(site: Path) -> Settings:
    return Settings(
        root=site,
        admin_token=ADMIN_TOKEN,
        state_dir=Path("state"),
        build_dir=Path("no-build"),
        max_request_bytes=MAX_BODY,
        sparql_timeout_s=1.0,
    )


@pytest.fixture(scope="module")
def app(settings: Settings) -> Flask:
    app = create_app(settings)

    def planted_fault() -> str:
        raise RuntimeError(SECRET_FAULT)

    app.add_url_rule("/planted-fault", view_func=planted_fault)
    return app


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as client:
        yield client


def _send(client: FlaskClient, trigger: Trigger, accept: dict[str, str]) -> TestResponse:
    return client.open(
        trigger.path,
        method=trigger.method,
        headers={**trigger.headers, **accept},
        data=trigger.data,
        content_type=trigger.content_type,
    )


@pytest.fixture
def trigger_state(request: pytest.FixtureRequest, settings: Settings, site: Path) -> Iterator[None]:
    """Set up what the trigger needs: a reload running (409), a broken file (422)."""
    trigger: Trigger = request.param
    if trigger.status == 409:
        with reload_lock(settings):
            yield
    elif trigger.status == 422:
        broken = site / "data" / "broken.ttl"
        broken.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ", encoding="utf-8")
        try:
            yield
        finally:
            broken.unlink()
    else:
        yield


def _assert_nothing_leaks(body: str, site: Path) -> None:
    for secret in ("Traceback", 'File "', str(ROOT), str(site), "127.0.0.1", socket.gethostname()):
        assert secret not in body, secret


def _expects(trigger: Trigger, status: int) -> None:
    assert status == trigger.status


@pytest.mark.parametrize("trigger_state", TRIGGERS, ids=_id, indirect=True)
def test_json_clients_get_the_error_object(
    client: FlaskClient, request: pytest.FixtureRequest, trigger_state: None, site: Path
) -> None:
    trigger: Trigger = request.node.callspec.params["trigger_state"]
    response = _send(client, trigger, JSON)
    _expects(trigger, response.status_code)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "status", "message", "request_id"}
    assert body["error"] == trigger.code
    assert body["status"] == trigger.status
    assert isinstance(body["message"], str) and body["message"]
    assert body["request_id"] == response.headers["X-Request-Id"]
    _assert_nothing_leaks(response.get_data(as_text=True), site)


@pytest.mark.parametrize("trigger_state", TRIGGERS, ids=_id, indirect=True)
def test_browsers_get_the_friendly_page(
    client: FlaskClient, request: pytest.FixtureRequest, trigger_state: None, site: Path
) -> None:
    trigger: Trigger = request.node.callspec.params["trigger_state"]
    response = _send(client, trigger, HTML)
    _expects(trigger, response.status_code)
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert f"<h1>{trigger.status} ·" in page
    assert 'class="error-message"' in page
    assert response.headers["X-Request-Id"] in page
    assert "Content-Security-Policy" in response.headers
    _assert_nothing_leaks(page, site)


@pytest.mark.parametrize("trigger_state", TRIGGERS, ids=_id, indirect=True)
def test_sparql_and_plain_text_clients_get_one_line(
    client: FlaskClient, request: pytest.FixtureRequest, trigger_state: None, site: Path
) -> None:
    """A SPARQL client (no ``Accept``, or SPARQL's own) on /sparql; ``text/plain`` elsewhere."""
    trigger: Trigger = request.node.callspec.params["trigger_state"]
    accept = {} if trigger.sparql else PLAIN
    response = _send(client, trigger, accept)
    _expects(trigger, response.status_code)
    assert response.mimetype == "text/plain"
    first, second = response.get_data(as_text=True).splitlines()
    assert first.startswith(f"{trigger.status} {trigger.code}: ")
    assert second == f"(request id {response.headers['X-Request-Id']})"
    _assert_nothing_leaks(response.get_data(as_text=True), site)


def test_sparql_results_clients_get_json(client: FlaskClient) -> None:
    """A client asking for SPARQL JSON results gets its errors as JSON."""
    headers = {"Accept": "application/sparql-results+json"}
    response = client.get("/sparql?query=SELEC", headers=headers)
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert response.get_json()["error"] == "invalid-query"


def test_an_unknown_example_query_gets_the_friendly_404(client: FlaskClient) -> None:
    """``?example=`` opens the editor, so only browsers reach this 404."""
    response = client.get("/sparql?example=no-such-example", headers=HTML)
    assert response.status_code == 404
    assert "<h1>404 ·" in response.get_data(as_text=True)


def test_retry_after_comes_with_every_503_and_409(client: FlaskClient, settings: Settings) -> None:
    assert client.get("/catalog", headers=JSON).headers["Retry-After"] == "30"
    with reload_lock(settings):
        assert client.post("/admin/reload", headers={**AUTH, **JSON}).headers["Retry-After"]


def _over_long_request_line(base_url: str) -> httpx.Response:
    with httpx.Client(base_url=base_url, trust_env=False, timeout=10) as http:
        return http.get("/search", params={"q": "x" * 9000}, headers=JSON)


def test_an_over_long_request_line_gets_414_without_leaks(admin_server: str) -> None:
    """The HTTP server refuses a request line over 8 190 bytes before the app sees it."""
    response = _over_long_request_line(admin_server)
    assert response.status_code == 414
    _assert_nothing_leaks(response.text, ROOT)


def test_an_over_long_request_line_gets_the_json_error(admin_server: str) -> None:
    """gunicorn refuses it before the app sees it; its worker answers in the app's shape."""
    response = _over_long_request_line(admin_server)
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == "uri-too-long"
    assert body["status"] == 414
    assert "8190 bytes" in body["message"]
    assert re.fullmatch(r"[0-9a-f]{16}", body["request_id"])
    assert response.headers["X-Request-Id"] == body["request_id"]


def _raw(base_url: str, request: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send ``request`` as bytes; the status line, the headers and the body of the answer."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return status, headers, body


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (
            b"GET / HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-%d: y\r\n" % i for i in range(150))
            + b"\r\n",
            "HTTP/1.1 431 Request Header Fields Too Large",
            "request-header-fields-too-large",
        ),
        (b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request", "bad-request"),
        (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request", "bad-request"),
        (b"GET / HTTP/1.1\r\nHost x\r\n\r\n", "HTTP/1.1 400 Bad Request", "bad-request"),
    ],
    ids=["too-many-header-fields", "nul-in-the-target", "http-9.9", "header-without-colon"],
)
def test_requests_gunicorn_cannot_read_get_the_json_error(
    admin_server: str, request_bytes: bytes, status: str, code: str, site: Path
) -> None:
    line, headers, body = _raw(admin_server, request_bytes)
    assert line == status
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(body)
    assert json.loads(body)["error"] == code
    assert json.loads(body)["request_id"] == headers["x-request-id"]
    _assert_nothing_leaks(body.decode(), site)
    # The server goes on answering.
    assert httpx.get(admin_server + "/healthz", trust_env=False).status_code == 200
