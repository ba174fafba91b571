"""Remote faults. The store behind ``--store sparql:`` and ``push``: down, 401, 500, garbage, an
upload cut half way: pages answer 503 with a message (never 500) and recover, ``push`` fails with
one line and never leaves a graph empty, ``load`` killed half way keeps the previous store. And the
Wikidata-style endpoint behind ``link``: down, slow, 429 with ``Retry-After``, 500, garbage: one
line, exit 2, the wait honoured, not a byte written.

The remote store is the real ``oxigraph serve``, stopped and restarted under a running server;
401, 500 and garbage come from a scripted HTTP server in a thread; an upload cut short goes
through a TCP proxy that forwards the headers and half the body, then closes.

Moved here from tests/integration/test_store_faults.py and tests/linking/test_link_faults.py
(issue 8).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from tests.integration.stores import (
    SCRIPTS,
    CuttingProxy,
    OxigraphServer,
    ScriptedHttpServer,
    TwinningServer,
    assert_one_line_error,
    copy_sources,
    graph_counts,
    nth_request,
    oxigraph_server,
    remote_nquads,
    run_cli,
    scripted_http_server,
    staging_graphs,
    started_process,
    twinning_server,
)
from tests.linking.conftest import snapshot
from tests.linking.servers import (  # noqa: F401  # fixtures, used by name
    Reply,
    closed_port_url,
    data_copy_fixture,
    no_proxy_fixture,
    oxigraph_endpoint,
    results,
    scripted_endpoint,
    wikidata_endpoint_fixture,
)
from tests.live_server import HOST, find_free_port
from twinning_kg.cli import main
from twinning_kg.errors import StoreUnavailable
from twinning_kg.store.oxigraph import OxigraphStore
from twinning_kg.store.remote import SparqlEndpointStore


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A current build of the repository: servers started with it skip the build on start."""
    folder = tmp_path_factory.mktemp("build")
    result = run_cli("build", "--out", str(folder))
    assert result.returncode == 0, result.stderr
    return folder


SIEDLCE_PATH = "/id/municipality/siedlce"
SELECT = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
#: Pages that need the store, and how each is asked for JSON.
STORE_PAGES = [
    ("/", "application/json"),
    (SIEDLCE_PATH, "application/json"),
    ("/graph/data/siedlce/partnership-dasing", "application/json"),
    (f"/sparql?query={SELECT}", "application/sparql-results+json"),
    ("/sparql", "application/json"),
]
RECOVERY_S = 10.0


def assert_store_unavailable(response: httpx.Response) -> None:
    """503 with Retry-After and a message about the store, in the negotiated media type."""
    assert response.status_code == 503, (response.request.url, response.text[:500])
    assert int(response.headers["retry-after"]) > 0
    if response.headers["content-type"].startswith("application/json"):
        body = response.json()
        assert body["status"] == 503
        assert body["error"] == "store-unavailable"
        assert "data store" in body["message"]
    else:
        assert response.headers["content-type"].startswith("text/html")
        assert "data store" in response.text
        assert "Traceback" not in response.text


# --- the remote store goes away and comes back ------------------------------------------------


@pytest.fixture(scope="module")
def flaky_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """Oxigraph on disk (so a restart keeps the data), with the repository's files pushed."""
    folder = tmp_path_factory.mktemp("flaky-store")
    with oxigraph_server(folder / "oxigraph.log", location=folder / "data") as server:
        pushed = run_cli("push", "--endpoint", server.endpoint())
        assert pushed.returncode == 0, pushed.stderr
        yield server


@pytest.fixture(scope="module")
def over_flaky_store(
    flaky_store: OxigraphServer, tmp_path_factory: pytest.TempPathFactory, build_dir: Path
) -> Iterator[TwinningServer]:
    """twinning-kg serving the flaky store."""
    log = tmp_path_factory.mktemp("over-flaky") / "server.log"
    with twinning_server(f"sparql:{flaky_store.query_url}", log, build_dir=build_dir) as server:
        yield server


@pytest.mark.live
def test_store_down_gives_503_and_the_server_recovers(
    flaky_store: OxigraphServer, over_flaky_store: TwinningServer
) -> None:
    with over_flaky_store.client() as http:
        for path, accept in STORE_PAGES:
            assert http.get(path, headers={"Accept": accept}).status_code == 200, path
        flaky_store.stop()
        try:
            for path, accept in STORE_PAGES:
                response = http.get(path, headers={"Accept": accept})
                assert_store_unavailable(response)
                assert "not reachable" in response.json()["message"]
            for path in ("/", SIEDLCE_PATH):
                assert_store_unavailable(http.get(path, headers={"Accept": "text/html"}))
            # search may answer from the label index it built while the store was up
            assert http.get("/search", params={"q": "dasing"}).status_code in (200, 503)
        finally:
            flaky_store.start()
        deadline = time.monotonic() + RECOVERY_S
        while http.get("/").status_code != 200:
            assert time.monotonic() < deadline, "the server did not recover"
            time.sleep(0.1)
        for path, accept in STORE_PAGES:
            assert http.get(path, headers={"Accept": accept}).status_code == 200, path
        assert "Dasing" in http.get("/search", params={"q": "dasing"}).text


# --- the store answers 401, 500 or garbage -----------------------------------------------------


@pytest.fixture(scope="module")
def scripted() -> Iterator[ScriptedHttpServer]:
    """The scripted store; each test sets its ``mode``."""
    with scripted_http_server() as server:
        yield server


@pytest.fixture(scope="module")
def over_scripted(
    scripted: ScriptedHttpServer, tmp_path_factory: pytest.TempPathFactory, build_dir: Path
) -> Iterator[TwinningServer]:
    """twinning-kg over the scripted store (it starts without asking the store anything)."""
    log = tmp_path_factory.mktemp("over-scripted") / "server.log"
    scripted.mode = "500"
    spec = f"sparql:{scripted.base_url}/query"
    with twinning_server(spec, log, build_dir=build_dir, ready_path="/static/app.css") as server:
        yield server


@pytest.mark.live
@pytest.mark.parametrize("mode", list(SCRIPTS))
def test_a_failing_store_gives_503_never_500(
    scripted: ScriptedHttpServer, over_scripted: TwinningServer, mode: str
) -> None:
    scripted.mode = mode
    asked = len(scripted.requests)
    with over_scripted.client() as http:
        for path, accept in [*STORE_PAGES, ("/search?q=dasing", "application/json")]:
            assert_store_unavailable(http.get(path, headers={"Accept": accept}))
        for path in ("/", SIEDLCE_PATH):
            assert_store_unavailable(http.get(path, headers={"Accept": "text/html"}))
    assert len(scripted.requests) > asked  # the store was asked, and failed


@pytest.mark.live
def test_the_message_says_what_the_store_did(
    scripted: ScriptedHttpServer, over_scripted: TwinningServer
) -> None:
    # the search index first asks for the data's version with a SELECT: garbage is "not JSON"
    # (a CONSTRUCT's, "not Turtle")
    expected = {"401": "Unauthorized", "500": "500", "not-json": "not JSON"}
    with over_scripted.client() as http:
        for mode, fragment in expected.items():
            scripted.mode = mode
            response = http.get("/search?q=x", headers={"Accept": "application/json"})
            assert fragment in response.json()["message"], (mode, response.text)


@pytest.mark.live
@pytest.mark.parametrize(
    ("ask", "fragment"),
    [("construct_triples", "not Turtle"), ("select", "not JSON")],
)
def test_garbage_is_named_by_what_was_asked(
    scripted: ScriptedHttpServer, ask: str, fragment: str
) -> None:
    """A CONSTRUCT's garbage is "not Turtle", a SELECT's "not JSON"."""
    scripted.mode = "not-json"
    store = SparqlEndpointStore(f"{scripted.base_url}/query", timeout_s=5.0)
    with pytest.raises(StoreUnavailable) as raised:
        getattr(store, ask)("list_labels" if ask == "construct_triples" else "list_graphs")
    assert fragment in str(raised.value)


# --- push to a store that fails ----------------------------------------------------------------


@pytest.mark.live
def test_push_to_a_store_that_is_down() -> None:
    port = find_free_port()
    result = run_cli("push", "--endpoint", f"http://{HOST}:{port}/query")
    assert_one_line_error(result, f"{HOST}:{port}", "failed")
    assert result.stdout == ""


@pytest.mark.live
@pytest.mark.parametrize(("mode", "fragment"), [("401", "HTTP 401"), ("500", "HTTP 500")])
def test_push_refused_by_the_store(scripted: ScriptedHttpServer, mode: str, fragment: str) -> None:
    scripted.mode = mode
    result = run_cli("push", "--endpoint", f"{scripted.base_url}/query")
    assert_one_line_error(result, fragment)
    assert scripted.requests[-1].startswith("PUT /store?graph=")


@pytest.mark.live
@pytest.mark.parametrize("mode", list(SCRIPTS))
def test_push_with_staging_to_a_store_that_fails(scripted: ScriptedHttpServer, mode: str) -> None:
    """Even a store that says 200 to the upload fails the count check if it answers garbage."""
    scripted.mode = mode
    endpoint = f"{scripted.base_url}/query,update={scripted.base_url}/update"
    assert_one_line_error(run_cli("push", "--endpoint", endpoint))


@pytest.fixture
def pushed_store(tmp_path: Path) -> Iterator[OxigraphServer]:
    """A fresh Oxigraph server holding the repository's files."""
    with oxigraph_server(tmp_path / "oxigraph.log") as server:
        pushed = run_cli("push", "--endpoint", server.endpoint())
        assert pushed.returncode == 0, pushed.stderr
        yield server


@pytest.fixture
def changed_sources(tmp_path: Path) -> Path:
    """A copy of the sources in which every file holds one more triple."""
    root = copy_sources(tmp_path / "changed")
    for path in sorted(root.rglob("*.ttl")):
        with path.open("a", encoding="utf-8") as file:
            file.write(f'\n<urn:example:pushed> <urn:example:from> "{path.name}" .\n')
    return root


def graph_lines(nquads: set[str], graph: str) -> set[str]:
    """The N-Quads lines of one named graph."""
    return {line for line in nquads if line.endswith(f"<{graph}> .")}


@pytest.mark.live
def test_upload_cut_short_leaves_the_graph_as_it_was(
    pushed_store: OxigraphServer, changed_sources: Path
) -> None:
    before = remote_nquads(pushed_store.store_url)
    counts = graph_counts(pushed_store.query_url)
    with CuttingProxy(pushed_store.port, nth_request(2, b"PUT ")) as proxy:
        result = run_cli("push", "--endpoint", proxy.endpoint(), cwd=changed_sources)
    assert len(proxy.cuts) == 1
    assert_one_line_error(result, "/store?graph=")
    sent, _ = result.stdout.split(": ", 1)  # the one graph sent before the cut
    after = remote_nquads(pushed_store.store_url)
    after_counts = graph_counts(pushed_store.query_url)
    assert after_counts.keys() == counts.keys()
    assert after_counts[sent] == counts[sent] + 1
    for graph in counts.keys() - {sent}:
        assert after_counts[graph] == counts[graph] > 0, graph
        assert graph_lines(after, graph) == graph_lines(before, graph), graph


@pytest.mark.live
def test_push_with_update_moves_a_staging_graph_and_leaves_none(
    pushed_store: OxigraphServer, changed_sources: Path
) -> None:
    counts = graph_counts(pushed_store.query_url)
    with CuttingProxy(pushed_store.port, lambda _head: False) as proxy:
        result = run_cli("push", "--endpoint", proxy.endpoint(update=True), cwd=changed_sources)
    assert result.returncode == 0, result.stderr
    puts = [line for line in proxy.requests if line.startswith(b"PUT ")]
    assert len(puts) == len(counts)
    assert all(b"graph=urn%3Atwinning-kg%3Astaging%3A" in line for line in puts)
    assert sum(line.startswith(b"POST /update") for line in proxy.requests) == len(counts)
    assert staging_graphs(pushed_store.query_url) == []
    assert graph_counts(pushed_store.query_url) == {g: n + 1 for g, n in counts.items()}


@pytest.mark.live
def test_push_with_update_cut_before_the_move_leaves_no_staging_graph(
    pushed_store: OxigraphServer, changed_sources: Path
) -> None:
    before = remote_nquads(pushed_store.store_url)
    with CuttingProxy(pushed_store.port, nth_request(1, b"POST /update")) as proxy:
        result = run_cli("push", "--endpoint", proxy.endpoint(update=True), cwd=changed_sources)
    assert len(proxy.cuts) == 1
    assert_one_line_error(result, "/update")
    assert staging_graphs(pushed_store.query_url) == []
    assert remote_nquads(pushed_store.store_url) == before


# --- load fails half way -----------------------------------------------------------------------


def tree_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def loaded(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the sources (the root) and a store loaded from it (the link)."""
    root = copy_sources(tmp_path / "root")
    out = tmp_path / "store"
    result = run_cli("load", "--out", str(out), cwd=root)
    assert result.returncode == 0, result.stderr
    return root, out


@pytest.mark.live
def test_load_killed_half_way_keeps_the_previous_store(
    loaded: tuple[Path, Path], tmp_path: Path
) -> None:
    root, out = loaded
    link, digest = os.readlink(out), tree_digest(out.resolve())
    triples = len(OxigraphStore.open(out))
    bulk = root / "data" / "bulk"
    bulk.mkdir()
    with (bulk / "items.nt").open("w", encoding="utf-8") as file:
        for n in range(300_000):
            file.write(f'<urn:example:item:{n}> <urn:example:label> "item {n}" .\n')
    generations = out.parent / f"{out.name}.d"
    command = [sys.executable, "-m", "twinning_kg", "load", "--out", str(out)]
    with started_process(command, tmp_path / "load.log", cwd=root) as process:
        deadline = time.monotonic() + 30.0
        while not any(p.name.endswith(".tmp") for p in generations.iterdir()):
            assert process.poll() is None, (tmp_path / "load.log").read_text()
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(0.2)  # well into the bulk load
        assert process.poll() is None, "the load finished before it could be killed"
        process.kill()
        process.wait()
    assert os.readlink(out) == link
    assert tree_digest(out.resolve()) == digest
    assert len(OxigraphStore.open(out)) == triples
    # the next load completes, replaces the link and clears the half-written store away
    again = run_cli("load", "--out", str(out), cwd=root)
    assert again.returncode == 0, again.stderr
    assert os.readlink(out) != link
    assert len(OxigraphStore.open(out)) == triples + 300_000
    assert not [p.name for p in generations.iterdir() if p.name.startswith(".")]


@pytest.mark.live
def test_load_of_a_broken_file_keeps_the_previous_store(loaded: tuple[Path, Path]) -> None:
    root, out = loaded
    link, digest = os.readlink(out), tree_digest(out.resolve())
    generations = sorted(p.name for p in (out.parent / f"{out.name}.d").iterdir())
    broken = root / "data" / "siedlce" / "broken.ttl"
    broken.write_text('<urn:example:a> <urn:example:b> "unterminated .\n', encoding="utf-8")
    result = run_cli("load", "--out", str(out), cwd=root)
    assert_one_line_error(result, "broken.ttl:1:")
    assert os.readlink(out) == link
    assert tree_digest(out.resolve()) == digest
    assert sorted(p.name for p in (out.parent / f"{out.name}.d").iterdir()) == generations


@pytest.mark.live
@pytest.mark.parametrize("kind", ["missing", "empty folder"])
def test_serve_a_store_that_is_not_there(tmp_path: Path, build_dir: Path, kind: str) -> None:
    path = tmp_path / "nonexistent"
    if kind == "empty folder":
        path.mkdir()
    port = str(find_free_port())
    env = {"TWINNING_BUILD_DIR": str(build_dir)}
    command = ("serve", "--port", port, "--store", f"oxigraph:{path}")
    result = run_cli(*command, env=env, timeout_s=60.0)
    assert_one_line_error(result, str(path), "twinning-kg load --out")


# --- the Wikidata-style endpoint for `link` --------------------------------------------------

FAST = {"TWINNING_WIKIDATA_TIMEOUT_S": "1", "TWINNING_WIKIDATA_MAX_RETRIES": "1"}
FORMS = {"reconcile": [], "enrich": ["--enrich"], "check": ["--check"]}
FAULTS = {
    "down": None,
    "slow": Reply(delay_s=3.0, body=results(["x"]).body),
    "500": Reply(status=500, body=b"java.lang.OutOfMemoryError"),
    "html": Reply(body=b"<html><body>Down for maintenance</body></html>", content_type="text/html"),
    "not-results": Reply(body=b'{"error": "no"}'),
    "unexpected-variables": results(["x", "y"]),
    "503-forever": Reply(status=503, headers=(("Retry-After", "0"),)),
}
MESSAGES = {
    "down": "connection refused",
    "slow": "did not answer within 1 s",
    "500": "HTTP 500",
    "html": "answered with text/html, not SPARQL JSON results",
    "not-results": "JSON that is not SELECT results",
    "unexpected-variables": "with the variables ?x ?y, expected",
    "503-forever": "still answered HTTP 503 after 1 retries",
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_is_one_line_exit_2_and_nothing_written(
    runner: CliRunner, data_copy: Path, tmp_path: Path, form: str, fault: str
) -> None:
    before = snapshot(data_copy)
    qs = tmp_path / "out.qs"
    extra = ["--quickstatements", str(qs)] if form == "check" else []
    reply = FAULTS[fault]

    def run(url: str) -> Result:
        args = ["link", "--endpoint", url, "--data", str(data_copy), *FORMS[form], *extra]
        return runner.invoke(main, args, env=FAST)

    if reply is None:
        result = run(closed_port_url())
    else:
        with scripted_endpoint([reply]) as endpoint:
            result = run(endpoint.url)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert MESSAGES[fault] in lines[0]
    assert snapshot(data_copy) == before  # no file written, no temporary file left
    assert not qs.exists()


@pytest.mark.live
def test_429_with_retry_after_then_the_real_answer(
    runner: CliRunner, wikidata_endpoint: str, data_copy: Path
) -> None:
    direct = runner.invoke(
        main,
        [
            "link",
            "--endpoint",
            wikidata_endpoint,
            "--data",
            str(data_copy),
            "--check",
            "--format",
            "json",
        ],
    )
    script = [
        Reply(status=429, headers=(("Retry-After", "1"),), body=b"Too Many Requests"),
        Reply(forward=True),
    ]
    with scripted_endpoint(script, upstream=wikidata_endpoint) as endpoint:
        started = time.monotonic()
        relayed = runner.invoke(
            main,
            [
                "link",
                "--endpoint",
                endpoint.url,
                "--data",
                str(data_copy),
                "--check",
                "--format",
                "json",
            ],
        )
        elapsed = time.monotonic() - started
    assert relayed.exit_code == direct.exit_code == 1, relayed.output
    assert len(endpoint.seen) == 2
    assert endpoint.seen[1].at - endpoint.seen[0].at >= 1.0  # Retry-After honoured
    assert elapsed < 10
    first, second = json.loads(direct.stdout), json.loads(relayed.stdout)
    first.pop("endpoint"), second.pop("endpoint")
    assert first == second
