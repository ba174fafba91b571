"""The SPARQL 1.1 Protocol endpoint: parse the request, check the query, run it, negotiate results.

Read-only: updates are refused (403); SERVICE is refused unless allow-listed; every query runs in
a killable worker under the time limit and the row cap.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final
from urllib.parse import unquote_to_bytes

from flask import Blueprint, Request, Response, current_app, g, request
from rdflib import URIRef
from werkzeug.datastructures import MultiDict

from twinning_kg.errors import (
    BadRequest,
    Forbidden,
    NotAcceptable,
    QueryTimeout,
    TwinningError,
    UnsupportedMediaType,
    WorkerCrashed,
)
from twinning_kg.formats import ENTITY_FORMATS, GRAPH_RESULT_FORMATS, Format, ResultsFormat
from twinning_kg.sparql.description import service_description
from twinning_kg.sparql.guard import CheckedQuery, Limits, check_query
from twinning_kg.sparql.jobs import QueryExecutor, QueryJob
from twinning_kg.vocabulary import PREFIXES
from twinning_kg.web.caching import make_cacheable
from twinning_kg.web.metrics import Metrics
from twinning_kg.web.negotiation import negotiate
from twinning_kg.web.query_pages import examples_index, query_page
from twinning_kg.web.renderers import RENDERERS, Description, Page
from twinning_kg.web.resolver import EntityRef
from twinning_kg.web.views import current_settings, current_store, link_for

bp = Blueprint("sparql", __name__)
bp.add_url_rule("/queries", view_func=examples_index)

FORM_TYPE: Final = "application/x-www-form-urlencoded"
QUERY_TYPE: Final = "application/sparql-query"
UPDATE_TYPE: Final = "application/sparql-update"
READ_ONLY: Final = (
    "This endpoint is read-only: SPARQL Update is not accepted (use a local copy of the dumps, "
    "or twinning-kg push to a store you control)."
)
_RESULT_ALIASES: Final = {
    "application/json": ResultsFormat.JSON,
    "application/xml": ResultsFormat.XML,
    "text/xml": ResultsFormat.XML,
}


@dataclass(frozen=True, slots=True)
class SparqlRequest:
    """A protocol request: the query text and the RDF dataset it names."""

    query: str | None
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    format: str | None = None
    #: Every ``format`` value given (SPARQLWrapper sends two: ``rdf+xml``, ``application/rdf+xml``).
    formats: tuple[str, ...] = ()


def _utf8_pairs(encoded: bytes, where: str) -> list[tuple[str, str]]:
    """Split ``a=b&c=d`` and percent-decode it as UTF-8, refusing anything else.

    Werkzeug and ``parse_qsl`` replace bytes that are not UTF-8, which would run another query
    than the one sent; the protocol says UTF-8, so anything else is a bad request.

    >>> _utf8_pairs(b"query=ASK+%7B%7D&format=", "the query string")
    [('query', 'ASK {}'), ('format', '')]
    """
    pairs: list[tuple[str, str]] = []
    for part in encoded.split(b"&"):
        if not part:
            continue
        key, _, value = part.partition(b"=")
        try:
            pairs.append(
                (
                    unquote_to_bytes(key.replace(b"+", b" ")).decode("utf-8"),
                    unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8"),
                )
            )
        except UnicodeDecodeError:
            raise BadRequest(f"{where.capitalize()} is not percent-encoded UTF-8.") from None
    return pairs


def _exactly_once(values: list[str]) -> str | None:
    if len(values) > 1:
        raise BadRequest("The query parameter must be given exactly once.")
    return values[0] if values else None


def parse_protocol_request(req: Request) -> SparqlRequest:
    """Read ``query`` and the dataset from GET parameters, a form POST or a direct POST.

    :raises BadRequest: a repeated ``query``, a bad body, a POST without a media type.
    :raises Forbidden: any form of SPARQL Update.
    :raises UnsupportedMediaType: a POST body of another media type or charset.
    """
    params: MultiDict[str, str] = MultiDict(_utf8_pairs(req.query_string, "the query string"))
    body_query: str | None = None
    if req.method == "POST":
        media = (req.mimetype or "").lower()
        charset = req.mimetype_params.get("charset", "utf-8").lower()
        if not media:
            raise BadRequest(f"A POST needs a Content-Type: {FORM_TYPE} or {QUERY_TYPE}.")
        if media == UPDATE_TYPE:
            raise Forbidden(READ_ONLY)
        if charset not in ("utf-8", "utf8"):
            raise UnsupportedMediaType(f"Only UTF-8 is accepted (got charset={charset}).")
        if media == FORM_TYPE:
            for key, value in _utf8_pairs(req.get_data(cache=True), "the request body"):
                params.add(key, value)
        elif media == QUERY_TYPE:
            try:
                body_query = req.get_data(cache=True).decode("utf-8")
            except UnicodeDecodeError:
                raise BadRequest("The query is not valid UTF-8.") from None
        else:
            raise UnsupportedMediaType(
                f"Unsupported Content-Type {media!r}; use {FORM_TYPE} or {QUERY_TYPE}."
            )
    if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
        raise Forbidden(READ_ONLY)
    queries = params.getlist("query")
    if body_query is not None:
        if queries:
            raise BadRequest("Give the query either in the body or as a parameter, not both.")
        queries = [body_query]
    query = _exactly_once(queries)
    if query is not None and not query.strip():
        raise BadRequest("The query parameter is empty.")
    return SparqlRequest(
        query=query,
        default_graphs=tuple(params.getlist("default-graph-uri")),
        named_graphs=tuple(params.getlist("named-graph-uri")),
        format=params.get("format") or None,
        formats=tuple(f for f in params.getlist("format") if f),
    )


def _limits() -> Limits:
    return Limits.from_settings(current_settings())


def _check_graph_iris(iris: tuple[str, ...]) -> None:
    for iri in iris:
        if not iri or any(c in iri for c in ' <>"{}|^`\\') or ":" not in iri:
            raise BadRequest("default-graph-uri and named-graph-uri must be absolute IRIs.")


def _negotiate_results(
    checked: CheckedQuery, wanted: str | None
) -> tuple[ResultsFormat | None, Format | None]:
    accept = request.accept_mimetypes
    if checked.form in ("SELECT", "ASK"):
        if wanted:
            fmt = ResultsFormat.from_name(wanted)
            if fmt is None:
                raise NotAcceptable(
                    f"Unknown results format {wanted!r}; use json, xml, csv or tsv."
                )
            return fmt, None
        if not accept or accept.best == "*/*":
            return ResultsFormat.JSON, None
        offered = [f.media_type for f in ResultsFormat] + list(_RESULT_ALIASES)
        best = accept.best_match(offered)
        if best is None:
            available = ", ".join(f.media_type for f in ResultsFormat)
            raise NotAcceptable(f"SELECT and ASK results are available as: {available}.")
        return _RESULT_ALIASES.get(best) or ResultsFormat.from_name(best), None
    return None, negotiate(accept, GRAPH_RESULT_FORMATS, format_param=wanted)


def _wanted_format(checked: CheckedQuery, parsed: SparqlRequest) -> str | None:
    """The first ``format`` value on offer for this query form; else the first given (for 406).

    SPARQLWrapper sends a short name and a media type (``format=rdf+xml&format=application/
    rdf%2Bxml``); the short name is not always one we know, the media type is.
    """
    for value in parsed.formats:
        if checked.form in ("SELECT", "ASK"):
            if ResultsFormat.from_name(value) is not None:
                return value
        elif (Format.from_extension(value) or Format.from_media_type(value)) in (
            GRAPH_RESULT_FORMATS
        ):
            return value
    return parsed.format


def current_executor() -> QueryExecutor:
    """The app's query executor."""
    executor: QueryExecutor = current_app.extensions["twinning_kg.executor"]
    return executor


@bp.after_request
def allow_preflight(response: Response) -> Response:
    """Answer CORS preflights: a direct POST (``application/sparql-query``) from a page on another
    origin is preceded by an ``OPTIONS`` that must allow the method and the Content-Type."""
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type, If-None-Match"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """SPARQL 1.1 Protocol: run a query, or describe the service (or show the query page)."""
    parsed = parse_protocol_request(request)
    if parsed.query is None:
        return _describe()
    checked = check_query(parsed.query, _limits())
    _check_graph_iris(parsed.default_graphs + parsed.named_graphs)
    results_format, graph_format = _negotiate_results(checked, _wanted_format(checked, parsed))
    settings = current_settings()
    job = QueryJob(
        text=checked.text,
        form=checked.form,
        query_dataset=checked.has_dataset,
        results_format=results_format,
        graph_format=graph_format,
        row_cap=settings.sparql_row_cap,
        default_graphs=parsed.default_graphs,
        named_graphs=parsed.named_graphs,
        prefixes=tuple((p, str(ns)) for p, ns in PREFIXES.items()),
        base_iri=request.url_root + "sparql",
    )
    store = current_store()
    variant = hashlib.sha256(repr(job).encode()).hexdigest()
    metrics: Metrics = current_app.extensions["twinning_kg.metrics"]
    try:
        outcome = current_executor().run(job, timeout_s=settings.sparql_timeout_s)
    except QueryTimeout:
        metrics.inc("twinning_sparql_queries_total", outcome="timeout")
        metrics.inc("twinning_sparql_workers_killed_total")
        raise
    except WorkerCrashed:
        metrics.inc("twinning_sparql_queries_total", outcome="crashed")
        metrics.inc("twinning_sparql_workers_crashed_total")
        raise
    except TwinningError:
        metrics.inc("twinning_sparql_queries_total", outcome="error")
        raise
    metrics.inc("twinning_sparql_queries_total", outcome="ok")
    charset = "" if graph_format is Format.JSONLD else "; charset=utf-8"
    response = Response(
        outcome.chunks(),
        status=200,
        content_type=outcome.media_type + charset,
        direct_passthrough=True,
    )
    response.call_on_close(outcome.body.close)  # also when the body is never read (HEAD, 304)
    response.headers["Content-Length"] = str(outcome.size)
    response.headers["Vary"] = "Accept"
    response.headers["X-Result-Rows"] = str(outcome.rows)
    if outcome.truncated:
        response.headers["X-Result-Truncated"] = "true"
        response.headers["X-Result-Limit"] = str(settings.sparql_row_cap)
    return make_cacheable(response, request, version=store.version, variant=variant)


def _describe() -> Response:
    """No query: the query page for browsers, the Service Description for RDF clients."""
    fmt = negotiate(
        request.accept_mimetypes, ENTITY_FORMATS, format_param=request.args.get("format")
    )
    store = current_store()
    settings = current_settings()
    if fmt is Format.HTML:
        return query_page(request.args.get("example"))
    endpoint_url = request.url_root + "sparql"
    graphs = store.graph_sizes()
    graph = service_description(
        endpoint_url,
        void_url=request.url_root + ".well-known/void",
        graphs=graphs,
        timeout_s=settings.sparql_timeout_s,
        row_cap=settings.sparql_row_cap,
    )
    ref = EntityRef(iri=URIRef(endpoint_url), path="sparql")
    description = RENDERERS[fmt](Description(graph=graph), ref, Page(lang=g.lang, link=link_for))
    charset = "" if fmt is Format.JSONLD else "; charset=utf-8"
    response = Response(description, content_type=fmt.media_type + charset)
    response.headers["Vary"] = "Accept"
    return make_cacheable(
        response, request, version=store.version, variant=f"sd\0{fmt.value}\0{endpoint_url}"
    )
