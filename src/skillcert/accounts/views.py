"""Account pages (R3.9): the two-step back-office log-in (password, then TOTP where needed), TOTP
enrolment, password change. Security administration pages are in views_security.py."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from skillcert.accounts import policy
from skillcert.accounts.forms import CodeForm, LoginForm, PasswordChangeForm
from skillcert.accounts.middleware import SESSION_AUTH_AT
from skillcert.accounts.services import login as login_service
from skillcert.accounts.services import passwords, totp
from skillcert.core.errors import SkillcertError

PENDING_USER = "accounts_pending_user"
PENDING_AT = "accounts_pending_at"
PENDING_NEXT = "accounts_pending_next"
PENDING_TTL = 300  # seconds between the password and the second step


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


def _next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _show(form: Any, exc: SkillcertError) -> None:
    form.add_error(None, f"{exc.message_zh} / {exc.message_en}")
    for err in exc.errors:
        target = err.field if err.field in form.fields else None
        form.add_error(target, f"{err.message_zh} / {err.message_en}")


def _finish(request: HttpRequest, user: Any, next_url: str, stage: str) -> HttpResponse:
    for key in (PENDING_USER, PENDING_AT, PENDING_NEXT):
        request.session.pop(key, None)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_AUTH_AT] = time.time()
    login_service.record_success(user, client_address(request), stage=stage)
    return redirect(_next(request, next_url))


def _pending(request: HttpRequest) -> Any:
    pk = request.session.get(PENDING_USER)
    at = float(request.session.get(PENDING_AT, 0) or 0)
    if not pk or time.time() - at > PENDING_TTL:
        return None
    return get_user_model().objects.filter(pk=pk, is_active=True).first()


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next(request, next_url))
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        try:
            user = login_service.check_password_step(
                request, form.cleaned_data["username"], form.cleaned_data["password"], address
            )
        except SkillcertError as exc:
            _show(form, exc)
            status = exc.status if exc.status == 429 else 200
        else:
            if not policy.needs_totp(user):
                return _finish(request, user, next_url, "password")
            request.session.cycle_key()
            request.session[PENDING_USER] = user.pk
            request.session[PENDING_AT] = time.time()
            request.session[PENDING_NEXT] = next_url
            sec = policy.security_of(user)
            return redirect("accounts:totp_enrol" if not sec.totp_enrolled else "accounts:totp_verify")
    return render(request, "backoffice/login.html", {"form": form, "next": next_url}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def totp_verify(request: HttpRequest) -> HttpResponse:
    user = _pending(request)
    if user is None:
        return redirect("backoffice:login")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            login_service.check_totp_step(user, form.cleaned_data["code"], client_address(request))
        except SkillcertError as exc:
            _show(form, exc)
            status = exc.status if exc.status == 429 else 200
        else:
            return _finish(request, user, request.session.get(PENDING_NEXT, ""), "totp")
    return render(request, "accounts/totp_verify.html", {"form": form, "who": user}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def totp_enrol(request: HttpRequest) -> HttpResponse:
    """Enrolment during log-in (a user whose role requires TOTP and has none yet) or, when logged in,
    voluntary enrolment."""
    pending = _pending(request)
    user = pending or (request.user if request.user.is_authenticated else None)
    if user is None:
        return redirect("backoffice:login")
    sec = policy.security_of(user)
    if sec.totp_enrolled:
        messages.info(request, _("An authenticator is already enrolled."))
        return redirect("accounts:totp_verify" if pending else "backoffice:dashboard")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if pending is not None:
                login_service.check_not_locked(user.get_username(), client_address(request))
            totp.confirm_enrolment(user, form.cleaned_data["code"])
        except SkillcertError as exc:
            if pending is not None and exc.code == "accounts.totp.enrol_wrong":
                login_service.record_failure(user.get_username(), client_address(request), stage="totp")
            _show(form, exc)
        else:
            if pending is not None:
                return _finish(request, user, request.session.get(PENDING_NEXT, ""), "totp")
            messages.success(request, _("Two-factor authentication is on."))
            return redirect("backoffice:dashboard")
    secret = totp.pending_secret(user)
    uri = totp.provisioning_uri(user, secret) if secret else totp.begin_enrolment(user)
    secret = totp.pending_secret(user)
    return render(
        request,
        "accounts/totp_enrol.html",
        {
            "form": form,
            "qr": totp.qr_svg(uri),
            "secret": secret,
            "who": user,
            "during_login": pending is not None,
        },
    )


@login_required
@sensitive_post_parameters("old_password", "new_password", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    expired = policy.password_expired(request.user)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        try:
            passwords.change_password(request.user, **form.cleaned_data)
        except SkillcertError as exc:
            _show(form, exc)
        else:
            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
            messages.success(request, _("Password changed."))
            return redirect(_next(request, next_url))
    return render(
        request,
        "accounts/password_change.html",
        {
            "form": form,
            "expired": expired,
            "next": next_url,
            "max_age": policy.max_age_days(),
            "help": [v.get_help_text() for v in _validators()],
        },
    )


def _validators() -> list[Any]:
    from django.contrib.auth.password_validation import get_default_password_validators

    return list(get_default_password_validators())
