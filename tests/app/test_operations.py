"""Operations, in process: /healthz, /metrics, request ids, and the authenticated reload.

Each test serves its own copy of ontology/, data/ and shapes/ (with its own state folder), so a
reload test can break the data, and a metrics test counts only its own requests.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.admin_site import (  # noqa: F401  # fixtures, used by name
    AUTH,
    DASING,
    DASING_FILE,
    DASING_PATH,
    GENERATED_ID,
    JSON,
    LABEL_EN,
    TOKEN,
    AppFactory,
    app_fixture,
    client_fixture,
    edit,
    english_labels,
    make_app_fixture,
    site_dirs,
    site_fixture,
)
from tests.conftest import repository_store
from tests.prometheus import Exposition, histogram_problems, parse
from twinning_kg import reloading
from twinning_kg.settings import Settings
from twinning_kg.store.oxigraph import OxigraphStore, build_store
from twinning_kg.web import create_app, operations
from twinning_kg.web.metrics import Metrics, SummaryCounts


def scrape(client: FlaskClient) -> Exposition:
    response = client.get("/metrics")
    assert response.status_code == 200
    return parse(response.text)


# --- /healthz ----------------------------------------------------------------------------------


def test_healthz_reports_what_is_served(client: FlaskClient, app: Flask) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    store = app.extensions["twinning_kg.store"]
    assert body["status"] == "ok"
    assert body["backend"] == "memory"
    assert body["data_version"] == store.version.digest
    assert re.fullmatch(r"[0-9a-f]{20}", body["data_version"])
    assert body["triples"] == len(store) > 1000
    assert body["last_reload"] is None


# --- /metrics ----------------------------------------------------------------------------------


def test_metrics_is_prometheus_text_with_every_family(client: FlaskClient) -> None:
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    scrape = parse(response.text)
    assert scrape.types == {
        "twinning_requests_total": "counter",
        "twinning_request_duration_seconds": "histogram",
        "twinning_sparql_queries_total": "counter",
        "twinning_sparql_workers_killed_total": "counter",
        "twinning_sparql_workers_crashed_total": "counter",
        "twinning_reloads_total": "counter",
        "twinning_page_cache_total": "counter",
        "twinning_describe_summaries_total": "counter",
    }
    assert set(scrape.helps) == set(scrape.types)


def test_metrics_count_page_cache_hits_and_misses(client: FlaskClient) -> None:
    for _ in range(3):
        assert client.get(f"{DASING_PATH}.ttl").status_code == 200
    scrape = parse(client.get("/metrics").text)
    assert scrape.value("twinning_page_cache_total", result="miss") == 1
    assert scrape.value("twinning_page_cache_total", result="hit") == 2


def test_metrics_count_the_summaries_pages_found_kept_and_read(
    client: FlaskClient, app: Flask
) -> None:
    def counts() -> tuple[float, float]:
        scrape = parse(client.get("/metrics").text)
        hit = scrape.value("twinning_describe_summaries_total", result="hit") or 0.0
        return hit, scrape.value("twinning_describe_summaries_total", result="miss") or 0.0

    before = counts()
    assert client.get(f"{DASING_PATH}.ttl").status_code == 200
    first = counts()
    assert first[1] > before[1]  # the resources the page links to were read...
    assert client.get(f"{DASING_PATH}.nt").status_code == 200  # another variant, not cached
    second = counts()
    assert second[0] - first[0] >= first[1] - before[1]  # ...and found kept the second time
    assert second[1] == first[1]
    store = app.extensions["twinning_kg.store"]
    assert second == tuple(float(n) for n in store.summary_counts())


def test_summary_counts_carry_over_to_the_store_a_reload_opens() -> None:
    serving = [repository_store()]
    counts = SummaryCounts(lambda: serving[0])

    def misses() -> float:
        return counts()["twinning_describe_summaries_total"][(("result", "miss"),)]

    serving[0].describe_triples(DASING)
    before = misses()
    assert before > 0
    serving[0] = repository_store()  # a reload: a new store, its counts at 0
    assert misses() == before  # the counter does not go down
    serving[0].describe_triples(DASING)
    assert misses() == before + serving[0].summary_counts()[1]


def test_a_failing_metrics_source_leaves_its_counts_out() -> None:
    metrics = Metrics(None)
    metrics.inc("twinning_reloads_total", result="ok")

    def broken() -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
        raise RuntimeError("no counts")

    metrics.add_source(broken)
    scrape = parse(metrics.render())
    assert scrape.value("twinning_reloads_total", result="ok") == 1


def test_metrics_count_requests_by_route_and_status(client: FlaskClient) -> None:
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    for _ in range(2):
        assert client.get(DASING_PATH).status_code == 200
    assert client.get("/id/municipality/atlantis").status_code == 404
    assert client.get("/no/such/route/at/all").status_code == 404
    assert client.post("/healthz").status_code == 405
    scrape_ = scrape(client)
    requests = scrape_.series("twinning_requests_total")
    assert scrape_.value("twinning_requests_total", route="/healthz", status="200") == 3
    # no route matched: one label value for all of them, not one per path tried
    assert scrape_.value("twinning_requests_total", route="(none)", status="405") == 1
    assert scrape_.value("twinning_requests_total", route="/<path:path>", status="200") == 2
    assert scrape_.value("twinning_requests_total", route="/<path:path>", status="404") == 2
    assert sum(requests.values()) == 8  # the scrape itself is counted after it answered
    again = scrape(client)
    assert again.value("twinning_requests_total", route="/metrics", status="200") == 1


def test_latency_histograms_are_cumulative_and_end_in_the_count(client: FlaskClient) -> None:
    for path in ("/healthz", DASING_PATH, f"{DASING_PATH}.ttl", "/search?q=dasing", "/"):
        assert client.get(path).status_code == 200
    scrape_ = scrape(client)
    assert histogram_problems(scrape_, "twinning_request_duration_seconds") == []
    counts = scrape_.series("twinning_request_duration_seconds_count")
    assert counts[frozenset({("route", "/<path:path>")})] == 2
    assert sum(counts.values()) == 5
    bounds = {
        dict(labels)["le"] for labels in scrape_.series("twinning_request_duration_seconds_bucket")
    }
    assert "+Inf" in bounds
    assert len(bounds) > 5


def test_metrics_are_read_from_the_state_folder(client: FlaskClient, site: Path) -> None:
    client.get("/healthz")
    client.get("/metrics")
    files = list((site / "state" / "metrics").glob("*.json"))
    assert len(files) == 1
    assert files[0].stem.isdigit()
    counts = json.loads(files[0].read_text(encoding="utf-8"))
    assert "twinning_requests_total" in counts


def test_concurrent_flushes_never_leave_a_torn_file(tmp_path: Path) -> None:
    """A scrape must always be able to read every process's file (else its counts drop out)."""
    registry = Metrics(tmp_path)
    for n in range(300):
        registry.inc("twinning_requests_total", route=f"/route/{n}", status="200")
    file = tmp_path / f"{os.getpid()}.json"
    registry.flush()
    done = threading.Event()
    torn: list[str] = []

    def write() -> None:
        while not done.is_set():
            registry.flush()

    writers = [threading.Thread(target=write) for _ in range(4)]
    for writer in writers:
        writer.start()
    try:
        deadline = time.monotonic() + 1.5  # without the lock, torn reads show up within this
        while time.monotonic() < deadline:
            text = file.read_text(encoding="utf-8")
            try:
                json.loads(text)
            except ValueError:
                torn.append(text[-40:])
    finally:
        done.set()
        for writer in writers:
            writer.join()
    assert torn == []


def test_sparql_queries_are_counted(client: FlaskClient) -> None:
    for query, status in (("ASK { ?s ?p ?o }", 200), ("SELEKT", 400)):
        response = client.get("/sparql", query_string={"query": query})
        response.get_data()  # a streamed body: read it, so it is closed
        assert response.status_code == status
    scrape_ = scrape(client)
    assert scrape_.value("twinning_sparql_queries_total", outcome="ok") == 1
    assert scrape_.value("twinning_requests_total", route="/sparql", status="400") == 1


# --- request ids and access log ----------------------------------------------------------------


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def access_log() -> Iterator[list[str]]:
    """The access log's lines while the test runs."""
    handler = _Lines()
    logger = logging.getLogger("twinning_kg.access")
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


@pytest.mark.parametrize(
    "given", ["abc-123", "a.B_c-9", "x" * 64, "4f9c1e2d-0b7a-4c1e-9d7b-1a2b3c4d5e6f"]
)
def test_a_sane_request_id_is_kept(client: FlaskClient, given: str) -> None:
    response = client.get("/healthz", headers={"X-Request-Id": given})
    assert response.headers["X-Request-Id"] == given


@pytest.mark.parametrize(
    "given",
    ["", "has space", "x" * 65, "<script>", 'quo"te', "semi;colon", "ünïcode", "a/b", "a\tb"],
)
def test_an_insane_request_id_is_replaced(client: FlaskClient, given: str) -> None:
    response = client.get("/healthz", headers={"X-Request-Id": given})
    assert GENERATED_ID.match(response.headers["X-Request-Id"])


def test_every_request_gets_a_fresh_id(client: FlaskClient) -> None:
    ids = {client.get("/healthz").headers["X-Request-Id"] for _ in range(20)}
    assert len(ids) == 20
    assert all(GENERATED_ID.match(i) for i in ids)


def test_access_log_is_one_json_line_per_request(
    client: FlaskClient, access_log: list[str]
) -> None:
    client.get(DASING_PATH, headers={"X-Request-Id": "trace-me-1", "User-Agent": "ops-test"})
    client.get("/id/municipality/atlantis")
    assert len(access_log) == 2
    first, second = (json.loads(line) for line in access_log)
    assert first["id"] == "trace-me-1"
    assert first["method"] == "GET"
    assert first["path"] == DASING_PATH
    assert first["status"] == 200
    assert first["ua"] == "ops-test"
    assert first["pid"] == os.getpid()
    assert first["ms"] >= 0
    assert first["bytes"] > 0
    assert second["status"] == 404
    assert GENERATED_ID.match(second["id"])


@pytest.mark.parametrize("given", [None, "caller-chosen-id"])
def test_error_bodies_carry_the_request_id(client: FlaskClient, given: str | None) -> None:
    headers = {"X-Request-Id": given} if given else {}
    path = "/id/municipality/atlantis"
    as_json = client.get(path, headers={**headers, **JSON})
    request_id = as_json.headers["X-Request-Id"]
    assert request_id == (given or request_id)
    assert as_json.get_json()["request_id"] == request_id

    as_text = client.get(path, headers={**headers, "Accept": "text/plain"})
    assert as_text.mimetype == "text/plain"
    assert f"(request id {as_text.headers['X-Request-Id']})" in as_text.text

    as_html = client.get(path, headers={**headers, "Accept": "text/html"})
    assert as_html.mimetype == "text/html"
    assert f"<code>{as_html.headers['X-Request-Id']}</code>" in as_html.text
    if given:
        assert as_text.headers["X-Request-Id"] == as_html.headers["X-Request-Id"] == given


def test_an_insane_request_id_never_reaches_the_body(client: FlaskClient) -> None:
    hostile = "<script>alert(1)</script>"
    response = client.get("/id/municipality/atlantis", headers={"X-Request-Id": hostile})
    assert response.status_code == 404
    assert "<script>alert" not in response.text
    assert GENERATED_ID.match(response.headers["X-Request-Id"])


# --- reload ------------------------------------------------------------------------------------


def test_reload_with_changed_data_serves_it(client: FlaskClient, app: Flask, site: Path) -> None:
    before = client.get("/healthz").get_json()
    assert english_labels(client) == {"Dasing"}
    edit(site, LABEL_EN, '"Dasing an der Paar"@en')

    response = client.post("/admin/reload", headers=AUTH)

    assert response.status_code == 200, response.text
    body = response.get_json()
    assert body["status"] == "reloaded"
    assert body["data_version"] != before["data_version"]
    assert body["triples"] == before["triples"]
    assert 0 < body["seconds"] < 60
    assert english_labels(client) == {"Dasing an der Paar"}
    page = client.get(DASING_PATH, headers={"Accept": "text/html"}, query_string={"lang": "en"})
    assert "Dasing an der Paar" in page.text
    health = client.get("/healthz").get_json()
    assert health["data_version"] == body["data_version"]
    assert health["last_reload"]["ok"] is True
    assert health["last_reload"]["error"] is None
    generation = reloading.read_generation(app.extensions["twinning_kg"])
    assert generation is not None
    assert generation.digest == body["data_version"]


def test_reload_changes_etags(client: FlaskClient, site: Path) -> None:
    etag = client.get(DASING_PATH).headers["ETag"]
    assert client.get(DASING_PATH, headers={"If-None-Match": etag}).status_code == 304
    edit(site, LABEL_EN, '"Dasing (Schwaben)"@en')
    assert client.post("/admin/reload", headers=AUTH).status_code == 200
    fresh = client.get(DASING_PATH, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] != etag


def test_sparql_answers_from_the_reloaded_data(client: FlaskClient, site: Path) -> None:
    query = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        f"SELECT ?label WHERE {{ <{DASING}> rdfs:label ?label FILTER(lang(?label) = 'en') }}"
    )

    def labels() -> list[str]:
        response = client.get("/sparql", query_string={"query": query}, headers=JSON)
        assert response.status_code == 200, response.text
        return [b["label"]["value"] for b in json.loads(response.data)["results"]["bindings"]]

    assert labels() == ["Dasing"]
    edit(site, LABEL_EN, '"Dasing in Bayern"@en')
    assert client.post("/admin/reload", headers=AUTH).status_code == 200
    assert labels() == ["Dasing in Bayern"]


def test_reload_of_unchanged_data_is_a_no_op(client: FlaskClient) -> None:
    before = client.get("/healthz").get_json()["data_version"]
    response = client.post("/admin/reload", headers=AUTH)
    assert response.status_code == 200
    assert response.get_json()["data_version"] == before


def test_the_old_query_workers_stop_after_a_reload(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old executor is closed once no query can still be running on it (the time limit)."""
    monkeypatch.setattr(operations, "CLOSE_GRACE_S", 0.1)
    app = make_app(sparql_timeout_s=0.5)
    client = app.test_client()
    client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).get_data()
    old = app.extensions["twinning_kg.executor"]
    pids = [worker.pid for worker in old._idle]
    assert len(pids) == 1
    assert client.post("/admin/reload", headers=AUTH).status_code == 200
    assert app.extensions["twinning_kg.executor"] is not old

    def stopped() -> bool:
        return not old._idle and all(not Path(f"/proc/{pid}").exists() for pid in pids)

    assert _wait_for(stopped, timeout_s=10)


def test_reload_rebuilds_an_on_disk_store(make_app: AppFactory, site: Path) -> None:
    """``oxigraph:PATH``: the reload writes a new generation, moves the link and serves it."""
    out = site / "store"
    first = build_store(site_dirs(site), out, root=site)
    app = make_app(store=f"oxigraph:{out}")
    client = app.test_client()
    assert client.get("/healthz").get_json()["backend"] == f"oxigraph:{out}"
    edit(site, LABEL_EN, '"Dasing (on disk)"@en')

    response = client.post("/admin/reload", headers=AUTH)

    assert response.status_code == 200, response.text
    digest = response.get_json()["data_version"]
    assert digest != first.digest
    assert out.resolve().name == digest
    assert (out.parent / "store.d" / first.digest).is_dir()  # kept for readers still on it
    assert english_labels(client) == {"Dasing (on disk)"}


def test_a_remote_store_is_not_reloaded_here(site: Path) -> None:
    settings = Settings(root=site, admin_token=TOKEN, state_dir=Path("state"))
    remote = replace(settings, store="sparql:http://127.0.0.1:9/query")
    app = create_app(remote, store=OxigraphStore.from_paths(site_dirs(site), root=site))
    response = app.test_client().post("/admin/reload", headers={**AUTH, **JSON})
    assert response.status_code == 501
    assert "twinning-kg push" in response.get_json()["message"]


def test_reloads_are_counted(client: FlaskClient, site: Path) -> None:
    assert client.post("/admin/reload", headers=AUTH).status_code == 200
    edit(site, LABEL_EN, '"Dasing" @en ; ;; .')
    assert client.post("/admin/reload", headers=AUTH).status_code == 422
    scrape_ = scrape(client)
    assert scrape_.value("twinning_reloads_total", result="ok") == 1
    assert scrape_.value("twinning_reloads_total", result="rejected") == 1
    assert scrape_.value("twinning_requests_total", route="/admin/reload", status="422") == 1


# --- other processes follow ----------------------------------------------------------------------


def _wait_for(condition: Callable[[], bool], timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_another_app_on_the_same_state_follows_a_reload(make_app: AppFactory, site: Path) -> None:
    """Two apps sharing root and state stand in for two gunicorn workers."""
    first, second = make_app(), make_app()
    one, two = first.test_client(), second.test_client()
    assert english_labels(two) == {"Dasing"}  # the first request starts the watcher
    edit(site, LABEL_EN, '"Dasing (followed)"@en')
    reloaded = one.post("/admin/reload", headers=AUTH)
    assert reloaded.status_code == 200
    digest = reloaded.get_json()["data_version"]
    assert _wait_for(lambda: two.get("/healthz").get_json()["data_version"] == digest)
    assert english_labels(two) == {"Dasing (followed)"}
    # the other worker's /healthz tells the same last reload
    assert two.get("/healthz").get_json()["last_reload"]["ok"] is True

    edit(site, '"Dasing (followed)"@en', '"Dasing" @en ;; ] .')
    assert one.post("/admin/reload", headers=AUTH).status_code == 422
    last = two.get("/healthz").get_json()["last_reload"]
    assert last["ok"] is False
    assert DASING_FILE in last["error"]
    assert english_labels(two) == {"Dasing (followed)"}


def test_workers_follow_each_other_back_and_forth(make_app: AppFactory, site: Path) -> None:
    """Either worker may take the next reload; a version followed once is followed again."""
    first, second = make_app(), make_app()
    one, two = first.test_client(), second.test_client()
    assert english_labels(one) == english_labels(two) == {"Dasing"}

    def reload_by(client: FlaskClient, other: FlaskClient) -> None:
        response = client.post("/admin/reload", headers=AUTH)
        assert response.status_code == 200, response.text
        digest = response.get_json()["data_version"]
        assert _wait_for(lambda: other.get("/healthz").get_json()["data_version"] == digest)

    edit(site, LABEL_EN, '"Dasing (one)"@en')
    reload_by(one, two)  # the second follows version one
    edit(site, '"Dasing (one)"@en', '"Dasing (two)"@en')
    reload_by(two, one)
    edit(site, '"Dasing (two)"@en', '"Dasing (one)"@en')
    reload_by(one, two)  # version one again: the second follows it again
    assert english_labels(one) == english_labels(two) == {"Dasing (one)"}


def test_an_idle_worker_catches_up_before_its_first_answer(
    make_app: AppFactory, site: Path
) -> None:
    """A worker that served nothing through a reload never answers with the data before it."""
    first, idle = make_app(), make_app()
    edit(site, LABEL_EN, '"Dasing (caught up)"@en')
    assert first.test_client().post("/admin/reload", headers=AUTH).status_code == 200
    assert english_labels(idle.test_client()) == {"Dasing (caught up)"}


def test_a_follower_never_loads_files_that_changed_after_validation(
    make_app: AppFactory, site: Path
) -> None:
    """A generation whose files changed since (here: now break a shape) is not followed."""
    second = make_app()
    settings = second.extensions["twinning_kg"]
    with second.test_client() as two:
        old = two.get("/healthz").get_json()["data_version"]
        # edited after "another process" validated generation 'validated-elsewhere'
        edit(site, 'rdfs:label "Dasing"@pl , "Dasing"@en ;', 'rdfs:label "Unchecked"@pl ;')
        reloading.publish_generation(settings, "validated-elsewhere")
        assert _wait_for(lambda: scrape(two).value("twinning_reloads_total", result="failed") >= 1)
        assert two.get("/healthz").get_json()["data_version"] == old
        assert english_labels(two) == {"Dasing"}
