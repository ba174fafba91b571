"""``twinning-kg query --endpoint`` (a subprocess) against the live server, and against a small
scripted server on 127.0.0.1 for what the live server does not do on demand (a 503, the headers
a client sends). Failures are one line on stderr with exit code 2.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from tests.conftest import ROOT
from tests.live_server import HOST, find_free_port, server_env
from twinning_kg.vocabulary import TWIN, entity_iri

pytestmark = pytest.mark.live

SIEDLCE = entity_iri("municipality", "siedlce")
DASING = entity_iri("municipality", "dasing")
LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    f"SELECT ?town ?label WHERE {{ VALUES ?town {{ <{SIEDLCE}> <{DASING}> }}"
    " ?town rdfs:label ?label } ORDER BY ?town ?label"
)


def run_query(*args: str, timeout_s: float = 60.0) -> subprocess.CompletedProcess[str]:
    """``python -m twinning_kg query ARGS`` on default settings, no proxy for 127.0.0.1."""
    env = server_env() | {"no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}
    return subprocess.run(
        [sys.executable, "-m", "twinning_kg", "query", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def endpoint(live_server: str) -> str:
    return f"{live_server}/sparql"


@pytest.mark.parametrize("output", ["table", "csv", "tsv", "json"])
def test_endpoint_answers_as_the_local_data_does(endpoint: str, output: str) -> None:
    remote = run_query(LABELS, "--endpoint", endpoint, "--format", output)
    local = run_query(LABELS, "--format", output)
    assert remote.returncode == 0, remote.stderr
    assert local.returncode == 0, local.stderr
    if output == "json":
        assert json.loads(remote.stdout) == json.loads(local.stdout)
    else:
        assert remote.stdout == local.stdout
    if output == "csv":
        rows = list(csv.DictReader(io.StringIO(remote.stdout, newline="")))
        assert {"Siedlce", "Dasing"} <= {r["label"] for r in rows}


def test_endpoint_ask_and_construct(endpoint: str) -> None:
    ask = run_query(f"ASK {{ <{SIEDLCE}> a <{TWIN.Municipality}> }}", "--endpoint", endpoint)
    assert ask.stdout == "true\n"
    construct = run_query(f"DESCRIBE <{DASING}>", "--endpoint", endpoint)
    assert construct.returncode == 0, construct.stderr
    assert construct.stdout.splitlines()[0].split() == ["subject", "predicate", "object"]
    assert "twin:Municipality" in construct.stdout
    as_json = run_query(f"DESCRIBE <{DASING}>", "--endpoint", endpoint, "--format", "json")
    assert str(DASING) in as_json.stdout


def test_endpoint_syntax_error_keeps_the_servers_position(endpoint: str) -> None:
    line = assert_one_line_error(
        run_query("SELECT * WHERE {\n ?s ?p ?o\n FILTER(\n}", "--endpoint", endpoint),
        "refused the query",
    )
    assert re.search(r"\b4:\d+\b", line), line


def test_endpoint_service_refusal_is_reported(endpoint: str) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    assert_one_line_error(run_query(query, "--endpoint", endpoint), "SERVICE")


def test_updates_are_not_sent(endpoint: str) -> None:
    assert_one_line_error(
        run_query("INSERT DATA { <http://x/s> <http://x/p> 1 }", "--endpoint", endpoint), "INSERT"
    )


def test_client_timeout(endpoint: str) -> None:
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    started = time.monotonic()
    result = run_query(runaway, "--endpoint", endpoint, "--timeout", "1")
    assert_one_line_error(result, "did not answer within 1 s")
    assert time.monotonic() - started < 10


def test_endpoint_down() -> None:
    url = f"http://{HOST}:{find_free_port()}/sparql"
    assert_one_line_error(run_query("ASK {}", "--endpoint", url), "cannot reach", url)


# --- a scripted endpoint -----------------------------------------------------------------------


class Scripted(BaseHTTPRequestHandler):
    """Answers every POST with ``reply`` and records the request's headers."""

    reply: ClassVar[tuple[int, str, bytes]] = (200, "application/json", b"{}")
    extra_headers: ClassVar[dict[str, str]] = {}
    seen: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Scripted.seen.append({k.lower(): v for k, v in self.headers.items()})
        status, media_type, body = Scripted.reply
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in Scripted.extra_headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def scripted() -> Iterator[str]:
    server = ThreadingHTTPServer((HOST, 0), Scripted)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Scripted.seen.clear()
    Scripted.extra_headers = {}
    try:
        yield f"http://{HOST}:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_the_client_names_itself_and_posts(scripted: str) -> None:
    Scripted.reply = (200, "application/sparql-results+json", b'{"head": {}, "boolean": true}')
    assert run_query("ASK {}", "--endpoint", scripted).stdout == "true\n"
    (headers,) = Scripted.seen
    assert headers["user-agent"].startswith("twinning-kg/")
    assert "query" in headers["user-agent"]
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert "application/sparql-results+json" in headers["accept"]


def test_a_503_is_a_timeout_with_the_servers_message(scripted: str) -> None:
    Scripted.reply = (503, "text/plain", b"503 query-timeout: over the limit\n(request id x)\n")
    assert_one_line_error(run_query("ASK {}", "--endpoint", scripted), "over the limit")


def test_truncation_is_noted(scripted: str) -> None:
    row = {"n": {"type": "literal", "value": "1"}}
    body = json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": [row]}}).encode()
    Scripted.reply = (200, "application/sparql-results+json", body)
    Scripted.extra_headers = {"X-Result-Truncated": "true"}
    result = run_query("SELECT * {}", "--endpoint", scripted)
    assert result.returncode == 0
    assert result.stdout.splitlines()[-1] == "(1 row)"
    assert "row cap" in result.stderr


def test_garbage_instead_of_results(scripted: str) -> None:
    Scripted.reply = (200, "application/sparql-results+json", b"<html>not json</html>")
    assert_one_line_error(run_query("SELECT * {}", "--endpoint", scripted), "not SPARQL JSON")
