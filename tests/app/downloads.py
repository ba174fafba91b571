"""Fetching files the app streams from disk (``send_file``) without leaking the open file."""

from __future__ import annotations

from flask.testing import FlaskClient
from werkzeug.test import TestResponse


def fetch(
    client: FlaskClient, path: str, headers: dict[str, str] | None = None, *, method: str = "GET"
) -> TestResponse:
    """The response, with its body read and its file closed (``response.data`` stays readable)."""
    response = client.open(path, method=method, headers=headers or {})
    response.get_data()
    response.close()
    return response
