"""HTTP caching and CORS: strong ETags from the data version, Last-Modified, 304s."""

from __future__ import annotations

import hashlib

from flask import Request, Response

from twinning_kg.store import DataVersion

MAX_AGE_S = 300


def make_cacheable(
    response: Response, request: Request, *, version: DataVersion, variant: str
) -> Response:
    """Add a strong ETag (data version + variant), Last-Modified and Cache-Control; answer 304s.

    ``variant`` names everything besides the data that the body depends on (path, format, language).
    """
    digest = hashlib.sha256(f"{version.digest}\0{variant}".encode()).hexdigest()[:32]
    response.set_etag(digest)
    response.last_modified = version.modified
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE_S
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
