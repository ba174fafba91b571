"""Hostile RDF files: XML entities (XXE, billion laughs) and JSON-LD contexts that point at a
local file or a listener on 127.0.0.1, dropped into the data folder or named on the command line.

rdflib's RDF/XML parser expands entities (a ~600-byte bomb hangs it for minutes) and its JSON-LD
parser fetches remote and ``file://`` contexts with no timeout, so such files are never handed to
a parser: every command that reads files, and the reload, refuses them by name within a second,
without opening a connection, without growing by 50 MB, and (the reload) keeps serving the old data.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

import pytest
from click.testing import CliRunner
from flask import Flask

from tests.hostile.probes import (
    MB,
    Listener,
    copy_site,
    rss_peak,
    rss_peak_reset,
    run_measured,
)
from twinning_kg.cli import main
from twinning_kg.settings import Settings
from twinning_kg.web import create_app

TOKEN: Final = "rdf-inputs-admin-token"  # noqa: S105  # a test token, not a credential
SECRET: Final = "CANARY-7f3e9b1c-never-to-be-read"  # noqa: S105  # file content, not a credential
MAX_SECONDS: Final = 1.0
MAX_GROWTH: Final = 50 * MB

BILLION_LAUGHS: Final = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY a "lollollollollollollollollollol">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
 <rdf:Description rdf:about="https://twinning.example.org/id/municipality/laughs">
  <rdfs:label>&i;</rdfs:label>
 </rdf:Description>
</rdf:RDF>
"""

XXE: Final = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY secret SYSTEM "file://{secret}">
 <!ENTITY remote SYSTEM "{listener}xxe.dtd">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
 <rdf:Description rdf:about="https://twinning.example.org/id/municipality/xxe">
  <rdfs:label>&secret;</rdfs:label>
  <rdfs:comment>&remote;</rdfs:comment>
 </rdf:Description>
</rdf:RDF>
"""

REMOTE_CONTEXT: Final = """{{"@context": "{listener}context.jsonld",
 "@id": "https://twinning.example.org/id/municipality/remote", "label": "remote"}}
"""

FILE_CONTEXT: Final = """{{"@context": ["file://{secret}", {{"label": "http://www.w3.org/2000/01/rdf-schema#label"}}],
 "@id": "https://twinning.example.org/id/municipality/local", "label": "local"}}
"""

TRIG: Final = """<https://twinning.example.org/graph/x> {{
 <https://twinning.example.org/id/municipality/trig> rdfs:label "trig"@en .
}}
"""

NQUADS: Final = (
    "<https://twinning.example.org/id/municipality/nq> "
    '<http://www.w3.org/2000/01/rdf-schema#label> "nq"@en '
    "<https://twinning.example.org/graph/x> .\n"
)

#: file name → content (with {secret} and {listener} filled in); every one is refused by name.
PAYLOADS: Final = {
    "xxe.rdf": XXE,
    "xxe.owl": XXE,
    "laughs.rdf": BILLION_LAUGHS,
    "laughs.xml": BILLION_LAUGHS,
    "remote-context.jsonld": REMOTE_CONTEXT,
    "file-context.json": FILE_CONTEXT,
    "graphs.trig": TRIG,
    "graphs.nq": NQUADS,
}
KINDS: Final = {
    ".rdf": "RDF/XML",
    ".owl": "RDF/XML",
    ".xml": "RDF/XML",
    ".jsonld": "JSON-LD",
    ".json": "JSON-LD",
    ".trig": "TriG",
    ".nq": "N-Quads",
}


@pytest.fixture
def listener() -> Iterator[Listener]:
    with Listener() as listening:
        yield listening


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_site(tmp_path / "site")


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A local file no input may ever make us read."""
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


Drop = Callable[[str], Path]


@pytest.fixture
def drop(site: Path, secret: Path, listener: Listener) -> Drop:
    """Write a payload into the site's data folder, as the office would drop a file in."""

    def write(name: str) -> Path:
        path = site / "data" / "siedlce" / name
        text = PAYLOADS[name].format(secret=secret, listener=listener.url)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def test_the_bomb_is_the_size_the_issue_names() -> None:
    assert 500 < len(BILLION_LAUGHS.encode()) < 1000


def assert_refused_by_name(output: str, name: str) -> str:
    """One ``error:`` line naming the file and what it is, last (``build`` says what it
    builds first)."""
    lines = output.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, output
    line = errors[0]
    assert line == lines[-1], output
    assert f"{name}: unsupported file type ({KINDS[Path(name).suffix]} is not loaded" in line
    assert SECRET not in output
    assert "Traceback" not in output
    return line


def invoke_measured(runner: CliRunner, site: Path, args: list[str]) -> tuple[int, str, float]:
    """Run the CLI in this process; assert the time and memory bounds; (exit code, stderr)."""
    rss_peak_reset()
    before = rss_peak_reset()
    started = time.monotonic()
    result = runner.invoke(main, args, env={"TWINNING_ROOT": str(site)})
    seconds = time.monotonic() - started
    growth = rss_peak() - before
    assert seconds < MAX_SECONDS, (args, seconds)
    assert growth < MAX_GROWTH, (args, growth / MB)
    return result.exit_code, result.stderr, seconds


@pytest.mark.parametrize("name", PAYLOADS)
def test_validate_refuses_a_dropped_file_by_name(
    runner: CliRunner, site: Path, drop: Drop, listener: Listener, name: str
) -> None:
    drop(name)
    code, stderr, _ = invoke_measured(runner, site, ["validate"])
    assert code == 2
    assert_refused_by_name(stderr, name)
    assert listener.connections == 0


@pytest.mark.parametrize("name", ["xxe.rdf", "laughs.xml", "remote-context.jsonld"])
def test_validate_refuses_a_named_file(
    runner: CliRunner, site: Path, drop: Drop, listener: Listener, name: str
) -> None:
    path = drop(name)
    code, stderr, _ = invoke_measured(runner, site, ["validate", str(path)])
    assert code == 2
    assert_refused_by_name(stderr, name)
    assert listener.connections == 0


COMMANDS: Final = {
    "stats": ["stats"],
    "load": ["load", "--out", "{site}/store"],
    "build": ["build", "--out", "{site}/build"],
    "push": ["push", "--endpoint", "{listener}query"],
    "query": ["query", "ASK {{ ?s ?p ?o }}"],
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", ["xxe.rdf", "laughs.rdf", "remote-context.jsonld"])
def test_every_command_that_reads_files_refuses_them(
    runner: CliRunner, site: Path, drop: Drop, listener: Listener, command: str, name: str
) -> None:
    drop(name)
    args = [arg.format(site=site, listener=listener.url) for arg in COMMANDS[command]]
    code, stderr, _ = invoke_measured(runner, site, args)
    assert code == 2, stderr
    assert_refused_by_name(stderr, name)
    assert listener.connections == 0  # push never reached the "store" either
    assert not (site / "store").exists()
    assert not (site / "build").exists()


def test_a_bomb_renamed_to_turtle_is_a_syntax_error_naming_file_and_line(
    runner: CliRunner, site: Path
) -> None:
    (site / "data" / "siedlce" / "laughs.ttl").write_text(BILLION_LAUGHS, encoding="utf-8")
    code, stderr, _ = invoke_measured(runner, site, ["validate"])
    assert code == 2
    assert re.fullmatch(r"error: \S+/data/siedlce/laughs\.ttl:\d+:\d+: [^\n]+\n", stderr), stderr


@pytest.mark.parametrize("name", ["laughs.rdf", "xxe.rdf", "remote-context.jsonld"])
def test_the_installed_command_in_a_fresh_process(
    site: Path, drop: Drop, listener: Listener, name: str
) -> None:
    """The same through ``twinning-kg validate`` in its own interpreter, its RSS measured."""
    drop(name)
    result = run_measured("validate", cwd=site)
    assert result.code == 2, result.stderr
    assert_refused_by_name(result.stderr, name)
    assert result.seconds < MAX_SECONDS
    assert result.growth < MAX_GROWTH, result.growth / MB
    assert listener.connections == 0


# --- the reload path -----------------------------------------------------------------------------


@pytest.fixture
def app(site: Path) -> Flask:
    app = create_app(Settings(root=site, admin_token=TOKEN, state_dir=Path("state")))
    app.testing = True
    return app


@pytest.mark.parametrize("name", PAYLOADS)
def test_reload_refuses_a_dropped_file_and_keeps_the_old_data(
    app: Flask, site: Path, drop: Drop, listener: Listener, name: str
) -> None:
    client = app.test_client()
    before = client.get("/healthz").get_json()
    page = client.get("/id/municipality/dasing.ttl").data
    drop(name)

    rss_peak_reset()
    baseline = rss_peak_reset()
    started = time.monotonic()
    response = client.post(
        "/admin/reload",
        headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"},
    )
    seconds = time.monotonic() - started
    growth = rss_peak() - baseline

    assert response.status_code == 422, response.text
    message = response.get_json()["message"]
    kind = KINDS[Path(name).suffix]
    assert message == (
        f"data/siedlce/{name}: unsupported file type ({kind} is not loaded; use .nt, .ttl)"
    )
    assert str(site) not in response.text
    assert SECRET not in response.text
    assert seconds < MAX_SECONDS
    assert growth < MAX_GROWTH, growth / MB
    assert listener.connections == 0
    after = client.get("/healthz").get_json()
    assert after["data_version"] == before["data_version"]
    assert after["last_reload"]["ok"] is False
    assert after["last_reload"]["error"] == message
    assert client.get("/id/municipality/dasing.ttl").data == page
    assert client.get("/id/municipality/xxe").status_code == 404
