"""A server for tests/integration/test_keepalive_wait.py: a bare app under ``serving.serve``.

``python -m tests.integration.keepalive_app PORT THREADS`` serves, with one gunicorn worker of
THREADS threads (waiting ``TWINNING_KEEPALIVE_WAIT_MS`` for a kept-alive connection's next request),
an app that answers when it answered (``time.monotonic()``, the same clock as the test's).
gunicorn's own command line can serve it too: ``tests.integration.keepalive_app:create()``.
"""

from __future__ import annotations

import sys
import time

from flask import Flask

from twinning_kg.web.serving import serve


def create() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def when() -> str:
        return repr(time.monotonic())

    return app


if __name__ == "__main__":
    port, threads = int(sys.argv[1]), int(sys.argv[2])
    serve(create(), host="127.0.0.1", port=port, workers=1, threads=threads)
