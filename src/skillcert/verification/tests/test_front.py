"""The WSGI front answers plain verification lookups exactly as the full Django cycle does — status,
headers, body and log rows — and hands everything else to Django untouched (issue 5 item 5; R2.3,
R3.1, X7; verification/front.py). Run on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import re
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client

from skillcert import wsgi
from skillcert.accounts.models import AccountSecurity
from skillcert.certificates.services.lifecycle import current_view
from skillcert.verification import front
from skillcert.verification.models import LookupLog
from skillcert.verification.tests.test_fast import (
    LOG_FIELDS,
    _away_from_a_minute_boundary,
    lifecycle_certs,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.django_db

REQUEST_ID = "front-test-0001"


@pytest.fixture(autouse=True)
def _isolated() -> Iterator[None]:
    """As Django's test client does: the per-request connection tidying would close the connection
    holding the test's transaction."""
    cache.clear()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    cache.clear()


def _environ(
    body: bytes | str | Any,
    *,
    path: str = front.VERIFY_PATH,
    method: str = "POST",
    content_type: str = "application/json",
    **extra: str,
) -> dict[str, Any]:
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body, ensure_ascii=False)
    data = body.encode() if isinstance(body, str) else body
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "203.0.113.20",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(data)),
        "HTTP_X_REQUEST_ID": REQUEST_ID,
        "wsgi.input": io.BytesIO(data),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    environ.update(extra)
    return environ


def _request(app: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """One request through a WSGI application: status line, sorted headers, body."""
    started: list[Any] = []
    result = app(environ, lambda status, headers, exc_info=None: started.extend((status, headers)))
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return started[0], sorted(started[1]), body


def _call(app: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes, list[Any]]:
    """`_request`, plus the log rows it wrote."""
    before = LookupLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    answer = _request(app, environ)
    logs = list(LookupLog.objects.filter(id__gt=before).order_by("id").values(*LOG_FIELDS))
    return (*answer, logs)


def _both(environ_of: Any, django_app: Any = None) -> tuple[Any, Any]:
    """The same request through the full Django cycle, then through the front (rate counts reset)."""
    django_app = django_app or wsgi.django_application
    cache.clear()
    expected = _call(django_app, environ_of())
    cache.clear()
    got = _call(
        wsgi.application if django_app is wsgi.django_application else front.VerifyFront(django_app),
        environ_of(),
    )
    return expected, got


def _without_csrf_token(answer: Any) -> Any:
    status, headers, body, logs = answer
    headers = [h for h in headers if h[0] != "Set-Cookie" or "csrftoken=" not in h[1]]
    body = re.sub(rb'(csrfmiddlewaretoken" value="|"csrfToken": ")[^"]+', rb"\1", body)
    return status, [h for h in headers if h[0] != "Content-Length"], body, logs


def _cases(certs: dict[str, Any]) -> list[dict[str, Any]]:
    cases = []
    for key in ("revoked", "reissued", "corrected", "plain"):
        cert = certs[key]
        name = current_view(cert)["name"]
        cases += [
            {"method": "number", "number": cert.number, "name": name},
            {"method": "number", "number": cert.number, "name": "王五"},
        ]
    return [
        *cases,
        {"method": "number", "number": certs["corrected"].number, "name": certs["old"]},
        {"method": "number", "number": "2610012003499999", "name": "王五"},
        {"method": "number", "number": "9" * 40, "name": "王五"},
        {"name": "王五", "number": certs["plain"].number.replace("0", " 0"), "method": "number"},
        {"method": "number", "number": certs["plain"].number, "name": "<script>"},  # 400 from the service
    ]


def test_r3_1_x7_front_answers_every_status_exactly_as_django(
    settings: Any,
    lifecycle_certs: dict[str, Any],  # noqa: F811
) -> None:
    settings.VERIFY_RATE_PER_MINUTE = settings.VERIFY_RATE_PER_DAY = 10_000
    statuses = set()
    for body in _cases(lifecycle_certs):
        environ_of = lambda body=body: _environ(body)  # noqa: E731
        assert front.plain_lookup_of(environ_of())[0] is not None, body  # the front does take it
        expected, got = _both(environ_of)
        assert got[1] == expected[1], (body, set(got[1]) ^ set(expected[1]))
        assert got == expected, body
        assert len(got[3]) == 1  # one log row each
        statuses.add(json.loads(got[2])["status"] if got[0].startswith("200") else got[0])
        headers = dict(got[1])
        assert headers["X-Request-ID"] == REQUEST_ID
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        assert int(headers["Content-Length"]) == len(got[2])
    assert statuses == {"valid", "revoked", "reissued", "not_found", "400 Bad Request"}
    photo = json.loads(_call(wsgi.application, _environ(_cases(lifecycle_certs)[6]))[2])
    assert photo["certificate"]["photo"].startswith("data:image/jpeg;base64,")


def test_front_headers_follow_the_request_as_django_does(
    settings: Any,
    demo: dict[str, Any],
    lifecycle_certs: dict[str, Any],  # noqa: F811
) -> None:
    """Language negotiation, a generated request id, an unknown host (400), a signed-in user under the
    account rules (R3.9), HSTS on HTTPS."""
    settings.VERIFY_RATE_PER_MINUTE = settings.VERIFY_RATE_PER_DAY = 10_000
    cert = lifecycle_certs["plain"]
    body = {"method": "number", "number": cert.number, "name": current_view(cert)["name"]}
    english = _both(lambda: _environ(body, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8"))
    assert english[1] == english[0] and ("Content-Language", "en") in english[1][1]
    assert ("Content-Language", "zh-hans") in _both(lambda: _environ(body))[1][1]

    def without_id() -> dict[str, Any]:
        environ = _environ(body, HTTP_ACCEPT="application/json")
        del environ["HTTP_X_REQUEST_ID"]
        return environ

    expected, got = _both(without_id)
    generated = dict(got[1]).pop("X-Request-ID")
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    strip = lambda r: (r[0], [h for h in r[1] if h[0] != "X-Request-ID"], r[2], r[3])  # noqa: E731
    assert strip(got) == strip(expected)

    evil = _both(lambda: _environ(body, HTTP_HOST="evil.example"))
    assert evil[1] == evil[0] and evil[1][0].startswith("400") and evil[1][3] == []  # nothing looked up

    # A signed-in administrator whose password must be changed gets the account rules' 403 either way.
    admin = demo["users"]["nj_admin"]
    client = Client()
    client.force_login(admin)
    AccountSecurity.objects.update_or_create(user=admin, defaults={"must_change_password": True})
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    signed_in = _both(lambda: _environ(body, HTTP_COOKIE=cookie))
    assert signed_in[1] == signed_in[0] and signed_in[1][0].startswith("403") and signed_in[1][3] == []
    assert json.loads(signed_in[1][2])["code"] == "accounts.password.expired"

    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # middleware reads these settings when built: build the applications again, as a restart would
    secure = _both(lambda: _environ(body, HTTP_X_FORWARDED_PROTO="https"), WSGIHandler())
    assert secure[1] == secure[0] and dict(secure[1][1])["Strict-Transport-Security"] == "max-age=3600"


def test_x7_front_rate_limit_is_the_same_429(settings: Any, lifecycle_certs: dict[str, Any]) -> None:  # noqa: F811
    settings.VERIFY_RATE_PER_MINUTE = 2
    cert = lifecycle_certs["revoked"]
    body = {"method": "number", "number": cert.number, "name": current_view(cert)["name"]}
    runs = []
    for app in (wsgi.django_application, wsgi.application):
        cache.clear()
        _away_from_a_minute_boundary()
        runs.append([_call(app, _environ(body)) for _ in range(3)])

    def timeless(run: list[Any]) -> list[Any]:
        # Retry-After counts the seconds to the window's end: the two runs may be a second apart.
        return [(s, [h for h in hs if h[0] != "Retry-After"], a, lg) for s, hs, a, lg in run]

    assert timeless(runs[1]) == timeless(runs[0])
    assert abs(int(dict(runs[1][2][1])["Retry-After"]) - int(dict(runs[0][2][1])["Retry-After"])) <= 2
    status, headers, answer, logs = runs[1][2]
    assert status == "429 Too Many Requests" and 1 <= int(dict(headers)["Retry-After"]) <= 60
    assert dict(headers)["Content-Type"] == "application/problem+json"
    assert json.loads(answer)["code"] == "verification.rate_limited" and logs[0]["result"] == "rate_limited"


def test_front_hands_anything_else_to_django_with_its_body(
    settings: Any,
    lifecycle_certs: dict[str, Any],  # noqa: F811
) -> None:
    settings.VERIFY_RATE_PER_MINUTE = settings.VERIFY_RATE_PER_DAY = 10_000
    cert = lifecycle_certs["plain"]
    name = current_view(cert)["name"]
    plain = {"method": "number", "number": cert.number, "name": name}
    others: list[dict[str, Any]] = [
        _environ({**plain, "method": "id", "id_number": "110101199003070011"}),
        _environ({**plain, "document_type": "resident_id"}),  # a key the plain test does not know
        _environ({**plain, "number": int(cert.number)}),
        _environ(b'{"method": "number", "number": '),  # not JSON
        _environ(b"\xff\xfe{}"),  # not UTF-8
        _environ(plain, HTTP_ACCEPT="text/html"),  # the browsable renderer decides
        _environ(plain, QUERY_STRING="format=json"),
        _environ(plain, content_type="text/plain"),
        _environ(plain, content_type="application/json; charset=latin-1"),
        _environ({**plain, "name": name + " " * front.MAX_BODY}),  # larger than the front reads
        _environ(plain, path="/api/v1/verify"),
        _environ(plain, method="PUT"),
        _environ(b"", method="GET"),
    ]
    for index, environ in enumerate(others):
        assert (
            front.plain_lookup_of(
                dict(environ, **{"wsgi.input": io.BytesIO(environ["wsgi.input"].getvalue())})
            )[0]
            is None
        ), index

        def environ_of(environ: dict[str, Any] = environ) -> dict[str, Any]:
            return dict(environ, **{"wsgi.input": io.BytesIO(environ["wsgi.input"].getvalue())})

        expected, got = _both(environ_of)
        if dict(got[1])["Content-Type"].startswith("text/html"):  # DRF's browsable page: a fresh CSRF token
            got, expected = _without_csrf_token(got), _without_csrf_token(expected)
        assert got == expected, index
    # The first three still reach the register through Django: the body arrived intact.
    assert json.loads(_call(wsgi.application, others[1])[2])["status"] == "valid"


def test_front_reconnects_after_the_database_drops_the_connection(settings: Any) -> None:
    """After the database ends a server thread's connection (a restart), that thread answers one lookup
    `cannot_determine` — never a verdict — and the next lookup gets a fresh connection."""
    if connection.vendor != "postgresql":
        pytest.skip("ends a server connection with pg_terminate_backend: PostgreSQL only (CI runs it)")
    settings.VERIFY_RATE_PER_MINUTE = settings.VERIFY_RATE_PER_DAY = 10_000
    body = {"method": "number", "number": "2610012003499998", "name": "王五"}
    answers: list[str] = []
    pids: list[int] = []

    def server_thread() -> None:  # its own connection, outside the test's transaction, as in granian
        import psycopg

        first = None
        try:
            for step in range(3):
                answers.append(json.loads(_request(wsgi.application, _environ(body))[2])["status"])
                if step == 0:
                    first = LookupLog.objects.order_by("-id").values_list("id", flat=True).first()
                    pids.append(connection.connection.info.backend_pid)
                    with psycopg.connect(connection.connection.info.dsn, autocommit=True) as admin:
                        admin.execute("SELECT pg_terminate_backend(%s)", [pids[0]])
            pids.append(connection.connection.info.backend_pid)
        finally:
            LookupLog.objects.filter(id__gte=first or 0).delete()  # committed outside the test's transaction
            connection.close()

    worker = threading.Thread(target=server_thread)
    worker.start()
    worker.join(30)
    assert answers == ["not_found", "cannot_determine", "not_found"]
    assert len(pids) == 2 and pids[0] != pids[1]  # a new server connection
