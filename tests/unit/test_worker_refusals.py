"""Which of gunicorn's own refusals the worker answers in the app's error shape, and how.

The live server's answers are in ``tests/hostile/test_error_shape.py``; here, every kind of
exception gunicorn raises, including those that must stay gunicorn's (the app's own faults).
"""

from __future__ import annotations

import json

import pytest
from gunicorn.http import errors as http_errors  # type: ignore[import-untyped]  # no stubs

from twinning_kg.web.worker import refusal

SHAPED = [
    (http_errors.LimitRequestLine(9000, 8190), 414, "uri-too-long"),
    (http_errors.LimitRequestHeaders("too many"), 431, "request-header-fields-too-large"),
    (http_errors.InvalidRequestLine("GET /\x00"), 400, "bad-request"),
    (http_errors.InvalidRequestMethod("G@T"), 400, "bad-request"),
    (http_errors.InvalidHTTPVersion("HTTP/9.9"), 400, "bad-request"),
    (http_errors.InvalidHeader("Host x"), 400, "bad-request"),
    (http_errors.InvalidHeaderName("Ho st"), 400, "bad-request"),
    (http_errors.InvalidChunkSize(b"zz"), 400, "bad-request"),
]
LEFT_TO_GUNICORN = [
    http_errors.InvalidResponseHeader("X: \r\n"),  # the app's fault: a 500
    http_errors.InvalidResponseHeaderName("X Y"),
    http_errors.ExpectationFailed("200-ok"),
    http_errors.UnsupportedTransferCoding("foo"),
    RuntimeError("an error of the app"),
]


@pytest.mark.parametrize(("exc", "status", "code"), SHAPED, ids=lambda v: type(v).__name__)
def test_a_request_gunicorn_cannot_read_gets_the_error_object(
    exc: Exception, status: int, code: str
) -> None:
    shaped = refusal(exc, line=8190, fields=100)
    assert shaped is not None
    got_status, reason, request_id, body = shaped
    assert got_status == status
    assert reason and reason.isascii()
    payload = json.loads(body)
    assert payload == {
        "error": code,
        "status": status,
        "message": payload["message"],
        "request_id": request_id,
    }
    assert "GET /" not in payload["message"]  # what the client sent is not echoed


def test_the_limits_are_named_in_the_message() -> None:
    shaped = refusal(http_errors.LimitRequestLine(9000, 4096), line=4096, fields=100)
    assert shaped is not None
    assert "4096 bytes" in json.loads(shaped[3])["message"]


@pytest.mark.parametrize("exc", LEFT_TO_GUNICORN, ids=lambda v: type(v).__name__)
def test_other_errors_are_left_to_gunicorn(exc: Exception) -> None:
    assert refusal(exc, line=8190, fields=100) is None
