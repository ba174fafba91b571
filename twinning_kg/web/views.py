"""Pages: home, entity pages for every published IRI, search, the JSON-LD context.

Orchestration only: resolve, negotiate, ask the store, render, add headers.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Final

from flask import Blueprint, Response, current_app, g, render_template, request, url_for
from rdflib import Literal

from twinning_kg.formats import ENTITY_FORMATS, Format
from twinning_kg.search import LabelIndex
from twinning_kg.settings import Settings
from twinning_kg.store import GraphStore
from twinning_kg.web import resolver
from twinning_kg.web.caching import make_cacheable
from twinning_kg.web.home import HOME_LIST_MAX, home_view, unlisted_view
from twinning_kg.web.i18n import TEXT
from twinning_kg.web.metrics import Metrics
from twinning_kg.web.negotiation import negotiate
from twinning_kg.web.pagecache import PageCache
from twinning_kg.web.publishing import BuildMissing, current_publication, home_dataset_extras
from twinning_kg.web.renderers import RENDERERS, Description, Page, jsonld_context
from twinning_kg.web.schema_org import dataset_jsonld

bp = Blueprint("views", __name__)
SEARCH_FORMATS: Final = (Format.HTML, Format.JSONLD)
MAX_QUERY_LENGTH: Final = 200


def current_store() -> GraphStore:
    """The store of the running app."""
    store: GraphStore = current_app.extensions["twinning_kg.store"]
    return store


def current_settings() -> Settings:
    """The settings of the running app."""
    settings: Settings = current_app.extensions["twinning_kg"]
    return settings


def link_for(iri: str) -> str | None:
    """A local URL for an IRI we publish (keeps the reader on this host), else None."""
    path = resolver.path_for(iri, base_iri=current_settings().base_iri)
    if path is None:
        return None
    return path + (f"?lang={g.lang}" if request.args.get("lang") else "")


def explicit_url(iri: str, fmt: Format) -> str | None:
    """The explicit-format URL (``/graph/….ttl``) of an IRI we publish, else None.

    Unlike :func:`link_for` it never carries ``?lang=``, which would swallow the suffix.
    """
    path = resolver.path_for(iri, base_iri=current_settings().base_iri)
    return None if path is None else f"{path}.{fmt.file_extension}"


def _rdf_headers(response: Response, fmt: Format, alternates: list[tuple[Format, str]]) -> None:
    response.headers["Vary"] = "Accept, Accept-Language"
    links = [
        f'<{url}>; rel="alternate"; type="{other.media_type}"'
        for other, url in alternates
        if other is not fmt
    ]
    if fmt is Format.JSONLD:
        links.append(
            f'<{url_for("views.context")}>; rel="http://www.w3.org/ns/json-ld#context"; '
            'type="application/ld+json"'
        )
    response.headers["Link"] = ", ".join(links)


@bp.get("/")
def home() -> Response:
    """The home page: what this is, the map, partnerships, timeline, links to everything else.

    Kept in the worker's page cache, keyed by the data version and the build (it names the
    downloads): listing the graphs alone counts every triple (1.5 s at world scale).
    """
    store = current_store()
    pages: PageCache = current_app.extensions["twinning_kg.pages"]
    # The catalogue's downloads are on the page: a new build (or none yet) is another page.
    try:
        build = current_publication().stamp
    except BuildMissing:
        build = None
    cache_key = f"home\0{g.lang}\0{request.url_root}\0{request.query_string!r}\0{build}"
    body = pages.get(store.version.digest, cache_key)
    metrics: Metrics = current_app.extensions["twinning_kg.metrics"]
    metrics.inc("twinning_page_cache_total", result="miss" if body is None else "hit")
    if body is None:
        extras = home_dataset_extras(g.lang)
        body = _home_body(store, extras).encode()
        pages.put(store.version.digest, cache_key, body)
    response = Response(body, mimetype="text/html")
    response.headers["Vary"] = "Accept-Language"
    return make_cacheable(response, request, version=store.version, variant=f"home\0{g.lang}")


def _home_body(store: GraphStore, extras: dict[str, object]) -> str:
    settings = current_settings()
    counted = store.select("count_partnerships")
    total = counted[0].get("partnerships") if counted else None
    count = int(total) if isinstance(total, Literal) else 0
    if count > HOME_LIST_MAX:
        view = unlisted_view(count)
    else:
        view = home_view(store.construct("home_graph"), g.lang, link_for)
    graphs = [
        {
            "iri": iri,
            "url": link_for(iri),
            "turtle_url": explicit_url(iri, Format.TURTLE),
            "triples": triples,
        }
        for iri, triples in store.graph_sizes()
    ]
    return render_template(
        "home.html",
        view=view,
        graphs=graphs,
        lang=g.lang,
        settings=settings,
        schema_org=dataset_jsonld(
            name=settings.site_title or TEXT[g.lang]["site_title"],
            description=settings.site_description,
            url=request.url_root,
            extra={"license": settings.licence_iri, "inLanguage": ["pl", "en"], **extras},
        ),
    )


@bp.get("/<path:path>")
def entity(path: str) -> Response:
    """Any IRI we publish, by its path, in the negotiated format (200 + Content-Location)."""
    settings = current_settings()
    ref, suffix = resolver.resolve(path, base_iri=settings.base_iri)
    fmt = negotiate(
        request.accept_mimetypes,
        ENTITY_FORMATS,
        suffix=suffix,
        format_param=request.args.get("format"),
    )
    store = current_store()
    alternates = resolver.alternates(ref)
    variant = f"{ref.path}\0{fmt.value}\0{g.lang if fmt is Format.HTML else ''}"
    # An HTML page's links keep the reader's query string (the language switcher): part of the key.
    cache_key = variant + (f"\0{request.query_string!r}" if fmt is Format.HTML else "")
    pages: PageCache = current_app.extensions["twinning_kg.pages"]
    body = pages.get(store.version.digest, cache_key)
    metrics: Metrics = current_app.extensions["twinning_kg.metrics"]
    metrics.inc("twinning_page_cache_total", result="miss" if body is None else "hit")
    if body is None:
        description = Description(triples=store.describe_triples(ref.iri))
        page = Page(lang=g.lang, link=link_for, alternates=tuple(alternates))
        body = RENDERERS[fmt](description, ref, page)
        pages.put(store.version.digest, cache_key, body)
    charset = "" if fmt is Format.JSONLD else "; charset=utf-8"
    response = Response(body, content_type=fmt.media_type + charset)
    _rdf_headers(response, fmt, alternates)
    response.headers["Content-Location"] = f"/{ref.path}.{fmt.file_extension}"
    return make_cacheable(response, request, version=store.version, variant=variant)


@cache
def _context_body() -> bytes:
    """The context document, written once (0.3 ms of JSON a request otherwise)."""
    return json.dumps({"@context": jsonld_context()}, indent=2, ensure_ascii=False).encode()


@bp.get("/context.jsonld")
def context() -> Response:
    """The published JSON-LD context that every JSON-LD response uses."""
    response = Response(_context_body(), mimetype="application/ld+json")
    return make_cacheable(response, request, version=current_store().version, variant="context")


def _label_index() -> LabelIndex:
    store = current_store()
    index: LabelIndex | None = current_app.extensions.get("twinning_kg.labels")
    if index is None or index.digest != store.version.digest:
        index = store.label_index()
        current_app.extensions["twinning_kg.labels"] = index
    return index


@bp.get("/search")
def search() -> Response:
    """Label search, case- and diacritics-insensitive: JSON for scripts, HTML for people."""
    text = request.args.get("q", "")[:MAX_QUERY_LENGTH]
    fmt = negotiate(
        request.accept_mimetypes, SEARCH_FORMATS, format_param=request.args.get("format")
    )
    hits = _label_index().search(text)
    results = [
        {"iri": h.iri, "label": h.label, "lang": h.lang, "type": h.type, "url": link_for(h.iri)}
        for h in hits
    ]
    if fmt is Format.JSONLD:
        payload = {"query": text, "results": results}
        response = Response(json.dumps(payload, ensure_ascii=False), mimetype="application/json")
    else:
        response = Response(
            render_template("search.html", query=text, results=results, lang=g.lang),
            mimetype="text/html",
        )
    response.headers["Vary"] = "Accept, Accept-Language"
    variant = f"search\0{text}\0{fmt.value}\0{g.lang}"
    return make_cacheable(response, request, version=current_store().version, variant=variant)
