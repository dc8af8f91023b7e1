"""Per-request account rules for browser sessions (R3.9):

- after a credential-leak lock-down, a session opened before it is ended (forced re-authentication;
  stored sessions are deleted by the lock-down itself, this catches any other session store);
- an administrator whose password has expired (or who must change it) is sent to the change-password
  page for every back-office page, and gets a 403 problem for session calls to the API.

API token users are checked by `skillcert.accounts.auth.TokenAuthentication` instead."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from skillcert.accounts import policy
from skillcert.accounts.models import LockdownState

SESSION_AUTH_AT = "accounts_auth_at"
_GUARDED = ("/manage/", "/admin/", "/api/")


def _exempt(path: str) -> bool:
    return path.startswith(
        (
            "/manage/login/",
            "/manage/logout/",
            "/manage/account/password/",
            "/manage/account/two-factor/",
            "/api/v1/auth/token/",
            "/api/v1/schema/",
            "/api/v1/docs/",
        )
    )


def session_predates_lockdown(request: HttpRequest) -> bool:
    state = LockdownState.objects.filter(pk=1).only("reauth_after").first()
    if state is None or state.reauth_after is None:
        return False
    return float(request.session.get(SESSION_AUTH_AT, 0) or 0) < state.reauth_after.timestamp()


class AccountSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        path = request.path
        if user is None or not user.is_authenticated or not path.startswith(_GUARDED):
            return self.get_response(request)
        if session_predates_lockdown(request):
            logout(request)
            if path.startswith("/api/"):
                return self.get_response(request)  # now anonymous: the API answers 401/403 itself
            return redirect(f"{reverse('backoffice:login')}?next={path}")
        if not _exempt(path) and policy.password_expired(user):
            if path.startswith("/api/"):
                return JsonResponse(
                    {
                        "type": "urn:skillcert:error:accounts.password.expired",
                        "title": "Your password has expired: change it in the back office",
                        "status": 403,
                        "code": "accounts.password.expired",
                        "message": {
                            "zh": "密码已过期，请先在业务系统中修改密码",
                            "en": "Your password has expired: change it in the back office",
                        },
                        "detail": "密码已过期 / Your password has expired",
                        "errors": [],
                    },
                    status=403,
                    content_type="application/problem+json",
                )
            return redirect(f"{reverse('accounts:password_change')}?next={path}")
        return self.get_response(request)
