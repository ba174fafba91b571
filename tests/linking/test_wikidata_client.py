"""HttpWikidataClient against real sockets: a scripted HTTP server on 127.0.0.1 plays the service's
good and bad days (429 with Retry-After, 503, 500, garbage, slowness, nobody listening)."""

from __future__ import annotations

import re
import time
import urllib.parse
from email.utils import formatdate

import pytest
from rdflib import Literal, URIRef

from tests.linking.servers import Reply, closed_port_url, results, scripted_endpoint
from twinning_kg.errors import TwinningError, UpstreamError
from twinning_kg.linking.wikidata import HttpWikidataClient, run_select, user_agent
from twinning_kg.settings import Settings

QUERY = "# a comment that mentions copy and load\nSELECT ?item WHERE { ?item ?p ?o }"
ONE_ITEM = results(
    ["item"], [{"item": {"type": "uri", "value": "http://www.wikidata.org/entity/Q36"}}]
)


def client(url: str, **options: object) -> HttpWikidataClient:
    values: dict[str, object] = {
        "user_agent": user_agent("tests@example.org"),
        "timeout_s": 5.0,
        "max_retries": 3,
    }
    values.update(options)
    return HttpWikidataClient(url, **values)  # type: ignore[arg-type]


def test_a_query_is_a_post_with_our_user_agent_and_sparql_json_accepted() -> None:
    with scripted_endpoint([ONE_ITEM]) as endpoint:
        result = client(endpoint.url).select(QUERY)
    assert result.variables == ("item",)
    assert result.rows == [{"item": URIRef("http://www.wikidata.org/entity/Q36")}]
    request = endpoint.seen[0]
    assert request.method == "POST"
    assert request.headers["User-Agent"].startswith("twinning-kg/")
    assert "(tests@example.org)" in request.headers["User-Agent"]
    assert "application/sparql-results+json" in request.headers["Accept"]
    form = urllib.parse.parse_qs(request.body.decode())
    assert list(form) == ["query"]  # no update=, no format=/output= parameters
    assert "SELECT ?item" in form["query"][0]
    assert "#" not in form["query"][0]  # comment lines are not sent


def test_literals_keep_their_language_and_datatype() -> None:
    reply = results(
        ["label", "population"],
        [
            {
                "label": {"type": "literal", "value": "Brześć", "xml:lang": "pl"},
                "population": {
                    "type": "literal",
                    "value": "340000",
                    "datatype": "http://www.w3.org/2001/XMLSchema#decimal",
                },
            }
        ],
    )
    with scripted_endpoint([reply]) as endpoint:
        row = client(endpoint.url).select(QUERY).rows[0]
    assert row["label"] == Literal("Brześć", lang="pl")
    assert row["population"].eq(
        Literal("340000", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal"))
    )


def test_429_with_retry_after_is_waited_for_then_retried() -> None:
    script = [Reply(status=429, headers=(("Retry-After", "1"),), body=b"slow down"), ONE_ITEM]
    with scripted_endpoint(script) as endpoint:
        started = time.monotonic()
        result = client(endpoint.url).select(QUERY)
        waited = time.monotonic() - started
    assert result.rows
    assert len(endpoint.seen) == 2
    assert endpoint.seen[1].at - endpoint.seen[0].at >= 1.0
    assert waited < 4.0


def test_retry_after_as_an_http_date_is_honoured() -> None:
    later = formatdate(time.time() + 2, usegmt=True)
    delays: list[float] = []
    script = [Reply(status=503, headers=(("Retry-After", later),)), ONE_ITEM]
    with scripted_endpoint(script) as endpoint:
        client(endpoint.url, sleep=delays.append).select(QUERY)
    assert len(delays) == 1
    assert 0.5 <= delays[0] <= 2.0


def test_503_without_retry_after_backs_off_exponentially_then_gives_up() -> None:
    delays: list[float] = []
    with (
        scripted_endpoint([Reply(status=503, body=b"busy")]) as endpoint,
        pytest.raises(UpstreamError, match=r"still answered HTTP 503 after 2 retries"),
    ):
        client(endpoint.url, max_retries=2, sleep=delays.append).select(QUERY)
    assert delays == [1.0, 2.0]
    assert len(endpoint.seen) == 3


def test_a_retry_after_longer_than_we_wait_stops_at_once() -> None:
    with (
        scripted_endpoint([Reply(status=429, headers=(("Retry-After", "3600"),))]) as endpoint,
        pytest.raises(UpstreamError, match="asks us to wait 3600 s"),
    ):
        client(endpoint.url).select(QUERY)
    assert len(endpoint.seen) == 1


def test_at_most_two_requests_are_in_flight() -> None:
    with scripted_endpoint([Reply(delay_s=0.3, body=ONE_ITEM.body)]) as endpoint:
        answers = client(endpoint.url).select_all([QUERY] * 6)
    assert len(answers) == 6
    assert endpoint.most_in_flight == 2


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(status=500, body=b"boom"), "failed: HTTP 500"),
        (Reply(status=502, body=b"bad gateway"), "failed: HTTP 502"),
        (Reply(status=404, body=b"nothing here"), "failed: HTTP 404"),
        (
            Reply(body=b"<html>maintenance</html>", content_type="text/html"),
            "with text/html, not SPARQL JSON",
        ),
        (Reply(body=b"{not json"), "a body that is not JSON"),
        (Reply(body=b'{"boolean": true}'), "not SELECT results"),
        (
            Reply(body=b'{"head": {"vars": ["a"]}, "results": {"bindings": [{"b": {}}]}}'),
            "binds ?b, which head.vars lacks",
        ),
    ],
)
def test_failures_become_one_line_upstream_errors(reply: Reply, message: str) -> None:
    with (
        scripted_endpoint([reply]) as endpoint,
        pytest.raises(UpstreamError, match=re.escape(message)) as caught,
    ):
        client(endpoint.url).select(QUERY)
    assert "\n" not in caught.value.message
    assert len(endpoint.seen) == 1  # no retry on these


def test_a_slow_endpoint_times_out() -> None:
    with scripted_endpoint([Reply(delay_s=3.0, body=ONE_ITEM.body)]) as endpoint:
        started = time.monotonic()
        with pytest.raises(UpstreamError, match=r"did not answer within 0\.5 s"):
            client(endpoint.url, timeout_s=0.5).select(QUERY)
    assert time.monotonic() - started < 2.5


def test_nobody_listening_is_a_clear_error() -> None:
    with pytest.raises(UpstreamError, match="connection refused"):
        client(closed_port_url()).select(QUERY)


def test_unexpected_variables_are_refused() -> None:
    with (
        scripted_endpoint([results(["x"])]) as endpoint,
        pytest.raises(UpstreamError, match=r"with the variables \?x, expected \?item \?label"),
    ):
        run_select(
            client(endpoint.url),
            "fetch_wikidata_labels",
            variables=("item", "lang"),
            rows=[(URIRef("http://www.wikidata.org/entity/Q36"), Literal("pl"))],
            expect=("item", "label"),
            batch_size=10,
        )


def test_rows_are_sent_in_batches() -> None:
    rows = [(URIRef(f"http://www.wikidata.org/entity/Q{n}"),) for n in range(1, 6)]
    with scripted_endpoint(
        [results(["item", "coord", "country", "population", "website"])]
    ) as endpoint:
        run_select(
            client(endpoint.url),
            "fetch_wikidata_facts",
            variables=("item",),
            rows=rows,
            expect=("item", "coord", "country", "population", "website"),
            batch_size=2,
        )
    # the batches go out a few at a time, in any order
    sent = [urllib.parse.parse_qs(s.body.decode())["query"][0] for s in endpoint.seen]
    batches = sorted(
        tuple(n for n in range(1, 6) if f"<http://www.wikidata.org/entity/Q{n}>" in text)
        for text in sent
    )
    assert batches == [(1, 2), (3, 4), (5,)]


def test_wikimedias_service_needs_a_contact_before_any_request() -> None:
    with pytest.raises(TwinningError, match="TWINNING_WIKIDATA_CONTACT"):
        HttpWikidataClient.from_settings(Settings())
    configured = HttpWikidataClient.from_settings(Settings(wikidata_contact="ops@example.org"))
    assert configured.endpoint_url == "https://query.wikidata.org/sparql"
    assert "(ops@example.org)" in configured.user_agent


def test_a_contact_cannot_smuggle_a_header() -> None:
    with pytest.raises(TwinningError, match="one line"):
        user_agent("ops@example.org\r\nX-Evil: 1")
