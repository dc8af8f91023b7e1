"""Session plans (R4.4): list, create, the session page every session step answers with, submission to
the responsible centre and its review; and the roster and score imports' handling (X6), which show
their outcome on that page."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from skillcert.appraisal import forms as f
from skillcert.appraisal.choices import PaperStatus, ReviewStatus
from skillcert.appraisal.filters import SESSION_COLUMNS, SessionFilter
from skillcert.appraisal.models import AppraisalSession, PaperDraw, PaperSet, SessionReport
from skillcert.appraisal.services import enrolment as enrolment_services
from skillcert.appraisal.services import papers, scores, sessions
from skillcert.appraisal.services.common import results_submitted
from skillcert.appraisal.services.enrolment import ImportReport
from skillcert.appraisal.views.common import (
    CreatableListView,
    attempt,
    attempt_on_form,
    back,
    create_rows,
    need,
    need_reviewer,
    review,
    reviews,
    scoped_session,
)
from skillcert.core import csp
from skillcert.core.errors import FieldError, SkillcertError, ValidationFailed
from skillcert.core.uploads import form_status
from skillcert.orgs.scoping import has_permission

DEFAULT_CARD_BRIDGE_URL = "http://127.0.0.1:19196/readcard"
MAX_ERROR_ROWS = 1000


class SessionListView(CreatableListView):
    filterset_class = SessionFilter
    columns = SESSION_COLUMNS
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


@login_required
def session_create(request: HttpRequest) -> HttpResponse:
    """R4.4: a station drafts a session plan: site, dates, expected candidates, occupations and levels."""
    need(request, "appraisal.plan")
    form = f.SessionForm(request.POST or None, user=request.user)
    occupations, rows = create_rows(request, "subjects", f.SUBJECT_FIELDS)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        session = attempt_on_form(
            form,
            lambda: sessions.create_session(
                data["station"],
                actor=request.user,
                site=data["site"],
                exam_start=data["exam_start"],
                exam_end=data["exam_end"],
                expected_candidates=data["expected_candidates"],
                subjects=f.session_subjects(rows),
            ),
            {"organisation": "station"},
            rows=rows,
            list_name="subjects",
        )
        if session is not None:
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


def _score_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f")


def session_page(request: HttpRequest, session: AppraisalSession, **overrides: Any) -> HttpResponse:
    """The session page: plan and review, subjects with their paper draws, enrolment, scores, report.
    `overrides` carry a refused POST's forms and results back to it."""
    user = request.user
    station = session.organisation
    report = (
        SessionReport.objects.filter(session=session).select_related("submitted_by", "reviewed_by").first()
    )
    approved = session.status == ReviewStatus.APPROVED
    results_open = approved and not results_submitted(session)
    reviewer = reviews(user, station)
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
    bridge_url = getattr(settings, "SKILLCERT_CARD_BRIDGE_URL", "") or DEFAULT_CARD_BRIDGE_URL
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
        and timezone.localdate() >= session.exam_start  # reports.submit_report refuses earlier
        and has_permission(user, "appraisal.score", station)
        and (report is None or report.status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED)),
        "can_review_report": reviewer and report is not None and report.status == ReviewStatus.SUBMITTED,
        "can_issue": report is not None
        and report.status == ReviewStatus.APPROVED
        and has_permission(user, "certificates.issue", station),
        "subject_rows": subject_rows,
        "score_rows": score_rows,
        "any_comprehensive": any(s.needs_comprehensive for s in subjects),
        "bridge_url": bridge_url,
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
    response = render(request, "appraisal/session_detail.html", context, status=overrides.get("status", 200))
    # The card reader's page asks the vendor's bridge on the clerk's machine (R0.4): the one other origin
    # its script may fetch from (Content-Security-Policy connect-src, issue 13 item 7).
    bridge = csp.origin(bridge_url) if can_enrol else ""
    return csp.allow(response, {"connect-src": [bridge]}) if bridge else response


@login_required
@require_safe
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return session_page(request, scoped_session(request, pk))


@login_required
@require_POST
def session_submit(request: HttpRequest, pk: int) -> HttpResponse:
    session = scoped_session(request, pk, "appraisal.plan")
    if attempt(request, lambda: sessions.submit_session(session, actor=request.user)) is not None:
        messages.success(request, _("Session plan submitted to the responsible centre."))
    return back(session)


@login_required
@require_POST
def session_review(request: HttpRequest, pk: int) -> HttpResponse:
    session = scoped_session(request, pk)
    need_reviewer(request, session.organisation)
    form = f.ReviewForm(request.POST)
    approved, returned = _("Session plan approved."), _("Session plan returned.")
    if review(request, form, sessions.review_session, session, approved, returned):
        return back(session)
    return session_page(request, session, review_form=form)


# --- imports (X6) ---------------------------------------------------------------------------------


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


def import_file(
    request: HttpRequest,
    session: AppraisalSession,
    form: f.FileUploadForm,
    importer: Callable[[bytes, str], ImportReport],
    panel: str,
    anchor: str,
) -> HttpResponse:
    """An uploaded table through `importer(content, name)`, then back to the session page at `anchor`.
    A table with errors is rejected whole (the service raises ValidationFailed) or, if the importer took
    the valid rows, reported; either way the session page opens `panel` with the form as
    `<panel>_form` and the rows' errors as `<panel>_result`."""
    result = None
    status = 200
    if form.is_valid():
        try:
            content, name = form.content()
            report = importer(content, name)
        except ValidationFailed as exc:
            result = _import_result(exc, rejected=True)
            if exc.code != "appraisal.import.rejected":
                status = exc.status  # the file itself was refused (type, limits: core.tabular), not rows
        except SkillcertError as exc:
            f.apply_errors(form, exc)
            status = exc.status
        else:
            if not report.errors:
                messages.success(
                    request,
                    _("Imported %(imported)s of %(total)s rows.")
                    % {"imported": report.imported, "total": report.total},
                )
                return back(session, anchor)
            result = _import_result(report, rejected=False, imported=report.imported, total=report.total)
    return session_page(
        request,
        session,
        **{f"{panel}_form": form, f"{panel}_result": result},
        open_panel=panel,
        status=form_status(form, status),
    )
