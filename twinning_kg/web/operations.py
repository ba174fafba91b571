"""Operations: /healthz, /metrics, the authenticated reload endpoint, and the reload watcher."""

from __future__ import annotations

import hmac
import logging
import os
import threading
import time
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState

from twinning_kg.errors import Forbidden, NotFound, ReloadRejected, TwinningError, Unauthorized
from twinning_kg.reloading import (
    load_validated,
    publish_generation,
    read_generation,
    read_last_reload,
    record_reload,
    reload_lock,
)
from twinning_kg.settings import Settings
from twinning_kg.store import GraphStore
from twinning_kg.store.factory import open_store
from twinning_kg.web.errors import error_response
from twinning_kg.web.metrics import Metrics

bp = Blueprint("operations", __name__)
log = logging.getLogger(__name__)
WATCH_INTERVAL_S = 1.0
#: After a swap, the old query executor is closed this long after the query time limit.
CLOSE_GRACE_S = 5.0


@bp.errorhandler(Unauthorized)
def challenge(exc: Unauthorized) -> Response:
    """A 401 names the scheme to use (RFC 9110: it must carry ``WWW-Authenticate``)."""
    response = error_response(exc.status, exc.code, exc.message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="twinning-kg admin"'
    return response


@bp.record_once
def _remember_start(state: BlueprintSetupState) -> None:
    state.app.extensions["twinning_kg.started"] = datetime.now(tz=UTC).replace(microsecond=0)


def _last_reload(app: Flask) -> object:
    """The last reload attempt since this server started, whichever process made it."""
    shared = read_last_reload(app.extensions["twinning_kg"])
    started: datetime | None = app.extensions.get("twinning_kg.started")
    if shared is not None and started is not None:
        try:
            if datetime.fromisoformat(str(shared.get("at"))) >= started:
                return shared
        except ValueError:
            pass
    return app.extensions.get("twinning_kg.last_reload")


def swap_store(app: Flask, store: GraphStore) -> None:
    """Serve ``store`` from now on; requests already running finish on the old one.

    The old query executor is closed once every query that may still run on it is over (they
    stop at the time limit): closing it at once would leave the workers busy at that moment
    running, with nobody to stop them.
    """
    settings: Settings = app.extensions["twinning_kg"]
    old = app.extensions.get("twinning_kg.executor")
    # The executor first: a request that reads the store, then the executor, in between gets
    # the old version's ETag on new results at worst, which the next revalidation corrects.
    app.extensions["twinning_kg.executor"] = store.query_executor(
        workers=settings.sparql_workers, memory_limit_mb=settings.sparql_memory_mb
    )
    app.extensions["twinning_kg.store"] = store
    if old is not None:
        closer = threading.Timer(settings.sparql_timeout_s + CLOSE_GRACE_S, old.close)
        closer.daemon = True
        closer.start()


def _record(app: Flask, result: str, *, error: str | None = None) -> None:
    """Count a reload outcome; a reload's own outcome (ok, rejected) goes to every /healthz."""
    settings: Settings = app.extensions["twinning_kg"]
    if result in ("ok", "rejected"):
        app.extensions["twinning_kg.last_reload"] = record_reload(
            settings, ok=result == "ok", error=error
        )
    metrics: Metrics = app.extensions["twinning_kg.metrics"]
    metrics.inc("twinning_reloads_total", result=result)


def _follow(app: Flask, digest: str) -> bool:
    """Load the generation ``digest`` another process reloaded, if the files still hold it."""
    settings: Settings = app.extensions["twinning_kg"]
    try:
        store = open_store(settings)
    except (TwinningError, OSError) as exc:
        log.warning("cannot follow the reload to %s: %s", digest, exc)
        _record(app, "failed")
        return False
    if store.version.digest != digest:
        # The files changed after the other process validated them: never serve unchecked data.
        log.warning(
            "cannot follow the reload to %s: the files now hold %s (not validated); "
            "serving %s until the next reload",
            digest,
            store.version.digest,
            app.extensions["twinning_kg.store"].version.digest,
        )
        _record(app, "failed")
        return False
    swap_store(app, store)
    _record(app, "followed")
    return True


def _catch_up(app: Flask, failed: str | None) -> str | None:
    """Follow the published generation if it is not what this process serves.

    ``failed`` is a generation this process could not load: it is not tried again until another
    is published. Returns the generation that failed now, or ``failed`` as it was.
    """
    generation = read_generation(app.extensions["twinning_kg"])
    current: GraphStore = app.extensions["twinning_kg.store"]
    if generation is None or generation.digest in (current.version.digest, failed):
        return failed
    return None if _follow(app, generation.digest) else generation.digest


def _watch(app: Flask, failed: str | None) -> None:
    """Load what another process reloaded (already validated there)."""
    while True:
        time.sleep(WATCH_INTERVAL_S)
        failed = _catch_up(app, failed)


def start_watcher(app: Flask) -> None:
    """Start this process's reload watcher once (after gunicorn forked it).

    The first request of a process catches up first, before it is answered: a worker that was
    idle through a reload (or was started after one) never serves the data from before it.
    """
    lock = app.extensions.setdefault("twinning_kg.watcher_lock", threading.Lock())
    if app.extensions.get("twinning_kg.watcher_pid") == os.getpid():
        return
    with lock:
        if app.extensions.get("twinning_kg.watcher_pid") == os.getpid():
            return
        failed = _catch_up(app, None)
        app.extensions["twinning_kg.watcher_pid"] = os.getpid()
        watcher = threading.Thread(
            target=_watch, args=(app, failed), name="reload-watcher", daemon=True
        )
        watcher.start()


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness and what is being served."""
    store: GraphStore = current_app.extensions["twinning_kg.store"]
    version = store.version
    body = {
        "status": "ok",
        "backend": store.backend,
        "data_version": version.digest,
        "data_modified": version.modified.isoformat(),
        "triples": version.triples,
        "last_reload": _last_reload(current_app),
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text exposition of all server processes' counters."""
    registry: Metrics = current_app.extensions["twinning_kg.metrics"]
    response = Response(registry.render(), mimetype="text/plain")
    response.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response


def _authorise(settings: Settings) -> None:
    if not settings.admin_token:
        raise NotFound("The admin endpoints are off (set TWINNING_ADMIN_TOKEN to turn them on).")
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":  # auth schemes are case-insensitive (RFC 9110, 11.1)
        raise Unauthorized("Send the admin token as 'Authorization: Bearer TOKEN'.")
    given = credentials.strip().encode()
    if not hmac.compare_digest(given, settings.admin_token.encode()):
        raise Forbidden("Wrong admin token.")


@bp.post("/admin/reload")
def reload() -> Response:
    """Parse and validate the data into a new store and swap it in; 409 if one is running."""
    settings: Settings = current_app.extensions["twinning_kg"]
    _authorise(settings)
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the real Flask app
    with reload_lock(settings):
        started = time.monotonic()
        try:
            store = load_validated(settings)
        except ReloadRejected as exc:
            _record(app, "rejected", error=exc.message)
            raise
        swap_store(app, store)
        publish_generation(settings, store.version.digest)
        _record(app, "ok")
    return jsonify(
        {
            "status": "reloaded",
            "data_version": store.version.digest,
            "triples": store.version.triples,
            "seconds": round(time.monotonic() - started, 3),
        }
    )
