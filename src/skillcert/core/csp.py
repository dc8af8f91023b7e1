"""Per-response additions to the Content-Security-Policy of settings (django-csp; issue 13 item 7).

The policy in settings is the strict one every page gets. The few pages that need more add exactly that,
decided when the response is made (the card reader's bridge URL is a setting a test or an operator
changes at run time): the same `_csp_update` that django-csp's own `csp_update` decorator sets, merged
rather than replaced so a view and a decorator can both add.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.http import HttpResponseBase

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
