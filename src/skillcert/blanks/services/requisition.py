"""R1.3–R1.5: quarterly requisitions (申领审核表), their sign-off chain, fee remittances and the
province's allocation overview.

Decisions:
- The window is calendar days 1–10 of January, April, July and October; a requisition filed in the
  window is for the quarter that month opens. "Last quarter" is the calendar quarter before it.
- Qualified persons = certificates issued (by issue date) in the city's subtree in that quarter.
- The chain is fixed: section head (Role.SECTION_HEAD at the city or its HR bureau) → leader in charge
  (Role.LEADER_IN_CHARGE there) → provincial centre (blanks.approve at the province or above). No step
  can be skipped (the status names the one step that may act), nobody signs twice or signs what they
  filed, and a rejection ends the chain.
- Missing, late, unapproved or zero requisitions count as zero (R1.5).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.blanks import errors
from skillcert.blanks.choices import ApprovalStep, BlankLevel, BlankState, RequisitionStatus
from skillcert.blanks.models import (
    Allocation,
    BlankSerial,
    FeeRemittance,
    Requisition,
    RequisitionApproval,
    RequisitionLine,
)
from skillcert.blanks.services import ledger
from skillcert.blanks.services.common import require, user_or_none
from skillcert.blanks.services.destruction import destroyed_serials
from skillcert.core.errors import Conflict, NotPermitted
from skillcert.orgs.choices import OrgKind, Role
from skillcert.orgs.scoping import has_permission

LEVELS = [c for c in reversed(BlankLevel.values)]  # 5 (初级) … 1 (高级技师), as on the form
WINDOW_MONTHS = (1, 4, 7, 10)
WINDOW_LAST_DAY = 10

NEXT: dict[str, tuple[str, str]] = {
    RequisitionStatus.SUBMITTED: (ApprovalStep.SECTION_HEAD, RequisitionStatus.SECTION_APPROVED),
    RequisitionStatus.SECTION_APPROVED: (ApprovalStep.LEADER_IN_CHARGE, RequisitionStatus.LEADER_APPROVED),
    RequisitionStatus.LEADER_APPROVED: (ApprovalStep.PROVINCE, RequisitionStatus.APPROVED),
}


def window_quarter(day: datetime.date) -> tuple[int, int] | None:
    """The (year, quarter) a requisition filed on `day` is for, or None outside the window."""
    if day.month in WINDOW_MONTHS and day.day <= WINDOW_LAST_DAY:
        return day.year, (day.month - 1) // 3 + 1
    return None


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    start = datetime.date(year, 3 * quarter - 2, 1)
    end = datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    return start, end - datetime.timedelta(days=1)


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


@dataclass
class LevelFigures:
    received: int = 0
    qualified: int = 0
    destroyed: int = 0
    stock: int = 0


def last_quarter_figures(city: Any, year: int, quarter: int) -> dict[str, LevelFigures]:
    """Per level: last quarter received / qualified / destroyed, and the city's stock now."""
    from skillcert.certificates.models import Certificate

    start, end = quarter_bounds(*previous_quarter(year, quarter))
    out = {lv: LevelFigures() for lv in LEVELS}
    for row in (
        Allocation.objects.filter(target=city, allocated_on__gte=start, allocated_on__lte=end)
        .values("level")
        .annotate(n=Sum("count"))
    ):
        out[row["level"]].received = row["n"] or 0
    issued = (
        Certificate.objects.filter(
            organisation__path__startswith=city.path, issued_on__gte=start, issued_on__lte=end
        )
        .values_list("level_id")
        .annotate(n=Count("id"))
    )
    for level_id, n in issued:
        if str(level_id) in out:
            out[str(level_id)].qualified = n
    for d in destroyed_serials(city, start, end):
        out[d.level].destroyed += 1
    for row in (
        BlankSerial.objects.filter(holder=city, state=BlankState.IN_STOCK)
        .values("level")
        .annotate(n=Count("id"))
    ):
        out[row["level"]].stock = row["n"]
    return out


def file_requisition(
    *,
    city: Any,
    planned: dict[str, int],
    actor: Any,
    today: datetime.date | None = None,
    zero_declaration: bool = False,
    note: str = "",
) -> Requisition:
    """File (and submit) the city's requisition for the quarter whose window is open today."""
    require(actor, "blanks.requisition", city)
    today = today or timezone.localdate()
    record = f"{city} {today}"
    if city.kind not in (OrgKind.CITY, OrgKind.INDUSTRY_BRANCH):
        raise errors.invalid(
            record, "city", "requisition.city", f"{city}不是市级中心", f"{city} is not a city centre"
        )
    wq = window_quarter(today)
    if wq is None:
        raise Conflict(
            "blanks.requisition.window_closed",
            f"{today}不在申领期内（每年1、4、7、10月1日至10日）；逾期未申领按零申领处理",
            f"{today} is outside the requisition window (1–10 Jan/Apr/Jul/Oct); "
            "a late requisition counts as zero",
        )
    planned = {str(k): int(v) for k, v in planned.items() if int(v or 0)}
    bad = [k for k, v in planned.items() if k not in LEVELS or v < 0]
    if bad:
        raise errors.invalid(
            record, "planned", "requisition.planned", f"计划数无效：{bad}", f"Invalid planned counts: {bad}"
        )
    if zero_declaration and planned:
        raise errors.invalid(
            record,
            "planned",
            "requisition.zero_with_counts",
            "零申领不能填写计划数",
            "A zero declaration has no planned counts",
        )
    if not zero_declaration and not planned:
        raise errors.invalid(
            record,
            "planned",
            "requisition.empty",
            "请填写计划申领数，或提交零申领",
            "Enter planned counts, or file a zero declaration",
        )
    year, quarter = wq
    with transaction.atomic():
        if Requisition.objects.filter(city=city, year=year, quarter=quarter).exists():
            raise Conflict(
                "blanks.requisition.duplicate",
                f"{city}已提交{year}年第{quarter}季度申领",
                f"{city} has already filed for {year} Q{quarter}",
            )
        req = Requisition.objects.create(
            city=city,
            year=year,
            quarter=quarter,
            status=RequisitionStatus.SUBMITTED,
            zero_declaration=zero_declaration,
            note=note,
            created_by=user_or_none(actor),
            submitted_by=user_or_none(actor),
            submitted_at=timezone.now(),
        )
        figures = last_quarter_figures(city, year, quarter)
        RequisitionLine.objects.bulk_create(
            [
                RequisitionLine(
                    requisition=req,
                    level=lv,
                    received=f.received,
                    qualified=f.qualified,
                    destroyed=f.destroyed,
                    stock=f.stock,
                    planned=planned.get(lv, 0),
                )
                for lv, f in figures.items()
            ]
        )
        log_action(
            "blanks.requisition_filed",
            req,
            actor=actor,
            data={"year": year, "quarter": quarter, "planned": planned, "zero": zero_declaration},
        )
    return req


def _holds_role_at_city(actor: Any, role: str, city: Any) -> bool:
    return (
        actor.memberships.filter(role=role)
        .filter(
            organisation__in=[
                city.pk,
                *city.children.filter(kind=OrgKind.CITY_HR).values_list("pk", flat=True),
            ]
        )
        .exists()
    )


def approve_requisition(
    req: Requisition, *, actor: Any, approve: bool = True, comment: str = ""
) -> Requisition:
    """Sign the step the requisition is waiting for (or reject it)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotPermitted(
            "blanks.requisition.actor", "审批须由具名人员办理", "Approval needs a named person"
        )
    with transaction.atomic():
        req = Requisition.objects.select_for_update().select_related("city").get(pk=req.pk)
        if req.status not in NEXT:
            raise Conflict(
                "blanks.requisition.not_pending",
                f"{req}当前状态为{req.get_status_display()}，不能审批",
                f"{req} is {req.status} and cannot be signed",
            )
        step, after = NEXT[req.status]
        city = req.city
        if step == ApprovalStep.SECTION_HEAD:
            allowed = _holds_role_at_city(actor, Role.SECTION_HEAD, city)
        elif step == ApprovalStep.LEADER_IN_CHARGE:
            allowed = _holds_role_at_city(actor, Role.LEADER_IN_CHARGE, city)
        else:
            allowed = city.parent is not None and has_permission(actor, "blanks.approve", city.parent)
        if not allowed:
            label = ApprovalStep(step).label
            raise NotPermitted(
                "blanks.requisition.wrong_step",
                f"{req}正等待“{label}”签署，您不能签署这一步",
                f"{req} awaits the {step.replace('_', ' ')} signature; you cannot sign this step",
            )
        signers = {req.created_by_id, req.submitted_by_id, *req.approvals.values_list("actor_id", flat=True)}
        if actor.pk in signers:
            raise NotPermitted(
                "blanks.requisition.self_approval",
                "不能审批本人提交或已签署过的申领",
                "You cannot sign a requisition you filed or already signed",
            )
        RequisitionApproval.objects.create(
            requisition=req, step=step, approved=approve, actor=actor, comment=comment
        )
        before = req.status
        req.status = after if approve else RequisitionStatus.REJECTED
        req.save(update_fields=["status"])
        log_action(
            "blanks.requisition_signed",
            req,
            actor=actor,
            before={"status": before},
            after={"status": req.status},
            data={"step": step, "approved": approve, "comment": comment},
        )
    return req


def effective_planned(city: Any, year: int, quarter: int) -> dict[str, int]:
    """R1.5: what counts — an approved requisition's plan; missing, late, unapproved or zero → 0."""
    req = Requisition.objects.filter(
        city=city, year=year, quarter=quarter, status=RequisitionStatus.APPROVED
    ).first()
    planned = {lv: 0 for lv in LEVELS}
    if req is not None and not req.zero_declaration:
        for line in req.lines.all():
            planned[line.level] = line.planned
    return planned


def record_fee_remittance(
    *,
    city: Any,
    year: int,
    quarter: int,
    amount: Decimal,
    remitted_on: datetime.date | None,
    actor: Any,
    note: str = "",
) -> FeeRemittance:
    require(actor, "blanks.manage", city.parent or city)
    with transaction.atomic():
        fee, _ = FeeRemittance.objects.update_or_create(
            city=city,
            year=year,
            quarter=quarter,
            defaults={"amount": amount, "remitted_on": remitted_on, "note": note},
        )
        log_action(
            "blanks.fee_recorded",
            fee,
            actor=actor,
            data={"amount": amount, "remitted_on": remitted_on, "year": year, "quarter": quarter},
        )
    return fee


@dataclass
class CityRow:
    city: Any
    requisition: Requisition | None
    planned: dict[str, int]
    figures: dict[str, LevelFigures]
    fee: FeeRemittance | None
    destroyed: int
    allocated: dict[str, int] = field(default_factory=dict)


def allocation_overview(province: Any, year: int, quarter: int) -> list[CityRow]:
    """R1.4: per city of the province — requisition, fee remittance, last quarter's figures, destroyed."""
    rows = []
    py, pq = previous_quarter(year, quarter)
    for city in province.children.filter(kind__in=[OrgKind.CITY, OrgKind.INDUSTRY_BRANCH]).order_by("path"):
        req = Requisition.objects.filter(city=city, year=year, quarter=quarter).first()
        figures = last_quarter_figures(city, year, quarter)
        allocated = {lv: 0 for lv in LEVELS}
        if req is not None:
            for line in req.lines.all():
                allocated[line.level] = line.allocated
        rows.append(
            CityRow(
                city=city,
                requisition=req,
                planned=effective_planned(city, year, quarter),
                figures=figures,
                fee=FeeRemittance.objects.filter(city=city, year=py, quarter=pq).first()
                or FeeRemittance.objects.filter(city=city, year=year, quarter=quarter).first(),
                destroyed=sum(f.destroyed for f in figures.values()),
                allocated=allocated,
            )
        )
    return rows


def allocate_for_requisition(
    req: Requisition, counts: dict[str, int], *, actor: Any, document_number: str = ""
) -> list[Allocation]:
    """The province allocates to an approved requisition (moving serials through the ledger)."""
    province = req.city.parent
    require(actor, "blanks.manage", province)
    if req.status != RequisitionStatus.APPROVED:
        raise Conflict(
            "blanks.requisition.not_approved",
            f"{req}尚未审核通过，不能按其下发",
            f"{req} is not approved; nothing can be allocated against it",
        )
    out = []
    with transaction.atomic():
        for level, count in sorted(counts.items()):
            if not count:
                continue
            out.append(
                ledger.allocate(
                    source=province,
                    target=req.city,
                    level=level,
                    count=int(count),
                    actor=actor,
                    requisition=req,
                    document_number=document_number,
                )
            )
            line = RequisitionLine.objects.select_for_update().get(requisition=req, level=level)
            line.allocated += int(count)
            line.save(update_fields=["allocated"])
    return out
