"""The admin endpoint without a token, with a wrong one, from another origin: 404 when the admin
endpoints are off, 401 (with a Bearer challenge) without a token, 403 with a wrong one, never a
CORS header, and the token compared in constant time (``hmac.compare_digest``).

Moved here from tests/app/test_operations.py and tests/integration/test_reload_live.py (issue 8).
"""

from __future__ import annotations

import ast
import hmac
import inspect
import textwrap

import httpx
import pytest
from flask.testing import FlaskClient

from tests.admin_site import (  # noqa: F401  # fixtures, used by name
    AUTH,
    JSON,
    TOKEN,
    AppFactory,
    app_fixture,
    client_fixture,
    make_app_fixture,
    site_fixture,
)
from tests.hostile.conftest import ADMIN_TOKEN
from twinning_kg.web import operations


def test_admin_endpoints_are_off_without_a_token(make_app: AppFactory) -> None:
    with make_app(admin_token="").test_client() as client:
        for headers in ({}, AUTH, {"Authorization": "Bearer "}):
            response = client.post("/admin/reload", headers={**headers, **JSON})
            assert response.status_code == 404
            assert response.get_json()["error"] == "not-found"


def test_reload_without_a_token_is_401_with_a_challenge(client: FlaskClient) -> None:
    response = client.post("/admin/reload", headers=JSON)
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


@pytest.mark.parametrize(
    "header",
    [f"Basic {TOKEN}", TOKEN, f"bearer{TOKEN}", "Token abc"],
)
def test_reload_with_another_scheme_is_401(client: FlaskClient, header: str) -> None:
    response = client.post("/admin/reload", headers={"Authorization": header, **JSON})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "token",
    ["wrong", TOKEN[:-1], TOKEN + "x", TOKEN.upper(), "", "é" + TOKEN[1:]],
)
def test_reload_with_a_wrong_token_is_403(client: FlaskClient, token: str) -> None:
    response = client.post("/admin/reload", headers={"Authorization": f"Bearer {token}", **JSON})
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"


@pytest.mark.parametrize(
    ("method", "headers", "status"),
    [
        ("POST", {}, 401),
        ("POST", {"Authorization": "Bearer wrong"}, 403),
        ("GET", AUTH, 404),  # POST only: GET falls through to the entity pages' catch-all
        ("OPTIONS", {"Access-Control-Request-Method": "POST"}, 200),
    ],
)
def test_admin_responses_allow_no_other_origin(
    client: FlaskClient, method: str, headers: dict[str, str], status: int
) -> None:
    origin = {"Origin": "https://evil.example"}
    response = client.open("/admin/reload", method=method, headers={**origin, **headers, **JSON})
    assert response.status_code == status
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Expose-Headers" not in response.headers
    # ...while the public JSON endpoints do allow any origin
    public = client.get("/healthz", headers=origin)
    assert public.headers["Access-Control-Allow-Origin"] == "*"


def test_a_successful_reload_allows_no_other_origin(client: FlaskClient) -> None:
    # the scheme is case-insensitive (RFC 9110, 11.1)
    headers = {"Authorization": f"bearer {TOKEN}", "Origin": "https://evil.example"}
    response = client.post("/admin/reload", headers=headers)
    assert response.status_code == 200, response.text
    assert "Access-Control-Allow-Origin" not in response.headers


# --- constant-time comparison ---------------------------------------------------------------------


@pytest.mark.parametrize("token", ["wrong", TOKEN[:-1], TOKEN, TOKEN + "x", ""])
def test_every_token_goes_through_hmac_compare_digest(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    """Each Bearer token is compared by ``hmac.compare_digest`` (the real one, watched), as
    bytes of the given token against the configured one, whether it is right or wrong."""
    calls: list[tuple[object, object]] = []
    real = hmac.compare_digest

    def watched(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", watched)
    response = client.post("/admin/reload", headers={"Authorization": f"Bearer {token}", **JSON})
    assert response.status_code == (200 if token == TOKEN else 403)
    assert calls == [(token.encode(), TOKEN.encode())]


def test_the_token_is_never_compared_with_an_operator() -> None:
    """The code that checks the token compares it only through ``hmac.compare_digest``: no
    ``==``, ``!=``, ``in`` or ``startswith`` on it (each stops at the first differing byte)."""
    source = textwrap.dedent(inspect.getsource(operations._authorise))
    tree = ast.parse(source)
    names = {"given", "credentials", "admin_token"}

    def mentions_token(node: ast.AST) -> bool:
        return any(
            (isinstance(n, ast.Name) and n.id in names)
            or (isinstance(n, ast.Attribute) and n.attr in names)
            for n in ast.walk(node)
        )

    compared = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        and mentions_token(node)
        and not all(isinstance(op, ast.Is | ast.IsNot) for op in node.ops)
    ]
    assert compared == []
    calls = [
        ast.unparse(node.func)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and any(mentions_token(arg) for arg in node.args)
    ]
    assert "hmac.compare_digest" in calls
    assert not [call for call in calls if call.endswith(("startswith", "endswith", "find"))]


# --- the real server ------------------------------------------------------------------------------


@pytest.mark.live
def test_admin_is_refused_without_the_token(admin_server: str) -> None:
    with httpx.Client(base_url=admin_server, timeout=10.0, trust_env=False) as client:
        origin = {"Origin": "https://elsewhere.example", "Accept": "application/json"}
        missing = client.post("/admin/reload", headers=origin)
        wrong = client.post("/admin/reload", headers={**origin, "Authorization": "Bearer nope"})
        near = client.post(
            "/admin/reload", headers={**origin, "Authorization": f"Bearer {ADMIN_TOKEN[:-1]}"}
        )
    assert missing.status_code == 401
    assert wrong.status_code == near.status_code == 403
    for response in (missing, wrong, near):
        assert "access-control-allow-origin" not in response.headers
        assert response.json()["request_id"] == response.headers["x-request-id"]
