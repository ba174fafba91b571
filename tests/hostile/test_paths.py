"""Path traversal in every route family: ``..`` in every spelling (``%2e%2e``, ``%252e``, ``.%2e``),
every separator (``/``, ``%2f``, ``%5c``, ``\\``, ``//``), and encoded NULs; each answers 404 and
never returns a byte of the canary files planted next to the published folders.

The app is tested in process over a private copy of the sources with its own build (canaries sit
beside ``data/``, inside it, beside the build and inside ``dumps/``; the static folder's neighbours
are the package's own modules and templates); then the same requests go, as raw bytes that no
client library normalises, to the real server (gunicorn), whose neighbours are the repository's
files.
"""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest
from flask.testing import FlaskClient

from tests.conftest import ROOT
from tests.hostile.probes import copy_site, site_app_fixture, site_client_fixture  # noqa: F401  # fixtures
from tests.live_server import HOST
from twinning_kg.publishing.build import build
from twinning_kg.settings import Settings

CANARY: Final = "CANARY-3d1f0a77-outside-the-published-files"
CANARY_FILE: Final = "canary.txt"
#: Text of files that must never be served, wherever the app runs.
NEVER_SERVED: Final = (
    CANARY,
    "root:x:0:0",  # /etc/passwd
    "[build-system]",  # pyproject.toml
    "Settings: one frozen object",  # twinning_kg/settings.py
    "publishes town-twinning partnerships as linked data. Cities",  # README.md
    "Orchestration only: resolve, negotiate",  # twinning_kg/web/views.py
    "{% block",  # a template, unrendered
    "rdf-inputs-admin-token",  # nothing from the tests either
)
FAMILIES: Final = (
    "/id/municipality/",
    "/def/twinning/",
    "/def/shapes/",
    "/graph/data/siedlce/",
    "/dumps/",
    "/static/",
    "/static/vendor/",
    "/queries/",
    "/catalog/",
    "/.well-known/",
    "/search/",
    "/sparql/",
    "/context.jsonld/",
    "/",
)
DOTDOT: Final = ("..", "%2e%2e", ".%2E", "%252e%252e")
SEPARATORS: Final = ("/", "%2f", "%5c", "//", ";/")
#: What a traversal reaches for, relative to wherever it climbs.
TARGETS: Final = (CANARY_FILE, f"build/{CANARY_FILE}", "templates/base.html", "etc/passwd")
#: And for the real server, the repository's own files.
LIVE_TARGETS: Final = ("pyproject.toml", "twinning_kg/settings.py", "README.md", "etc/passwd")
NUL_PATHS: Final = (
    "/id/municipality/dasing%00.ttl",
    "/id/municipality/dasing.ttl%00",
    "/dumps/twinning.ttl%00",
    f"/dumps/%00../{CANARY_FILE}",
    "/dumps/twinning.ttl%00.txt",
    "/static/app.css%00",
    f"/static/%00/../../{CANARY_FILE}",
    "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "/graph/data/siedlce/sources%00",
    "/def/twinning/Event%00",
    f"/%00{CANARY_FILE}",
    "/%00",
)
#: Paths that start with ``//`` are network-path references to an HTTP client (the test client
#: would ask host "etc" for "/passwd"): they go to the real server only, as raw request lines.
NETWORK_PATHS: Final = ("//etc/passwd", "///etc/passwd", "//pyproject.toml", "//..%2fREADME.md")
ABSOLUTE: Final = (
    "/static//etc/passwd",
    "/dumps//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/dumps/%2fetc%2fpasswd",
    "/static/file:%2f%2f%2fetc%2fpasswd",
)


def traversals() -> Iterator[str]:
    """Every family, spelling of ``..``, separator, depth (1, 8) and target, combined."""
    for family, dots, sep, depth, target in itertools.product(
        FAMILIES, DOTDOT, SEPARATORS, (1, 8), TARGETS
    ):
        yield family + (dots + sep) * depth + target


def all_paths() -> list[str]:
    return [*traversals(), *NUL_PATHS, *ABSOLUTE]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sources with a build in ``build/``, and a canary everywhere near them."""
    root = copy_site(tmp_path_factory.mktemp("paths") / "site")
    build(Settings(root=root, build_dir=root / "build"))
    for folder in ("", "var", "build", "build/dumps", "data", "data/siedlce", "shapes"):
        (root / folder).mkdir(exist_ok=True)
        (root / folder / CANARY_FILE).write_text(CANARY, encoding="utf-8")
    return root


def leaked(body: bytes) -> list[str]:
    text = body.decode("utf-8", errors="replace")
    return [secret for secret in NEVER_SERVED if secret in text]


def test_the_published_files_next_to_the_canaries_are_served(client: FlaskClient) -> None:
    """The control: each family does serve its own files, so a 404 below means refused."""
    for path in (
        "/dumps/twinning.ttl",
        "/dumps/SHA256SUMS",
        "/static/app.css",
        "/graph/data/siedlce/sources",
        "/id/municipality/dasing",
        "/def/twinning/Event",
        "/catalog",
    ):
        response = client.get(path)
        body = response.get_data()
        response.close()  # a static file is streamed: close its handle
        assert response.status_code == 200, path
        assert leaked(body) == [], path


def test_every_traversal_is_404_and_leaks_nothing(client: FlaskClient) -> None:
    paths = all_paths()
    assert len(paths) > 2_000
    wrong = {}
    for path in paths:
        response = client.get(path, headers={"Accept": "*/*"})
        body = response.get_data()
        response.close()
        if response.status_code != 404 or leaked(body):
            wrong[path] = (response.status_code, leaked(body))
    assert wrong == {}


@pytest.mark.parametrize("accept", ["application/json", "text/plain", "text/html"])
def test_the_404_names_no_file_of_the_server(client: FlaskClient, site: Path, accept: str) -> None:
    for path in (f"/static/..%2f..%2f{CANARY_FILE}", f"/dumps/..%5c{CANARY_FILE}"):
        response = client.get(path, headers={"Accept": accept})
        assert response.status_code == 404
        assert str(site) not in response.text
        assert str(ROOT) not in response.text
        assert "Traceback" not in response.text


# --- the real server: raw request lines, as an attacker sends them -------------------------------


def raw_get(base_url: str, path: str) -> tuple[int, bytes]:
    """Send ``GET {path}`` byte for byte (no client normalises it); the status and the body."""
    port = int(base_url.rsplit(":", 1)[1])
    request = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
    with socket.create_connection((HOST, port), timeout=10) as sock:
        sock.sendall(request.encode("latin-1"))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks)
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.live
def test_the_real_server_refuses_raw_traversals(live_server: str) -> None:
    """gunicorn hands the raw path on without resolving it; each answer is 404 (or gunicorn's
    own 400 for a request line it cannot parse), never a file."""
    paths = [
        family + (dots + sep) * depth + target
        for family, dots, sep, depth, target in itertools.product(
            FAMILIES, ("..", "%2e%2e"), ("/", "%2f", "%5c", "//"), (1, 8), LIVE_TARGETS
        )
    ]
    paths += [*NUL_PATHS, *ABSOLUTE, *NETWORK_PATHS]
    wrong = {}
    for path in paths:
        status, body = raw_get(live_server, path)
        if status not in (400, 404) or leaked(body):
            wrong[path] = (status, leaked(body))
    assert wrong == {}
    assert raw_get(live_server, "/static/app.css")[0] == 200
