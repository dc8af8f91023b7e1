"""Back-office publication pages at /manage/publication/ (namespace "publication"; R3.7–R3.9).

The overview shows the month's schedule, the batches and releases in the user's scope with their
sign-off state, and the next-step button only to the person who may take it; detail pages list the
certificates and the signatures. Every action is a POST that calls a service; errors come back as the
service's bilingual message. Batches and releases are found only through `visible_to(user)` (X1)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_POST, require_safe

from skillcert.core.errors import SkillcertError
from skillcert.orgs.choices import Role
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission, org_filter
from skillcert.publication import schedule, services
from skillcert.publication.models import Backup, Batch, BatchItem, PublishingFreeze, Release, ReleaseState
from skillcert.publication.services.rounds import COMPILING_KINDS, SUBMITTING_KINDS


def _label(role: str | None) -> str | None:
    return str(Role(role).label) if role else None


def _need(request: HttpRequest, permission: str) -> None:
    if not has_permission(request.user, permission):
        raise PermissionDenied


def _error(request: HttpRequest, exc: SkillcertError) -> None:
    text = exc.message_en if (get_language() or "").startswith("en") else exc.message_zh
    messages.error(request, f"{text} [{exc.code}]")


def _month(value: str | None) -> tuple[int, int]:
    today = schedule.local(timezone.now()).date()
    try:
        year, month = (int(x) for x in (value or "").split("-"))
        datetime.date(year, month, 1)
    except ValueError:
        return today.year, today.month
    return year, month


def _orgs(request: HttpRequest, kinds: tuple[str, ...]) -> list[Organisation]:
    return list(
        Organisation.objects.filter(
            org_filter(request.user, None, "publication.submit"), kind__in=kinds, active=True
        )
    )


@require_safe
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    _need(request, "publication.view")
    year, month = _month(request.GET.get("month"))
    first = datetime.date(year, month, 1)
    previous = (first - datetime.timedelta(days=1)).strftime("%Y-%m")
    following = (first + datetime.timedelta(days=32)).strftime("%Y-%m")
    entries: list[schedule.CalendarEntry] = []
    schedule_error = None
    try:
        entries = schedule.month_entries(year, month)
    except SkillcertError as exc:
        schedule_error = exc
    now = timezone.now()
    try:
        window: schedule.Period | None = schedule.next_window(now)
    except SkillcertError:
        window = None
    user = request.user
    batches = list(
        Batch.objects.visible_to(user)
        .select_related("organisation", "submitted_by")
        .exclude(kind=Batch.Kind.OWN)[:50]
    )
    releases = list(
        Release.objects.visible_to(user)
        .select_related("organisation")
        .exclude(state=ReleaseState.PUBLISHED)[:20]
    )
    for b in batches:
        b.next_role = _label(services.next_role(b))
        b.can_sign = services.can_sign(b, user)
    for r in releases:
        r.next_role = _label(services.next_role(r))
        r.can_sign = services.can_sign(r, user)
        r.can_publish = services.publish_problem(r, user) is None
    return render(
        request,
        "publication/overview.html",
        {
            "year": year,
            "month": month,
            "previous": previous,
            "following": following,
            "entries": entries,
            "schedule_error": schedule_error,
            "window": window,
            "window_open": window is not None and window.window_open_at(schedule.local(now)),
            "batches": batches,
            "releases": releases,
            "submit_orgs": _orgs(request, SUBMITTING_KINDS),
            "compile_orgs": _orgs(request, COMPILING_KINDS),
            "freeze": services.active_freeze(),
            "can_freeze": has_permission(user, "accounts.security")
            or has_permission(user, "publication.publish"),
            "can_unfreeze": has_permission(user, "accounts.security"),
        },
    )


@require_safe
@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "publication.view")
    batch = get_object_or_404(Batch.objects.visible_to(request.user).select_related("organisation"), pk=pk)
    items = BatchItem.objects.filter(batch=batch).select_related("certificate")[:500]
    return render(
        request,
        "publication/batch_detail.html",
        {
            "batch": batch,
            "items": items,
            "signoffs": batch.signoffs.select_related("user"),
            "next_role": _label(services.next_role(batch)),
            "can_sign": services.can_sign(batch, request.user),
        },
    )


@require_safe
@login_required
def release_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "publication.view")
    release = get_object_or_404(
        Release.objects.visible_to(request.user).select_related("organisation"), pk=pk
    )
    return render(
        request,
        "publication/release_detail.html",
        {
            "release": release,
            "batches": release.batches.select_related("organisation"),
            "signoffs": release.signoffs.select_related("user"),
            "next_role": _label(services.next_role(release)),
            "can_sign": services.can_sign(release, request.user),
            "can_publish": services.publish_problem(release, request.user) is None,
        },
    )


@require_POST
@login_required
def submit(request: HttpRequest) -> HttpResponse:
    org = get_object_or_404(
        Organisation.objects.visible_to(request.user), pk=request.POST.get("organisation") or 0
    )
    try:
        batch = services.submit_batch(org, actor=request.user)
    except SkillcertError as exc:
        _error(request, exc)
        return redirect("publication:overview")
    return redirect("publication:batch", pk=batch.pk)


@require_POST
@login_required
def compile_round(request: HttpRequest) -> HttpResponse:
    org = get_object_or_404(
        Organisation.objects.visible_to(request.user), pk=request.POST.get("organisation") or 0
    )
    try:
        release = services.compile_release(org, actor=request.user)
    except SkillcertError as exc:
        _error(request, exc)
        return redirect("publication:overview")
    return redirect("publication:release", pk=release.pk)


@require_POST
@login_required
def sign_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(Batch.objects.visible_to(request.user), pk=pk)
    try:
        services.sign_batch(
            batch,
            actor=request.user,
            approve=request.POST.get("decision") != "reject",
            comment=request.POST.get("comment", ""),
        )
    except SkillcertError as exc:
        _error(request, exc)
    return redirect("publication:batch", pk=pk)


@require_POST
@login_required
def sign_release(request: HttpRequest, pk: int) -> HttpResponse:
    release = get_object_or_404(Release.objects.visible_to(request.user), pk=pk)
    try:
        services.sign_release(
            release,
            actor=request.user,
            approve=request.POST.get("decision") != "reject",
            comment=request.POST.get("comment", ""),
        )
    except SkillcertError as exc:
        _error(request, exc)
    return redirect("publication:release", pk=pk)


@require_POST
@login_required
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    release = get_object_or_404(Release.objects.visible_to(request.user), pk=pk)
    try:
        services.publish_release(release, actor=request.user)
    except SkillcertError as exc:
        _error(request, exc)
    return redirect("publication:release", pk=pk)


@require_POST
@login_required
def freeze(request: HttpRequest) -> HttpResponse:
    try:
        if request.POST.get("action") == "unfreeze":
            services.unfreeze_publishing(request.POST.get("reason", ""), request.user)
        else:
            services.freeze_publishing(request.POST.get("reason", ""), request.user)
    except SkillcertError as exc:
        _error(request, exc)
    return redirect("publication:overview")


@require_safe
@login_required
def history(request: HttpRequest) -> HttpResponse:
    _need(request, "publication.view")
    releases = (
        Release.objects.visible_to(request.user)
        .filter(state=ReleaseState.PUBLISHED)
        .select_related("organisation", "published_by")
        .order_by("-published_at")[:200]
    )
    freezes = PublishingFreeze.objects.select_related("frozen_by", "lifted_by")[:50]
    return render(request, "publication/history.html", {"releases": releases, "freezes": freezes})


@require_safe
@login_required
def backup_list(request: HttpRequest) -> HttpResponse:
    if not (has_permission(request.user, "backup.run") or has_permission(request.user, "audit.view")):
        raise PermissionDenied
    return render(request, "publication/backup_list.html", {"backups": Backup.objects.all()[:200]})
