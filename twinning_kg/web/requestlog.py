"""Request ids, structured (JSON) access logs and request metrics."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import time
from typing import Final

from flask import Flask, Response, g, request

from twinning_kg.web.metrics import Metrics

log = logging.getLogger("twinning_kg.access")
_SAFE_ID: Final = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def install(app: Flask, metrics: Metrics) -> None:
    """Give every request an id (or keep a sane incoming X-Request-Id), log it, count it."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False

    @app.before_request
    def start() -> None:
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if _SAFE_ID.match(incoming) else secrets.token_hex(8)
        g.started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        elapsed = time.perf_counter() - getattr(g, "started", time.perf_counter())
        request_id = getattr(g, "request_id", "-")
        response.headers["X-Request-Id"] = request_id
        route = request.url_rule.rule if request.url_rule is not None else "(none)"
        metrics.inc("twinning_requests_total", route=route, status=str(response.status_code))
        metrics.observe("twinning_request_duration_seconds", elapsed, route=route)
        log.info(
            json.dumps(
                {
                    "ts": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "id": request_id,
                    "pid": os.getpid(),  # which server process answered
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round(elapsed * 1000, 2),
                    "bytes": response.calculate_content_length(),
                    "ua": request.headers.get("User-Agent", "")[:120],
                }
            )
        )
        return response
