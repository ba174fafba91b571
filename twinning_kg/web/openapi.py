"""``GET /openapi.json``: the OpenAPI 3.1 document of the whole HTTP API.

The document is built here from the same format tables the routes negotiate with, so a media
type added to ``formats.py`` shows up in it. Its one server is the configured ``base_url``, else
the host the request came to: the document describes the server that answered.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.metadata import PackageNotFoundError, version

from flask import Blueprint, Response, current_app, request

from twinning_kg.formats import ENTITY_FORMATS, GRAPH_RESULT_FORMATS, Format, ResultsFormat
from twinning_kg.publishing.dumps import DUMP_FORMATS
from twinning_kg.settings import Settings
from twinning_kg.web.openapi_parts import (
    ANY_JSON,
    ENTITY_FORMAT_NAMES,
    FILE_NAME,
    JSON,
    LANG,
    SEGMENT,
    STRING,
    VOCABULARY,
    Schema,
    components,
    format_param,
    media_content,
    ok_response,
    operation,
    param,
)

bp = Blueprint("openapi", __name__)


def _entity_paths() -> dict[str, Schema]:
    """Every IRI the data publishes, by path; negotiated, or with a format suffix."""
    media = tuple(f.media_type for f in ENTITY_FORMATS)
    content = media_content(media, {Format.JSONLD.media_type: ANY_JSON})
    fmt = format_param(ENTITY_FORMAT_NAMES, "The format, unless the path has a suffix.")
    suffix = param(
        "suffix", "path", "A format suffix.", {"enum": [f.file_extension for f in ENTITY_FORMATS]}
    )
    kinds = {
        "id": (
            "/id/{kind}/{slug}",
            "An entity (municipality, partnership, agreement, event, …).",
            (
                param("kind", "path", "The kind of entity.", {"pattern": SEGMENT}, "municipality"),
                param("slug", "path", "The entity's name.", {"pattern": SEGMENT}, "dasing"),
            ),
        ),
        "def": (
            "/def/{vocabulary}/{term}",
            "A class, property or shape of the ontology (`twinning`) or the shapes (`shapes`).",
            (
                param("vocabulary", "path", "`twinning` or `shapes`.", VOCABULARY, "twinning"),
                param("term", "path", "The term.", {"pattern": SEGMENT}, "Municipality"),
            ),
        ),
        "vocabulary": (
            "/def/{vocabulary}",
            "The ontology (`twinning`) or the shapes (`shapes`) as a whole.",
            (param("vocabulary", "path", "`twinning` or `shapes`.", VOCABULARY, "twinning"),),
        ),
        "graph": (
            "/graph/{path}",
            "One source file's named graph; `path` is the file's path without its suffix "
            "(it may hold slashes: `/graph/data/siedlce/partnership-dasing`).",
            (param("path", "path", "The source file's path.", {"pattern": SEGMENT}, "data"),),
        ),
    }
    paths: dict[str, Schema] = {}
    for name, (path, summary, params) in kinds.items():
        errors = (404, 406)
        paths[path] = {
            "get": operation(
                f"{name}_negotiated",
                summary + " Negotiated: `?format=`, then `Accept`; HTML by default.",
                ok_response("The resource, with `Link` headers to its other formats.", content),
                errors=errors,
                parameters=(*params, fmt, LANG),
            )
        }
        paths[path + ".{suffix}"] = {
            "get": operation(
                f"{name}_suffixed",
                summary + " In the format its suffix names.",
                ok_response("The resource in the named format.", content),
                errors=errors,
                parameters=(*params, suffix, LANG),
            )
        }
    return paths


def _sparql_paths() -> Schema:
    results = tuple(f.media_type for f in ResultsFormat)
    graphs = tuple(f.media_type for f in GRAPH_RESULT_FORMATS)
    media = (*results, *graphs, "text/html")
    content = media_content(
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
    query = param("query", "query", "The SPARQL query (at most once).", STRING, "ASK {}")
    dataset = (
        param("default-graph-uri", "query", "Replaces the query's FROM.", graph_list),
        param("named-graph-uri", "query", "Replaces the query's FROM NAMED.", graph_list),
    )
    fmt = param(
        "format",
        "query",
        "The results format (`json`, `xml`, `csv`, `tsv`; `ttl`, `nt`, `jsonld`, `rdf`), "
        "which wins over `Accept`.",
        STRING,
    )
    example = param(
        "example", "query", "Open (and run) the named example query in the editor.", STRING
    )
    errors = (400, 403, 404, 406, 413, 415)
    get = operation(
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
    post = operation(
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
    catalogue = media_content(
        tuple(f.media_type for f in ENTITY_FORMATS), {"application/ld+json": ANY_JSON}
    )
    void = media_content(tuple(f.media_type for f in rdf), {"application/ld+json": ANY_JSON})
    fmt = format_param(ENTITY_FORMAT_NAMES, "The format, unless the path has a suffix.")

    def suffix(formats: tuple[Format, ...]) -> Schema:
        values = [f.file_extension for f in formats]
        return param("suffix", "path", "A format suffix.", {"enum": values})

    errors = (404, 406)
    dump_types = tuple(dict.fromkeys((*(d.content_type for d in DUMP_FORMATS), "text/plain")))
    names = [f"{stem}{d.suffix}" for stem in ("twinning", "ontology") for d in DUMP_FORMATS]
    ranged: dict[str, Schema] = {
        "206": {"description": "Part of the file (a `Range` request)."},
    }
    dump = operation(
        "dump",
        "A dump file, or `SHA256SUMS`, as a download (ranges, strong ETag: its SHA-256).",
        ok_response(
            "The file.",
            media_content(dump_types, {Format.JSONLD.media_type: ANY_JSON}),
            negotiated=False,
        ),
        errors=(404, 416),
        parameters=(
            param("name", "path", "The file's name.", {"enum": [*names, "SHA256SUMS"]}, names[0]),
        ),
        tag="open data",
        extra=ranged,
    )
    return {
        "/catalog": {
            "get": operation(
                "catalogue",
                "The DCAT-AP 3 catalogue, negotiated (HTML for browsers).",
                ok_response("The catalogue.", catalogue),
                errors=errors,
                parameters=(fmt, LANG),
                tag="open data",
            )
        },
        "/catalog.{suffix}": {
            "get": operation(
                "catalogue_suffixed",
                "The DCAT-AP 3 catalogue in the format its suffix names.",
                ok_response("The catalogue.", catalogue),
                errors=errors,
                parameters=(suffix(ENTITY_FORMATS), LANG),
                tag="open data",
            )
        },
        "/.well-known/void": {
            "get": operation(
                "void",
                "The VoID description (Turtle unless `Accept` asks for another RDF format).",
                ok_response("The VoID description.", void),
                errors=errors,
                parameters=(fmt,),
                tag="open data",
            )
        },
        "/.well-known/void.{suffix}": {
            "get": operation(
                "void_suffixed",
                "The VoID description in the format its suffix names.",
                ok_response("The VoID description.", void),
                errors=errors,
                parameters=(suffix(rdf),),
                tag="open data",
            )
        },
        "/dumps/{name}": {"get": dump},
        "/sitemap.xml": {
            "get": operation(
                "sitemap",
                "Every page: home, catalogue, each entity, term, shape and source graph.",
                ok_response("The sitemap.", media_content(("application/xml",)), negotiated=False),
                tag="open data",
            )
        },
        "/robots.txt": {
            "get": operation(
                "robots",
                "Crawl rules pointing to the sitemap.",
                ok_response("The rules.", media_content(("text/plain",)), negotiated=False),
                tag="open data",
            )
        },
    }


def _page_paths() -> dict[str, Schema]:
    search_formats = ("html", "jsonld", "json")
    return {
        "/": {
            "get": operation(
                "home",
                "The home page: map, partnerships, timeline, links to the data.",
                ok_response("The page.", media_content(("text/html",)), negotiated=False),
                parameters=(LANG,),
            )
        },
        "/search": {
            "get": operation(
                "search",
                "Label search, case- and diacritics-insensitive.",
                ok_response(
                    "The hits, as a page or as JSON (`format=json`, `Accept: application/json`).",
                    media_content(
                        ("text/html", JSON), {JSON: {"$ref": "#/components/schemas/Hits"}}
                    ),
                    negotiated=False,
                ),
                errors=(406,),
                parameters=(
                    param("q", "query", "The text to look for.", STRING, "berdyczow"),
                    format_param(search_formats, "`json` for JSON."),
                    LANG,
                ),
            )
        },
        "/context.jsonld": {
            "get": operation(
                "context",
                "The JSON-LD `@context` every JSON-LD response uses.",
                ok_response(
                    "The context.",
                    media_content(("application/ld+json",), {"application/ld+json": ANY_JSON}),
                    negotiated=False,
                ),
            )
        },
        "/queries": {
            "get": operation(
                "queries",
                "The example queries, with links that open or run each one.",
                ok_response(
                    "The examples, as a page or as JSON.",
                    media_content(
                        ("text/html", JSON), {JSON: {"$ref": "#/components/schemas/Examples"}}
                    ),
                    negotiated=False,
                ),
                errors=(406,),
                parameters=(format_param(search_formats, "`json` for JSON."), LANG),
                tag="sparql",
            )
        },
        "/static/{filename}": {
            "get": operation(
                "static",
                "CSS, scripts, vendored Leaflet and YASGUI.",
                ok_response("The file.", {"*/*": {"schema": STRING}}, negotiated=False),
                errors=(404,),
                parameters=(
                    param("filename", "path", "The file.", {"pattern": FILE_NAME}, "app.css"),
                ),
            )
        },
    }


def _operations_paths() -> dict[str, Schema]:
    reload = operation(
        "reload",
        "Re-read, validate and swap in the data; needs the admin token.",
        ok_response(
            "The data now served.",
            media_content((JSON,), {JSON: {"$ref": "#/components/schemas/Reloaded"}}),
            negotiated=False,
        ),
        errors=(401, 403, 404, 409, 422, 501),
        tag="operations",
        cacheable=False,
    )
    reload["security"] = [{"adminToken": []}]
    return {
        "/healthz": {
            "get": operation(
                "healthz",
                "Liveness, and what this process serves.",
                ok_response(
                    "The state.",
                    media_content((JSON,), {JSON: {"$ref": "#/components/schemas/Health"}}),
                    negotiated=False,
                ),
                tag="operations",
                cacheable=False,
            )
        },
        "/metrics": {
            "get": operation(
                "metrics",
                "Prometheus metrics of all the server's processes together.",
                ok_response("The metrics.", media_content(("text/plain",)), negotiated=False),
                tag="operations",
                cacheable=False,
            )
        },
        "/admin/reload": {"post": reload},
        "/openapi.json": {
            "get": operation(
                "openapi",
                "This document.",
                ok_response(
                    "The OpenAPI document.",
                    media_content((JSON,), {JSON: {"type": "object"}}),
                    negotiated=False,
                ),
                tag="operations",
                cacheable=False,
            )
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
        "components": components(),
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
