"""Back-office report pages, mounted at /manage/reports/ (namespace "reports"). They parse input and
call the services; every lookup is scoped (X1): an organisation or a submission outside the user's
subtree answers 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from skillcert.core import csp
from skillcert.core.errors import SkillcertError
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission, org_filter
from skillcert.reports import periods
from skillcert.reports.documents_pdf import render_report_pdf
from skillcert.reports.documents_xlsx import render_report_xlsx
from skillcert.reports.models import ReportSubmission
from skillcert.reports.services import deadlines as deadline_service
from skillcert.reports.services.build import build_report
from skillcert.reports.services.common import UNIT_KINDS, owed_kinds, require_view
from skillcert.reports.services.submit import record_download, submit_report

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def message(exc: SkillcertError) -> str:
    return exc.message_en if (get_language() or "").startswith("en") else exc.message_zh


def visible_orgs(user: Any) -> Any:
    return Organisation.objects.filter(
        org_filter(user, None, "reports.view"), kind__in=UNIT_KINDS, active=True
    )


def scoped_org(request: HttpRequest, pk: int) -> Organisation:
    org = get_object_or_404(Organisation.objects.select_related("parent"), pk=pk)
    try:
        require_view(request.user, org)
    except SkillcertError as exc:
        raise Http404 from exc
    return org


def parse_period(code: str) -> periods.Period:
    try:
        return periods.parse(code)
    except periods.PeriodError as exc:
        raise Http404 from exc


def file_response(content: bytes, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf" if fmt == "pdf" else XLSX)
    response["Content-Disposition"] = content_disposition_header(fmt != "pdf", filename) or "attachment"
    response["Cache-Control"] = "private, no-store"
    return response


def _default_org(user: Any) -> Organisation | None:
    return visible_orgs(user).order_by("depth", "path").first()


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    if not has_permission(request.user, "reports.view"):
        raise Http404
    orgs = list(visible_orgs(request.user).order_by("path"))
    today = timezone.localdate()
    org_id = request.GET.get("organisation")
    code = request.GET.get("period", "").strip()
    if org_id and code:
        try:
            period = periods.parse(code)
        except periods.PeriodError:
            messages.error(request, _("Not a period code: use e.g. 2026Q1, 2026Y, 2026H1 or 2026A."))
        else:
            return redirect("reports:report", pk=int(org_id) if org_id.isdigit() else 0, period=period.code)
    submissions = (
        ReportSubmission.objects.visible_to(request.user)
        .select_related("organisation", "submitted_by")
        .defer("pdf", "xlsx", "content")[:30]
    )
    return render(
        request,
        "reports/index.html",
        {
            "orgs": orgs,
            "suggested": [periods.last_closed(k, today) for k in periods.KINDS],
            "submissions": submissions,
        },
    )


@login_required
@require_safe
def report(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    """The live report of an organisation and period on screen, its submitted versions and the submit
    form (R1.1, R4.6)."""
    org = scoped_org(request, pk)
    p = parse_period(period)
    content = build_report(org, p, actor=request.user)
    versions = (
        ReportSubmission.objects.filter(
            organisation=org, period_kind=p.kind, period_year=p.year, period_number=p.number
        )
        .select_related("submitted_by")
        .defer("pdf", "xlsx", "content")
        .order_by("-version")
    )
    can_submit = has_permission(request.user, "reports.submit", org) and p.kind in owed_kinds(org)
    return render(
        request,
        "reports/report.html",
        {
            "org": org,
            "period": p,
            "content": content,
            "versions": versions,
            "can_submit": can_submit,
            "ended": p.end < timezone.localdate(),
            "live": True,
        },
    )


@login_required
@require_safe
def report_file(request: HttpRequest, pk: int, period: str, fmt: str) -> HttpResponse:
    org = scoped_org(request, pk)
    p = parse_period(period)
    content = build_report(org, p, actor=request.user)
    stamp = f"预览（未报送） {timezone.localdate():%Y-%m-%d}"
    data = (
        render_report_pdf(content, stamp=stamp) if fmt == "pdf" else render_report_xlsx(content, stamp=stamp)
    )
    return file_response(data, fmt, f"{org.code}_{p.code}_统计报表_预览.{fmt}")


@login_required
@require_POST
def submit(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    org = scoped_org(request, pk)
    p = parse_period(period)
    try:
        submission = submit_report(org, p, actor=request.user, note=request.POST.get("note", ""))
    except SkillcertError as exc:
        messages.error(request, message(exc))
        return redirect("reports:report", pk=org.pk, period=p.code)
    messages.success(request, _("Report submitted as version %(version)s.") % {"version": submission.version})
    return redirect("reports:submission", pk=submission.pk)


def _scoped_submission(request: HttpRequest, pk: int) -> ReportSubmission:
    return get_object_or_404(
        ReportSubmission.objects.visible_to(request.user).select_related("organisation", "submitted_by"),
        pk=pk,
    )


@login_required
@require_safe
def submission(request: HttpRequest, pk: int) -> HttpResponse:
    """A submitted version, shown from its frozen content."""
    sub = _scoped_submission(request, pk)
    return render(
        request,
        "reports/report.html",
        {
            "org": sub.organisation,
            "period": sub.period,
            "content": sub.content,
            "submission": sub,
            "live": False,
        },
    )


@login_required
@require_safe
def submission_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    sub = _scoped_submission(request, pk)
    record_download(sub, fmt, actor=request.user)
    data = bytes(sub.pdf if fmt == "pdf" else sub.xlsx)
    return file_response(
        data, fmt, f"{sub.organisation.code}_{sub.period.code}_统计报表_v{sub.version}.{fmt}"
    )


@login_required
@require_safe
def deadlines(request: HttpRequest) -> HttpResponse:
    """What is due, from whom, what is in and what is late (R1.1, R4.6)."""
    if not has_permission(request.user, "reports.view"):
        raise Http404
    today = timezone.localdate()
    kind = request.GET.get("kind", periods.QUARTER)
    if kind not in periods.KINDS:
        kind = periods.QUARTER
    try:
        year = int(request.GET.get("year", "") or periods.period_of(kind, today).year)
        periods.Period(kind, year, 1 if kind in (periods.QUARTER, periods.HALF) else 0)
    except (ValueError, periods.PeriodError):
        year = periods.period_of(kind, today).year
    items = deadline_service.obligations(request.user, kind, year, today=today)
    return render(
        request,
        "reports/deadlines.html",
        {
            "kind": kind,
            "year": year,
            "kinds": [(k, periods.KIND_LABELS_ZH[k], periods.KIND_LABELS_EN[k]) for k in periods.KINDS],
            "items": items,
            "summary": deadline_service.summary(items),
            "today": today,
        },
    )


@login_required
@require_safe
# ECharts writes its tooltips as HTML with style attributes (style-src-attr; issue 13 item 7).
@csp.allowing({"style-src-attr": ["'unsafe-inline'"]})
def dashboard(request: HttpRequest) -> HttpResponse:
    """Charts (ECharts, vendored) fed by the dashboard API of the chosen organisation."""
    if not has_permission(request.user, "reports.view"):
        raise Http404
    org_id = request.GET.get("organisation", "")
    org = scoped_org(request, int(org_id)) if org_id.isdigit() else _default_org(request.user)
    if org is None:
        raise Http404
    return render(
        request,
        "reports/dashboard.html",
        {
            "org": org,
            "orgs": visible_orgs(request.user).order_by("path"),
            "api_url": reverse("api-report-dashboard") + f"?organisation={org.pk}",
        },
    )
