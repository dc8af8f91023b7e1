"""Permission and stock-holder rules shared by the printing services (R1.8, X1)."""

from __future__ import annotations

from typing import Any

from skillcert.core.errors import NotPermitted, field_error
from skillcert.orgs.choices import OrgKind
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission

PERMISSION = "printing.print"
# Organisations that hold blank stock and print from it; a station prints from the nearest of these
# above it (R1.8: a city never hands blanks to a station).
HOLDER_KINDS = (OrgKind.CITY, OrgKind.INDUSTRY_BRANCH, OrgKind.PROVINCE, OrgKind.INDUSTRY)


def require(actor: Any, org: Organisation) -> None:
    """`printing.print` at `org` or above; `None` is the system actor (commands, tests)."""
    if actor is not None and not has_permission(actor, PERMISSION, org):
        raise NotPermitted(
            "printing.not_permitted",
            f"无权在{org}打印证书（需要 {PERMISSION}）",
            f"Not permitted to print certificates at {org} (needs {PERMISSION})",
        )


def stock_holder(org: Organisation) -> Organisation:
    """Whose blanks `org` prints on: its own stock for a centre, its centre's for a station (R1.8)."""
    if org.kind in HOLDER_KINDS:
        return org
    if org.kind == OrgKind.STATION:
        centre = org.nearest(*HOLDER_KINDS)
        if centre is not None:
            return centre
    raise field_error(
        org.code,
        "organisation",
        "printing.organisation.kind",
        f"{org}不持有空白证书，也不属于持有空白证书的中心，不能打印",
        f"{org} holds no blank stock and is not under a centre that does; it cannot print",
    )
