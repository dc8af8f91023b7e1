"""Scores, typed in the table or imported (X6), and the after-session report with its review (R4.5)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skillcert.appraisal import forms as f
from skillcert.appraisal.models import SessionReport
from skillcert.appraisal.services import reports, scores
from skillcert.appraisal.views.common import attempt_on_form, back, need_reviewer, review, scoped_session
from skillcert.appraisal.views.sessions import import_file, session_page
from skillcert.core.errors import SkillcertError, ValidationFailed
from skillcert.core.uploads import table_max_bytes, upload_limit

SCORE_PARTS = ("theory", "practical", "comprehensive")


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
    session = scoped_session(request, pk, "appraisal.score")
    enrolments = list(session.enrolments.select_related("person", "subject").order_by("id"))
    rows: dict[int, dict[str, Any]] = {}
    for e in enrolments:
        rows[e.pk] = {
            **{part: request.POST.get(f"{part}_{e.pk}", "").strip()[:20] for part in SCORE_PARTS},
            "absent": bool(request.POST.get(f"absent_{e.pk}")),
            "errors": [],
        }
    changed = [
        e
        for e in enrolments
        if rows[e.pk]["absent"] != e.absent
        or any(_differs(rows[e.pk][part], getattr(e, part)) for part in SCORE_PARTS)
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
        errors = [_("Nothing was saved: correct the rows marked below.")]
    except SkillcertError as exc:
        errors = [f.bilingual(exc)]
    else:
        messages.success(request, _("Scores saved for %(n)s candidates.") % {"n": len(changed)})
        return back(session, "scores")
    return session_page(request, session, score_rows=rows, score_form_errors=errors, open_panel="scores")


@login_required
@require_POST
@upload_limit(table_max_bytes)
def score_import(request: HttpRequest, pk: int) -> HttpResponse:
    session = scoped_session(request, pk, "appraisal.score")
    return import_file(
        request,
        session,
        f.FileUploadForm(request.POST, request.FILES),
        lambda content, name: scores.import_scores(session, content, name, actor=request.user),
        panel="score_import",
        anchor="scores",
    )


# --- after the session (R4.5) ---------------------------------------------------------------------


@login_required
@require_POST
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    session = scoped_session(request, pk, "appraisal.score")
    form = f.ReportForm(request.POST)
    if form.is_valid():
        report = attempt_on_form(
            form,
            lambda: reports.submit_report(
                session,
                actor=request.user,
                examiners=form.cleaned_data["examiners"],
                notes=form.cleaned_data["notes"],
            ),
        )
        if report is not None:
            messages.success(request, _("Results submitted to the responsible centre."))
            return back(session, "report")
    return session_page(request, session, report_form=form)


@login_required
@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    session = scoped_session(request, pk)
    need_reviewer(request, session.organisation)
    report = get_object_or_404(SessionReport, session=session)
    form = f.ReviewForm(request.POST)
    approved = _("Results approved: the qualified candidates are now eligible for certificates.")
    if review(request, form, reports.review_report, report, approved, _("Results returned to the station.")):
        return back(session, "report")
    return session_page(request, session, report_review_form=form)
