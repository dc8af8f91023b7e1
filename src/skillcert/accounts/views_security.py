"""Security administration pages (R3.9): lock-outs and unlock, users' password and TOTP state, the
credential-leak action, incidents with evidence, lifting the lock-down."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skillcert.accounts import policy
from skillcert.accounts.forms import EvidenceForm, LeakForm, LiftForm
from skillcert.accounts.models import AccountSecurity, LockdownState, SecurityIncident
from skillcert.accounts.services import lockdown, passwords, totp
from skillcert.accounts.services import login as login_service
from skillcert.accounts.views import _show
from skillcert.core.errors import SkillcertError
from skillcert.orgs.scoping import has_permission, org_filter


def _need(request: HttpRequest) -> None:
    if not has_permission(request.user, "accounts.security"):
        raise PermissionDenied


def scoped_users(actor: Any) -> Any:
    return (
        get_user_model()
        .objects.filter(org_filter(actor, "memberships__organisation", "accounts.security"))
        .distinct()
        .order_by("username")
    )


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    _need(request)
    users = list(scoped_users(request.user).prefetch_related("memberships")[:500])
    secs = {s.user_id: s for s in AccountSecurity.objects.filter(user__in=users)}
    rows = []
    for user in users:
        sec = secs.get(user.pk)
        rows.append(
            {
                "user": user,
                "roles": sorted({m.get_role_display() for m in user.memberships.all()}),
                "totp": bool(sec and sec.totp_enrolled),
                "totp_required": policy.totp_required(user),
                "changed": policy.password_changed_at(user),
                "expired": policy.password_expired(user),
            }
        )
    return render(
        request,
        "accounts/security.html",
        {
            "rows": rows,
            "lockouts": login_service.lockouts_visible_to(request.user)[:200],
            "state": LockdownState.get(),
            "incidents": SecurityIncident.objects.all()[:50] if lockdown.may_act(request.user) else [],
            "may_act": lockdown.may_act(request.user),
            "leak_form": LeakForm(),
            "lift_form": LiftForm(),
        },
    )


@login_required
@require_POST
def unlock(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request)
    lock = get_object_or_404(login_service.lockouts_visible_to(request.user), pk=pk)
    login_service.unlock(lock, actor=request.user)
    messages.success(request, _("Unlocked."))
    return redirect("accounts:security")


@login_required
@require_POST
def user_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _need(request)
    user = get_object_or_404(scoped_users(request.user), pk=pk)
    try:
        if action == "reset-totp":
            totp.reset(user, actor=request.user)
        elif action == "require-password-change":
            passwords.require_change(user, actor=request.user)
        else:
            raise Http404
    except SkillcertError as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
    else:
        messages.success(request, _("Done."))
    return redirect("accounts:security")


@login_required
@require_POST
def report_leak(request: HttpRequest) -> HttpResponse:
    if not lockdown.may_act(request.user):
        raise PermissionDenied
    form = LeakForm(request.POST)
    if form.is_valid():
        try:
            incident = lockdown.report_leak(
                actor=request.user,
                description=form.cleaned_data["description"],
                files=request.FILES.getlist("files"),
                expire_passwords=form.cleaned_data["expire_passwords"],
            )
        except SkillcertError as exc:
            messages.error(request, f"{exc.message_zh} / {exc.message_en}")
        else:
            # The reporter's own session was ended with everyone else's: log in again.
            return redirect(f"/manage/login/?next=/manage/account/incidents/{incident.pk}/")
    else:
        messages.error(request, _("Describe the suspected leak."))
    return redirect("accounts:security")


@login_required
@require_POST
def lift(request: HttpRequest) -> HttpResponse:
    if not lockdown.may_act(request.user):
        raise PermissionDenied
    form = LiftForm(request.POST)
    try:
        if not form.is_valid():
            raise SkillcertError(
                "accounts.lockdown.reason", "请说明解除锁定的理由", "Give the reason", [], 400
            )
        lockdown.lift_lockdown(actor=request.user, reason=form.cleaned_data["reason"])
    except SkillcertError as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
    else:
        messages.success(request, _("Publishing is no longer frozen."))
    return redirect("accounts:security")


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not lockdown.may_act(request.user):
        raise PermissionDenied
    incident = get_object_or_404(SecurityIncident, pk=pk)
    form = EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            lockdown.add_evidence(
                incident, form.cleaned_data["file"], actor=request.user, note=form.cleaned_data["note"]
            )
        except SkillcertError as exc:
            _show(form, exc)
        else:
            messages.success(request, _("Evidence stored."))
            return redirect("accounts:incident", pk=incident.pk)
    from skillcert.audit.models import AuditEntry

    evidence = [(e, lockdown.verify_evidence(e)) for e in incident.evidence.select_related("uploaded_by")]
    trail = AuditEntry.objects.filter(object_type="accounts.SecurityIncident", object_id=str(incident.pk))
    return render(
        request,
        "accounts/incident_detail.html",
        {"incident": incident, "evidence": evidence, "form": form, "trail": trail},
    )


@login_required
def evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    if not lockdown.may_act(request.user):
        raise PermissionDenied
    incident = get_object_or_404(SecurityIncident, pk=pk)
    item = get_object_or_404(incident.evidence, pk=evidence_pk)
    path = Path(settings.MEDIA_ROOT) / item.stored_path
    if not path.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve()) or not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=item.original_name)
