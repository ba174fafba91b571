"""The Wikidata side: the WikidataClient protocol and HttpWikidataClient, the only network IO.

:class:`HttpWikidataClient` asks a SPARQL endpoint (Wikidata's query service unless configured
otherwise) with SPARQLWrapper, and respects the service: POST requests with JSON results, a
descriptive ``User-Agent`` that names a contact (Wikimedia's User-Agent policy), a client timeout,
retries with exponential backoff on 429 and 503 that honour ``Retry-After``, and at most
:data:`MAX_IN_FLIGHT` requests at a time. Every failure becomes an
:class:`~twinning_kg.errors.UpstreamError` with a one-line message.

:func:`run_select` is how the rest of the package asks: a packaged query, its ``VALUES`` rows
(bound by :mod:`twinning_kg.linking.values`, sent in batches) and the variables it must answer with.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Final, Protocol
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit

import SPARQLWrapper as sparqlwrapper_package
from rdflib import BNode, Literal, URIRef
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from twinning_kg import __version__, queries
from twinning_kg.errors import TwinningError, UpstreamError
from twinning_kg.linking.values import BindableTerm, bind_values
from twinning_kg.settings import Settings
from twinning_kg.vocabulary import Term

#: Wikimedia asks for no more than a few parallel queries per client.
MAX_IN_FLIGHT: Final = 2
#: First wait before retrying a 429/503 that gives no Retry-After; doubled on each retry.
BACKOFF_S: Final = 1.0
#: Longest Retry-After we wait for; beyond it we give up and say so.
MAX_WAIT_S: Final = 120.0
#: Largest response body read (SPARQL JSON results); a longer body is refused.
MAX_BODY_BYTES: Final = 50_000_000
RETRY_STATUSES: Final = frozenset({429, 503})
#: Hosts whose operators require a contact in the User-Agent.
WIKIMEDIA_HOSTS: Final = ("wikidata.org", "wikimedia.org")
RESULTS_MEDIA_TYPES: Final = frozenset({"application/sparql-results+json", "application/json"})

Solution = dict[str, Term]


@dataclass(frozen=True, slots=True)
class SelectResult:
    """A SELECT query's answer: the variables the endpoint announced and the solutions."""

    variables: tuple[str, ...]
    rows: list[Solution]


class WikidataClient(Protocol):
    """Something that answers SELECT queries the way Wikidata's query service does."""

    endpoint_url: str

    def select_all(self, texts: Sequence[str]) -> list[SelectResult]:
        """Run every query (in any order, a few at a time); answers in the order of ``texts``.

        :raises UpstreamError: if any query fails; nothing is returned then.
        """
        ...


def user_agent(contact: str) -> str:
    """The User-Agent sent with every request, in the form Wikimedia's policy asks for.

    >>> user_agent("ops@example.org")  # doctest: +ELLIPSIS
    'twinning-kg/... (ops@example.org) SPARQLWrapper/...'
    """
    if any(ord(c) < 32 or ord(c) == 127 for c in contact):
        raise TwinningError("TWINNING_WIKIDATA_CONTACT must be one line of text")
    who = contact.strip() or "no contact configured"
    return f"twinning-kg/{__version__} ({who}) SPARQLWrapper/{sparqlwrapper_package.__version__}"


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date); None if unusable.

    >>> parse_retry_after("3")
    3.0
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0)
    10.0
    >>> parse_retry_after("soon") is None
    True
    """
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def strip_comment_lines(text: str) -> str:
    r"""The query without its comment lines (SPARQLWrapper guesses the query form from the text,
    and a word like "copy" in a comment would make it send the query as an update).

    >>> strip_comment_lines("# find a copy\nSELECT * WHERE { ?s ?p <http://x.org/#a> }")
    'SELECT * WHERE { ?s ?p <http://x.org/#a> }'
    """
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _term(value: object, where: str) -> Term:
    if not isinstance(value, dict) or not isinstance(value.get("value"), str):
        raise UpstreamError(f"{where}: a binding is not a SPARQL JSON term")
    text: str = value["value"]
    kind = value.get("type")
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(text)
    if kind in ("literal", "typed-literal"):
        lang, datatype = value.get("xml:lang"), value.get("datatype")
        if isinstance(lang, str) and lang:
            return Literal(text, lang=lang)
        if isinstance(datatype, str) and datatype:
            return Literal(text, datatype=URIRef(datatype))
        return Literal(text)
    raise UpstreamError(f"{where}: a binding has the unknown term type {kind!r}")


def parse_select_results(body: bytes, content_type: str, *, endpoint_url: str) -> SelectResult:
    """Read SPARQL 1.1 JSON results, checking their shape.

    :raises UpstreamError: if the body is not SPARQL JSON results.
    """
    where = f"the SPARQL endpoint {endpoint_url}"
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in RESULTS_MEDIA_TYPES:
        shown = media_type or "no Content-Type"
        raise UpstreamError(f"{where} answered with {shown}, not SPARQL JSON results")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise UpstreamError(f"{where} answered with a body that is not JSON") from None
    head = data.get("head") if isinstance(data, dict) else None
    results = data.get("results") if isinstance(data, dict) else None
    names = head.get("vars") if isinstance(head, dict) else None
    bindings = results.get("bindings") if isinstance(results, dict) else None
    if not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
        raise UpstreamError(f"{where} answered with JSON that is not SELECT results (no head.vars)")
    if not isinstance(bindings, list):
        raise UpstreamError(f"{where} answered with JSON that is not SELECT results (no bindings)")
    rows: list[Solution] = []
    for binding in bindings:
        if not isinstance(binding, dict):
            raise UpstreamError(f"{where}: a solution is not a JSON object")
        stray = sorted(set(binding) - set(names))
        if stray:
            raise UpstreamError(f"{where}: a solution binds ?{stray[0]}, which head.vars lacks")
        rows.append({name: _term(value, where) for name, value in binding.items()})
    return SelectResult(tuple(names), rows)


class _RetryLater(Exception):
    def __init__(self, status: int, delay: float | None) -> None:
        super().__init__(status)
        self.status = status
        self.delay = delay


_SPARQLWRAPPER_STATUS: Final = {
    "QueryBadFormed": "HTTP 400: the endpoint rejected the query",
    "Unauthorized": "HTTP 401: unauthorized",
    "EndPointNotFound": "HTTP 404: no SPARQL endpoint at this address",
    "URITooLong": "HTTP 414: request too long",
    "EndPointInternalError": "HTTP 500: internal server error",
}


class HttpWikidataClient:
    """A :class:`WikidataClient` over HTTP (SPARQLWrapper); build it with :meth:`from_settings`."""

    def __init__(
        self,
        endpoint_url: str,
        *,
        user_agent: str,
        timeout_s: float,
        max_retries: int,
        max_in_flight: int = MAX_IN_FLIGHT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TwinningError(
                f"the SPARQL endpoint must be an http(s) URL (got {endpoint_url!r})"
            )
        if not timeout_s > 0:
            raise TwinningError(f"the Wikidata timeout must be positive (got {timeout_s})")
        if max_retries < 0 or max_in_flight < 1:
            raise TwinningError("retries must be >= 0 and requests in flight >= 1")
        self.endpoint_url = endpoint_url
        self.user_agent = user_agent
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.max_in_flight = max_in_flight
        self._sleep = sleep
        self._slots = threading.BoundedSemaphore(max_in_flight)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, endpoint_url: str | None = None
    ) -> HttpWikidataClient:
        """The client the settings describe; ``endpoint_url`` overrides the configured endpoint.

        :raises TwinningError: for Wikimedia's own service without a contact (their policy), or a
            setting out of range.
        """
        url = endpoint_url or settings.wikidata_endpoint
        host = (urlsplit(url).hostname or "").lower()
        is_wikimedia = any(host == h or host.endswith("." + h) for h in WIKIMEDIA_HOSTS)
        if is_wikimedia and not settings.wikidata_contact.strip():
            raise TwinningError(
                f"{host} requires a contact in the User-Agent: set TWINNING_WIKIDATA_CONTACT "
                "to your e-mail address or a URL"
            )
        return cls(
            url,
            user_agent=user_agent(settings.wikidata_contact),
            timeout_s=settings.wikidata_timeout_s,
            max_retries=settings.wikidata_max_retries,
        )

    def select_all(self, texts: Sequence[str]) -> list[SelectResult]:
        """See :meth:`WikidataClient.select_all`; at most ``max_in_flight`` requests at a time."""
        if len(texts) <= 1:
            return [self.select(text) for text in texts]
        with ThreadPoolExecutor(self.max_in_flight, thread_name_prefix="wikidata") as pool:
            futures: list[Future[SelectResult]] = [pool.submit(self.select, t) for t in texts]
            try:
                return [future.result() for future in futures]
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    def select(self, text: str) -> SelectResult:
        """Run one SELECT query, retrying on 429/503 as the service asks.

        :raises UpstreamError: if the endpoint cannot be reached, is too slow, fails, or answers
            with something that is not SPARQL JSON results.
        """
        for attempt in range(self.max_retries + 1):
            try:
                with self._slots:
                    content_type, body = self._post(text)
            except _RetryLater as later:
                if attempt == self.max_retries:
                    raise UpstreamError(
                        f"the SPARQL endpoint {self.endpoint_url} still answered HTTP "
                        f"{later.status} after {self.max_retries} retries; try again later"
                    ) from None
                delay = later.delay if later.delay is not None else BACKOFF_S * 2**attempt
                if delay > MAX_WAIT_S:
                    raise UpstreamError(
                        f"the SPARQL endpoint {self.endpoint_url} answered HTTP {later.status} "
                        f"and asks us to wait {delay:.0f} s; try again later"
                    ) from None
                self._sleep(delay)
                continue
            return parse_select_results(body, content_type, endpoint_url=self.endpoint_url)
        raise AssertionError("unreachable")  # pragma: no cover

    def _post(self, text: str) -> tuple[str, bytes]:
        where = f"the SPARQL endpoint {self.endpoint_url}"
        sparql = SPARQLWrapper(self.endpoint_url, agent=self.user_agent)
        sparql.setMethod(POST)
        sparql.setOnlyConneg(True)  # no format=/output= parameters: the Accept header says it
        sparql.setReturnFormat(JSON)
        sparql.setQuery(strip_comment_lines(text))
        if sparql.queryType != "SELECT":
            raise TwinningError(f"SPARQLWrapper reads this query as {sparql.queryType}, not SELECT")
        # setTimeout() truncates to whole seconds; urlopen takes the float as it is.
        sparql.timeout = self.timeout_s  # type: ignore[assignment]  # typed Optional[int]
        try:
            response = sparql.query().response
        except HTTPError as exc:
            with exc:
                if exc.code in RETRY_STATUSES:
                    delay = parse_retry_after(exc.headers.get("Retry-After"))
                    raise _RetryLater(exc.code, delay) from None
                raise UpstreamError(f"{where} failed: HTTP {exc.code} {exc.reason}") from None
        except SPARQLWrapperException as exc:
            status = _SPARQLWRAPPER_STATUS.get(type(exc).__name__, type(exc).__name__)
            raise UpstreamError(f"{where} failed: {status}") from None
        except (TimeoutError, URLError, OSError, http.client.HTTPException) as exc:
            raise self._transport_error(exc) from None
        try:
            content_type = response.headers.get("Content-Type", "")
            body = response.read(MAX_BODY_BYTES + 1)
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise self._transport_error(exc) from None
        finally:
            response.close()
        if len(body) > MAX_BODY_BYTES:
            raise UpstreamError(f"{where} answered with more than {MAX_BODY_BYTES} bytes")
        return str(content_type), body

    def _transport_error(self, exc: BaseException) -> UpstreamError:
        where = f"the SPARQL endpoint {self.endpoint_url}"
        reason = exc.reason if isinstance(exc, URLError) else exc
        if isinstance(reason, TimeoutError):
            return UpstreamError(f"{where} did not answer within {self.timeout_s:g} s")
        if isinstance(reason, ConnectionRefusedError):
            return UpstreamError(f"cannot reach {where}: connection refused (is it running?)")
        detail = _one_line(str(reason)) or type(reason).__name__
        return UpstreamError(f"cannot reach {where}: {detail}")


def run_select(
    client: WikidataClient,
    name: str,
    *,
    variables: Sequence[str],
    rows: Sequence[Sequence[BindableTerm]],
    expect: Sequence[str],
    batch_size: int,
) -> list[Solution]:
    """Run the packaged query ``name`` over ``rows``, ``batch_size`` rows per request.

    Each batch fills the query's empty ``VALUES`` block over ``variables``
    (:func:`~twinning_kg.linking.values.bind_values`); no rows means no request.

    :raises UpstreamError: if a request fails or an answer's variables are not ``expect``.
    """
    text = queries.load(name)
    batches = [rows[i : i + batch_size] for i in range(0, len(rows), batch_size)]
    texts = [bind_values(text, variables, batch) for batch in batches]
    solutions: list[Solution] = []
    for result in client.select_all(texts):
        if set(result.variables) != set(expect):
            got = " ".join(f"?{v}" for v in result.variables) or "none"
            wanted = " ".join(f"?{v}" for v in expect)
            raise UpstreamError(
                f"the SPARQL endpoint {client.endpoint_url} answered {name} with the variables "
                f"{got}, expected {wanted}"
            )
        solutions.extend(result.rows)
    return solutions
