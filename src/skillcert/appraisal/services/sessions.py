"""R4.4: the session plan — a station submits occupations, levels, dates, site and expected candidates;
its responsible centre approves or returns it. A suspended or revoked station cannot submit (R4.7)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from skillcert.appraisal.choices import ReviewStatus
from skillcert.appraisal.models import AppraisalSession, SessionSubject
from skillcert.appraisal.services.common import (
    REVIEW_FIELDS,
    mark_submitted,
    record_review,
    require,
    require_reviewer,
    responsible_centre,
)
from skillcert.appraisal.services.plans import _occupation
from skillcert.audit.services import log_action, snapshot
from skillcert.catalog.models import Level
from skillcert.core.errors import Conflict, FieldError, ValidationFailed, field_error
from skillcert.orgs.choices import OrgKind
from skillcert.orgs.models import Organisation
from skillcert.orgs.services import can_run_sessions

SESSION_FIELDS = ["code", "site", "exam_start", "exam_end", "expected_candidates", "status"]


def _check_station(station: Organisation) -> None:
    if station.kind != OrgKind.STATION:
        raise field_error(
            station.code,
            "organisation",
            "appraisal.session.not_station",
            "只有鉴定所(站)可以组织鉴定",
            "Only an appraisal station runs sessions",
        )
    if not can_run_sessions(station):
        raise Conflict(
            "appraisal.session.station_not_active",
            f"{station.name}的鉴定资质为“{station.get_accreditation_display()}”，不能申报或组织鉴定",
            f"{station.name_en or station.code} is {station.accreditation}: it cannot submit or run sessions",
        )


@transaction.atomic
def create_session(
    station: Organisation,
    *,
    actor: Any,
    site: str,
    exam_start: datetime.date,
    exam_end: datetime.date,
    expected_candidates: int,
    subjects: list[dict[str, Any]],
) -> AppraisalSession:
    """Draft a session plan. subjects: [{"occupation": code, "level": 1..5, "national_bank": bool}]."""
    require(actor, "appraisal.plan", station)
    _check_station(station)
    errors: list[FieldError] = []
    record = station.code
    if not site.strip():
        errors.append(
            FieldError("site", "appraisal.session.site", "鉴定地点为必填项", "The site is required", record)
        )
    if exam_end < exam_start:
        errors.append(
            FieldError(
                "exam_end",
                "appraisal.session.dates",
                "结束日期早于开始日期",
                "The end date is before the start date",
                record,
            )
        )
    if expected_candidates < 1:
        errors.append(
            FieldError(
                "expected_candidates",
                "appraisal.session.expected",
                "预计人数至少为1",
                "At least one candidate is expected",
                record,
            )
        )
    clean = _subjects(subjects, record, errors)
    if errors:
        raise ValidationFailed.of(errors)
    # The station row is the lock that serialises session numbering for the station (design rule 4).
    Organisation.objects.select_for_update().get(pk=station.pk)
    prefix = f"{station.institution_code or station.code}-{exam_start.year}-"
    existing = AppraisalSession.objects.filter(code__startswith=prefix).count()
    session = AppraisalSession.objects.create(
        organisation=station,
        code=f"{prefix}{existing + 1:03d}",
        site=site.strip(),
        exam_start=exam_start,
        exam_end=exam_end,
        expected_candidates=expected_candidates,
    )
    for occupation, level, national_bank in clean:
        SessionSubject.objects.create(
            session=session, occupation=occupation, level_id=level, national_bank=national_bank
        )
    log_action(
        "appraisal.session.created",
        session,
        actor=actor,
        after={**snapshot(session, SESSION_FIELDS), "subjects": [(o.code, lv, nb) for o, lv, nb in clean]},
    )
    return session


def _subjects(
    subjects: list[dict[str, Any]], record: str, errors: list[FieldError]
) -> list[tuple[Any, int, bool]]:
    levels = set(Level.objects.values_list("number", flat=True))
    clean: list[tuple[Any, int, bool]] = []
    if not subjects:
        errors.append(
            FieldError(
                "subjects",
                "appraisal.session.subjects",
                "至少申报一个职业和等级",
                "At least one occupation and level is required",
                record,
            )
        )
    for index, item in enumerate(subjects, start=1):
        occupation = _occupation(item.get("occupation"))
        level = item.get("level")
        if occupation is None:
            errors.append(
                FieldError(
                    f"subjects[{index}].occupation",
                    "appraisal.session.occupation",
                    f"职业“{item.get('occupation')}”不存在",
                    "Unknown occupation",
                    record,
                )
            )
        if level not in levels:
            errors.append(
                FieldError(
                    f"subjects[{index}].level",
                    "appraisal.session.level",
                    "等级应为1–5",
                    "Level must be 1–5",
                    record,
                )
            )
        if occupation is not None and level in levels:
            if any(o.pk == occupation.pk and lv == level for o, lv, _ in clean):
                errors.append(
                    FieldError(
                        f"subjects[{index}]",
                        "appraisal.session.duplicate_subject",
                        "同一职业和等级重复申报",
                        "The same occupation and level appears twice",
                        record,
                    )
                )
            else:
                clean.append((occupation, level, bool(item.get("national_bank", False))))
    return clean


@transaction.atomic
def submit_session(session: AppraisalSession, *, actor: Any) -> AppraisalSession:
    require(actor, "appraisal.plan", session.organisation)
    session = AppraisalSession.objects.select_for_update().select_related("organisation").get(pk=session.pk)
    _check_station(session.organisation)
    before = snapshot(session, REVIEW_FIELDS)
    mark_submitted(session, actor)
    session.responsible_centre = responsible_centre(session.organisation)
    session.save()
    log_action(
        "appraisal.session.submitted",
        session,
        actor=actor,
        before=before,
        after={**snapshot(session, REVIEW_FIELDS), "responsible_centre": session.responsible_centre.code},
    )
    return session


@transaction.atomic
def review_session(
    session: AppraisalSession, *, actor: Any, approve: bool, comment: str = ""
) -> AppraisalSession:
    require_reviewer(actor, session.organisation)
    session = AppraisalSession.objects.select_for_update().select_related("organisation").get(pk=session.pk)
    if approve:
        _check_station(session.organisation)
    session = record_review(
        session, actor=actor, approve=approve, comment=comment, action="appraisal.session"
    )
    return session


def require_approved(session: AppraisalSession) -> None:
    if session.status != ReviewStatus.APPROVED:
        raise Conflict(
            "appraisal.session.not_approved", "鉴定计划尚未批准", "The session plan is not approved"
        )
