"""Throw random paths, headers and query strings at the app: it may refuse, it may not break.

No answer is a 5xx and no body shows a traceback, whatever the path (``..``, ``%2e%2e``, ``%2f``,
``//``, unicode, very long segments, format suffixes), ``Accept``, ``Accept-Language`` or query.
Paths go in as a WSGI server passes them on; ``literal_path`` quotes them first, so that ``%2f``
reaches the app as the three characters rather than as ``/``.
"""

from __future__ import annotations

from urllib.parse import quote, unquote_to_bytes

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)

KNOWN_SEGMENTS = [
    "id", "def", "graph", "twinning", "shapes", "municipality", "partnership", "event",
    "dasing", "siedlce", "siedlce-dasing", "Municipality", "PartnershipShape", "data",
    "siedlce", "sources", "search", "context.jsonld", "static", "app.css", "vendor",
    "..", ".", "...", "%2e%2e", "%2E%2E", "%2e", "%2f", "%2F", "%5c", "\\", "%00", "%ff",
    "%", "%zz", "~", "", "dasing.ttl", "dasing.html", "dasing..ttl", ".ttl", "dasing.ttl.rdf",
    "Dasing", "DASING", "ąę", "Berdyczów", "Ваўкавыск", "😀", "a" * 300, "b" * 2000,
]  # fmt: skip
SUFFIXES = ["", ".html", ".ttl", ".jsonld", ".nt", ".rdf", ".json", ".xml", ".xyz", ".", ";x"]
ACCEPTS = [
    "*/*", "text/html", "text/turtle", "application/ld+json", "application/json",
    "application/n-triples", "application/rdf+xml", "text/plain", "image/png", "text/*",
    "application/*", ";;;", "foo", ",,,", "text/turtle;q=0", "text/turtle;q=abc",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "application/rdf+xml, text/rdf;q=0.6, */*;q=0.1", "*/*;q=0", "*/*;q=2", "*/*;q=-1",
    'application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"',
]  # fmt: skip
LANGUAGES = ["pl", "en", "pl-PL,pl;q=0.9,en;q=0.8", "*", "de", "", "xx-YY;q=abc", ";;", "pl;q=0"]

segment = st.one_of(
    st.sampled_from(KNOWN_SEGMENTS),
    st.text(max_size=12),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", max_size=30),
)
path = st.builds(
    lambda lead, segments, suffix: lead + "/".join(segments) + suffix,
    st.sampled_from(["/", "//", "/id/", "/def/", "/graph/", "/static/", "/search/"]),
    st.lists(segment, max_size=6),
    st.sampled_from(SUFFIXES),
)
header = st.one_of(st.none(), st.text(alphabet=PRINTABLE, max_size=120))
query = st.dictionaries(
    st.sampled_from(["format", "lang", "q", "page", "format[]", ""]),
    st.one_of(
        st.sampled_from(["json", "ttl", "html", "text/turtle", "pl", "en", "xx", "", "a" * 500]),
        st.text(max_size=40),
    ),
    max_size=3,
)


def path_info(target: str) -> str:
    """``target`` as a WSGI server passes it on: percent-decoded, its bytes as latin-1 text.

    Set directly, so that the test client does not read a path like ``//x`` as a host.
    """
    return unquote_to_bytes(target).decode("latin-1")


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    path=path,
    literal_path=st.booleans(),
    method=st.sampled_from(["GET", "GET", "GET", "HEAD", "POST", "OPTIONS"]),
    accept=st.one_of(st.sampled_from(ACCEPTS), header),
    accept_language=st.one_of(st.sampled_from(LANGUAGES), header),
    if_none_match=st.one_of(st.none(), st.sampled_from(['"x"', "*", "W/", '"', "garbage"])),
    args=query,
)
def test_random_requests_never_break_the_server(
    app: Flask,
    path: str,
    literal_path: bool,
    method: str,
    accept: str | None,
    accept_language: str | None,
    if_none_match: str | None,
    args: dict[str, str],
) -> None:
    target = quote(path, safe="/") if literal_path else path
    headers = {
        name: value
        for name, value in (
            ("Accept", accept),
            ("Accept-Language", accept_language),
            ("If-None-Match", if_none_match),
        )
        if value is not None
    }
    environ = {"PATH_INFO": path_info(target), "REQUEST_URI": target, "RAW_URI": target}
    with app.test_client() as client:
        response = client.open(
            "/", method=method, headers=headers, query_string=args, environ_overrides=environ
        )
    # closed as a WSGI server closes it: a static file's handle otherwise stays open on HEAD
    with response:
        body = response.get_data(as_text=True)[:500]
        assert response.status_code < 500, (target, headers, args, body)
        assert b"Traceback" not in response.data
        assert b'File "' not in response.data


def test_fuzzed_paths_reach_the_app(app: Flask) -> None:
    """The PATH_INFO route the fuzz test takes routes like a real request (or the fuzz is idle)."""
    with app.test_client() as client:
        for target, status, mimetype in (
            ("/id/municipality/dasing.ttl", 200, "text/turtle"),
            ("/id/municipality/d%61sing.nt", 200, "application/n-triples"),
            ("/id/municipality/%2e%2e/dasing", 404, "text/html"),
            ("/id/municipality/dasing%2f..%2fsiedlce", 404, "text/html"),
        ):
            environ = {"PATH_INFO": path_info(target)}
            response = client.get("/", environ_overrides=environ)
            assert (response.status_code, response.mimetype) == (status, mimetype), target
