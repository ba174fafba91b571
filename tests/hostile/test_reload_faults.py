"""Reloads that must not go through: a syntax error (named ``file:line:col``), SHACL violations
(the report), a second reload while one runs (409); and reloads under a burst of requests, where
no request fails and each is answered from the old data or the new, never from anything else.

The first tests moved here from tests/app/test_operations.py (issue 8); the old data is served
after every rejected reload. The reload under load of the real server (two gunicorn workers) is
tests/integration/test_reload_live.py.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

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
    AppFactory,
    app_fixture,
    client_fixture,
    edit,
    english_labels,
    make_app_fixture,
    site_dirs,
    site_fixture,
)
from twinning_kg import reloading
from twinning_kg.store.oxigraph import build_store


def test_a_syntax_error_is_422_naming_file_line_and_column(client: FlaskClient, site: Path) -> None:
    before = client.get("/healthz").get_json()
    line = edit(site, LABEL_EN, '"Dasing"@en ;; ] .')

    response = client.post("/admin/reload", headers={**AUTH, **JSON})

    assert response.status_code == 422, response.text
    body = response.get_json()
    assert body["error"] == "reload-rejected"
    assert re.match(rf"^{re.escape(DASING_FILE)}:{line}:\d+: ", body["message"]), body["message"]
    assert str(site) not in body["message"]  # the file is named relative to the data root
    assert GENERATED_ID.match(body["request_id"])
    # the old data is still served
    assert english_labels(client) == {"Dasing"}
    health = client.get("/healthz").get_json()
    assert health["data_version"] == before["data_version"]
    assert health["last_reload"]["ok"] is False
    assert health["last_reload"]["error"] == body["message"]


def test_a_syntax_error_in_the_shapes_is_rejected_too(client: FlaskClient, site: Path) -> None:
    shapes = "shapes/twinning-shapes.ttl"
    text = (site / shapes).read_text(encoding="utf-8")
    (site / shapes).write_text(text + "\ntwinsh:Broken a sh:NodeShape ;;; <\n", encoding="utf-8")
    response = client.post("/admin/reload", headers={**AUTH, **JSON})
    assert response.status_code == 422
    assert response.get_json()["message"].startswith(f"{shapes}:")
    assert english_labels(client) == {"Dasing"}


def test_shapes_that_cannot_run_are_422_too(client: FlaskClient, site: Path) -> None:
    """pySHACL refuses a shape with two sh:datatype values: the reload is rejected, not a 500."""
    shapes = "shapes/twinning-shapes.ttl"
    text = (site / shapes).read_text(encoding="utf-8")
    bad = "\ntwinsh:Bad a sh:NodeShape ; sh:targetClass twin:Municipality ;\n"
    bad += "    sh:property [ sh:path rdfs:label ; sh:datatype xsd:int , xsd:long ] .\n"
    (site / shapes).write_text(text + bad, encoding="utf-8")
    before = client.get("/healthz").get_json()
    response = client.post("/admin/reload", headers={**AUTH, **JSON})
    assert response.status_code == 422, response.text
    message = response.get_json()["message"]
    assert message.startswith("The data could not be validated: SHACL validation could not run")
    assert client.get("/healthz").get_json()["data_version"] == before["data_version"]
    assert english_labels(client) == {"Dasing"}


def test_a_shacl_violation_is_422_with_the_report(client: FlaskClient, site: Path) -> None:
    before = client.get("/healthz").get_json()
    # Dasing loses its English label (LabelShape wants one) and gets a new Polish one
    edit(site, 'rdfs:label "Dasing"@pl , "Dasing"@en ;', 'rdfs:label "Dasing-Nowe"@pl ;')

    response = client.post("/admin/reload", headers={**AUTH, "Accept": "text/plain"})

    assert response.status_code == 422
    report = response.text
    assert "does not conform" in report
    assert "Violation" in report
    assert str(DASING) in report
    assert "LabelShape" in report
    assert DASING_FILE in report
    # the old data is still served, in both languages
    assert english_labels(client) == {"Dasing"}
    assert "Dasing-Nowe" not in client.get(DASING_PATH, query_string={"lang": "pl"}).text
    health = client.get("/healthz").get_json()
    assert health["data_version"] == before["data_version"]
    assert health["last_reload"]["ok"] is False
    assert "LabelShape" in health["last_reload"]["error"]


def test_a_missing_data_folder_is_rejected(client: FlaskClient, site: Path) -> None:
    shutil.rmtree(site / "data")
    response = client.post("/admin/reload", headers={**AUTH, **JSON})
    assert response.status_code == 422
    assert "data" in response.get_json()["message"]
    assert english_labels(client) == {"Dasing"}


def test_a_broken_file_never_reaches_the_on_disk_store(make_app: AppFactory, site: Path) -> None:
    out = site / "store"
    build_store(site_dirs(site), out, root=site)
    before = out.resolve()
    client = make_app(store=f"oxigraph:{out}").test_client()
    edit(site, LABEL_EN, '"Dasing" ;;; .')
    assert client.post("/admin/reload", headers=AUTH).status_code == 422
    assert out.resolve() == before
    assert english_labels(client) == {"Dasing"}


def test_a_reload_while_another_runs_is_409(app: Flask, client: FlaskClient, site: Path) -> None:
    settings = app.extensions["twinning_kg"]
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with reloading.reload_lock(settings):
            held.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(timeout=10)
        edit(site, LABEL_EN, '"Dasing, Landkreis Aichach-Friedberg"@en')
        response = client.post("/admin/reload", headers={**AUTH, **JSON})
        assert response.status_code == 409
        assert response.get_json()["error"] == "reload-in-progress"
        assert int(response.headers["Retry-After"]) > 0
        assert english_labels(client) == {"Dasing"}
    finally:
        release.set()
        holder.join(timeout=30)
    # once the other reload is over, the next one goes through
    assert client.post("/admin/reload", headers=AUTH).status_code == 200
    assert english_labels(client) == {"Dasing, Landkreis Aichach-Friedberg"}


def test_two_reloads_at_once_one_is_409(app: Flask, site: Path) -> None:
    edit(site, LABEL_EN, '"Dasing (concurrent)"@en')
    start = threading.Barrier(2)
    statuses: list[int] = []

    def post() -> None:
        with app.test_client() as client:
            start.wait(timeout=10)
            statuses.append(client.post("/admin/reload", headers=AUTH).status_code)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 409]
    with app.test_client() as client:
        assert english_labels(client) == {"Dasing (concurrent)"}


# --- a burst of requests while a reload runs ---------------------------------------------------

#: What the burst asks for; Dasing's Turtle tells which data answered.
BURST: Final = (
    f"{DASING_PATH}.ttl",
    "/id/municipality/siedlce",
    "/search?q=dasing&format=json",
    "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D",
    "/healthz",
)
BURST_THREADS: Final = 4


@dataclass(frozen=True)
class Answer:
    path: str
    status: int
    new: bool | None  # for a Turtle page: whether it showed the new label
    sent: float
    done: float


class Burst:
    """Threads with a client each, asking for BURST round and round until stopped."""

    def __init__(self, app: Flask, new_label: str) -> None:
        self.app = app
        self.new_label = new_label
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(n,)) for n in range(BURST_THREADS)
        ]

    def _run(self, number: int) -> None:
        with self.app.test_client() as client:
            sent = number
            while not self._stop.is_set():
                path = BURST[sent % len(BURST)]
                sent += 1
                started = time.monotonic()
                response = client.get(path)
                body = response.get_data(as_text=True)
                new = self.new_label in body if path.endswith(".ttl") else None
                answer = Answer(path, response.status_code, new, started, time.monotonic())
                with self._lock:
                    self.answers.append(answer)

    def __enter__(self) -> Burst:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def wait_for(self, count: int) -> None:
        while len(self.answers) < count:
            self._stop.wait(0.02)


def test_a_reload_during_a_burst_fails_no_request(app: Flask, site: Path) -> None:
    new_label = "Dasing (during the burst)"
    edit(site, LABEL_EN, f'"{new_label}"@en')
    with Burst(app, new_label) as burst, app.test_client() as admin:
        burst.wait_for(20)
        response = admin.post("/admin/reload", headers=AUTH)
        after_reload = len(burst.answers)
        burst.wait_for(after_reload + 20)
    assert response.status_code == 200, response.text
    assert [a for a in burst.answers if a.status != 200] == []
    labelled = [a for a in burst.answers if a.new is not None]
    assert False in [a.new for a in labelled[:3]]  # the old data before the swap
    assert [a.new for a in labelled[-3:]] == [True, True, True]  # the new data after it
    # once a request was answered with the new data, none asked after that saw the old data (the
    # answers are in the order they ended: one asked before the swap may end after one asked later)
    first_new_done = min(a.done for a in labelled if a.new)
    assert [a for a in labelled if a.sent > first_new_done and not a.new] == []


def test_a_rejected_reload_during_a_burst_fails_no_request(app: Flask, site: Path) -> None:
    before = app.test_client().get("/healthz").get_json()["data_version"]
    edit(site, LABEL_EN, '"Dasing (never served)"@en ;; ] .')
    with Burst(app, "Dasing (never served)") as burst, app.test_client() as admin:
        burst.wait_for(20)
        response = admin.post("/admin/reload", headers={**AUTH, **JSON})
        burst.wait_for(len(burst.answers) + 20)
    assert response.status_code == 422
    assert response.get_json()["message"].startswith(f"{DASING_FILE}:")
    assert [a for a in burst.answers if a.status != 200] == []
    assert not any(a.new for a in burst.answers)
    assert app.test_client().get("/healthz").get_json()["data_version"] == before
