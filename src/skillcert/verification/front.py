"""The WSGI front of the production server: plain number + name lookups on `POST /api/v1/verify/` are
answered without Django's full request cycle; everything else goes to Django unchanged (issue 5 item 5;
R3.1, X7; docs/verification-serving.md).

Measured in-process on the 1,000,000-certificate bench database, the whole Django cycle cost ~1.4 ms of
CPU for a lookup whose own work (`fast.verify_by_number` + JSON) costs ~0.5 ms: the middleware stack, URL
resolution, DRF's request, negotiation, parsing and dispatch, and a `SELECT 1` health check per request.
This front skips what cannot change the answer of that one view — and only that:

- **What takes the short way** is decided before anything runs: exactly `POST /api/v1/verify/`, no query
  string, `Content-Type: application/json` (charset utf-8 or none), a body of at most `MAX_BODY` bytes
  that is JSON and exactly a well-formed number + name lookup (`api.plain_number_lookup`, the same test
  the DRF view applies) and an `Accept` that DRF would answer with JSON. Anything else — including
  every malformed request — is handed to Django with its body intact, so it gets Django's answer.
- **The response is Django's**: the view's rendering (DRF's `JSONRenderer`, the view's `Allow` and
  `Vary` headers, problem JSON with `Retry-After` for the rate limit) wrapped by the real instances of
  the response-shaping middleware from `settings.MIDDLEWARE` (security headers, request id, language,
  Content-Length, X-Frame-Options, host validation), in settings order, with Django's own exception
  handling around the view. Tests compare status, headers and body with the full cycle for every status.
- **Database connections**: no per-request health check (the lookup itself is the only round trip).
  A connection on which a database error occurred, or older than `CONN_MAX_AGE`, is closed after the
  request, so after a database restart each server thread answers one lookup `cannot_determine` (never
  a wrong verdict; `fast.verify_by_number` turns the error into that) and reconnects for the next.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from rest_framework.renderers import JSONRenderer

from skillcert.core.api import problem_body
from skillcert.core.errors import SkillcertError
from skillcert.core.parsers import too_deep
from skillcert.verification import fast
from skillcert.verification.api import VerifyView, client_address, plain_number_lookup
from skillcert.verification.models import LookupLog
from skillcert.verification.services import RateLimited

VERIFY_PATH = "/api/v1/verify/"
MAX_BODY = 4096

# Middleware that cannot change the answer of this view: static files (not its URL), CSRF (the view is
# exempt and never asks for a token), messages (never added) and the audit actor (a lookup writes no
# audit row). Every other middleware in settings runs — sessions, authentication and the account rules
# included, which cost nothing without a session cookie and keep a signed-in user's answer the same.
SKIPPED_MIDDLEWARE = frozenset(
    (
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "skillcert.core.middleware.AuditActorMiddleware",
    )
)

_JSON_TYPES = frozenset(("application/json", "application/json;charset=utf-8"))
_ACCEPT_JSON = frozenset(("", "*/*", "application/json", "application/*"))
_RENDERER = JSONRenderer()

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _view_headers() -> dict[str, str]:
    """The headers DRF's APIView adds to every response of VerifyView (`default_response_headers`)."""
    view = VerifyView()
    view.headers = {}
    return dict(view.default_response_headers)


_VIEW_HEADERS = _view_headers()


def _render(data: Any, status: int, content_type: str, headers: dict[str, str]) -> HttpResponse:
    response = HttpResponse(_RENDERER.render(data), status=status, content_type=content_type)
    for key, value in headers.items():
        response[key] = value
    return response


def verify_view(request: HttpRequest) -> HttpResponse:
    """VerifyView.post for a plain number + name lookup (set by the front on `request.plain_lookup`)."""
    number, name = request.plain_lookup  # type: ignore[attr-defined]
    headers = _VIEW_HEADERS
    try:
        verdict = fast.verify_by_number(
            number, name, channel=LookupLog.Channel.API, client=client_address(request)
        )
    except SkillcertError as exc:
        if isinstance(exc, RateLimited):
            headers = {**headers, "Retry-After": exc.retry_after_header}
        return _render(problem_body(exc), exc.status, "application/problem+json", headers)
    return _render(verdict.as_dict(), 200, "application/json", headers)


def _middleware_chain(view: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], Any]:
    """The view wrapped, as Django's handler does, in every middleware of settings not skipped."""
    handler: Callable[[HttpRequest], Any] = convert_exception_to_response(view)
    for path in reversed(settings.MIDDLEWARE):
        if path not in SKIPPED_MIDDLEWARE:
            handler = convert_exception_to_response(import_string(path)(handler))
    return handler


def _media_type(value: str) -> str:
    return value.replace(" ", "").lower()


def plain_lookup_of(environ: dict[str, Any]) -> tuple[tuple[str, str] | None, bytes | None]:
    """((number, name), body) when the request takes the short way; (None, body read so far) otherwise."""
    if environ.get("PATH_INFO") != VERIFY_PATH or environ.get("REQUEST_METHOD") != "POST":
        return None, None
    if environ.get("QUERY_STRING") or _media_type(environ.get("CONTENT_TYPE", "")) not in _JSON_TYPES:
        return None, None
    if _media_type(environ.get("HTTP_ACCEPT", "")) not in _ACCEPT_JSON:
        return None, None
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None, None
    if not 0 < length <= MAX_BODY:
        return None, None
    body = environ["wsgi.input"].read(length)
    if too_deep(body):  # json.loads would recurse past Python's limit (a crash): DRF's parser answers 400
        return None, body
    try:
        data = json.loads(body)
    except ValueError:  # not UTF-8 or not JSON: DRF's parser answers
        return None, body
    return plain_number_lookup(data), body


class VerifyFront:
    """WSGI application: Django, with plain verification lookups answered by `verify_view`."""

    def __init__(self, django_app: WSGIApp) -> None:
        self.django_app = django_app
        self.handle = _middleware_chain(verify_view)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        plain, body = plain_lookup_of(environ)
        if body is not None:  # the body was read: give it back for whoever answers
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        if plain is None:
            return self.django_app(environ, start_response)
        request = WSGIRequest(environ)
        request.plain_lookup = plain  # type: ignore[attr-defined]
        try:
            response = self.handle(request)
        finally:
            _release_connection()
        status = f"{response.status_code} {response.reason_phrase}"
        headers = [
            *response.items(),
            *(("Set-Cookie", c.output(header="")) for c in response.cookies.values()),
        ]
        start_response(status, headers)
        return [response.content]


def _release_connection() -> None:
    """Django's end-of-request tidying (`close_if_unusable_or_obsolete`) without the health check:
    close a connection that saw an error or outlived CONN_MAX_AGE. A connection inside a transaction
    is left alone: the front never opens one, so it belongs to a caller (closing would roll it back)."""
    if connection.connection is None or connection.in_atomic_block:
        return
    expired = connection.close_at is not None and time.monotonic() >= connection.close_at
    if connection.errors_occurred or expired:
        connection.close()
