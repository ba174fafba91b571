"""The Flask app factory, and nothing else."""

from __future__ import annotations

import atexit

from flask import Flask, Response, g, request

from twinning_kg.settings import Settings
from twinning_kg.store import GraphStore
from twinning_kg.store.factory import open_store
from twinning_kg.web import requestlog
from twinning_kg.web.caching import allow_cors
from twinning_kg.web.errors import register_error_handlers
from twinning_kg.web.i18n import TEXT, choose_language
from twinning_kg.web.metrics import Metrics, SummaryCounts
from twinning_kg.web.operations import start_watcher
from twinning_kg.web.pagecache import PageCache

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: {tiles}; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def _tile_origin(tile_url: str) -> str:
    if not tile_url.startswith(("http://", "https://")):
        return ""
    scheme, _, rest = tile_url.partition("://")
    host = rest.split("/", 1)[0].replace("{s}.", "*.")
    return f"{scheme}://{host}"


def create_app(settings: Settings | None = None, *, store: GraphStore | None = None) -> Flask:
    """Build the app: settings from the environment unless given; the store loaded unless given.

    :raises DataLoadError: if the data does not parse (the message names file and line).
    """
    settings = settings or Settings.from_env()
    if store is None:
        store = open_store(settings)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # DefaultJSONProvider has it
    app.extensions["twinning_kg"] = settings
    app.extensions["twinning_kg.store"] = store
    # Kept pages are exact only while the version changes with the data (not for a remote store).
    cache_bytes = settings.page_cache_mb * 1_000_000 if store.exact_version else 0
    app.extensions["twinning_kg.pages"] = PageCache(cache_bytes)
    executor = store.query_executor(
        workers=settings.sparql_workers, memory_limit_mb=settings.sparql_memory_mb
    )
    app.extensions["twinning_kg.executor"] = executor
    atexit.register(lambda: app.extensions["twinning_kg.executor"].close())
    metrics = Metrics(settings.root / settings.state_dir / "metrics")
    app.extensions["twinning_kg.metrics"] = metrics
    metrics.add_source(SummaryCounts(lambda: app.extensions["twinning_kg.store"]))
    requestlog.install(app, metrics)
    csp = CSP.format(tiles=_tile_origin(settings.tile_url)).replace("  ", " ")

    @app.before_request
    def pick_language() -> None:
        g.lang = choose_language(request.args.get("lang"), request.accept_languages)
        start_watcher(app)

    @app.after_request
    def add_headers(response: Response) -> Response:
        if not request.path.startswith("/admin/"):
            allow_cors(response)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.mimetype == "text/html":
            # A page may allow exact inline stylesheets by hash (the SPARQL editor's table
            # resizer injects two); never 'unsafe-inline', never for scripts.
            styles = " ".join(g.get("csp_style_hashes", ()))
            policy = (
                csp.replace("style-src 'self'", f"style-src 'self' {styles}") if styles else csp
            )
            response.headers["Content-Security-Policy"] = policy
            response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    @app.context_processor
    def chrome() -> dict[str, object]:
        lang = getattr(g, "lang", "en")
        text = TEXT.get(lang, TEXT["en"])
        title = settings.site_title or text["site_title"]
        return {"t": text, "settings": settings, "lang": lang, "site_title": title}

    from twinning_kg.web.openapi import bp as openapi_bp
    from twinning_kg.web.operations import bp as operations_bp
    from twinning_kg.web.publishing import bp as publishing_bp
    from twinning_kg.web.sparql import bp as sparql_bp
    from twinning_kg.web.views import bp as views_bp

    app.register_blueprint(openapi_bp)
    app.register_blueprint(operations_bp)
    app.register_blueprint(sparql_bp)
    app.register_blueprint(publishing_bp)
    app.register_blueprint(views_bp)
    register_error_handlers(app)
    return app
