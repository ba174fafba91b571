"""Run the app under gunicorn (`twinning-kg serve`): preloaded, workers share the loaded store."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]  # no stubs

from twinning_kg.web.worker import ShapedErrorsWorker


class _Gunicorn(BaseApplication):  # type: ignore[misc]  # base class is untyped
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def serve(
    app: Flask, *, host: str, port: int, workers: int, threads: int, timeout_s: int = 60
) -> None:
    """Serve ``app`` on ``host:port``: ``workers`` processes of ``threads`` threads each (the
    worker reads its keep-alive wait from the settings itself)."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": ShapedErrorsWorker,  # gthread, with the app's error shape throughout
        "timeout": timeout_s,
        "graceful_timeout": 5,
        "preload_app": True,
        "accesslog": None,  # the app writes JSON access lines itself (web/requestlog.py)
        "errorlog": "-",
        "loglevel": "info",
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "control_socket_disable": True,
    }
    store = app.extensions.get("twinning_kg.store")
    release = getattr(store, "release", None)
    if callable(release):
        release()  # close an on-disk store in the master before gunicorn forks the workers
    _Gunicorn(app, options).run()
