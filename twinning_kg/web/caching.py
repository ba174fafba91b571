"""HTTP caching and CORS: strong ETags from the data version, Last-Modified, 304s."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache
from typing import Final

from flask import Request, Response
from werkzeug.http import http_date

from twinning_kg.store import DataVersion

MAX_AGE_S: Final = 300
_CACHE_CONTROL: Final = f"public, max-age={MAX_AGE_S}"
#: The request headers that werkzeug's conditional GET reads (304 or, for If-Match, 412); without
#: any of them the answer is the full response, and that machinery has nothing to do.
_CONDITIONAL: Final = frozenset({"HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE"})


@lru_cache(maxsize=8)
def _last_modified(modified: datetime) -> str:
    return http_date(modified)


def make_cacheable(
    response: Response, request: Request, *, version: DataVersion, variant: str
) -> Response:
    """Set a strong ETag (data version + variant), Last-Modified and Cache-Control (replacing
    any the response had); answer 304s and, for a failed If-Match, 412.

    ``variant`` names everything besides the data that the body depends on (path, format, language).
    """
    digest = hashlib.sha256(f"{version.digest}\0{variant}".encode()).hexdigest()[:32]
    headers = response.headers
    headers["ETag"] = f'"{digest}"'
    headers["Last-Modified"] = _last_modified(version.modified)
    headers["Cache-Control"] = _CACHE_CONTROL
    if not _CONDITIONAL.isdisjoint(request.environ):
        response.make_conditional(request)
    return response


def allow_cors(response: Response) -> Response:
    """Let any origin read machine-readable responses (RDF, JSON, SPARQL results)."""
    if response.mimetype != "text/html":
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = (
            "ETag, Link, Content-Location, X-Result-Rows, X-Result-Truncated, X-Result-Limit, "
            "Retry-After"
        )
    return response
