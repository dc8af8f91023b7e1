"""Enrolment (R0.3, R0.4, X6): by the ID-card reader, by manual entry with a photo, or from a roster,
and the roster template."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from skillcert.appraisal import forms as f
from skillcert.appraisal.services import enrolment as enrolment_services
from skillcert.appraisal.views.common import XLSX, attachment, attempt_on_form, back, scoped_session
from skillcert.appraisal.views.sessions import import_file, session_page
from skillcert.core import cellsafe
from skillcert.core.errors import FieldError, SkillcertError, ValidationFailed
from skillcert.core.parsers import too_deep
from skillcert.core.uploads import form_status, table_max_bytes, upload_limit
from skillcert.people.models import Person

MAX_CARD_JSON_BYTES = 512 * 1024


def _problem(exc: SkillcertError) -> JsonResponse:
    return JsonResponse(exc.as_problem(), status=exc.status, content_type="application/problem+json")


def _invalid(field: str, code: str, message_zh: str, message_en: str) -> JsonResponse:
    return _problem(ValidationFailed.of([FieldError(field, code, message_zh, message_en)]))


def _enrolled(request: HttpRequest, person: Person) -> None:
    messages.success(
        request,
        _("%(name)s (%(number)s) enrolled.") % {"name": person.name, "number": person.document_masked},
    )


@login_required
@require_POST
def enrol_card(request: HttpRequest, pk: int) -> JsonResponse:
    """R0.4: the browser read the ID card through the vendor's local bridge and posts
    `{"subject": <id>, "card": <the bridge's /readcard JSON>}`; answers JSON (problem JSON on error)."""
    session = scoped_session(request, pk, "appraisal.enrol")
    try:
        # Content-Length first: request.body would read (or refuse with Django's HTML 400) a larger body.
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_CARD_JSON_BYTES:
            raise ValueError("too large")
        if len(request.body) > MAX_CARD_JSON_BYTES:
            raise ValueError("too large")
        if too_deep(request.body):  # json.loads would recurse once per level (RecursionError, a 500)
            raise ValueError("nested too deeply")
        body = json.loads(request.body)
        if not isinstance(body, dict) or not isinstance(body.get("card"), dict):
            raise ValueError("not an object")
    except ValueError:
        return _invalid(
            "card",
            "appraisal.card.json",
            "读卡数据不是有效的JSON对象",
            "The card data is not a valid JSON object",
        )
    subject_id = str(body.get("subject", ""))
    chosen = (
        session.subjects.select_related("occupation", "level").filter(pk=int(subject_id)).first()
        if subject_id.isdigit() and len(subject_id) < 19
        else None
    )
    if chosen is None:
        return _invalid(
            "subject",
            "appraisal.enrolment.subject",
            "请选择本场次的职业和等级",
            "Choose an occupation and level of this session",
        )
    try:
        enrolment = enrolment_services.enrol_from_card(session, chosen, body["card"], actor=request.user)
    except SkillcertError as exc:
        return _problem(exc)
    person = enrolment.person
    _enrolled(request, person)
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
@upload_limit(f.MAX_PHOTO_UPLOAD_BYTES)
def enrol_manual(request: HttpRequest, pk: int) -> HttpResponse:
    session = scoped_session(request, pk, "appraisal.enrol")
    form = f.ManualEnrolForm(request.POST, request.FILES, session=session)
    if form.is_valid():
        subject = form.chosen_subject()
        enrolment = attempt_on_form(
            form,
            lambda: enrolment_services.enrol_manual(
                session,
                subject,
                actor=request.user,
                photo_upload=form.photo_bytes(),
                work_unit=form.cleaned_data["work_unit"],
                **form.person_data(),
            ),
            form.FIELD_MAP,
        )
        if enrolment is not None:
            _enrolled(request, enrolment.person)
            return back(session, "enrolments", subject)
    return session_page(request, session, manual_form=form, open_panel="manual", status=form_status(form))


@login_required
@require_POST
@upload_limit(table_max_bytes)
def enrol_import(request: HttpRequest, pk: int) -> HttpResponse:
    """X6: a roster with errors is rejected whole, unless the user chose to import only the valid rows."""
    session = scoped_session(request, pk, "appraisal.enrol")
    form = f.RosterImportForm(request.POST, request.FILES)
    return import_file(
        request,
        session,
        form,
        lambda content, name: enrolment_services.import_enrolments(
            session,
            content,
            name,
            actor=request.user,
            accept_valid_rows=form.cleaned_data["accept_valid_rows"],
        ),
        panel="import",
        anchor="enrolments",
    )


@login_required
@require_safe
def roster_template(request: HttpRequest, pk: int) -> HttpResponse:
    """An empty roster with the headings the import reads, and one example row per subject."""
    from openpyxl import Workbook

    session = scoped_session(request, pk)
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
    return attachment(cellsafe.workbook_bytes(book), XLSX, f"{session.code}_报名名册模板.xlsx")
