"""Per-response additions to the Content-Security-Policy of settings (django-csp; issue 13 item 7).

The policy in settings is the strict one every page gets. The few pages that need more add exactly that,
decided when the response is made (the card reader's bridge URL is a setting a test or an operator
changes at run time): the same `_csp_update` that django-csp's own `csp_update` decorator sets, merged
rather than replaced so a view and a decorator can both add. And the middleware that writes the header,
with the plain header cached (`CSPMiddleware`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

R = TypeVar("R", bound=HttpResponseBase)


def allow(response: R, directives: dict[str, list[str]]) -> R:
    """Add sources to directives of this response's policy only; returns the response."""
    current = getattr(response, "_csp_update", None) or {}
    update: dict[str, list[str]] = {k: list(v) for k, v in current.items()}
    for name, sources in directives.items():
        update[name] = [*update.get(name, []), *sources]
    response._csp_update = update  # type: ignore[attr-defined]
    return response


def allowing(directives: dict[str, list[str]]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """View decorator: `allow(response, directives)` on every response of the view."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return allow(view(*args, **kwargs), directives)

        return wrapped

    return decorator


def origin(url: str) -> str:
    """scheme://host[:port] of an absolute URL, for a source list; "" when it is not one."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware, except that the header of a plain response — no nonce used, nothing
    changed by the view, no report-only policy — is built once per policy instead of twice per response.
    django-csp rebuilds it from the settings every time (dataclasses.asdict, copies, two build_policy
    calls): measured ~0.1 ms a request on this machine, a fifth of a verification lookup's own work
    (verification/front.py runs this middleware too). The cache holds the settings' policy object itself,
    so a policy replaced in the settings (a test's override) is seen at once; one changed in place is not.
    """

    _plain: tuple[Any, str] | None = None
    _VIEW_CHANGES = (
        "_csp_config",
        "_csp_update",
        "_csp_replace",
        "_csp_exempt",
        "_csp_config_ro",
        "_csp_update_ro",
        "_csp_replace_ro",
        "_csp_exempt_ro",
    )

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        plain = (
            policy
            and not policy.get("EXCLUDE_URL_PREFIXES")
            and not getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            and getattr(request, "_csp_nonce", None) is None
            and not any(getattr(response, name, None) for name in self._VIEW_CHANGES)
            and HEADER not in response
            and not (settings.DEBUG and response.status_code in (404, 500))
        )
        if not plain:
            return super().process_response(request, response)
        cached = self._plain
        if cached is None or cached[0] is not policy:
            cached = self._plain = (policy, build_policy())
        if cached[1]:
            response[HEADER] = cached[1]
        # As django-csp does: a nonce asked for after the header was written would not be in it.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
