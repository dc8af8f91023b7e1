"""Who may see and submit which organisation's reports (X1), and who owes which report (R1.1, R4.6)."""

from __future__ import annotations

from typing import Any

from skillcert.core.errors import NotFound, NotPermitted
from skillcert.orgs.choices import OrgKind
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission
from skillcert.reports import periods

#: Kinds of organisation shown as rows ("units") of a parent's report.
UNIT_KINDS = (OrgKind.PROVINCE, OrgKind.INDUSTRY, OrgKind.CITY, OrgKind.INDUSTRY_BRANCH, OrgKind.STATION)


def owed_kinds(org: Organisation) -> tuple[str, ...]:
    """The report kinds `org` must submit upwards.

    * City centres report quarterly and the statistical year to the provincial centre (R1.1), and
      provincial centres the same to the national centre.
    * Industry branch centres, and stations directly under an industry centre or branch, report the
      half year and the year to the industry centre (R4.6; stations under a branch go through it, so
      only the branch owes the industry centre).
    """
    if org.kind in (OrgKind.CITY, OrgKind.PROVINCE):
        return (periods.QUARTER, periods.YEAR)
    if org.kind == OrgKind.INDUSTRY_BRANCH:
        return (periods.HALF, periods.ANNUAL)
    if org.kind == OrgKind.STATION and org.parent is not None and org.parent.kind == OrgKind.INDUSTRY:
        return (periods.HALF, periods.ANNUAL)
    return ()


def obligor_filter_kinds(kind: str) -> tuple[str, ...]:
    if kind in (periods.QUARTER, periods.YEAR):
        return (OrgKind.CITY, OrgKind.PROVINCE)
    return (OrgKind.INDUSTRY_BRANCH, OrgKind.STATION)


def require_view(actor: Any, org: Organisation) -> None:
    """Out of scope reads answer 404 (X1); system actors (None) may read."""
    if actor is not None and not has_permission(actor, "reports.view", org):
        raise NotFound(
            "reports.not_found", "报表不存在或不在您的管辖范围内", "Report not found or outside your scope"
        )


def require_submit(actor: Any, org: Organisation) -> None:
    require_view(actor, org)
    if actor is not None and not has_permission(actor, "reports.submit", org):
        raise NotPermitted(
            "reports.submit.not_permitted",
            "无权报送本单位统计报表",
            "You may not submit this organisation's reports",
        )
