"""R4.1: the annual training and appraisal plan, counts per occupation and level, due 28 February."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from skillcert.appraisal.choices import ReviewStatus
from skillcert.appraisal.models import AnnualPlan, AnnualPlanLine
from skillcert.appraisal.services.common import (
    REVIEW_FIELDS,
    mark_submitted,
    record_review,
    require,
    require_reviewer,
)
from skillcert.audit.services import log_action, snapshot
from skillcert.catalog.models import Level, Occupation
from skillcert.core.errors import Conflict, FieldError, ValidationFailed
from skillcert.orgs.models import Organisation


@transaction.atomic
def save_annual_plan(
    organisation: Organisation, year: int, lines: list[dict[str, Any]], *, actor: Any
) -> AnnualPlan:
    """Create or replace the plan's lines: [{"occupation": code or id, "level": 1..5, "planned_count": n}]."""
    require(actor, "appraisal.plan", organisation)
    record = f"{organisation.code}/{year}"
    if not 2000 <= year <= 2100:
        raise ValidationFailed.of(
            [FieldError("year", "appraisal.plan.year", "年度无效", "Invalid year", record)]
        )
    plan, _created = AnnualPlan.objects.select_for_update().get_or_create(
        organisation=organisation, year=year
    )
    if plan.status in (ReviewStatus.SUBMITTED, ReviewStatus.APPROVED):
        raise Conflict(
            "appraisal.plan.locked",
            "计划已提交或已批准，不能修改",
            "The plan was submitted or approved and cannot be changed",
        )
    errors: list[FieldError] = []
    clean: list[AnnualPlanLine] = []
    seen: set[tuple[int, int]] = set()
    levels = set(Level.objects.values_list("number", flat=True))
    for index, line in enumerate(lines, start=1):
        where = f"{record} 第{index}行"
        occupation = _occupation(line.get("occupation"))
        if occupation is None:
            errors.append(
                FieldError(
                    f"lines[{index}].occupation",
                    "appraisal.plan.occupation",
                    f"职业“{line.get('occupation')}”不存在",
                    "Unknown occupation",
                    where,
                )
            )
        level = line.get("level")
        if level not in levels:
            errors.append(
                FieldError(
                    f"lines[{index}].level", "appraisal.plan.level", "等级应为1–5", "Level must be 1–5", where
                )
            )
        count = line.get("planned_count")
        if not isinstance(count, int) or count < 0 or count > 1_000_000:
            errors.append(
                FieldError(
                    f"lines[{index}].planned_count",
                    "appraisal.plan.count",
                    "计划人数应为非负整数",
                    "Planned count must be a non-negative whole number",
                    where,
                )
            )
        if occupation is not None and level in levels:
            if (occupation.pk, level) in seen:
                errors.append(
                    FieldError(
                        f"lines[{index}]",
                        "appraisal.plan.duplicate",
                        "同一职业和等级重复填写",
                        "The same occupation and level appears twice",
                        where,
                    )
                )
            seen.add((occupation.pk, level))
            if not errors and isinstance(count, int):
                clean.append(
                    AnnualPlanLine(plan=plan, occupation=occupation, level_id=level, planned_count=count)
                )
    if errors:
        raise ValidationFailed.of(errors)
    before = [
        (x.occupation.code, x.level_id, x.planned_count) for x in plan.lines.select_related("occupation")
    ]
    plan.lines.all().delete()
    AnnualPlanLine.objects.bulk_create(clean)
    log_action(
        "appraisal.plan.saved",
        plan,
        actor=actor,
        before={"lines": before},
        after={"lines": [(x.occupation.code, x.level_id, x.planned_count) for x in clean]},
    )
    return plan


def _occupation(value: Any) -> Occupation | None:
    if isinstance(value, Occupation):
        return value
    if isinstance(value, int):
        return Occupation.objects.filter(pk=value).first()
    if isinstance(value, str):
        return Occupation.objects.filter(code=value.strip(), active=True).order_by("-edition").first()
    return None


@transaction.atomic
def submit_annual_plan(plan: AnnualPlan, *, actor: Any) -> AnnualPlan:
    require(actor, "appraisal.plan", plan.organisation)
    plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.lines.exists():
        raise ValidationFailed.of(
            [
                FieldError(
                    "lines",
                    "appraisal.plan.empty",
                    "计划没有任何职业和等级",
                    "The plan has no lines",
                    str(plan),
                )
            ]
        )
    before = snapshot(plan, REVIEW_FIELDS)
    mark_submitted(plan, actor)
    plan.save()
    log_action(
        "appraisal.plan.submitted",
        plan,
        actor=actor,
        before=before,
        after=snapshot(plan, REVIEW_FIELDS),
        data={"late": plan.is_late(), "due": plan.due_date},
    )
    return plan


@transaction.atomic
def review_annual_plan(plan: AnnualPlan, *, actor: Any, approve: bool, comment: str = "") -> AnnualPlan:
    require_reviewer(actor, plan.organisation)
    plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
    return record_review(plan, actor=actor, approve=approve, comment=comment, action="appraisal.plan")
