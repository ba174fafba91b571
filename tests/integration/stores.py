"""Helpers for the store tests: the real ``oxigraph serve``, twinning-kg servers over a given
store, the CLI as a subprocess, and two small fault injectors on 127.0.0.1 (a scripted HTTP
server and a TCP proxy that cuts a request short).

Everything listens on 127.0.0.1 only; nothing here reaches the internet.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, URIRef

from tests.conftest import ROOT
from tests.live_server import HOST, find_free_port, server_env, stop, wait_for_server
from twinning_kg.loading import discover, graph_iri

STAGING_PREFIX = "urn:twinning-kg:staging:"
SOURCE_DIRS = ("ontology", "data", "shapes")


def oxigraph_binary() -> str:
    """The ``oxigraph`` server installed next to this Python (the ``oxigraph`` dev dependency).

    Skips without it, except under CI=true, where a missing binary fails the run.
    """
    found = shutil.which("oxigraph", path=os.path.dirname(sys.executable))
    if found is None:
        message = "the oxigraph server is not installed: pip install -e '.[dev]'"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


class OxigraphServer:
    """``oxigraph serve --union-default-graph`` on 127.0.0.1, in memory or in a folder.

    The port stays the same across :meth:`stop` and :meth:`start`, so a client configured
    with :attr:`query_url` sees the store go away and come back.
    """

    def __init__(self, log: Path, *, location: Path | None = None) -> None:
        self.port = find_free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.query_url = f"{self.base_url}/query"
        self.update_url = f"{self.base_url}/update"
        self.store_url = f"{self.base_url}/store"
        self._log = log
        self._location = location
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until it answers a query."""
        command = [oxigraph_binary(), "serve", "--bind", f"{HOST}:{self.port}"]
        if self._location is not None:
            command += ["--location", str(self._location)]
        command.append("--union-default-graph")
        with self._log.open("ab") as output:
            self._process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20.0
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                pytest.fail(
                    f"oxigraph exited with {self._process.returncode}:\n{self._log.read_text()}",
                    pytrace=False,
                )
            try:
                graph_counts(self.query_url)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        pytest.fail(f"oxigraph did not answer:\n{self._log.read_text()}", pytrace=False)

    def stop(self) -> None:
        """Terminate the server (its data stays in ``location``, if it has one)."""
        if self._process is not None:
            stop(self._process)
            self._process = None

    def endpoint(self, *, update: bool = False) -> str:
        """The ``--endpoint`` spec of ``twinning-kg push`` for this server."""
        return f"{self.query_url},update={self.update_url}" if update else self.query_url


@contextmanager
def oxigraph_server(log: Path, *, location: Path | None = None) -> Iterator[OxigraphServer]:
    """A running :class:`OxigraphServer`, terminated on exit."""
    server = OxigraphServer(log, location=location)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def sparql_json(query_url: str, query: str) -> dict[str, object]:
    """POST ``query`` to a SPARQL endpoint; the JSON results."""
    response = httpx.post(
        query_url,
        content=query.encode(),
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        },
        timeout=10.0,
        trust_env=False,
    )
    response.raise_for_status()
    data: dict[str, object] = response.json()
    return data


def graph_counts(query_url: str) -> dict[str, int]:
    """Triples per named graph on a remote store."""
    data = sparql_json(
        query_url, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    )
    rows = data["results"]["bindings"]  # type: ignore[index]
    return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}


def canonical(quads: Iterable[ox.Quad]) -> dict[str, frozenset[str]]:
    """Quads by named graph, each graph's blank nodes relabelled canonically, as N-Quads lines.

    Two graphs are isomorphic exactly when their sets are equal (pyoxigraph canonicalises in
    milliseconds what rdflib's ``isomorphic`` takes seconds over, for the shapes' blank nodes).
    """
    by_graph: dict[str, list[ox.Quad]] = {}
    for quad in quads:
        assert isinstance(quad.graph_name, ox.NamedNode)
        by_graph.setdefault(quad.graph_name.value, []).append(quad)
    graphs: dict[str, frozenset[str]] = {}
    for name, members in by_graph.items():
        dataset = ox.Dataset(members)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        graphs[name] = frozenset(str(quad) for quad in dataset)
    return graphs


def remote_dataset(store_url: str) -> dict[str, frozenset[str]]:
    """The remote store's named graphs, fetched as N-Quads (GSP GET), in :func:`canonical` form."""
    response = httpx.get(
        store_url, headers={"Accept": "application/n-quads"}, timeout=10.0, trust_env=False
    )
    response.raise_for_status()
    return canonical(ox.parse(response.content, format=ox.RdfFormat.N_QUADS))


def local_dataset(root: Path = ROOT) -> dict[str, frozenset[str]]:
    """The source files under ``root`` as a store holds them, in :func:`canonical` form.

    The files go through a pyoxigraph store (as ``--store memory`` serves them), because
    Oxigraph keeps some literals in canonical form (``53.0`` as ``53``), here and remotely.
    """
    store = ox.Store()
    for path in discover([root / name for name in SOURCE_DIRS]):
        name = ox.NamedNode(str(graph_iri(path, root=root)))
        store.load(path=path, format=ox.RdfFormat.TURTLE, to_graph=name)
    return canonical(store)


def remote_nquads(store_url: str) -> set[str]:
    """The remote dataset as a set of N-Quads lines (blank node labels as the store keeps them)."""
    response = httpx.get(
        store_url, headers={"Accept": "application/n-quads"}, timeout=10.0, trust_env=False
    )
    response.raise_for_status()
    return {line for line in response.text.splitlines() if line.strip()}


def local_graphs(root: Path = ROOT) -> dict[str, Graph]:
    """Each source file under ``root`` as rdflib reads it, by the named graph it is published as."""
    paths = [root / name for name in SOURCE_DIRS]
    return {
        str(graph_iri(path, root=root)): Graph().parse(path, format="turtle")
        for path in discover(paths)
    }


def copy_sources(destination: Path) -> Path:
    """Copy ontology/, data/ and shapes/ to ``destination`` (a root to run commands in)."""
    for name in SOURCE_DIRS:
        shutil.copytree(ROOT / name, destination / name)
    return destination


def run_cli(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout_s: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """``python -m twinning_kg ARGS`` in ``cwd``, on default settings (and ``env``)."""
    return subprocess.run(
        [sys.executable, "-m", "twinning_kg", *args],
        cwd=cwd,
        env={**server_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit code 2, one ``error: …`` line on stderr naming every fragment, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@dataclass
class TwinningServer:
    """A ``twinning-kg serve`` subprocess and what it took to start."""

    base_url: str
    startup_s: float
    log: Path

    def client(self) -> httpx.Client:
        """An httpx client on the server (no proxies: only 127.0.0.1 is reached)."""
        return httpx.Client(base_url=self.base_url, timeout=20.0, trust_env=False)


@contextmanager
def twinning_server(
    store: str,
    log: Path,
    *,
    build_dir: Path,
    env: dict[str, str] | None = None,
    workers: int = 2,
    ready_path: str = "/",
) -> Iterator[TwinningServer]:
    """``python -m twinning_kg serve --store STORE`` on a free port, stopped on exit.

    ``build_dir`` holds a current build (the ``build_dir`` fixture), so the server does not
    build on start; ``startup_s`` is the time from starting the process to the first 200 on
    ``ready_path``.
    """
    port = find_free_port()
    base_url = f"http://{HOST}:{port}"
    command = [sys.executable, "-m", "twinning_kg", "serve", "--host", HOST, "--port", str(port)]
    command += ["--workers", str(workers), "--store", store]
    environment = {**server_env(), "TWINNING_BUILD_DIR": str(build_dir), **(env or {})}
    with log.open("wb") as output:
        started = time.monotonic()
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            wait_for_server(f"{base_url}{ready_path}", process, log)
            yield TwinningServer(base_url, time.monotonic() - started, log)
        finally:
            stop(process)


@contextmanager
def started_process(
    command: list[str], log: Path, *, cwd: Path = ROOT
) -> Iterator[subprocess.Popen[bytes]]:
    """A subprocess (on default settings, output to ``log``), stopped on exit."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=cwd, env=server_env(), stdout=output, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            stop(process)


# --- a scripted HTTP server: answers every request the way it is told to ---------------------

#: What the scripted server answers: (status, content type, body); None for raw behaviours.
SCRIPTS: dict[str, tuple[int, str, bytes] | None] = {
    "401": (401, "text/plain", b"Unauthorized: give a password"),
    "500": (500, "text/plain", b"java.lang.OutOfMemoryError\n\tat somewhere"),
    "not-json": (200, "application/sparql-results+json", b"<html>Moved to a new host</html>"),
    "wrong-json": (200, "application/sparql-results+json", b"[1, 2, 3]"),
    "bad-terms": (
        200,
        "application/sparql-results+json",
        b'{"head": {"vars": ["graph", "triples", "entity", "label"]}, "results": {"bindings": '
        b'[{"graph": {"type": "uri", "value": "not an IRI"}, "triples": {"type": "literal", '
        b'"value": "many"}, "entity": {"type": "uri", "value": "<>"}, '
        b'"label": {"type": "literal", "value": "x", "xml:lang": "not a tag!"}}]}}',
    ),
    "not-http": None,
    "hang-up": None,
}


class _ScriptedHandler(BaseHTTPRequestHandler):
    server: ScriptedHttpServer

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.requests.append(f"{self.command} {self.path}")
        mode = self.server.mode
        self.close_connection = True
        if mode == "not-http":
            self.wfile.write(b"this is not HTTP at all\r\n\r\n")
            return
        if mode == "hang-up":
            return
        scripted = SCRIPTS[mode]
        assert scripted is not None
        status, content_type, body = scripted
        self.send_response(status)
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="store"')
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Keep quiet: the tests read :attr:`ScriptedHttpServer.requests` instead."""


class ScriptedHttpServer(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that answers 401, 500 or garbage, as :attr:`mode` says."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__((HOST, 0), _ScriptedHandler)
        self.mode = "500"
        self.requests: list[str] = []
        self.base_url = f"http://{HOST}:{self.server_address[1]}"


@contextmanager
def scripted_http_server() -> Iterator[ScriptedHttpServer]:
    """A :class:`ScriptedHttpServer` serving from a thread, shut down on exit."""
    server = ScriptedHttpServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


# --- a TCP proxy that cuts chosen requests short ----------------------------------------------


class CuttingProxy:
    """A TCP proxy on 127.0.0.1 in front of ``upstream``.

    Each connection carries one request (urllib sends ``Connection: close``). A request for
    which ``cut(head)`` is true is forwarded with its headers and half its body, then both
    connections are closed: the store sees an upload that stops, the client a dropped
    connection. Other requests pass through unchanged.
    """

    def __init__(self, upstream_port: int, cut: Callable[[bytes], bool]) -> None:
        self._upstream = (HOST, upstream_port)
        self._cut = cut
        self._listener = socket.create_server((HOST, 0))
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self.base_url = f"http://{HOST}:{self.port}"
        self.requests: list[bytes] = []
        self.cuts: list[bytes] = []
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept)

    def endpoint(self, *, update: bool = False) -> str:
        """The ``--endpoint`` spec of ``twinning-kg push`` through the proxy."""
        query = f"{self.base_url}/query"
        return f"{query},update={self.base_url}/update" if update else query

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=self._serve, args=(client,))
            self._threads.append(thread)
            thread.start()

    def _serve(self, client: socket.socket) -> None:
        with client, socket.create_connection(self._upstream) as upstream:
            client.settimeout(10.0)
            upstream.settimeout(10.0)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = client.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            request_line = head.split(b"\r\n", 1)[0]
            self.requests.append(request_line)
            if self._cut(head):
                self.cuts.append(request_line)
                keep = length // 2
                while len(body) < keep:
                    chunk = client.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                upstream.sendall(head + b"\r\n\r\n" + body[:keep])
                time.sleep(0.2)  # the store has started reading the upload
                return  # both sockets close here, mid-upload
            while len(body) < length:
                chunk = client.recv(65536)
                if not chunk:
                    return
                body += chunk
            upstream.sendall(head + b"\r\n\r\n" + body)
            while chunk := upstream.recv(65536):
                client.sendall(chunk)

    def __enter__(self) -> CuttingProxy:
        self._accepter.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stopping.set()
        self._accepter.join()
        for thread in self._threads:
            thread.join(timeout=15.0)
        self._listener.close()


def nth_request(n: int, prefix: bytes) -> Callable[[bytes], bool]:
    """A ``cut`` predicate: true for the n-th request (from 1) whose request line starts so."""
    seen = 0

    def cut(head: bytes) -> bool:
        nonlocal seen
        if head.startswith(prefix):
            seen += 1
            return seen == n
        return False

    return cut


def staging_graphs(query_url: str) -> list[str]:
    """Named graphs on the store that ``push`` uses as staging (none should outlive a push)."""
    return [g for g in graph_counts(query_url) if g.startswith(STAGING_PREFIX)]


def entity_triples(graph: Graph, subject: URIRef) -> set[tuple[object, object, object]]:
    """The triples of ``subject`` in ``graph`` that have no blank node object."""
    return {
        (s, p, o) for s, p, o in graph.triples((subject, None, None)) if not isinstance(o, BNode)
    }
