"""`twinning-kg link` when the endpoint misbehaves: a clear one-line error, exit 2, and not a byte
written, for every form of the command; and a 429 with Retry-After is waited out, end to end."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.linking.conftest import snapshot
from tests.linking.servers import Reply, closed_port_url, results, scripted_endpoint
from twinning_kg.cli import main

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
