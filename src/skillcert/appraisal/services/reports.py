"""R4.5: after the session — the appraisal report (附表四), the qualified roster (附表六) and, for 技师 and
高级技师, the approval form; submitted to the responsible centre, approved or returned. On approval the
qualified candidates become eligible for certificates."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from skillcert.appraisal.choices import Result
from skillcert.appraisal.documents import (
    ApplicationForm,
    AppraisalReport,
    CandidateRow,
    FormHeader,
    QualifiedRoster,
)
from skillcert.appraisal.models import AppraisalSession, Enrolment, SessionReport, SessionSubject
from skillcert.appraisal.services.common import (
    REVIEW_FIELDS,
    mark_submitted,
    record_review,
    require,
    require_reviewer,
)
from skillcert.appraisal.services.sessions import require_approved
from skillcert.audit.services import log_action, snapshot
from skillcert.core.errors import Conflict, FieldError, ValidationFailed
from skillcert.people.models import GENDER_ZH

_RESULT_ZH = {Result.PASS: "合格", Result.FAIL: "不合格", Result.ABSENT: "缺考", "": ""}


@transaction.atomic
def submit_report(
    session: AppraisalSession, *, actor: Any, examiners: str = "", notes: str = ""
) -> SessionReport:
    require(actor, "appraisal.score", session.organisation)
    session = AppraisalSession.objects.select_for_update().get(pk=session.pk)
    require_approved(session)
    if timezone.localdate() < session.exam_start:
        raise Conflict(
            "appraisal.report.before_exam",
            f"考试日期（{session.exam_start:%Y-%m-%d}）之前不能上报结果",
            f"Results cannot be submitted before the exam date ({session.exam_start:%Y-%m-%d})",
        )
    unscored = [e for e in session.enrolments.select_related("person") if not e.result]
    if not session.enrolments.exists():
        raise Conflict("appraisal.report.no_candidates", "本场次没有考生", "The session has no candidates")
    if unscored:
        raise ValidationFailed.of(
            [
                FieldError(
                    "scores",
                    "appraisal.report.unscored",
                    "成绩未录入完整",
                    "Scores are incomplete",
                    f"{e.person.name}（{e.person.document_masked}）",
                )
                for e in unscored[:50]
            ]
        )
    report, _created = SessionReport.objects.select_for_update().get_or_create(session=session)
    before = snapshot(report, REVIEW_FIELDS)
    report.examiners, report.notes = examiners.strip()[:300], notes.strip()[:500]
    mark_submitted(report, actor)
    report.save()
    log_action(
        "appraisal.report.submitted",
        report,
        actor=actor,
        before=before,
        after={**snapshot(report, REVIEW_FIELDS), **_counts(session)},
    )
    return report


@transaction.atomic
def review_report(report: SessionReport, *, actor: Any, approve: bool, comment: str = "") -> SessionReport:
    session = report.session
    require_reviewer(actor, session.organisation)
    report = SessionReport.objects.select_for_update().get(pk=report.pk)
    eligible = 0
    if approve and report.status == "submitted":
        eligible = Enrolment.objects.filter(session=session, result=Result.PASS).update(eligible=True)
    report = record_review(
        report,
        actor=actor,
        approve=approve,
        comment=comment,
        action="appraisal.report",
        data={"eligible": eligible},
    )
    return report


def _counts(session: AppraisalSession) -> dict[str, int]:
    enrolments = list(session.enrolments.values_list("result", flat=True))
    return {
        "enrolled": len(enrolments),
        "sat": sum(1 for r in enrolments if r != Result.ABSENT),
        "passed": sum(1 for r in enrolments if r == Result.PASS),
    }


# --- forms ---------------------------------------------------------------------------------------


def form_header(subject: SessionSubject) -> FormHeader:
    session = subject.session
    station = session.organisation
    centre = session.responsible_centre or station.parent
    dates = f"{session.exam_start:%Y-%m-%d}" + (
        f" 至 {session.exam_end:%Y-%m-%d}" if session.exam_end != session.exam_start else ""
    )
    return FormHeader(
        organisation=station.name,
        institution_code=station.institution_code,
        responsible_centre=centre.name if centre else "",
        session_code=session.code,
        occupation=f"{subject.occupation.code} {subject.occupation.name}",
        level=f"{subject.level.name_zh}/{subject.level.title_zh}",
        exam_dates=dates,
        site=session.site,
    )


def _row(seq: int, e: Enrolment) -> CandidateRow:
    person = e.person
    return CandidateRow(
        seq=seq,
        name=person.name,
        gender=GENDER_ZH.get(person.gender, ""),
        birth_date=person.birth_date,
        id_number_masked=person.document_masked,
        education=person.education.name_zh if person.education else "",
        theory=float(e.theory) if e.theory is not None else None,
        practical=float(e.practical) if e.practical is not None else None,
        comprehensive=float(e.comprehensive) if e.comprehensive is not None else None,
        result=_RESULT_ZH.get(e.result, ""),
    )


def _enrolments(subject: SessionSubject) -> list[Enrolment]:
    return list(subject.enrolments.select_related("person", "person__education").order_by("id"))


def appraisal_report(subject: SessionSubject) -> AppraisalReport:
    rows = _enrolments(subject)
    sat = sum(1 for e in rows if e.result != Result.ABSENT)
    passed = sum(1 for e in rows if e.result == Result.PASS)
    report = SessionReport.objects.filter(session_id=subject.session_id).first()
    return AppraisalReport(
        header=form_header(subject),
        enrolled=len(rows),
        sat=sat,
        passed=passed,
        pass_rate=passed / sat if sat else 0.0,
        examiners=[
            x for x in (report.examiners if report else "").replace("，", ",").split(",") if x.strip()
        ],
        notes=report.notes if report else "",
        reported_at=timezone.localtime(report.submitted_at).date()
        if report and report.submitted_at
        else None,
    )


def qualified_roster(subject: SessionSubject) -> QualifiedRoster:
    """附表六; for 技师/高级技师 the same data makes the approval form (审批表)."""
    qualified = [e for e in _enrolments(subject) if e.result == Result.PASS]
    return QualifiedRoster(
        header=form_header(subject),
        rows=[_row(i, e) for i, e in enumerate(qualified, 1)],
        approval_form=subject.needs_comprehensive,
        prepared_at=timezone.localdate(),
    )


def application_form(enrolment: Enrolment) -> ApplicationForm:
    """附表五 个人申报表 (the photo is included where one is on file)."""
    person = enrolment.person
    photo = enrolment.photo or person.photo
    return ApplicationForm(
        header=form_header(enrolment.subject),
        name=person.name,
        gender=GENDER_ZH.get(person.gender, ""),
        birth_date=person.birth_date,
        nation=person.nation,
        id_number_masked=person.document_masked,
        education=person.education.name_zh if person.education else "",
        phone=person.phone,
        address=person.address,
        work_unit=enrolment.work_unit,
        current_level="",
        years_in_occupation=None,
        photo_jpeg=photo.read() if photo else None,
        declared_at=timezone.localtime(enrolment.created_at).date(),
    )
