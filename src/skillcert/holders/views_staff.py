"""Back-office pages for holder inquiries (R3.4), holders' correction requests (R3.5) and online
reissue requests (R2.4), scoped to the user's organisation subtree (X1); every decision goes through
an audited service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.core.errors import SkillcertError
from skillcert.holders import corrections, inquiry, services
from skillcert.orgs.scoping import has_permission


def _flash(request: HttpRequest, exc: SkillcertError) -> None:
    parts = [f"{exc.message_zh} / {exc.message_en}"] + [
        f"{e.message_zh} / {e.message_en}" for e in exc.errors
    ]
    messages.error(request, "；".join(dict.fromkeys(parts)))


@login_required
def inquiry_list(request: HttpRequest) -> HttpResponse:
    if not has_permission(request.user, inquiry.PERMISSION):
        raise PermissionDenied
    rows = inquiry.visible_to(request.user)
    which = request.GET.get("show", "open")
    if which == "overdue":
        rows = inquiry.overdue(request.user)
    elif which == "open":
        rows = rows.filter(status="open")
    return render(
        request,
        "holders/inquiry_staff_list.html",
        {
            "rows": rows[:500],
            "show": which,
            "today": timezone.localdate(),
            "overdue_count": inquiry.overdue(request.user).count(),
        },
    )


@login_required
def inquiry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inq = get_object_or_404(inquiry.visible_to(request.user), pk=pk)
    found = inquiry.candidates(inq, request.user)
    if request.method == "POST":
        cert_pk = request.POST.get("certificate") or ""
        cert = found.filter(pk=cert_pk).first() if cert_pk.isdigit() else None
        try:
            inquiry.answer_inquiry(
                inq, actor=request.user, answer=request.POST.get("answer", ""), certificate=cert
            )
        except SkillcertError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("Answer recorded; the holder can read it with the reference number."))
        return redirect("holders-staff:inquiry", pk=inq.pk)
    return render(
        request,
        "holders/inquiry_staff_detail.html",
        {"inquiry": inq, "candidates": found[:50], "today": timezone.localdate()},
    )


@login_required
def correction_list(request: HttpRequest) -> HttpResponse:
    if not has_permission(request.user, corrections.PERMISSION):
        raise PermissionDenied
    rows = corrections.visible_to(request.user)
    which = request.GET.get("show", "submitted")
    if which == "submitted":
        rows = rows.filter(status="submitted")
    return render(request, "holders/inquiry_correction_list.html", {"rows": rows[:500], "show": which})


@login_required
def correction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(corrections.visible_to(request.user), pk=pk)
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "forward":
                corrections.forward(req, actor=request.user)
                messages.success(
                    request, _("Forwarded: a centre above the station re-reviews the correction.")
                )
            else:
                corrections.reject(req, actor=request.user, comment=request.POST.get("comment", ""))
                messages.success(request, _("Request rejected."))
        except SkillcertError as exc:
            _flash(request, exc)
        return redirect("holders-staff:correction", pk=req.pk)
    evidence: list[tuple[Any, bool]] = [(e, corrections.evidence_intact(e)) for e in req.evidence.all()]
    return render(
        request,
        "holders/inquiry_correction_detail.html",
        {
            "req": req,
            "changes": corrections.masked(req),
            "evidence": evidence,
            "outcome": corrections.outcome(req),
        },
    )


@login_required
def correction_evidence(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    req = get_object_or_404(corrections.visible_to(request.user), pk=pk)
    return corrections.evidence_response(get_object_or_404(req.evidence, pk=evidence_pk))


@login_required
def reissue_list(request: HttpRequest) -> HttpResponse:
    """R2.4: holders' online reissue requests, pending first by default; scoped (X1)."""
    if not has_permission(request.user, services.REISSUE_PERMISSION):
        raise PermissionDenied
    rows = services.reissue_requests_visible_to(request.user)
    which = request.GET.get("show", "requested")
    if which in ("requested", "approved", "rejected"):
        rows = rows.filter(status=which)
    elif which == "decided":
        rows = rows.exclude(status="requested")
    else:
        which = "all"
    return render(request, "holders/reissue_staff_list.html", {"rows": rows[:500], "show": which})


@login_required
def reissue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One request with the certificate (ID number masked, X7); approval reissues through the lifecycle
    (补发, same number), rejection needs a comment; a decided request is read-only."""
    req = get_object_or_404(services.reissue_requests_visible_to(request.user), pk=pk)
    if request.method == "POST":
        approve = request.POST.get("decision") == "approve"
        try:
            services.decide_reissue(
                req, actor=request.user, approve=approve, comment=request.POST.get("comment", "")
            )
        except SkillcertError as exc:
            _flash(request, exc)
        else:
            done = _("Reissue approved: the certificate was reissued under the same number.")
            messages.success(request, done if approve else _("Request rejected."))
        return redirect("holders-staff:reissue", pk=req.pk)
    return render(request, "holders/reissue_staff_detail.html", {"req": req, "cert": req.certificate})
