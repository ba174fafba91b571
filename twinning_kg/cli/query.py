"""``twinning-kg query``: run a SPARQL query on the local data or on an endpoint, print the results.

Locally the query passes the endpoint's own guard and runs in the endpoint's killable worker, under
the same time limit and row cap, so it fails with the same messages as ``/sparql``. With
``--endpoint`` it is sent with SPARQLWrapper.
"""

from __future__ import annotations

import ast
import json
import math
import socket
import urllib.error
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any, Final

import click
import pyoxigraph as ox
from SPARQLWrapper import JSONLD, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from twinning_kg import __version__
from twinning_kg.cli.common import reports_errors, settings_of
from twinning_kg.errors import BadRequest, QueryTimeout, UpstreamError
from twinning_kg.formats import Format, ResultsFormat
from twinning_kg.settings import Settings
from twinning_kg.sparql.guard import FORMS, Limits, QueryForm, check_query
from twinning_kg.sparql.jobs import QueryJob
from twinning_kg.sparql.results import write_solutions
from twinning_kg.store.oxigraph import OxigraphStore
from twinning_kg.vocabulary import PREFIXES

OUTPUT_FORMATS: Final = ("table", "csv", "tsv", "json")
USER_AGENT: Final = f"twinning-kg/{__version__} (twinning-kg query; SPARQL command-line client)"
TRIPLE_COLUMNS: Final = ["subject", "predicate", "object"]
_RESULTS: Final = {
    "table": ResultsFormat.JSON,
    "json": ResultsFormat.JSON,
    "csv": ResultsFormat.CSV,
    "tsv": ResultsFormat.TSV,
}
#: SPARQLWrapper's names for the formats asked of an endpoint.
_WRAPPER_NAMES: Final = {
    ResultsFormat.JSON: "json",
    ResultsFormat.CSV: "csv",
    ResultsFormat.TSV: "tsv",
    Format.TURTLE: TURTLE,
    Format.JSONLD: JSONLD,
}
Wire = ResultsFormat | Format
Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(frozen=True, slots=True)
class Answer:
    """A query's answer as received: the body in ``wire`` format, and whether the cap cut it."""

    form: QueryForm
    wire: Wire
    body: bytes
    truncated: bool


def wire_format(form: QueryForm, output: str) -> Wire:
    """What to ask for: results formats for SELECT/ASK, Turtle (or JSON-LD for json) otherwise.

    >>> wire_format("SELECT", "table")
    <ResultsFormat.JSON: 'json'>
    >>> wire_format("CONSTRUCT", "csv")
    <Format.TURTLE: 'ttl'>
    """
    if form in ("SELECT", "ASK"):
        return _RESULTS[output]
    return Format.JSONLD if output == "json" else Format.TURTLE


def run_local(text: str, settings: Settings, *, output: str, timeout_s: float) -> Answer:
    """Check ``text`` as the endpoint does and run it on the local data in a killable worker.

    :raises InvalidQuery: a syntax error (with line:column), or not a query.
    :raises Forbidden: an update, or SERVICE to an endpoint that is not allow-listed.
    :raises QueryTimeout: past ``timeout_s``.
    """
    checked = check_query(text, Limits.from_settings(settings))
    store = OxigraphStore.from_paths(
        settings.source_dirs, root=settings.root, base_iri=settings.base_iri
    )
    wire = wire_format(checked.form, output)
    job = QueryJob(
        text=checked.text,
        form=checked.form,
        query_dataset=checked.has_dataset,
        results_format=wire if isinstance(wire, ResultsFormat) else None,
        graph_format=wire if isinstance(wire, Format) else None,
        row_cap=settings.sparql_row_cap,
        prefixes=tuple((p, str(ns)) for p, ns in PREFIXES.items()),
        base_iri=settings.base_iri,
    )
    executor = store.query_executor(workers=1, memory_limit_mb=settings.sparql_memory_mb)
    try:
        outcome = executor.run(job, timeout_s=timeout_s)
    finally:
        executor.close()
    return Answer(checked.form, wire, outcome.read_all(), outcome.truncated)


def _server_message(exc: SPARQLWrapperException | urllib.error.HTTPError) -> str:
    """The endpoint's own message: ``message`` of a JSON error, else the body's first line."""
    if isinstance(exc, urllib.error.HTTPError):
        body: object = exc.read()
    else:
        _, found, raw = str(exc).partition("Response:\n")
        try:
            body = ast.literal_eval(raw) if found else b""
        except (ValueError, SyntaxError):
            body = b""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else ""
    try:
        message = json.loads(text).get("message")
    except (ValueError, AttributeError):
        message = None
    return str(message) if message else (text.strip().splitlines() or [""])[0]


def run_remote(text: str, endpoint: str, *, output: str, timeout_s: float) -> Answer:
    """Send ``text`` to ``endpoint`` (POST, form-encoded) with SPARQLWrapper.

    :raises BadRequest: not a query, or the endpoint refused it (4xx, with its message).
    :raises QueryTimeout: no answer within ``timeout_s``, or the endpoint's own timeout (503).
    :raises UpstreamError: the endpoint cannot be reached or failed.
    """
    if not endpoint.startswith(("http://", "https://")):
        raise BadRequest(f"not an http(s) endpoint URL: {endpoint!r}")
    client = SPARQLWrapper(endpoint, agent=USER_AGENT)
    with warnings.catch_warnings():  # an unknown form is left for the endpoint to report
        warnings.simplefilter("ignore")
        client.setQuery(text)
    form = str(client.queryType).upper()
    if form not in FORMS:
        raise BadRequest(f"twinning-kg query runs {', '.join(FORMS)} queries, not {form}.")
    wire = wire_format(form, output)  # type: ignore[arg-type]  # checked against FORMS
    client.setMethod(POST)
    client.setReturnFormat(_WRAPPER_NAMES[wire])
    client.setTimeout(max(1, math.ceil(timeout_s)))
    try:
        response = client.query().response
        body: bytes = response.read()
        truncated = response.headers.get("X-Result-Truncated", "").lower() == "true"
    except (SPARQLWrapperException, urllib.error.HTTPError) as exc:
        status = getattr(exc, "code", 400 if "QueryBadFormed" in type(exc).__name__ else 500)
        message = _server_message(exc)
        if status == 503:
            raise QueryTimeout(f"{endpoint} answered 503: {message}") from None
        if 400 <= status < 500:
            raise BadRequest(f"{endpoint} refused the query: {message}") from None
        raise UpstreamError(f"{endpoint} failed: {message}") from None
    except TimeoutError:
        raise QueryTimeout(f"{endpoint} did not answer within {timeout_s:g} s.") from None
    except (urllib.error.URLError, HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError | socket.timeout):
            raise QueryTimeout(f"{endpoint} did not answer within {timeout_s:g} s.") from None
        raise UpstreamError(f"cannot reach {endpoint}: {reason}") from None
    return Answer(form, wire, body, truncated)  # type: ignore[arg-type]  # checked against FORMS


def _cell(term: dict[str, Any] | None) -> str:
    """A term of the SPARQL JSON results format as table text: prefixed IRIs, lexical values."""
    if term is None:
        return ""
    value = str(term.get("value", ""))
    if term.get("type") == "uri":
        for prefix, namespace in PREFIXES.items():
            if value.startswith(str(namespace)) and len(value) > len(str(namespace)):
                return f"{prefix}:{value[len(str(namespace)) :]}"
        return f"<{value}>"
    if term.get("type") == "bnode":
        return f"_:{value}"
    if term.get("type") == "triple":
        parts = term.get("value", {})
        inner = " ".join(_cell(parts.get(k)) for k in ("subject", "predicate", "object"))
        return f"<< {inner} >>"
    text = (
        value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    )
    return f"{text}@{term['xml:lang']}" if "xml:lang" in term else text


def render_table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Aligned text columns under a header and a rule, then the row count.

    >>> print(render_table(["town", "n"], [["Dasing", "1"], ["Kirov", "12"]]), end="")
    town    n
    ------  --
    Dasing  1
    Kirov   12
    (2 rows)
    """
    table = [list(row) for row in rows]
    widths = [max([len(c), *(len(row[i]) for row in table)]) for i, c in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    out = [line(columns), line(["-" * w for w in widths])] + [line(row) for row in table]
    count = f"({len(table)} row{'' if len(table) == 1 else 's'})"
    return "\n".join(text.rstrip() for text in out) + "\n" + count + "\n"


def _triples(answer: Answer) -> list[dict[str, Term]]:
    try:
        parsed = ox.parse(answer.body, format=ox.RdfFormat.TURTLE)
        return [
            {"subject": t.subject, "predicate": t.predicate, "object": t.object} for t in parsed
        ]
    except SyntaxError as exc:
        raise UpstreamError(f"the answer is not Turtle: {exc.msg}") from None


def _json_term(term: Term) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    return out


def render(answer: Answer, output: str) -> bytes:
    """What to print: the body as received (json, csv, tsv), or a table; triples as three columns.

    :raises UpstreamError: the body is not what was asked for.
    """
    if answer.form in ("CONSTRUCT", "DESCRIBE") and output != "json":
        triples = _triples(answer)
        if output == "table":
            rows = [[_cell(_json_term(t[c])) for c in TRIPLE_COLUMNS] for t in triples]
            return render_table(TRIPLE_COLUMNS, rows).encode()
        chunks: list[bytes] = []
        write_solutions(TRIPLE_COLUMNS, triples, _RESULTS[output], chunks.append, cap=len(triples))
        return b"".join(chunks)
    if output != "table":
        return answer.body
    try:
        data = json.loads(answer.body)
    except ValueError:
        raise UpstreamError("the answer is not SPARQL JSON results") from None
    if "boolean" in data:
        return b"true\n" if data["boolean"] else b"false\n"
    columns = [str(v) for v in data.get("head", {}).get("vars", [])]
    bindings = data.get("results", {}).get("bindings", [])
    return render_table(columns, ([_cell(b.get(c)) for c in columns] for b in bindings)).encode()


@click.command()
@click.argument("text", metavar="SPARQL")
@click.option(
    "--endpoint", default=None, help="Query this SPARQL endpoint URL instead of the local data."
)
@click.option(
    "--format", "output", type=click.Choice(OUTPUT_FORMATS), default="table", show_default=True
)
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds before the query is stopped (default: the sparql_timeout_s setting).",
)
@click.pass_context
@reports_errors
def query(
    ctx: click.Context, text: str, endpoint: str | None, output: str, timeout_s: float | None
) -> None:
    """Run the SPARQL query TEXT on ontology/, data/ and shapes/ (or on --endpoint); print it.

    SELECT and ASK print as a table, CSV, TSV or SPARQL JSON; CONSTRUCT and DESCRIBE as a table,
    CSV or TSV of subject, predicate, object, or as JSON-LD with --format json.
    """
    settings = settings_of(ctx)
    timeout = timeout_s or settings.sparql_timeout_s
    if endpoint:
        answer = run_remote(text, endpoint, output=output, timeout_s=timeout)
    else:
        answer = run_local(text, settings, output=output, timeout_s=timeout)
    click.echo(render(answer, output), nl=False)
    if answer.truncated:
        click.echo(
            "note: the result was cut at the row cap (sparql_row_cap; "
            "X-Result-Truncated from an endpoint).",
            err=True,
        )
