"""gunicorn's gthread worker, answering what gunicorn refuses itself in the app's error shape.

A request gunicorn cannot read (a request line over ``limit_request_line``, too many or too long
header fields, a malformed request line or header) never reaches the app, and gunicorn answers it
with its own HTML page. This worker answers those with the JSON error object every route uses
(``{"error", "status", "message", "request_id"}``): JSON, because the request's headers, and so
its ``Accept``, were never read. Only before a request was read: an error in a body after the
app answered (a broken chunk the app never read) is left to gunicorn, as are the rarer refusals
(417, 501) and every error of the app's own (a bad response header is a 500).

It also answers a kept-alive connection's next request on the thread that answered the last one,
when that request comes within the setting ``keepalive_wait_ms``
(:meth:`ShapedErrorsWorker.handle`). ``twinning-kg serve`` runs this worker; so does gunicorn's own
command line with ``--worker-class twinning_kg.web.worker.ShapedErrorsWorker``.
"""

from __future__ import annotations

import json
import secrets
import select
import threading
from typing import Any, Final

from gunicorn import util  # type: ignore[import-untyped]  # no stubs
from gunicorn.http import errors as http_errors  # type: ignore[import-untyped]
from gunicorn.workers.gthread import ThreadWorker  # type: ignore[import-untyped]

from twinning_kg.settings import Settings

#: A request gunicorn could not read (not a response header the app got wrong: that is a 500).
_UNREADABLE: Final = (
    http_errors.InvalidRequestLine,
    http_errors.InvalidRequestMethod,
    http_errors.InvalidHTTPVersion,
    http_errors.InvalidHeader,
    http_errors.InvalidHeaderName,
    http_errors.ObsoleteFolding,
    http_errors.InvalidChunkSize,
    http_errors.ChunkMissingTerminator,
    http_errors.InvalidChunkExtension,
    http_errors.InvalidSchemeHeaders,
)
_APP_FAULTS: Final = (http_errors.InvalidResponseHeader, http_errors.InvalidResponseHeaderName)

#: gunicorn's refusals: (what it raised, status, reason phrase, error code, message).
_REFUSALS: Final[
    tuple[tuple[type[Exception] | tuple[type[Exception], ...], int, str, str, str], ...]
] = (
    (
        http_errors.LimitRequestLine,
        414,
        "URI Too Long",
        "uri-too-long",
        "The request line is too long: this server reads up to {line} bytes of it.",
    ),
    (
        http_errors.LimitRequestHeaders,
        431,
        "Request Header Fields Too Large",
        "request-header-fields-too-large",
        "The request has too many header fields (at most {fields}) or one too long.",
    ),
    (
        _UNREADABLE,
        400,
        "Bad Request",
        "bad-request",
        "The request could not be read as HTTP/1.1.",
    ),
)


def refusal(exc: Exception, *, line: int, fields: int) -> tuple[int, str, str, bytes] | None:
    """For a request gunicorn refused with ``exc`` (else None): status, reason, request id and
    JSON body."""
    if isinstance(exc, _APP_FAULTS):
        return None
    for kind, status, reason, code, message in _REFUSALS:
        if isinstance(exc, kind):
            request_id = secrets.token_hex(8)
            payload = {
                "error": code,
                "status": status,
                "message": message.format(line=line, fields=fields),
                "request_id": request_id,
            }
            return status, reason, request_id, json.dumps(payload).encode()
    return None


def wait_seconds(wait_ms: float, keepalive_s: float) -> float:
    """The keep-alive wait of a worker thread, in seconds: never below 0, never past gunicorn's
    keep-alive timeout (a connection quiet that long is closed anyway).

    >>> wait_seconds(2.0, 2), wait_seconds(-1, 2), wait_seconds(float("inf"), 2)
    (0.002, 0.0, 2)
    >>> wait_seconds(float("nan"), 2)
    0.0
    """
    seconds = wait_ms / 1000
    if not seconds > 0:  # negative, zero or not a number
        return 0.0
    return min(seconds, keepalive_s)


def _pipelined(conn: Any) -> bool:
    """Whether the connection's parser already holds bytes of a next request."""
    return bool(conn.parser is not None and conn.parser.unreader.buf.getvalue())


def _readable_within(sock: Any, seconds: float) -> bool:
    """Whether ``sock`` has bytes to read, or was closed, within ``seconds``."""
    poller = select.poll()  # a poll object needs no file descriptor of its own, unlike a selector
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(seconds * 1000))


class ShapedErrorsWorker(ThreadWorker):  # type: ignore[misc]  # base class is untyped
    """The gthread worker, with the app's error shape for requests gunicorn cannot read, and the
    next request of a kept-alive connection answered by the same thread if it comes at once."""

    #: How long a thread waits for a kept-alive connection's next request before it hands the
    #: connection back to the poller (0: at once).
    keepalive_wait_s: float

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wait_ms = Settings.from_env().keepalive_wait_ms
        self.keepalive_wait_s = wait_seconds(wait_ms, self.cfg.keepalive)
        self._queued = 0  # connections handed to the thread pool that no thread has taken yet
        self._queued_lock = threading.Lock()

    def enqueue_req(self, conn: Any) -> None:
        with self._queued_lock:
            self._queued += 1
        super().enqueue_req(conn)

    def handle(self, conn: Any) -> Any:
        """Answer the request waiting on ``conn``; then, while the connection is kept alive, no
        other connection waits for a thread, and the next request comes within
        ``keepalive_wait_s``, answer that one too.

        gunicorn hands a kept-alive connection back to the main thread's poller after each
        response, and the poller hands its next request to a thread again: two thread wake-ups
        a request (bench/README.md, runs 11-14). A client that asks again at once (a script, a
        harvester, a benchmark) is now answered by the same thread. A connection that stays quiet
        goes back to the poller after the wait, as before: it holds a thread for the wait at most
        (the wait is capped at gunicorn's keep-alive timeout). One that keeps asking goes
        back after its current request once another connection waits for a thread, so it cannot
        keep the others out; a connection that queues while every thread waits on a quiet one
        waits for the end of that wait.
        """
        with self._queued_lock:
            self._queued -= 1
        result = super().handle(conn)
        while (
            result is True
            and self.alive
            and self.keepalive_wait_s > 0
            and self._queued == 0
            and (_pipelined(conn) or _readable_within(conn.sock, self.keepalive_wait_s))
        ):
            result = super().handle(conn)
        return result

    def handle_error(self, req: Any, client: Any, addr: Any, exc: Exception) -> None:
        shaped = (
            refusal(exc, line=self.cfg.limit_request_line, fields=self.cfg.limit_request_fields)
            if req is None  # nothing was read, so nothing was answered on this connection yet
            else None
        )
        if shaped is None:
            super().handle_error(req, client, addr, exc)
            return
        status, reason, request_id, body = shaped
        self.log.warning(
            "Invalid request from ip=%s: %s (%d, request id %s)",
            (addr or ("",))[0],
            exc,
            status,
            request_id,
        )
        head = (
            f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-Request-Id: {request_id}\r\n\r\n"
        )
        try:
            util.write_nonblock(client, head.encode("latin-1") + body)
        except OSError:
            self.log.debug("Failed to send error message.")
