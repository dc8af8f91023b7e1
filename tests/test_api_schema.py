"""Schema fuzz test: every operation of the served OpenAPI schema, called as a scoped user.

The schema is read from `/api/v1/schema/` of the real WSGI application when the module is collected,
and schemathesis makes one pytest test per operation, so an endpoint added later is fuzzed without
touching this file. Each test gets the demo tree through the function-scoped `demo` fixture (one
database transaction per operation); every generated example runs inside a savepoint that is rolled
back, so examples do not see each other's writes and a failing example replays against the same data.

The caller is `nj003`, a station operator at one station, with an API token: scoping (404 outside the
subtree), permission errors (403) and validation errors (400) are all documented problem+json answers,
so none of them may be a 5xx, an undocumented status, an undocumented content type or a body that
contradicts the schema.

Random ids almost never name a record, which would leave detail, update and create operations
answering 404/400 only. So path parameters and foreign-key body fields are sometimes drawn from the
records the caller can actually see, found by listing the matching collection endpoint (`/api/v1/x/`
for `/api/v1/x/{id}/`, `/api/v1/organisations/` for a body field `organisation`, the operation's own
collection for `parent`). Those lists come from the API itself, so new endpoints need no changes here.

The public operations (those the schema documents without a security requirement: verification,
the token endpoint, issuer keys, the revocation list, the directory) are fuzzed a second time as an
anonymous client, as the public and an attacker meet them (issue 13): the same checks, no token.

`SKILLCERT_FUZZ_EXAMPLES=500 pytest tests/test_api_schema.py` digs deeper than the suite's bounded run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from skillcert.wsgi import application

SCHEMA_PATH = "/api/v1/schema/"
API_PREFIX = "/api/v1/"
USERNAME = "nj003"  # station operator at ST-10012003 only
MAX_EXAMPLES = int(os.environ.get("SKILLCERT_FUZZ_EXAMPLES", "15"))

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, application)
# Explicit examples and random data, both valid (positive) and schema-violating (negative): invalid
# input must come back as a documented 4xx problem too, never as a crash. The coverage phase is left out
# because it multiplies the run time; `not_a_server_error` & co. apply to every answer either way.
# Every operation is included, the token endpoint too: it answers its random credentials with a
# documented 400 problem and causes no trouble.
schema.config.phases.update(phases=["examples", "fuzzing"])
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=MAX_EXAMPLES
)

# Records the caller can see, per collection path; filled lazily during a test, emptied after it.
_visible: dict[str, list[dict[str, Any]]] = {}
_auth: dict[str, str] = {}


def _collection(path: str) -> str:
    """`/api/v1/people/{id}/accreditation/` -> `/api/v1/people/`."""
    return path.split("{", 1)[0]


def _records(collection: str) -> list[dict[str, Any]]:
    if collection not in _visible:
        _visible[collection] = []
        if _auth and collection.startswith(API_PREFIX) and collection != API_PREFIX:
            response = Client().get(collection, {"page_size": 500}, headers=_auth)
            if response.status_code == 200:
                data = response.json()
                rows = data.get("results") if isinstance(data, dict) else data
                _visible[collection] = [row for row in rows or [] if isinstance(row, dict)]
    return _visible[collection]


def _sometimes_one_of(current: Any, values: list[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(current), st.sampled_from(values)) if values else st.just(current)


@schema.hook
def flatmap_path_parameters(ctx: Any, path_parameters: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    if not path_parameters:
        return st.just(path_parameters)
    rows = _records(_collection(ctx.operation.path))
    known = [
        {name: row[name] for name in path_parameters}
        for row in rows
        if all(name in row for name in path_parameters)
    ]
    return _sometimes_one_of(path_parameters, known)


@schema.hook
def flatmap_body(ctx: Any, body: Any) -> st.SearchStrategy[Any]:
    if not isinstance(body, dict):
        return st.just(body)
    strategies = {}
    for name, value in body.items():
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        collection = _collection(ctx.operation.path) if name == "parent" else f"{API_PREFIX}{name}s/"
        ids = [row["id"] for row in _records(collection) if "id" in row]
        if ids:
            strategies[name] = _sometimes_one_of(value, ids)
    if not strategies:
        return st.just(body)
    return st.fixed_dictionaries(strategies).map(lambda chosen: {**body, **chosen})


def _is_public(ctx: Any) -> bool:
    """Operations the schema documents without a security requirement (or with an empty one)."""
    security = ctx.operation.definition.raw.get("security")
    return security is None or {} in security


public_schema = schema.include(_is_public)


@contextmanager
def _on_test_connection() -> Iterator[None]:
    """Schemathesis calls the WSGI handler directly, in this thread, on the test's own connection.

    Django's handler closes "old" connections at the start and end of every request; inside the test
    transaction that would close the connection and lose the demo data. Django's own test client
    disconnects the same receivers around each request for the same reason.
    """
    disconnected = [
        signal for signal in (request_started, request_finished) if signal.disconnect(close_old_connections)
    ]
    try:
        yield
    finally:
        for signal in disconnected:
            signal.connect(close_old_connections)


@pytest.fixture
def auth_headers(demo: dict[str, Any]) -> Iterator[dict[str, str]]:
    from skillcert.accounts.services.tokens import issue_api_token

    _, key = issue_api_token(demo["users"][USERNAME], label="schema fuzz")
    _auth.update(Authorization=f"Token {key}")
    try:
        yield dict(_auth)
    finally:
        _auth.clear()
        _visible.clear()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    # The demo data comes from a function-scoped fixture on purpose: each example is isolated by a
    # rolled-back savepoint instead. Generated bodies can be large or heavily filtered; that is fine.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_api_conforms_to_schema(case: Any, auth_headers: dict[str, str]) -> None:
    with transaction.atomic(), _on_test_connection():
        case.call_and_validate(headers=auth_headers, checks=CHECKS)
        transaction.set_rollback(True)


@pytest.fixture
def anonymous(demo: dict[str, Any]) -> Iterator[None]:
    """The demo data, no credentials, and a clean rate-limit cache for every example run."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@public_schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_public_api_conforms_to_schema_anonymously(case: Any, anonymous: None) -> None:
    """As anyone on the internet: no token, no session; 429s are documented answers too."""
    with transaction.atomic(), _on_test_connection():
        case.call_and_validate(checks=CHECKS)
        transaction.set_rollback(True)
