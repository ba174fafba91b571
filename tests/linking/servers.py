"""Real endpoints on 127.0.0.1 for the linking tests: the `oxigraph` server loaded with the
synthetic Wikidata-shaped fixture, and a scripted HTTP server for the faults oxigraph cannot
produce (429 with Retry-After, 500, bodies that are not SPARQL results, slow answers).

The scripted server is a real socket (http.server in a thread), not a mock: each request gets the
next reply of its script (the last one repeats); a reply can also pass the request on to another
endpoint, so "429, then the real answer" runs end to end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.conftest import FIXTURES, ROOT
from tests.live_server import HOST, find_free_port, stop

WIKIDATA_FIXTURE = FIXTURES / "wikidata" / "wikidata-sample.ttl"
RESULTS_JSON = "application/sparql-results+json"


def oxigraph_binary() -> str:
    """The `oxigraph` server that the `oxigraph` PyPI package installs next to Python."""
    found = shutil.which("oxigraph", path=os.path.dirname(sys.executable))
    if found is None:
        pytest.fail("the oxigraph server is missing: `make setup` installs it (dev dependency)")
    return found


@contextmanager
def oxigraph_endpoint(folder: Path) -> Iterator[str]:
    """Load the Wikidata fixture into a store in ``folder``, serve it read-only; yield its URL."""
    binary = oxigraph_binary()
    store = folder / "store"
    subprocess.run(
        [binary, "load", "--location", str(store), "--file", str(WIKIDATA_FIXTURE)],
        check=True,
        capture_output=True,
    )
    port = find_free_port()
    log = folder / "oxigraph.log"
    with log.open("wb") as output:
        command = [binary, "serve-read-only", "--location", str(store)]
        process = subprocess.Popen(
            [*command, "--bind", f"{HOST}:{port}"], stdout=output, stderr=subprocess.STDOUT
        )
        try:
            url = f"http://{HOST}:{port}/query"
            deadline = time.monotonic() + 30
            with httpx.Client(timeout=2.0, trust_env=False) as client:
                while True:
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail("oxigraph did not start:\n" + log.read_text(errors="replace"))
                    try:
                        if client.get(url, params={"query": "ASK {}"}).status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.1)
            yield url
        finally:
            stop(process)


@dataclass(frozen=True)
class Reply:
    """One scripted answer; ``forward`` passes the request on to the upstream endpoint."""

    status: int = 200
    body: bytes = b""
    content_type: str = RESULTS_JSON
    headers: tuple[tuple[str, str], ...] = ()
    delay_s: float = 0.0
    forward: bool = False


def results(variables: Sequence[str], bindings: Sequence[dict[str, object]] = ()) -> Reply:
    """A 200 with SPARQL JSON results."""
    body = {"head": {"vars": list(variables)}, "results": {"bindings": list(bindings)}}
    return Reply(body=json.dumps(body).encode())


@dataclass
class Seen:
    """A request the scripted server received."""

    at: float
    method: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ScriptedEndpoint:
    """The scripted server's state: its URL, the requests seen, the most requests at once."""

    url: str
    script: list[Reply]
    upstream: str | None
    seen: list[Seen] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_reply(self) -> Reply:
        with self.lock:
            index = min(len(self.seen) - 1, len(self.script) - 1)
            return self.script[index]


def _handler(endpoint: ScriptedEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            self._answer(b"")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._answer(self.rfile.read(length))

        def _answer(self, body: bytes) -> None:
            with endpoint.lock:
                endpoint.seen.append(
                    Seen(time.monotonic(), self.command, dict(self.headers.items()), body)
                )
                endpoint.in_flight += 1
                endpoint.most_in_flight = max(endpoint.most_in_flight, endpoint.in_flight)
            answered = False
            try:
                reply = endpoint.next_reply()
                time.sleep(reply.delay_s)
                if reply.forward and endpoint.upstream:
                    reply = self._forward(body)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers:
                    self.send_header(name, value)
                # No longer in flight once the answer is on its way: counted after it was sent,
                # the client could have it and ask again first, and two would seem three.
                with endpoint.lock:
                    endpoint.in_flight -= 1
                answered = True
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to answer
            finally:
                if not answered:
                    with endpoint.lock:
                        endpoint.in_flight -= 1

        def _forward(self, body: bytes) -> Reply:
            assert endpoint.upstream is not None
            request = urllib.request.Request(endpoint.upstream, data=body, method="POST")
            for name in ("Content-Type", "Accept"):
                if self.headers.get(name):
                    request.add_header(name, self.headers[name])
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            with opener.open(request, timeout=10) as response:
                return Reply(
                    status=response.status,
                    body=response.read(),
                    content_type=response.headers.get("Content-Type", ""),
                )

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: a client that hangs up early is part of the faults tested."""


@contextmanager
def scripted_endpoint(
    script: Sequence[Reply], *, upstream: str | None = None
) -> Iterator[ScriptedEndpoint]:
    """Serve ``script`` on a free port of 127.0.0.1 for the duration of the block."""
    server = _Server((HOST, 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    endpoint = ScriptedEndpoint(
        url=f"http://{HOST}:{port}/sparql", script=list(script), upstream=upstream
    )
    server.RequestHandlerClass = _handler(endpoint)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="scripted-endpoint",
        daemon=True,
    )
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port_url() -> str:
    """The URL of an endpoint nobody listens on."""
    return f"http://{HOST}:{find_free_port()}/sparql"


# --- fixtures shared by tests/linking and tests/hostile (imported there; used by name) ---


@pytest.fixture(name="_no_proxy", autouse=True)
def no_proxy_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests go straight to 127.0.0.1 even where a proxy is configured."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture(name="wikidata_endpoint", scope="session")
def wikidata_endpoint_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a real oxigraph server holding tests/fixtures/wikidata/wikidata-sample.ttl."""
    with oxigraph_endpoint(tmp_path_factory.mktemp("wikidata")) as url:
        yield url


@pytest.fixture(name="data_copy")
def data_copy_fixture(tmp_path: Path) -> Path:
    """A copy of the repository's data/ folder: `link` writes here, never into data/."""
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target)
    return target
