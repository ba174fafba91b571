"""``GET /openapi.json``: the OpenAPI 3.1 document of the whole HTTP API.

The document is built here from the same format tables the routes negotiate with, so a media
type added to ``formats.py`` shows up in it. Its one server is the configured ``base_url``, else
the host the request came to: the document describes the server that answered.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Final

from flask import Blueprint, Response, current_app, request

from twinning_kg.formats import ENTITY_FORMATS, GRAPH_RESULT_FORMATS, Format, ResultsFormat
from twinning_kg.publishing.dumps import DUMP_FORMATS
from twinning_kg.settings import Settings

bp = Blueprint("openapi", __name__)

JSON: Final = "application/json"
Schema = dict[str, object]

#: A path segment the resolver accepts (``twinning_kg.web.resolver``).
SEGMENT: Final = r"^[A-Za-z0-9][A-Za-z0-9_\-]*$"
FILE_NAME: Final = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
VOCABULARY: Final[Schema] = {"type": "string", "pattern": SEGMENT}
STRING: Final[Schema] = {"type": "string"}
ANY_JSON: Final[Schema] = {"type": ["object", "array"]}

_ERROR_TEXT: Final = {
    400: "Bad request: a malformed parameter, query or body.",
    401: "No admin token (`Authorization: Bearer TOKEN`).",
    403: "Refused: a wrong admin token, or SPARQL Update on the read-only endpoint.",
    404: "Nothing is published here.",
    405: "The method is not allowed on this path (`Allow` lists those that are).",
    406: "None of the accepted media types is available; the message lists those that are.",
    409: "Another reload is running.",
    413: "The request body or the query is too large.",
    415: "The request body has a media type or charset the endpoint does not read.",
    416: "The requested range is outside the file.",
    422: "The new data does not parse or conform; the old data is still served.",
    500: "An unexpected error (no traceback is ever shown).",
    501: "The store cannot be reloaded by the server (a remote store).",
    503: "The store, the build or the query worker is unavailable, or the query ran too long.",
}
#: Every operation can answer these (unknown paths, unknown methods, failures).
COMMON_ERRORS: Final = (405, 500, 503)


def _error_response(status: int) -> Schema:
    headers: Schema = {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}
    if status in (409, 503):
        headers["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
    if status == 401:
        headers["WWW-Authenticate"] = {"schema": STRING}
    if status == 405:
        headers["Allow"] = {"schema": STRING}
    return {
        "description": _ERROR_TEXT[status],
        "headers": headers,
        "content": {
            "text/html": {"schema": STRING},
            JSON: {"schema": {"$ref": "#/components/schemas/Error"}},
            "text/plain": {"schema": STRING},
        },
    }


def _param(
    name: str, where: str, description: str, schema: Schema, example: object = None
) -> Schema:
    param: Schema = {"name": name, "in": where, "description": description, "schema": schema}
    if where == "path":
        param["required"] = True
    if example is not None:
        param["example"] = example
    return param


LANG: Final = _param(
    "lang", "query", "Page language (else Accept-Language, else English).", {"enum": ["pl", "en"]}
)
ENTITY_FORMAT_NAMES: Final = ("html", "ttl", "turtle", "jsonld", "json", "nt", "rdf", "xml")


def _format_param(names: tuple[str, ...], description: str) -> Schema:
    return _param("format", "query", description, {"type": "string", "enum": list(names)})


def _content(media_types: tuple[str, ...], schemas: dict[str, Schema] | None = None) -> Schema:
    schemas = schemas or {}
    return {m: {"schema": schemas.get(m, STRING)} for m in media_types}


def _operation(
    operation_id: str,
    summary: str,
    ok: Schema,
    *,
    errors: tuple[int, ...] = (),
    parameters: tuple[Schema, ...] = (),
    tag: str = "pages",
    cacheable: bool = True,
    extra: dict[str, Schema] | None = None,
) -> Schema:
    responses: dict[str, Schema] = {"200": ok, **(extra or {})}
    if cacheable:
        responses["304"] = {"description": "Not modified (`If-None-Match`, `If-Modified-Since`)."}
    for status in sorted({*errors, *COMMON_ERRORS}):
        responses[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    operation: Schema = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "responses": responses,
    }
    if parameters:
        operation["parameters"] = list(parameters)
    return operation


def _ok(description: str, content: Schema, *, negotiated: bool = True) -> Schema:
    headers: Schema = {"ETag": {"schema": STRING}}
    if negotiated:
        headers["Content-Location"] = {"schema": STRING}
    return {"description": description, "headers": headers, "content": content}


def _entity_paths() -> dict[str, Schema]:
    """Every IRI the data publishes, by path; negotiated, or with a format suffix."""
    media = tuple(f.media_type for f in ENTITY_FORMATS)
    content = _content(media, {Format.JSONLD.media_type: ANY_JSON})
    fmt = _format_param(ENTITY_FORMAT_NAMES, "The format, unless the path has a suffix.")
    suffix = _param(
        "suffix", "path", "A format suffix.", {"enum": [f.file_extension for f in ENTITY_FORMATS]}
    )
    kinds = {
        "id": (
            "/id/{kind}/{slug}",
            "An entity (municipality, partnership, agreement, event, …).",
            (
                _param("kind", "path", "The kind of entity.", {"pattern": SEGMENT}, "municipality"),
                _param("slug", "path", "The entity's name.", {"pattern": SEGMENT}, "dasing"),
            ),
        ),
        "def": (
            "/def/{vocabulary}/{term}",
            "A class, property or shape of the ontology (`twinning`) or the shapes (`shapes`).",
            (
                _param("vocabulary", "path", "`twinning` or `shapes`.", VOCABULARY, "twinning"),
                _param("term", "path", "The term.", {"pattern": SEGMENT}, "Municipality"),
            ),
        ),
        "vocabulary": (
            "/def/{vocabulary}",
            "The ontology (`twinning`) or the shapes (`shapes`) as a whole.",
            (_param("vocabulary", "path", "`twinning` or `shapes`.", VOCABULARY, "twinning"),),
        ),
        "graph": (
            "/graph/{path}",
            "One source file's named graph; `path` is the file's path without its suffix "
            "(it may hold slashes: `/graph/data/siedlce/partnership-dasing`).",
            (_param("path", "path", "The source file's path.", {"pattern": SEGMENT}, "data"),),
        ),
    }
    paths: dict[str, Schema] = {}
    for name, (path, summary, params) in kinds.items():
        errors = (404, 406)
        paths[path] = {
            "get": _operation(
                f"{name}_negotiated",
                summary + " Negotiated: `?format=`, then `Accept`; HTML by default.",
                _ok("The resource, with `Link` headers to its other formats.", content),
                errors=errors,
                parameters=(*params, fmt, LANG),
            )
        }
        paths[path + ".{suffix}"] = {
            "get": _operation(
                f"{name}_suffixed",
                summary + " In the format its suffix names.",
                _ok("The resource in the named format.", content),
                errors=errors,
                parameters=(*params, suffix, LANG),
            )
        }
    return paths


def _sparql_paths() -> Schema:
    results = tuple(f.media_type for f in ResultsFormat)
    graphs = tuple(f.media_type for f in GRAPH_RESULT_FORMATS)
    media = (*results, *graphs, "text/html")
    content = _content(
        media,
        {
            ResultsFormat.JSON.media_type: {"$ref": "#/components/schemas/SparqlResults"},
            Format.JSONLD.media_type: ANY_JSON,
        },
    )
    ok: Schema = {
        "description": (
            "Query results (SELECT/ASK: SPARQL results; CONSTRUCT/DESCRIBE: RDF); without a "
            "query, the query editor (HTML) or the Service Description (RDF)."
        ),
        "headers": {
            "X-Result-Rows": {"schema": STRING},
            "X-Result-Truncated": {"schema": STRING},
            "X-Result-Limit": {"schema": STRING},
            "ETag": {"schema": STRING},
        },
        "content": content,
    }
    graph_list: Schema = {"type": "array", "items": STRING}
    query = _param("query", "query", "The SPARQL query (at most once).", STRING, "ASK {}")
    dataset = (
        _param("default-graph-uri", "query", "Replaces the query's FROM.", graph_list),
        _param("named-graph-uri", "query", "Replaces the query's FROM NAMED.", graph_list),
    )
    fmt = _param(
        "format",
        "query",
        "The results format (`json`, `xml`, `csv`, `tsv`; `ttl`, `nt`, `jsonld`, `rdf`), "
        "which wins over `Accept`.",
        STRING,
    )
    example = _param(
        "example", "query", "Open (and run) the named example query in the editor.", STRING
    )
    errors = (400, 403, 404, 406, 413, 415)
    get = _operation(
        "sparql_get",
        "Run a SPARQL query; without one, the editor or the Service Description.",
        ok,
        errors=errors,
        parameters=(query, *dataset, fmt, example, LANG),
        tag="sparql",
    )
    form: Schema = {
        "type": "object",
        "properties": {
            "query": STRING,
            "default-graph-uri": graph_list,
            "named-graph-uri": graph_list,
            "format": STRING,
        },
    }
    post = _operation(
        "sparql_post",
        "Run a SPARQL query sent as a form or as the body (`application/sparql-query`).",
        ok,
        errors=errors,
        parameters=(*dataset, fmt, LANG),
        tag="sparql",
    )
    post["requestBody"] = {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": form, "example": {"query": "ASK {}"}},
            "application/sparql-query": {"schema": STRING, "example": "ASK {}"},
        },
    }
    return {"get": get, "post": post}


def _publishing_paths() -> dict[str, Schema]:
    rdf = (Format.TURTLE, Format.JSONLD, Format.NTRIPLES, Format.RDFXML)
    catalogue = _content(
        tuple(f.media_type for f in ENTITY_FORMATS), {"application/ld+json": ANY_JSON}
    )
    void = _content(tuple(f.media_type for f in rdf), {"application/ld+json": ANY_JSON})
    fmt = _format_param(ENTITY_FORMAT_NAMES, "The format, unless the path has a suffix.")

    def suffix(formats: tuple[Format, ...]) -> Schema:
        values = [f.file_extension for f in formats]
        return _param("suffix", "path", "A format suffix.", {"enum": values})

    errors = (404, 406)
    dump_types = tuple(dict.fromkeys((*(d.content_type for d in DUMP_FORMATS), "text/plain")))
    names = [f"{stem}{d.suffix}" for stem in ("twinning", "ontology") for d in DUMP_FORMATS]
    ranged: dict[str, Schema] = {
        "206": {"description": "Part of the file (a `Range` request)."},
    }
    dump = _operation(
        "dump",
        "A dump file, or `SHA256SUMS`, as a download (ranges, strong ETag: its SHA-256).",
        _ok(
            "The file.",
            _content(dump_types, {Format.JSONLD.media_type: ANY_JSON}),
            negotiated=False,
        ),
        errors=(404, 416),
        parameters=(
            _param("name", "path", "The file's name.", {"enum": [*names, "SHA256SUMS"]}, names[0]),
        ),
        tag="open data",
        extra=ranged,
    )
    return {
        "/catalog": {
            "get": _operation(
                "catalogue",
                "The DCAT-AP 3 catalogue, negotiated (HTML for browsers).",
                _ok("The catalogue.", catalogue),
                errors=errors,
                parameters=(fmt, LANG),
                tag="open data",
            )
        },
        "/catalog.{suffix}": {
            "get": _operation(
                "catalogue_suffixed",
                "The DCAT-AP 3 catalogue in the format its suffix names.",
                _ok("The catalogue.", catalogue),
                errors=errors,
                parameters=(suffix(ENTITY_FORMATS), LANG),
                tag="open data",
            )
        },
        "/.well-known/void": {
            "get": _operation(
                "void",
                "The VoID description (Turtle unless `Accept` asks for another RDF format).",
                _ok("The VoID description.", void),
                errors=errors,
                parameters=(fmt,),
                tag="open data",
            )
        },
        "/.well-known/void.{suffix}": {
            "get": _operation(
                "void_suffixed",
                "The VoID description in the format its suffix names.",
                _ok("The VoID description.", void),
                errors=errors,
                parameters=(suffix(rdf),),
                tag="open data",
            )
        },
        "/dumps/{name}": {"get": dump},
        "/sitemap.xml": {
            "get": _operation(
                "sitemap",
                "Every page: home, catalogue, each entity, term, shape and source graph.",
                _ok("The sitemap.", _content(("application/xml",)), negotiated=False),
                tag="open data",
            )
        },
        "/robots.txt": {
            "get": _operation(
                "robots",
                "Crawl rules pointing to the sitemap.",
                _ok("The rules.", _content(("text/plain",)), negotiated=False),
                tag="open data",
            )
        },
    }


def _page_paths() -> dict[str, Schema]:
    search_formats = ("html", "jsonld", "json")
    return {
        "/": {
            "get": _operation(
                "home",
                "The home page: map, partnerships, timeline, links to the data.",
                _ok("The page.", _content(("text/html",)), negotiated=False),
                parameters=(LANG,),
            )
        },
        "/search": {
            "get": _operation(
                "search",
                "Label search, case- and diacritics-insensitive.",
                _ok(
                    "The hits, as a page or as JSON (`format=json`, `Accept: application/json`).",
                    _content(("text/html", JSON), {JSON: {"$ref": "#/components/schemas/Hits"}}),
                    negotiated=False,
                ),
                errors=(406,),
                parameters=(
                    _param("q", "query", "The text to look for.", STRING, "berdyczow"),
                    _format_param(search_formats, "`json` for JSON."),
                    LANG,
                ),
            )
        },
        "/context.jsonld": {
            "get": _operation(
                "context",
                "The JSON-LD `@context` every JSON-LD response uses.",
                _ok(
                    "The context.",
                    _content(("application/ld+json",), {"application/ld+json": ANY_JSON}),
                    negotiated=False,
                ),
            )
        },
        "/queries": {
            "get": _operation(
                "queries",
                "The example queries, with links that open or run each one.",
                _ok(
                    "The examples, as a page or as JSON.",
                    _content(
                        ("text/html", JSON), {JSON: {"$ref": "#/components/schemas/Examples"}}
                    ),
                    negotiated=False,
                ),
                errors=(406,),
                parameters=(_format_param(search_formats, "`json` for JSON."), LANG),
                tag="sparql",
            )
        },
        "/static/{filename}": {
            "get": _operation(
                "static",
                "CSS, scripts, vendored Leaflet and YASGUI.",
                _ok("The file.", {"*/*": {"schema": STRING}}, negotiated=False),
                errors=(404,),
                parameters=(
                    _param("filename", "path", "The file.", {"pattern": FILE_NAME}, "app.css"),
                ),
            )
        },
    }


def _operations_paths() -> dict[str, Schema]:
    reload = _operation(
        "reload",
        "Re-read, validate and swap in the data; needs the admin token.",
        _ok(
            "The data now served.",
            _content((JSON,), {JSON: {"$ref": "#/components/schemas/Reloaded"}}),
            negotiated=False,
        ),
        errors=(401, 403, 404, 409, 422, 501),
        tag="operations",
        cacheable=False,
    )
    reload["security"] = [{"adminToken": []}]
    return {
        "/healthz": {
            "get": _operation(
                "healthz",
                "Liveness, and what this process serves.",
                _ok(
                    "The state.",
                    _content((JSON,), {JSON: {"$ref": "#/components/schemas/Health"}}),
                    negotiated=False,
                ),
                tag="operations",
                cacheable=False,
            )
        },
        "/metrics": {
            "get": _operation(
                "metrics",
                "Prometheus metrics of all the server's processes together.",
                _ok("The metrics.", _content(("text/plain",)), negotiated=False),
                tag="operations",
                cacheable=False,
            )
        },
        "/admin/reload": {"post": reload},
        "/openapi.json": {
            "get": _operation(
                "openapi",
                "This document.",
                _ok(
                    "The OpenAPI document.",
                    _content((JSON,), {JSON: {"type": "object"}}),
                    negotiated=False,
                ),
                tag="operations",
                cacheable=False,
            )
        },
    }


def _components() -> Schema:
    nullable_string: Schema = {"type": ["string", "null"]}
    return {
        "schemas": {
            "Error": {
                "type": "object",
                "description": "Every error for JSON clients.",
                "required": ["error", "status", "message"],
                "properties": {
                    "error": {"type": "string", "description": "A stable code: `not-found`…"},
                    "status": {"type": "integer", "minimum": 400, "maximum": 599},
                    "message": {"type": "string", "description": "What went wrong, for people."},
                    "request_id": {"type": "string", "description": "Also in `X-Request-Id`."},
                },
            },
            "Hits": {
                "type": "object",
                "required": ["query", "results"],
                "properties": {
                    "query": STRING,
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["iri", "label"],
                            "properties": {
                                "iri": STRING,
                                "label": STRING,
                                "lang": nullable_string,
                                "type": nullable_string,
                                "url": nullable_string,
                            },
                        },
                    },
                },
            },
            "Examples": {
                "type": "object",
                "required": ["endpoint", "examples"],
                "properties": {
                    "endpoint": STRING,
                    "examples": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["name", "query"],
                            "properties": {"name": STRING, "query": STRING, "form": STRING},
                        },
                    },
                },
            },
            "SparqlResults": {
                "type": "object",
                "description": "SPARQL 1.1 Query Results JSON Format.",
                "required": ["head"],
                "properties": {
                    "head": {"type": "object"},
                    "results": {
                        "type": "object",
                        "required": ["bindings"],
                        "properties": {"bindings": {"type": "array", "items": {"type": "object"}}},
                    },
                    "boolean": {"type": "boolean"},
                },
            },
            "Health": {
                "type": "object",
                "required": ["status", "backend", "data_version", "triples"],
                "properties": {
                    "status": {"const": "ok"},
                    "backend": STRING,
                    "data_version": STRING,
                    "data_modified": STRING,
                    "triples": {"type": "integer"},
                    "last_reload": {"type": ["object", "null"]},
                },
            },
            "Reloaded": {
                "type": "object",
                "required": ["status", "data_version", "triples"],
                "properties": {
                    "status": {"const": "reloaded"},
                    "data_version": STRING,
                    "triples": {"type": "integer"},
                    "seconds": {"type": "number"},
                },
            },
        },
        "responses": {f"E{status}": _error_response(status) for status in _ERROR_TEXT},
        "headers": {
            "X-Request-Id": {"description": "The request's id, as in the logs.", "schema": STRING},
            "Retry-After": {"description": "Seconds to wait.", "schema": STRING},
        },
        "securitySchemes": {
            "adminToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "The `admin_token` setting (`TWINNING_ADMIN_TOKEN`).",
            }
        },
    }


@cache
def _paths() -> dict[str, Schema]:
    return {
        **_page_paths(),
        **_entity_paths(),
        "/sparql": _sparql_paths(),
        **_publishing_paths(),
        **_operations_paths(),
    }


def _version() -> str:
    try:
        return version("twinning-kg")
    except PackageNotFoundError:  # pragma: no cover - running from a tree that is not installed
        return "0"


def openapi_document(server_url: str) -> dict[str, object]:
    """The OpenAPI 3.1 document, with ``server_url`` as its one server.

    >>> doc = openapi_document("http://localhost:5000")
    >>> doc["openapi"], doc["servers"]
    ('3.1.0', [{'url': 'http://localhost:5000'}])
    """
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "twinning-kg",
            "version": _version(),
            "description": (
                "Town-twinning partnerships as linked data: every IRI in five formats, search, "
                "a read-only SPARQL 1.1 endpoint, the DCAT-AP catalogue and dumps. Errors follow "
                '`Accept`: JSON clients get `{"error", "status", "message", "request_id"}`, '
                "browsers an HTML page, SPARQL clients plain text (`400 invalid-query: …`). Every "
                "GET also answers HEAD; `OPTIONS` answers CORS preflights."
            ),
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": server_url}],
        "paths": _paths(),
        "components": _components(),
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI document of this server."""
    settings: Settings = current_app.extensions["twinning_kg"]
    server = (settings.base_url or request.url_root).rstrip("/")
    body = json.dumps(openapi_document(server), ensure_ascii=False, indent=1)
    response = Response(body, mimetype=JSON)
    response.headers["Cache-Control"] = "no-cache"
    return response
