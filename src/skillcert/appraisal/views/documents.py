"""Downloads: the forms of a session (附表四/五/六, the approval form, R4.5) and the stored photos (R0.3)."""

from __future__ import annotations

import importlib
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from skillcert.appraisal.models import Enrolment
from skillcert.appraisal.services import reports
from skillcert.appraisal.views.common import XLSX, attachment, scoped, scoped_session, scoped_subject
from skillcert.people.models import Person, Photo


def _form_response(kind: str, fmt: str, data: Any, filename: str) -> HttpResponse:
    """The form `kind` rendered by `forms_pdf` or `forms_xlsx`, imported only when a form is asked for;
    a PDF opens in the browser, a workbook downloads."""
    module_name = f"skillcert.appraisal.forms_{fmt}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise Http404("form renderer not installed") from exc
        raise
    content: bytes = getattr(module, f"render_{kind}")(data)
    if fmt == "pdf":
        return attachment(content, "application/pdf", filename, inline=True)
    return attachment(content, XLSX, filename)


@login_required
@require_safe
def subject_report(request: HttpRequest, pk: int, sid: int, fmt: str) -> HttpResponse:
    """R4.5: the appraisal report (附表四) of one occupation and level."""
    session = scoped_session(request, pk)
    subject = scoped_subject(session, sid)
    return _form_response(
        "appraisal_report",
        fmt,
        reports.appraisal_report(subject),
        f"{session.code}_{subject.occupation.code}_{subject.level_id}级_鉴定报告.{fmt}",
    )


@login_required
@require_safe
def subject_roster(request: HttpRequest, pk: int, sid: int, fmt: str) -> HttpResponse:
    """R4.5: the qualified roster (附表六); for 技师/高级技师 it is the approval form."""
    session = scoped_session(request, pk)
    subject = scoped_subject(session, sid)
    title = "合格人员审批表" if subject.needs_comprehensive else "合格人员名册"
    return _form_response(
        "qualified_roster",
        fmt,
        reports.qualified_roster(subject),
        f"{session.code}_{subject.occupation.code}_{subject.level_id}级_{title}.{fmt}",
    )


@login_required
@require_safe
def application_form(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """附表五: one candidate's application form."""
    enrolment = scoped(
        request,
        Enrolment,
        pk,
        "session__organisation__parent",
        "session__responsible_centre",
        "subject__occupation",
        "person",
    )
    return _form_response(
        "application_form",
        fmt,
        reports.application_form(enrolment),
        f"{enrolment.session.code}_{enrolment.person.name}_个人申报表.{fmt}",
    )


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
