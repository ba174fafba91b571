"""Typed errors. Each HTTP-facing error knows its status; the CLI maps every one to exit code 2."""

from __future__ import annotations

from typing import ClassVar


class TwinningError(Exception):
    """Base of every error twinning-kg raises on purpose."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal-error"
    #: Seconds a client should wait before retrying (sent as ``Retry-After``), if it should.
    retry_after_s: ClassVar[int | None] = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(TwinningError):
    """No resource answers to this IRI or path."""

    status = 404
    code = "not-found"


class NotAcceptable(TwinningError):
    """None of the formats on offer matches the request's Accept header."""

    status = 406
    code = "not-acceptable"


class BadRequest(TwinningError):
    """The request is malformed (a missing or repeated parameter, a bad value)."""

    status = 400
    code = "bad-request"


class InvalidQuery(BadRequest):
    """The SPARQL query does not parse; the message is the parser's."""

    code = "invalid-query"


class Forbidden(TwinningError):
    """The request is understood but refused (SPARQL Update on a read-only endpoint)."""

    status = 403
    code = "forbidden"


class UnsupportedMediaType(TwinningError):
    """The request body has a media type the endpoint does not read."""

    status = 415
    code = "unsupported-media-type"


class QueryTimeout(TwinningError):
    """The query ran past its time limit and was stopped."""

    status = 503
    code = "query-timeout"
    retry_after_s = 5


class DataLoadError(TwinningError):
    """A data file cannot be read or parsed; the message names the file and line."""

    code = "data-load-error"

    def __init__(self, message: str, *, path: str = "", line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


class UpstreamError(TwinningError):
    """A remote service (Wikidata, a remote SPARQL store) failed or answered garbage."""

    status = 502
    code = "upstream-error"


class StoreUnavailable(TwinningError):
    """The store did not answer, refused us, or failed (a remote store; an on-disk store a query
    worker could not open, or a worker that could not start); pages answer 503, not 500."""

    status = 503
    code = "store-unavailable"
    retry_after_s = 10


class ReloadInProgress(TwinningError):
    """Another reload is running."""

    status = 409
    code = "reload-in-progress"
    retry_after_s = 5


class ReloadUnsupported(TwinningError):
    """The store cannot be reloaded by the server (a remote store is filled by pushing to it)."""

    status = 501
    code = "reload-unsupported"


class ReloadRejected(TwinningError):
    """The new data does not parse or does not conform; the old data keeps being served."""

    status = 422
    code = "reload-rejected"


class Unauthorized(TwinningError):
    """No credentials were given for an admin endpoint."""

    status = 401
    code = "unauthorized"


class QueryTooLarge(TwinningError):
    """The query text is longer than the endpoint accepts."""

    status = 413
    code = "query-too-large"


class WorkerCrashed(TwinningError):
    """The worker died while running the query (a crash, or the memory limit)."""

    status = 503
    code = "query-failed"
