"""The building blocks of the OpenAPI document (``web/openapi.py``): schemas, parameters,
operations, and the components every path refers to (the one error shape above all)."""

from __future__ import annotations

from typing import Final

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
    414: "The request line is over 8 190 bytes (answered by the HTTP server, in JSON).",
    415: "The request body has a media type or charset the endpoint does not read.",
    416: "The requested range is outside the file.",
    422: "The new data does not parse or conform; the old data is still served.",
    431: "Over 100 header fields, or one too long (answered by the HTTP server, in JSON).",
    500: "An unexpected error (no traceback is ever shown).",
    501: "The store cannot be reloaded by the server (a remote store).",
    503: "The store, the build or the query worker is unavailable, or the query ran too long.",
}
#: Every operation can answer these (unknown methods, failures, requests too big to read).
COMMON_ERRORS: Final = (405, 414, 431, 500, 503)
#: Answered before the app reads the request's headers, so always in JSON (``web/worker.py``).
SERVER_ERRORS: Final = (414, 431)


def _error_response(status: int) -> Schema:
    headers: Schema = {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}
    if status in (409, 503):
        headers["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
    if status == 401:
        headers["WWW-Authenticate"] = {"schema": STRING}
    if status == 405:
        headers["Allow"] = {"schema": STRING}
    error: Schema = {"schema": {"$ref": "#/components/schemas/Error"}}
    content: Schema = (
        {JSON: error}
        if status in SERVER_ERRORS
        else {"text/html": {"schema": STRING}, JSON: error, "text/plain": {"schema": STRING}}
    )
    return {"description": _ERROR_TEXT[status], "headers": headers, "content": content}


def param(
    name: str, where: str, description: str, schema: Schema, example: object = None
) -> Schema:
    param: Schema = {"name": name, "in": where, "description": description, "schema": schema}
    if where == "path":
        param["required"] = True
    if example is not None:
        param["example"] = example
    return param


LANG: Final = param(
    "lang", "query", "Page language (else Accept-Language, else English).", {"enum": ["pl", "en"]}
)
ENTITY_FORMAT_NAMES: Final = ("html", "ttl", "turtle", "jsonld", "json", "nt", "rdf", "xml")


def format_param(names: tuple[str, ...], description: str) -> Schema:
    return param("format", "query", description, {"type": "string", "enum": list(names)})


def media_content(media_types: tuple[str, ...], schemas: dict[str, Schema] | None = None) -> Schema:
    schemas = schemas or {}
    return {m: {"schema": schemas.get(m, STRING)} for m in media_types}


def operation(
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


def ok_response(description: str, content: Schema, *, negotiated: bool = True) -> Schema:
    headers: Schema = {"ETag": {"schema": STRING}}
    if negotiated:
        headers["Content-Location"] = {"schema": STRING}
    return {"description": description, "headers": headers, "content": content}


def components() -> Schema:
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
