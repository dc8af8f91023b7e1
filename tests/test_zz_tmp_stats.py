"""Schema fuzz test: every operation of the served OpenAPI schema, called as a scoped user.

The schema is read from `/api/v1/schema/` of the real WSGI application when the module is collected,
and schemathesis makes one pytest test per operation, so an endpoint added later is fuzzed without
touching this file. Each test gets the demo tree through the function-scoped `demo` fixture (one
database transaction per operation); every generated example runs inside a savepoint that is rolled
back, so examples do not see each other's writes and a failing example replays against the same data.

The caller is `nj003`, a station operator at one station, with a DRF token: scoping (404 outside the
subtree), permission errors (403) and validation errors (400) are all documented problem+json answers,
so none of them may be a 5xx, an undocumented status, an undocumented content type or a body that
contradicts the schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
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
USERNAME = "nj003"  # station operator at ST-10012003 only
# A bounded run in the suite; `SKILLCERT_FUZZ_EXAMPLES=500 pytest tests/test_api_schema.py` digs deeper.
MAX_EXAMPLES = int(os.environ.get("SKILLCERT_FUZZ_EXAMPLES", "15"))

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, application)
schema.config.phases.update(phases=["examples", "fuzzing"])
schema.config.generation.update(modes=[GenerationMode.POSITIVE], max_examples=MAX_EXAMPLES)


@pytest.fixture
def _in_process_requests() -> Iterator[None]:
    """Requests go straight into the WSGI handler in this thread, on the test's own connection.

    Django's handler closes "old" connections at the start and end of every request; inside the test
    transaction that would close the connection and lose the demo data. Django's own test client
    disconnects the same receivers for the same reason.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def auth_headers(demo: dict[str, Any], _in_process_requests: None) -> dict[str, str]:
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=demo["users"][USERNAME])
    return {"Authorization": f"Token {token.key}"}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    # The demo data comes from a function-scoped fixture on purpose: each example is isolated by a
    # rolled-back savepoint instead. Generated bodies can be large or heavily filtered; that is fine.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_api_conforms_to_schema(case: Any, auth_headers: dict[str, str]) -> None:
    with transaction.atomic():
        r = case.call_and_validate(headers=auth_headers, checks=CHECKS)
        print("STAT", case.operation.label, r.status_code, flush=True)
        transaction.set_rollback(True)
