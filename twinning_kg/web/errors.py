"""One error handler for the app: a TwinningError (or HTTP error) becomes a negotiated body."""

from __future__ import annotations

import json
import logging
from typing import Final

from flask import Flask, Response, g, render_template, request
from werkzeug.exceptions import HTTPException

from twinning_kg.errors import TwinningError
from twinning_kg.web.i18n import DEFAULT_LANGUAGE, LANGUAGES
from twinning_kg.web.negotiation import media_ranges

log = logging.getLogger(__name__)
ERROR_MEDIA_TYPES: Final = ("text/html", "application/json", "text/plain")


def _error_media_type() -> str:
    """Negotiate the error body as pages are: no Accept (or only garbage) and ``*/*`` get HTML.

    SPARQL protocol clients get a SPARQL-style plain-text message unless they ask for HTML or
    JSON (the results media types count as JSON).
    """
    accept = media_ranges(request.accept_mimetypes)
    # A 405 matched no rule, so it has no blueprint: /sparql's own path still makes it SPARQL's.
    if request.blueprint == "sparql" or request.path == "/sparql":
        if accept and accept["application/sparql-results+json"] > accept["text/plain"]:
            return "application/json"
        if accept and accept.best in ("text/html", "application/json"):
            return accept.best
        return "text/plain"
    if not accept:
        return "text/html"
    return accept.best_match(ERROR_MEDIA_TYPES, default="application/json")


def error_response(status: int, code: str, message: str) -> Response:
    """Render an error in the negotiated media type: HTML, plain text or JSON.

    HTML for browsers and for clients that state no preference (as pages do), plain text for
    clients that ask for it, JSON for JSON clients and everyone else.
    """
    lang = getattr(g, "lang", DEFAULT_LANGUAGE)
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    media_type = _error_media_type()
    request_id = getattr(g, "request_id", "-")
    if media_type == "text/html":
        body = render_template(
            "error.html",
            status=status,
            code=code,
            message=message,
            lang=lang,
            request_id=request_id,
        )
        response = Response(body, status=status, mimetype="text/html")
    elif media_type == "text/plain":
        text = f"{status} {code}: {message}\n(request id {request_id})\n"
        response = Response(text, status=status, mimetype="text/plain")
    else:
        payload = {"error": code, "status": status, "message": message, "request_id": request_id}
        response = Response(json.dumps(payload), status=status, mimetype="application/json")
    response.headers["Vary"] = "Accept, Accept-Language"
    return response


def register_error_handlers(app: Flask) -> None:
    """Route every failure through :func:`error_response`; never show a traceback."""

    @app.errorhandler(TwinningError)
    def handle_twinning_error(exc: TwinningError) -> Response:
        response = error_response(exc.status, exc.code, exc.message)
        if exc.retry_after_s is not None:
            response.headers["Retry-After"] = str(exc.retry_after_s)
        return response

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = (exc.name or "error").lower().replace(" ", "-")
        response = error_response(status, code, exc.description or exc.name or "Error")
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal-error", "An unexpected error occurred.")
