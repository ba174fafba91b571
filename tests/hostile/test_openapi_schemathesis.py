"""Schemathesis against the real server, from the document it serves at ``/openapi.json``.

Every operation gets its documented examples plus a fixed number of generated requests (valid
and invalid ones, from a fixed seed); every response must be no 5xx, with a status code, a media
type and (for JSON) a body the document declares. ``POST /admin/reload`` runs without the token:
it must refuse with 401.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final, cast

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from twinning_kg.web.openapi import openapi_document

pytestmark = pytest.mark.live
# A direct POST's body is the query text, sent as it is.
schemathesis.serializer.alias("application/sparql-query", "text/plain")

#: Generated requests per operation and generation mode; with the examples, about 1 000 in all.
MAX_EXAMPLES: Final = 12
CHECKS: Final = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
DOCUMENT: Final = cast(dict[str, dict[str, Any]], openapi_document("http://localhost")["paths"])
OPERATIONS: Final = [(method.upper(), path) for path, item in DOCUMENT.items() for method in item]


@pytest.fixture(scope="module")
def schema(admin_server: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{admin_server}/openapi.json")


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False  # only 127.0.0.1 is reached: no proxy
        yield session


def _run(strategy: st.SearchStrategy[Case[Any]], session: requests.Session, examples: int) -> None:
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case: Case[Any]) -> None:
        response = case.call_and_validate(session=session, checks=CHECKS, timeout=30)
        if case.operation.path == "/admin/reload":  # never with the real token
            assert response.status_code in (401, 403)

    check()


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms(
    schema: schemathesis.BaseSchema, session: requests.Session, method: str, path: str
) -> None:
    operation = schema[path][method]
    examples: list[Any] = schema.get_strategies_from_examples(operation)
    for example in examples:
        _run(example, session, examples=len(examples) + 5)
    inputs = DOCUMENT[path][method.lower()].keys() & {"parameters", "requestBody"}
    # Invalid input needs an input to be invalid in.
    modes = (
        (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if inputs else (GenerationMode.POSITIVE,)
    )
    for mode in modes:
        _run(operation.as_strategy(generation_mode=mode), session, MAX_EXAMPLES)


def test_reload_without_the_token_is_refused(admin_server: str) -> None:
    with httpx.Client(base_url=admin_server, trust_env=False) as client:
        response = client.post("/admin/reload", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
