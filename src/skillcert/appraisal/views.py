"""Back-office pages for appraisal: annual plans (R4.1), session plans, paper sets and draws (R4.4),
enrolment by ID-card reader, manual entry or roster (R0.3, R0.4, X6), scores, and the after-session
report with its forms (R4.5).

Thin views (design.md rule 1): they parse input, call the services and show the services' bilingual
errors next to the form or field they name. Every object is fetched through `visible_to(user)` (X1), so
anything outside the user's scope answers 404; missing permissions answer 403.
"""

from __future__ import annotations

import importlib
import io
import json
import mimetypes
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from skillcert.appraisal import forms as f
from skillcert.appraisal.choices import PaperStatus, ReviewStatus
from skillcert.appraisal.filters import (
    PAPER_COLUMNS,
    PLAN_COLUMNS,
    SESSION_COLUMNS,
    AnnualPlanFilter,
    PaperSetFilter,
    SessionFilter,
)
from skillcert.appraisal.models import (
    AnnualPlan,
    AppraisalSession,
    Enrolment,
    PaperDraw,
    PaperSet,
    SessionReport,
    SessionSubject,
)
from skillcert.appraisal.services import enrolment as enrolment_services
from skillcert.appraisal.services import papers, plans, reports, scores, sessions
from skillcert.appraisal.services.common import results_submitted
from skillcert.backoffice.listing import FilteredListView
from skillcert.catalog.models import Level
from skillcert.core.errors import FieldError, NotFound, SkillcertError, ValidationFailed
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission
from skillcert.people.models import Person, Photo

DEFAULT_CARD_BRIDGE_URL = "http://127.0.0.1:19196/readcard"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CARD_JSON_BYTES = 512 * 1024
MAX_ERROR_ROWS = 1000


def _need(request: HttpRequest, permission: str, org: Organisation | None = None) -> None:
    if not has_permission(request.user, permission, org):
        raise PermissionDenied


def _reviews(user: Any, org: Organisation) -> bool:
    """Whether the user reviews for the centre above `org` (the service has the last word)."""
    return org.parent is not None and has_permission(user, "appraisal.review", org.parent)


def _need_reviewer(request: HttpRequest, org: Organisation) -> None:
    if not _reviews(request.user, org):
        raise PermissionDenied


def _error_message(request: HttpRequest, exc: SkillcertError) -> None:
    messages.error(request, f.bilingual(exc))


# --- annual plans (R4.1) --------------------------------------------------------------------------


class PlanListView(FilteredListView):
    filterset_class = AnnualPlanFilter
    columns = PLAN_COLUMNS
    permission = "appraisal.view"
    export_name = "annual-plans"
    title = gettext_lazy("Annual plans")
    row_link = "appraisal:plan"
    template_name = "appraisal/plan_list.html"

    def base_queryset(self) -> Any:
        return (
            AnnualPlan.objects.visible_to(self.request.user)
            .select_related("organisation")
            .annotate(line_count=Count("lines"), planned_total=Sum("lines__planned_count"))
            .order_by("-year", "organisation__path")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_create"] = has_permission(self.request.user, "appraisal.plan")
        return context


class _Errors(forms.Form):
    """A form without fields, carrying the errors of a row set's submission."""


@login_required
def plan_create(request: HttpRequest) -> HttpResponse:
    _need(request, "appraisal.plan")
    form = f.PlanForm(request.POST or None, user=request.user)
    occupations = f.occupation_options()
    rows = f.RowSet(
        "lines",
        f.PLAN_LINE_FIELDS,
        data=request.POST if request.method == "POST" else None,
        names=dict(occupations),
    )
    existing = None
    if request.method == "POST" and form.is_valid():
        org, year = form.cleaned_data["organisation"], form.cleaned_data["year"]
        existing = AnnualPlan.objects.visible_to(request.user).filter(organisation=org, year=year).first()
        if existing is not None:
            # Saving would replace that plan's lines: send the user to it instead.
            form.add_error("year", _("This organisation already has a plan for that year."))
        else:
            try:
                plan = plans.save_annual_plan(org, year, f.plan_lines(rows), actor=request.user)
            except SkillcertError as exc:
                f.apply_errors(form, exc, rows=rows, list_name="lines")
            else:
                messages.success(request, _("Annual plan saved. Submit it when it is complete."))
                return redirect("appraisal:plan", pk=plan.pk)
    return render(
        request,
        "appraisal/plan_form.html",
        {
            "form": form,
            "rows": rows,
            "existing": existing,
            "occupations": occupations,
            "levels": f.level_choices(),
        },
    )


def _plan_page(
    request: HttpRequest,
    plan: AnnualPlan,
    *,
    rows: f.RowSet | None = None,
    lines_form: forms.Form | None = None,
    review_form: f.ReviewForm | None = None,
) -> HttpResponse:
    user = request.user
    lines = list(plan.lines.select_related("occupation", "level"))
    editable = plan.status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED) and has_permission(
        user, "appraisal.plan", plan.organisation
    )
    occupations = f.occupation_options() if editable else []
    if rows is None and editable:
        rows = f.RowSet(
            "lines",
            f.PLAN_LINE_FIELDS,
            initial=[
                {"occupation": x.occupation.code, "level": x.level_id, "planned_count": x.planned_count}
                for x in lines
            ],
            names=dict(occupations),
        )
    return render(
        request,
        "appraisal/plan_detail.html",
        {
            "plan": plan,
            "lines": lines,
            "total": sum(x.planned_count for x in lines),
            "late": plan.is_late(),
            "editable": editable,
            "rows": rows,
            "lines_form": lines_form,
            "can_submit": editable and bool(lines),
            "can_review": plan.status == ReviewStatus.SUBMITTED and _reviews(user, plan.organisation),
            "review_form": review_form or f.ReviewForm(),
            "occupations": occupations,
            "levels": f.level_choices(),
        },
    )


def _scoped_plan(request: HttpRequest, pk: int) -> AnnualPlan:
    return get_object_or_404(
        AnnualPlan.objects.visible_to(request.user).select_related(
            "organisation__parent", "submitted_by", "reviewed_by"
        ),
        pk=pk,
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """R4.1: the plan's lines, replaced as a whole by the form (the service validates every line)."""
    plan = _scoped_plan(request, pk)
    if request.method != "POST":
        return _plan_page(request, plan)
    _need(request, "appraisal.plan", plan.organisation)
    rows = f.RowSet("lines", f.PLAN_LINE_FIELDS, data=request.POST, names=dict(f.occupation_options()))
    errors = _Errors({})
    try:
        plans.save_annual_plan(plan.organisation, plan.year, f.plan_lines(rows), actor=request.user)
    except SkillcertError as exc:
        f.apply_errors(errors, exc, rows=rows, list_name="lines")
        return _plan_page(request, plan, rows=rows, lines_form=errors)
    messages.success(request, _("Annual plan saved. Submit it when it is complete."))
    return redirect("appraisal:plan", pk=plan.pk)


@login_required
@require_POST
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _scoped_plan(request, pk)
    _need(request, "appraisal.plan", plan.organisation)
    try:
        plan = plans.submit_annual_plan(plan, actor=request.user)
    except SkillcertError as exc:
        _error_message(request, exc)
    else:
        if plan.is_late():
            messages.warning(
                request, _("Plan submitted after the due date (28 February): it is marked late.")
            )
        else:
            messages.success(request, _("Plan submitted for review."))
    return redirect("appraisal:plan", pk=plan.pk)


@login_required
@require_POST
def plan_review(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _scoped_plan(request, pk)
    _need_reviewer(request, plan.organisation)
    form = f.ReviewForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            plans.review_annual_plan(
                plan, actor=request.user, approve=approve, comment=form.cleaned_data["comment"]
            )
        except SkillcertError as exc:
            f.apply_errors(form, exc, {"review_comment": "comment"})
        else:
            messages.success(request, _("Plan approved.") if approve else _("Plan returned."))
            return redirect("appraisal:plan", pk=plan.pk)
    return _plan_page(request, plan, review_form=form)


# --- sessions (R4.4) ------------------------------------------------------------------------------


class SessionListView(FilteredListView):
    filterset_class = SessionFilter
    columns = SESSION_COLUMNS
    permission = "appraisal.view"
    export_name = "appraisal-sessions"
    title = gettext_lazy("Appraisal sessions")
    row_link = "appraisal:session"
    template_name = "appraisal/session_list.html"

    def base_queryset(self) -> Any:
        return (
            AppraisalSession.objects.visible_to(self.request.user)
            .select_related("organisation")
            .annotate(enrolled=Count("enrolments"))
            .order_by("-exam_start", "-id")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_create"] = has_permission(self.request.user, "appraisal.plan")
        return context


@login_required
def session_create(request: HttpRequest) -> HttpResponse:
    """R4.4: a station drafts a session plan: site, dates, expected candidates, occupations and levels."""
    _need(request, "appraisal.plan")
    form = f.SessionForm(request.POST or None, user=request.user)
    occupations = f.occupation_options()
    rows = f.RowSet(
        "subjects",
        f.SUBJECT_FIELDS,
        data=request.POST if request.method == "POST" else None,
        names=dict(occupations),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = sessions.create_session(
                data["station"],
                actor=request.user,
                site=data["site"],
                exam_start=data["exam_start"],
                exam_end=data["exam_end"],
                expected_candidates=data["expected_candidates"],
                subjects=f.session_subjects(rows),
            )
        except SkillcertError as exc:
            f.apply_errors(form, exc, {"organisation": "station"}, rows=rows, list_name="subjects")
        else:
            messages.success(
                request,
                _("Session plan %(code)s saved as a draft. Submit it to the centre when ready.")
                % {"code": session.code},
            )
            return redirect("appraisal:session", pk=session.pk)
    return render(
        request,
        "appraisal/session_form.html",
        {"form": form, "rows": rows, "occupations": occupations, "levels": f.level_choices()},
    )


def _scoped_session(request: HttpRequest, pk: int) -> AppraisalSession:
    return get_object_or_404(
        AppraisalSession.objects.visible_to(request.user).select_related(
            "organisation__parent", "responsible_centre", "submitted_by", "reviewed_by"
        ),
        pk=pk,
    )


def _scoped_subject(session: AppraisalSession, sid: int) -> SessionSubject:
    return get_object_or_404(session.subjects.select_related("occupation", "level"), pk=sid)


def _score_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f")


def _field_label(key: str) -> str:
    names = enrolment_services.ROSTER_COLUMNS.get(key) or scores.SCORE_COLUMNS.get(key)
    return f"{names[0]} ({key})" if names else key


def _import_result(
    exc_or_report: Any, *, rejected: bool, imported: int = 0, total: int = 0
) -> dict[str, Any]:
    errors: list[FieldError] = list(exc_or_report.errors)
    return {
        "rejected": rejected,
        "message": f.bilingual(exc_or_report) if rejected else "",
        "imported": imported,
        "total": total,
        "rows": len({e.record for e in errors}),
        "errors": [
            {"record": e.record or "", "field": _field_label(e.field), "zh": e.message_zh, "en": e.message_en}
            for e in errors[:MAX_ERROR_ROWS]
        ],
        "more": max(0, len(errors) - MAX_ERROR_ROWS),
    }


def _session_page(request: HttpRequest, session: AppraisalSession, **overrides: Any) -> HttpResponse:
    """The session page: plan and review, subjects with their paper draws, enrolment, scores, report."""
    user = request.user
    station = session.organisation
    report = (
        SessionReport.objects.filter(session=session).select_related("submitted_by", "reviewed_by").first()
    )
    approved = session.status == ReviewStatus.APPROVED
    results_open = approved and not results_submitted(session)
    reviewer = _reviews(user, station)
    can_plan = has_permission(user, "appraisal.plan", station)
    can_enrol = results_open and has_permission(user, "appraisal.enrol", station)
    can_score = results_open and has_permission(user, "appraisal.score", station)

    subjects = list(session.subjects.select_related("occupation", "level"))
    draws = {
        d.subject_id: d
        for d in PaperDraw.objects.filter(subject__session=session).select_related(
            "paper_set", "subject__session__organisation__parent"
        )
    }
    audited = {
        (row["occupation_id"], row["level_id"]): row["n"]
        for row in PaperSet.objects.filter(organisation=station, status=PaperStatus.AUDITED)
        .values("occupation_id", "level_id")
        .annotate(n=Count("id"))
    }
    enrolled = {
        row["subject_id"]: row["n"]
        for row in session.enrolments.order_by().values("subject_id").annotate(n=Count("id"))
    }
    can_draw = approved and reviewer and has_permission(user, "appraisal.draw", station)
    subject_rows = []
    for s in subjects:
        draw = draws.get(s.pk)
        # Until the exam date the station sees only that a draw happened: label and seed would tell it
        # which of its own sets was drawn.
        visible = draw is not None and papers.can_fetch_drawn_paper(user, draw)
        subject_rows.append(
            {
                "subject": s,
                "draw": draw,
                "draw_visible": visible,
                "verified": papers.verify_draw(draw) if visible and draw is not None else None,
                "audited": audited.get((s.occupation_id, s.level_id), 0),
                "enrolled": enrolled.get(s.pk, 0),
                "can_draw": can_draw and draw is None and not s.national_bank,
            }
        )

    enrolments = list(
        session.enrolments.select_related("person", "subject__occupation", "subject__level").order_by("id")
    )
    posted: dict[int, dict[str, Any]] = overrides.get("score_rows") or {}
    score_rows = []
    for e in enrolments:
        row = posted.get(e.pk) or {
            "theory": _score_text(e.theory),
            "practical": _score_text(e.practical),
            "comprehensive": _score_text(e.comprehensive),
            "absent": e.absent,
            "errors": [],
        }
        score_rows.append({"e": e, "photo": e.photo_id or e.person.photo_id, **row})

    subject_param = request.GET.get("subject", "")
    context = {
        "session": session,
        "station": station,
        "report": report,
        "approved": approved,
        "results_open": results_open,
        "can_submit": can_plan and session.status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED),
        "can_review": reviewer and session.status == ReviewStatus.SUBMITTED,
        "can_enrol": can_enrol,
        "can_score": can_score,
        "can_report": approved
        and has_permission(user, "appraisal.score", station)
        and (report is None or report.status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED)),
        "can_review_report": reviewer and report is not None and report.status == ReviewStatus.SUBMITTED,
        "subject_rows": subject_rows,
        "score_rows": score_rows,
        "any_comprehensive": any(s.needs_comprehensive for s in subjects),
        "bridge_url": getattr(settings, "SKILLCERT_CARD_BRIDGE_URL", "") or DEFAULT_CARD_BRIDGE_URL,
        "subject_choices": f.subject_choices(session),
        "subject_param": subject_param,
        "manual_form": overrides.get("manual_form")
        or f.ManualEnrolForm(session=session, initial_subject=subject_param),
        "import_form": overrides.get("import_form") or f.RosterImportForm(),
        "import_result": overrides.get("import_result"),
        "score_form_errors": overrides.get("score_form_errors", []),
        "score_import_form": overrides.get("score_import_form") or f.FileUploadForm(),
        "score_import_result": overrides.get("score_import_result"),
        "report_form": overrides.get("report_form")
        or f.ReportForm(initial={"examiners": report.examiners, "notes": report.notes} if report else None),
        "review_form": overrides.get("review_form") or f.ReviewForm(),
        "report_review_form": overrides.get("report_review_form") or f.ReviewForm(),
        "open_panel": overrides.get("open_panel", ""),
        "roster_columns": [names[0] for names in enrolment_services.ROSTER_COLUMNS.values()],
        "min_sets": papers.MIN_PAPER_SETS,
    }
    return render(request, "appraisal/session_detail.html", context)


@login_required
@require_safe
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _session_page(request, _scoped_session(request, pk))


def _back(session: AppraisalSession, anchor: str = "", subject: Any = None) -> HttpResponse:
    url = reverse("appraisal:session", args=[session.pk])
    if subject is not None:
        url += f"?subject={subject.pk}"
    return redirect(url + (f"#{anchor}" if anchor else ""))


@login_required
@require_POST
def session_submit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _scoped_session(request, pk)
    _need(request, "appraisal.plan", session.organisation)
    try:
        sessions.submit_session(session, actor=request.user)
    except SkillcertError as exc:
        _error_message(request, exc)
    else:
        messages.success(request, _("Session plan submitted to the responsible centre."))
    return _back(session)


@login_required
@require_POST
def session_review(request: HttpRequest, pk: int) -> HttpResponse:
    session = _scoped_session(request, pk)
    _need_reviewer(request, session.organisation)
    form = f.ReviewForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            sessions.review_session(
                session, actor=request.user, approve=approve, comment=form.cleaned_data["comment"]
            )
        except SkillcertError as exc:
            f.apply_errors(form, exc, {"review_comment": "comment"})
        else:
            messages.success(request, _("Session plan approved.") if approve else _("Session plan returned."))
            return _back(session)
    return _session_page(request, session, review_form=form)


@login_required
@require_POST
def draw(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    """R4.4: a reviewer draws one audited paper set; the seed is recorded for re-verification."""
    session = _scoped_session(request, pk)
    subject = _scoped_subject(session, sid)
    _need_reviewer(request, session.organisation)
    _need(request, "appraisal.draw", session.organisation)
    try:
        result = papers.draw_paper(subject, actor=request.user)
    except SkillcertError as exc:
        _error_message(request, exc)
    else:
        messages.success(
            request,
            _("Drawn for %(subject)s: set %(label)s.")
            % {"subject": subject, "label": result.paper_set.label},
        )
    return _back(session, "subjects")


def _attachment(content: bytes, content_type: str, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename) or "attachment"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def drawn_paper(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    """The drawn paper: for the centres above at any time, for the station from the exam date; anyone
    else gets the same 404 as for a paper that does not exist (R4.4, X1)."""
    session = _scoped_session(request, pk)
    subject = _scoped_subject(session, sid)
    draw_ = get_object_or_404(
        PaperDraw.objects.select_related("paper_set", "subject__session__organisation__parent"),
        subject=subject,
    )
    try:
        paper, content = papers.fetch_drawn_paper(request.user, draw_)
    except (NotFound, FileNotFoundError) as exc:
        raise Http404 from exc
    content_type = mimetypes.guess_type(paper.file_name)[0] or "application/octet-stream"
    return _attachment(content, content_type, f"{session.code}_{paper.file_name}")


# --- enrolment (R0.3, R0.4, X6) --------------------------------------------------------------------


def _problem(exc: SkillcertError) -> JsonResponse:
    return JsonResponse(exc.as_problem(), status=exc.status, content_type="application/problem+json")


@login_required
@require_POST
def enrol_card(request: HttpRequest, pk: int) -> JsonResponse:
    """R0.4: the browser read the ID card through the vendor's local bridge and posts
    `{"subject": <id>, "card": <the bridge's /readcard JSON>}`; answers JSON (problem JSON on error)."""
    session = _scoped_session(request, pk)
    _need(request, "appraisal.enrol", session.organisation)
    try:
        if len(request.body) > MAX_CARD_JSON_BYTES:
            raise ValueError("too large")
        body = json.loads(request.body)
        if not isinstance(body, dict) or not isinstance(body.get("card"), dict):
            raise ValueError("not an object")
    except ValueError:
        return _problem(
            ValidationFailed.of(
                [
                    FieldError(
                        "card",
                        "appraisal.card.json",
                        "读卡数据不是有效的JSON对象",
                        "The card data is not a valid JSON object",
                    )
                ]
            )
        )
    subject_id = str(body.get("subject", ""))
    chosen = (
        session.subjects.select_related("occupation", "level").filter(pk=int(subject_id)).first()
        if subject_id.isdigit() and len(subject_id) < 19
        else None
    )
    if chosen is None:
        return _problem(
            ValidationFailed.of(
                [
                    FieldError(
                        "subject",
                        "appraisal.enrolment.subject",
                        "请选择本场次的职业和等级",
                        "Choose an occupation and level of this session",
                    )
                ]
            )
        )
    try:
        enrolment = enrolment_services.enrol_from_card(session, chosen, body["card"], actor=request.user)
    except SkillcertError as exc:
        return _problem(exc)
    person = enrolment.person
    messages.success(
        request,
        _("%(name)s (%(number)s) enrolled.") % {"name": person.name, "number": person.document_masked},
    )
    return JsonResponse(
        {
            "enrolment": enrolment.pk,
            "name": person.name,
            "document_masked": person.document_masked,
            "subject": chosen.pk,
            "photo": reverse("appraisal:photo", args=[enrolment.photo_id]) if enrolment.photo_id else None,
        },
        status=201,
    )


@login_required
@require_POST
def enrol_manual(request: HttpRequest, pk: int) -> HttpResponse:
    session = _scoped_session(request, pk)
    _need(request, "appraisal.enrol", session.organisation)
    form = f.ManualEnrolForm(request.POST, request.FILES, session=session)
    if form.is_valid():
        subject = form.chosen_subject()
        try:
            enrolment = enrolment_services.enrol_manual(
                session,
                subject,
                actor=request.user,
                photo_upload=form.photo_bytes(),
                work_unit=form.cleaned_data["work_unit"],
                **form.person_data(),
            )
        except SkillcertError as exc:
            f.apply_errors(form, exc, form.FIELD_MAP)
        else:
            person = enrolment.person
            messages.success(
                request,
                _("%(name)s (%(number)s) enrolled.")
                % {"name": person.name, "number": person.document_masked},
            )
            return _back(session, "enrolments", subject)
    return _session_page(request, session, manual_form=form, open_panel="manual")


@login_required
@require_POST
def enrol_import(request: HttpRequest, pk: int) -> HttpResponse:
    """X6: a roster with errors is rejected whole, unless the user chose to import only the valid rows."""
    session = _scoped_session(request, pk)
    _need(request, "appraisal.enrol", session.organisation)
    form = f.RosterImportForm(request.POST, request.FILES)
    result = None
    if form.is_valid():
        content, name = form.content()
        try:
            report = enrolment_services.import_enrolments(
                session,
                content,
                name,
                actor=request.user,
                accept_valid_rows=form.cleaned_data["accept_valid_rows"],
            )
        except ValidationFailed as exc:
            result = _import_result(exc, rejected=True)
        except SkillcertError as exc:
            f.apply_errors(form, exc)
        else:
            if not report.errors:
                messages.success(
                    request,
                    _("Imported %(imported)s of %(total)s rows.")
                    % {"imported": report.imported, "total": report.total},
                )
                return _back(session, "enrolments")
            result = _import_result(report, rejected=False, imported=report.imported, total=report.total)
    return _session_page(request, session, import_form=form, import_result=result, open_panel="import")


@login_required
@require_safe
def roster_template(request: HttpRequest, pk: int) -> HttpResponse:
    """An empty roster with the headings the import reads, and one example row per subject."""
    from openpyxl import Workbook

    session = _scoped_session(request, pk)
    book = Workbook()
    sheet: Any = book.active
    sheet.title = "名册"
    keys = list(enrolment_services.ROSTER_COLUMNS)
    sheet.append([f"{names[0]} {key}" for key, names in enrolment_services.ROSTER_COLUMNS.items()])
    for s in session.subjects.select_related("occupation"):
        example = {"document_type": "居民身份证", "occupation": s.occupation.code, "level": s.level_id}
        sheet.append([example.get(k, "") for k in keys])
    for column in "ABCDEFGH":
        sheet.column_dimensions[column].width = 18
    out = io.BytesIO()
    book.save(out)
    return _attachment(out.getvalue(), XLSX, f"{session.code}_报名名册模板.xlsx")


# --- scores ---------------------------------------------------------------------------------------


class _ScoresRejected(Exception):
    pass


def _differs(posted: str, stored: Decimal | None) -> bool:
    if not posted.strip():
        return stored is not None
    try:
        return stored is None or Decimal(posted.strip()) != stored
    except InvalidOperation:
        return True  # let the service name the error


@login_required
@require_POST
def score_table(request: HttpRequest, pk: int) -> HttpResponse:
    """Scores as typed in the table: every changed row goes through `scores.record_scores` in one
    transaction; if any row is wrong nothing is saved and each row shows its errors. Results are
    derived by the service, never typed."""
    session = _scoped_session(request, pk)
    _need(request, "appraisal.score", session.organisation)
    enrolments = list(session.enrolments.select_related("person", "subject").order_by("id"))
    rows: dict[int, dict[str, Any]] = {}
    for e in enrolments:
        rows[e.pk] = {
            "theory": request.POST.get(f"theory_{e.pk}", "").strip()[:20],
            "practical": request.POST.get(f"practical_{e.pk}", "").strip()[:20],
            "comprehensive": request.POST.get(f"comprehensive_{e.pk}", "").strip()[:20],
            "absent": bool(request.POST.get(f"absent_{e.pk}")),
            "errors": [],
        }
    changed = [
        e
        for e in enrolments
        if rows[e.pk]["absent"] != e.absent
        or any(
            _differs(rows[e.pk][part], getattr(e, part)) for part in ("theory", "practical", "comprehensive")
        )
    ]
    failed = False
    try:
        with transaction.atomic():
            for e in changed:
                row = rows[e.pk]
                try:
                    scores.record_scores(
                        e,
                        actor=request.user,
                        theory=row["theory"],
                        practical=row["practical"],
                        comprehensive=row["comprehensive"],
                        absent=row["absent"],
                    )
                except ValidationFailed as exc:
                    row["errors"] = [f.bilingual(err) for err in exc.errors] or [f.bilingual(exc)]
                    failed = True
            if failed:
                raise _ScoresRejected
    except _ScoresRejected:
        return _session_page(
            request,
            session,
            score_rows=rows,
            score_form_errors=[_("Nothing was saved: correct the rows marked below.")],
            open_panel="scores",
        )
    except SkillcertError as exc:
        return _session_page(
            request, session, score_rows=rows, score_form_errors=[f.bilingual(exc)], open_panel="scores"
        )
    messages.success(request, _("Scores saved for %(n)s candidates.") % {"n": len(changed)})
    return _back(session, "scores")


@login_required
@require_POST
def score_import(request: HttpRequest, pk: int) -> HttpResponse:
    session = _scoped_session(request, pk)
    _need(request, "appraisal.score", session.organisation)
    form = f.FileUploadForm(request.POST, request.FILES)
    result = None
    if form.is_valid():
        content, name = form.content()
        try:
            report = scores.import_scores(session, content, name, actor=request.user)
        except ValidationFailed as exc:
            result = _import_result(exc, rejected=True)
        except SkillcertError as exc:
            f.apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Imported %(imported)s of %(total)s rows.")
                % {"imported": report.imported, "total": report.total},
            )
            return _back(session, "scores")
    return _session_page(
        request, session, score_import_form=form, score_import_result=result, open_panel="score_import"
    )


# --- after the session (R4.5) ---------------------------------------------------------------------


@login_required
@require_POST
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _scoped_session(request, pk)
    _need(request, "appraisal.score", session.organisation)
    form = f.ReportForm(request.POST)
    if form.is_valid():
        try:
            reports.submit_report(
                session,
                actor=request.user,
                examiners=form.cleaned_data["examiners"],
                notes=form.cleaned_data["notes"],
            )
        except SkillcertError as exc:
            f.apply_errors(form, exc)
        else:
            messages.success(request, _("Results submitted to the responsible centre."))
            return _back(session, "report")
    return _session_page(request, session, report_form=form)


@login_required
@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    session = _scoped_session(request, pk)
    _need_reviewer(request, session.organisation)
    report = get_object_or_404(SessionReport, session=session)
    form = f.ReviewForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            reports.review_report(
                report, actor=request.user, approve=approve, comment=form.cleaned_data["comment"]
            )
        except SkillcertError as exc:
            f.apply_errors(form, exc, {"review_comment": "comment"})
        else:
            messages.success(
                request,
                _("Results approved: the qualified candidates are now eligible for certificates.")
                if approve
                else _("Results returned to the station."),
            )
            return _back(session, "report")
    return _session_page(request, session, report_review_form=form)


# --- forms (附表四/五/六, approval form) -------------------------------------------------------------


def _render_form(kind: str, fmt: str, data: Any) -> bytes:
    """Render with `forms_pdf` / `forms_xlsx`, imported only when a form is asked for."""
    module_name = f"skillcert.appraisal.forms_{fmt}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise Http404("form renderer not installed") from exc
        raise
    content: bytes = getattr(module, f"render_{kind}")(data)
    return content


def _document(content: bytes, fmt: str, filename: str) -> HttpResponse:
    if fmt == "pdf":
        return _attachment(content, "application/pdf", filename, inline=True)
    return _attachment(content, XLSX, filename)


@login_required
@require_safe
def subject_report(request: HttpRequest, pk: int, sid: int, fmt: str) -> HttpResponse:
    """R4.5: the appraisal report (附表四) of one occupation and level."""
    session = _scoped_session(request, pk)
    subject = _scoped_subject(session, sid)
    content = _render_form("appraisal_report", fmt, reports.appraisal_report(subject))
    return _document(
        content, fmt, f"{session.code}_{subject.occupation.code}_{subject.level_id}级_鉴定报告.{fmt}"
    )


@login_required
@require_safe
def subject_roster(request: HttpRequest, pk: int, sid: int, fmt: str) -> HttpResponse:
    """R4.5: the qualified roster (附表六); for 技师/高级技师 it is the approval form."""
    session = _scoped_session(request, pk)
    subject = _scoped_subject(session, sid)
    title = "合格人员审批表" if subject.needs_comprehensive else "合格人员名册"
    content = _render_form("qualified_roster", fmt, reports.qualified_roster(subject))
    return _document(
        content, fmt, f"{session.code}_{subject.occupation.code}_{subject.level_id}级_{title}.{fmt}"
    )


@login_required
@require_safe
def application_form(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """附表五: one candidate's application form."""
    enrolment = get_object_or_404(
        Enrolment.objects.visible_to(request.user).select_related(
            "session__organisation__parent", "session__responsible_centre", "subject__occupation", "person"
        ),
        pk=pk,
    )
    content = _render_form("application_form", fmt, reports.application_form(enrolment))
    return _document(content, fmt, f"{enrolment.session.code}_{enrolment.person.name}_个人申报表.{fmt}")


# --- photos (R0.3) --------------------------------------------------------------------------------


@login_required
@require_safe
def photo(request: HttpRequest, sha256: str) -> HttpResponse:
    """A stored photo, only to a user who can see an enrolment or a person with it (X1); else 404."""
    user = request.user
    if not (
        Enrolment.objects.visible_to(user).filter(photo_id=sha256).exists()
        or Person.objects.visible_to(user).filter(photo_id=sha256).exists()
    ):
        raise Http404
    stored = get_object_or_404(Photo, pk=sha256)
    try:
        content = stored.read()
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = HttpResponse(content, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- paper sets (R4.4) ----------------------------------------------------------------------------


class PaperSetListView(FilteredListView):
    """Paper sets by occupation and level, with upload and audit. Files are never linked here: a station
    gets a paper only as the drawn set of a session, from the exam date."""

    filterset_class = PaperSetFilter
    columns = PAPER_COLUMNS
    permission = "appraisal.view"
    export_name = "paper-sets"
    title = gettext_lazy("Paper sets")
    template_name = "appraisal/paper_list.html"
    upload_form: f.PaperUploadForm | None = None

    def base_queryset(self) -> Any:
        return PaperSet.objects.visible_to(self.request.user).select_related(
            "organisation__parent", "occupation", "level"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = self.upload_form or f.PaperUploadForm(user=user)
        context.update(
            upload_form=form,
            can_upload=has_permission(user, "appraisal.plan")
            and form.fields["organisation"].queryset.exists(),  # type: ignore[attr-defined]
            papers=[
                (p, p.status == PaperStatus.SUBMITTED and _reviews(user, p.organisation))
                for p in context["object_list"]
            ],
            occupations=f.occupation_options(),
            min_sets=papers.MIN_PAPER_SETS,
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _need(request, "appraisal.plan")
        form = f.PaperUploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            content, name = form.content(papers.MAX_PAPER_BYTES)
            try:
                paper = papers.register_paper_set(
                    data["organisation"],
                    data["occupation"],
                    Level.objects.get(number=data["level"]),
                    data["label"],
                    name,
                    content,
                    actor=request.user,
                )
            except SkillcertError as exc:
                f.apply_errors(form, exc)
            else:
                messages.success(request, _("Paper set %(paper)s registered for audit.") % {"paper": paper})
                return redirect("appraisal:papers")
        self.upload_form = form
        return self.get(request, *args, **kwargs)


@login_required
@require_POST
def paper_audit(request: HttpRequest, pk: int) -> HttpResponse:
    paper = get_object_or_404(
        PaperSet.objects.visible_to(request.user).select_related(
            "organisation__parent", "occupation", "level"
        ),
        pk=pk,
    )
    _need_reviewer(request, paper.organisation)
    form = f.ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
    else:
        approve = form.cleaned_data["decision"] == "approve"
        try:
            papers.audit_paper_set(
                paper, actor=request.user, approve=approve, comment=form.cleaned_data["comment"]
            )
        except SkillcertError as exc:
            messages.error(request, f"{paper}: {f.bilingual(exc)}")
        else:
            messages.success(
                request,
                (_("Paper set %(paper)s approved.") if approve else _("Paper set %(paper)s rejected."))
                % {"paper": paper},
            )
    query = QueryDict(request.POST.get("query", "")).urlencode()
    return redirect(reverse("appraisal:papers") + (f"?{query}" if query else ""))
