"""Test helpers: real certificates through the issuance service, stock through the ledger services."""

from __future__ import annotations

import datetime
from typing import Any

from skillcert.appraisal.tests.test_flow import TURNER
from skillcert.blanks.services import ledger
from skillcert.certificates.models import Certificate
from skillcert.certificates.services.issue import issue_certificates
from skillcert.certificates.tests.test_issue import finished_session

_offset = [0]


def issue(demo: dict[str, Any], n: int, station: str = "ST-10012003") -> list[Certificate]:
    """`n` real level-4 certificates issued at a Nanjing station."""
    _offset[0] += n
    session = finished_session(
        demo, station, "nj003", "nj_admin", TURNER, passed=n, first_id=_offset[0] * 7 + 500
    )
    issued = issue_certificates(session, actor=demo["users"]["nj_admin"])
    return list(Certificate.objects.filter(pk__in=[c.pk for c in issued]).order_by("pk"))


def stock(
    demo: dict[str, Any],
    *,
    level: str = "4",
    first: int = 1,
    last: int = 1000,
    to_city: int = 200,
    series: str = "JS",
    city: str = "JS-NJ",
) -> Any:
    """A receipt at the province and an allocation to a city."""
    orgs = demo["orgs"]
    receipt = ledger.receive(
        holder=orgs["JS"],
        level=level,
        series=series,
        first_number=first,
        last_number=last,
        document_number="人社鉴函〔2026〕1号",
        document_date=datetime.date(2026, 1, 5),
        actor=None,
    )
    if to_city:
        ledger.allocate(source=orgs["JS"], target=orgs[city], level=level, count=to_city, actor=None)
    return receipt
