"""Scores: theory and practical, plus the comprehensive review for 技师/高级技师, entered by the station or
imported. The evaluation result (合格/不合格) is derived from the pass rule, never typed."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q

from skillcert.appraisal.choices import Result, ReviewStatus
from skillcert.appraisal.models import AppraisalSession, Enrolment, PassRule
from skillcert.appraisal.services.common import require, results_submitted
from skillcert.appraisal.services.enrolment import DOC_TYPES, ImportReport, read_table
from skillcert.audit.services import log_action
from skillcert.core.errors import Conflict, FieldError, ValidationFailed
from skillcert.people.idnumber import normalise_document
from skillcert.people.protect import document_hash

DEFAULT_PASS = Decimal(60)
_PARTS = {
    "theory": ("理论知识考核成绩", "theory score"),
    "practical": ("操作技能考核成绩", "practical score"),
    "comprehensive": ("综合评审成绩", "comprehensive review score"),
}


def pass_marks(enrolment: Enrolment) -> tuple[Decimal, Decimal, Decimal]:
    """The most specific rule: occupation + level, then occupation, then level, then the default 60."""
    subject = enrolment.subject
    rules = PassRule.objects.filter(
        Q(occupation=subject.occupation) | Q(occupation__isnull=True),
        Q(level=subject.level) | Q(level__isnull=True),
    )
    best = max(rules, key=lambda r: (r.occupation_id is not None, r.level_id is not None), default=None)
    if best is None:
        return DEFAULT_PASS, DEFAULT_PASS, DEFAULT_PASS
    return best.theory_min, best.practical_min, best.comprehensive_min


def derive_result(enrolment: Enrolment) -> str:
    if enrolment.absent:
        return Result.ABSENT
    parts = [enrolment.theory, enrolment.practical]
    marks = list(pass_marks(enrolment))
    if enrolment.subject.needs_comprehensive:
        parts.append(enrolment.comprehensive)
    else:
        marks = marks[:2]
    if any(p is None for p in parts):
        return ""
    return Result.PASS if all(p >= m for p, m in zip(parts, marks, strict=True)) else Result.FAIL  # type: ignore[operator]


def _score(value: Any, part: str, record: str, errors: list[FieldError]) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        score = Decimal(str(value).strip())
    except InvalidOperation:
        score = None
    zh, en = _PARTS[part]
    if (
        score is None
        or not score.is_finite()
        or score < 0
        or score > 100
        or score != score.quantize(Decimal("0.1"))
    ):
        errors.append(
            FieldError(
                part,
                "appraisal.score.range",
                f"{zh}应为0–100之间、最多一位小数的数，实为“{value}”",
                f"The {en} must be a number from 0 to 100 with at most one decimal, not '{value}'",
                record,
            )
        )
        return None
    return score


def _check_scoring_open(session: AppraisalSession) -> None:
    if session.status != ReviewStatus.APPROVED:
        raise Conflict(
            "appraisal.session.not_approved", "鉴定计划尚未批准", "The session plan is not approved"
        )
    if results_submitted(session):
        raise Conflict(
            "appraisal.score.locked",
            "鉴定结果已上报，成绩不能再修改",
            "The results were submitted; scores can no longer change",
        )


@transaction.atomic
def record_scores(
    enrolment: Enrolment,
    *,
    actor: Any,
    theory: Any = None,
    practical: Any = None,
    comprehensive: Any = None,
    absent: bool = False,
) -> Enrolment:
    require(actor, "appraisal.score", enrolment.session.organisation)
    enrolment = (
        Enrolment.objects.select_for_update()
        .select_related("session", "subject", "person")
        .get(pk=enrolment.pk)
    )
    _check_scoring_open(enrolment.session)
    record = f"{enrolment.person.name}（{enrolment.person.document_masked}）"
    errors: list[FieldError] = []
    values = {
        "theory": _score(theory, "theory", record, errors),
        "practical": _score(practical, "practical", record, errors),
        "comprehensive": _score(comprehensive, "comprehensive", record, errors),
    }
    if values["comprehensive"] is not None and not enrolment.subject.needs_comprehensive:
        errors.append(
            FieldError(
                "comprehensive",
                "appraisal.score.comprehensive_not_applicable",
                "只有技师、高级技师有综合评审成绩",
                "Only 技师 and 高级技师 have a comprehensive review score",
                record,
            )
        )
    if errors:
        raise ValidationFailed.of(errors)
    before = {
        "theory": enrolment.theory,
        "practical": enrolment.practical,
        "comprehensive": enrolment.comprehensive,
        "absent": enrolment.absent,
        "result": enrolment.result,
    }
    enrolment.absent = bool(absent)
    if absent:
        values = {k: None for k in values}
    enrolment.theory, enrolment.practical, enrolment.comprehensive = (
        values["theory"],
        values["practical"],
        values["comprehensive"],
    )
    enrolment.result = derive_result(enrolment)
    enrolment.save(update_fields=["theory", "practical", "comprehensive", "absent", "result"])
    log_action(
        "appraisal.score.recorded",
        enrolment,
        actor=actor,
        before=before,
        after={
            "theory": enrolment.theory,
            "practical": enrolment.practical,
            "comprehensive": enrolment.comprehensive,
            "absent": enrolment.absent,
            "result": enrolment.result,
        },
    )
    return enrolment


SCORE_COLUMNS = {
    "document_type": ("证件类型", "document_type"),
    "document_number": ("证件号码", "身份证号码", "document_number"),
    "theory": ("理论", "理论成绩", "theory"),
    "practical": ("实操", "操作技能成绩", "实操成绩", "practical"),
    "comprehensive": ("综合评审", "综合评审成绩", "comprehensive"),
    "absent": ("缺考", "absent"),
}


def import_scores(session: AppraisalSession, content: bytes, filename: str, *, actor: Any) -> ImportReport:
    """Scores from XLSX/CSV keyed by the exact document number; all rows or none (X6)."""
    require(actor, "appraisal.score", session.organisation)
    _check_scoring_open(session)
    rows = read_table(content, filename, columns=SCORE_COLUMNS, required=("document_number",))
    by_hash = {e.person.document_hash: e for e in session.enrolments.select_related("person")}
    report = ImportReport(total=len(rows))
    planned: list[tuple[Enrolment, dict[str, Any], bool]] = []
    for row in rows:
        number = row.number  # as the sheet numbers it
        record = f"第{number}行 row {number}"
        if row.errors:  # a field longer than the limit (core.tabular)
            report.errors += row.errors
            continue
        try:
            document_type = DOC_TYPES.get(
                row.get("document_type", "").strip(), row.get("document_type", "").strip() or "resident_id"
            )
            digest = document_hash(
                document_type, normalise_document(document_type, row.get("document_number", ""))
            )
        except ValidationFailed as exc:
            report.errors += [
                FieldError(e.field, e.code, e.message_zh, e.message_en, record) for e in exc.errors
            ]
            continue
        enrolment = by_hash.get(digest)
        if enrolment is None:
            report.errors.append(
                FieldError(
                    "document_number",
                    "appraisal.score.not_enrolled",
                    "此人未报名本场次",
                    "This person is not enrolled in this session",
                    record,
                )
            )
            continue
        absent = row.get("absent", "").strip() in {"是", "缺考", "1", "yes", "true", "Y", "y"}
        errors: list[FieldError] = []
        values = {k: _score(row.get(k), k, record, errors) for k in ("theory", "practical", "comprehensive")}
        report.errors += errors
        if not errors:
            planned.append((enrolment, values, absent))
    if report.errors:
        raise ValidationFailed(
            "appraisal.import.rejected",
            f"成绩表有{report.rejected_rows}行错误，未导入任何成绩",
            f"{report.rejected_rows} rows have errors; no score was imported",
            report.errors,
            400,
        )
    with transaction.atomic():
        for enrolment, values, absent in planned:
            record_scores(enrolment, actor=actor, absent=absent, **values)
            report.imported += 1
    return report
