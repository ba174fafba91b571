"""What the endpoint asks a store to run, and what comes back."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Protocol

from twinning_kg.formats import Format, ResultsFormat
from twinning_kg.sparql.guard import QueryForm

#: Results up to this size stay in memory; larger ones go to a temporary file.
SPOOL_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class QueryJob:
    """A checked query and how to answer it."""

    text: str
    form: QueryForm
    results_format: ResultsFormat | None = None
    graph_format: Format | None = None
    row_cap: int = 10_000
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    #: The query names its dataset (FROM/FROM NAMED); the two parameters above override it.
    query_dataset: bool = False
    prefixes: tuple[tuple[str, str], ...] = ()
    #: Resolves relative IRIs in the query (the protocol's service-defined base: the endpoint).
    base_iri: str | None = None

    @property
    def media_type(self) -> str:
        """The Content-Type of the answer."""
        if self.graph_format is not None:
            return self.graph_format.media_type
        if self.results_format is not None:
            return self.results_format.media_type
        raise ValueError("a QueryJob needs a results or a graph format")


@dataclass(slots=True)
class QueryOutcome:
    """A complete answer, spooled (memory, then disk), ready to stream."""

    media_type: str
    rows: int = 0
    truncated: bool = False
    size: int = 0
    body: IO[bytes] = field(default_factory=lambda: new_spool())

    def chunks(self, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
        """Stream the body from the start, closing it at the end or when closed unread.

        A generator would not do: WSGI servers close the iterable of a HEAD or 304 response
        without starting it, and closing an unstarted generator skips its ``finally``.
        """
        return _Chunks(self.body, chunk_size)

    def read_all(self) -> bytes:
        """The whole body (tests and small results)."""
        return b"".join(self.chunks())


class _Chunks:
    """An iterator over a spooled body that closes the spool when exhausted or closed."""

    def __init__(self, body: IO[bytes], chunk_size: int) -> None:
        self._body = body
        self._chunk_size = chunk_size
        self._started = False

    def __iter__(self) -> _Chunks:
        return self

    def __next__(self) -> bytes:
        if self._body.closed:
            raise StopIteration
        if not self._started:
            self._body.seek(0)
            self._started = True
        chunk = self._body.read(self._chunk_size)
        if not chunk:
            self.close()
            raise StopIteration
        return chunk

    def close(self) -> None:
        """Release the spool (memory or temporary file)."""
        self._body.close()


def new_spool() -> IO[bytes]:
    """A binary buffer that moves to a temporary file past SPOOL_BYTES."""
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # closed by chunks()


class QueryExecutor(Protocol):
    """Runs public queries under a time limit; a runaway query is stopped, not waited for."""

    def run(self, job: QueryJob, *, timeout_s: float) -> QueryOutcome:
        """Run ``job``; raise QueryTimeout past ``timeout_s``, InvalidQuery on syntax errors,
        WorkerCrashed when the worker died running it, StoreUnavailable when none could run it."""
        ...

    def close(self) -> None:
        """Stop every worker."""
        ...
