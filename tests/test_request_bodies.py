"""Request bodies that answered 500 answer a clear bilingual 400 (issue 13 item 10) and oversized JSON a
413 (item 4): 100,000-deep nested JSON on the staff API and on the anonymous verification API — through
Django and through the production WSGI front that reads `/api/v1/verify/` bodies itself — and on the
back office's ID-card-reader endpoint, which parses its JSON by hand."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse

from skillcert import wsgi
from skillcert.appraisal.tests.test_views import approved_session
from skillcert.verification import front

pytestmark = pytest.mark.django_db
DEEP = "[" * 100_000


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Any:
    cache.clear()
    yield
    cache.clear()


def _problem(response: Any) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/problem+json"), response.content[:300]
    return response.json()


def test_x6_deeply_nested_json_on_the_people_api_is_400(api: Any) -> None:
    response = api("nj003").post("/api/v1/people/", DEEP, content_type="application/json")
    assert response.status_code == 400
    problem = _problem(response)
    assert problem["code"] == "core.request.too_deep"
    assert "64" in problem["message"]["zh"] and "nested more than 64 levels" in problem["message"]["en"]


def test_x6_nesting_within_the_limit_is_parsed_as_before(api: Any) -> None:
    """Deep enough to pass the scan (64 levels) is still parsed and answered by the serializer."""
    body = json.dumps({"name": [[[["x"]]]]})
    response = api("nj003").post("/api/v1/people/", body, content_type="application/json")
    assert response.status_code == 400 and _problem(response)["code"] == "validation.failed"
    brackets_in_text = json.dumps({"name": "[" * 10_000})
    response = api("nj003").post("/api/v1/people/", brackets_in_text, content_type="application/json")
    assert _problem(response)["code"] != "core.request.too_deep"  # brackets inside a string are text


def test_x6_deeply_nested_json_on_anonymous_verify_is_400(api: Any) -> None:
    response = api(None).post("/api/v1/verify/", DEEP, content_type="application/json")
    assert response.status_code == 400 and _problem(response)["code"] == "core.request.too_deep"


def _wsgi(body: bytes) -> tuple[str, dict[str, str], bytes]:
    started: list[Any] = []
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": front.VERIFY_PATH,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "203.0.113.21",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    result = wsgi.application(environ, lambda status, headers, *exc: started.extend((status, headers)))
    return started[0], dict(started[1]), b"".join(result)


@pytest.mark.parametrize("depth", [4000, 100_000])
def test_x6_deeply_nested_json_through_the_wsgi_front_is_400(depth: int) -> None:
    """Bodies up to 4,096 bytes are parsed by the front itself (json.loads raised RecursionError out of
    the WSGI application); longer ones by Django. Both answer the same problem."""
    status, headers, body = _wsgi(b"[" * depth)
    assert status.startswith("400"), (status, body[:200])
    assert headers["Content-Type"].startswith("application/problem+json")
    assert json.loads(body)["code"] == "core.request.too_deep"


def test_x6_oversized_json_body_is_413_before_it_is_parsed(api: Any) -> None:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) is too large (413), named with its limit — not the
    generic 400 it got before."""
    body = json.dumps({"name": "x" * (3 * 1024 * 1024)})
    response = api("nj003").post("/api/v1/people/", body, content_type="application/json")
    assert response.status_code == 413
    problem = _problem(response)
    assert problem["code"] == "core.request.too_large" and "2.5 MB" in problem["message"]["en"]


def test_x6_card_reader_endpoint_refuses_deep_json_with_its_own_400(login: Any, demo: dict[str, Any]) -> None:
    """The ID-card bridge's JSON is parsed by hand in the back office (json.loads on request.body):
    512 KB of "[" raised RecursionError."""
    session = approved_session(demo)
    response = login("nj003").post(
        reverse("appraisal:enrol_card", args=[session.pk]), "[" * 500_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert _problem(response)["code"] == "appraisal.card.json"
