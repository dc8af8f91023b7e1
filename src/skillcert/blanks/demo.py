"""Demo data of the blank ledger: the Nanjing HR bureau signers of the 申领审核表 (always), and with the
full demo a receipt at the province, allocations to the demo cities, one at the industry centre and
fee remittances. Idempotent."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from skillcert.blanks.models import FeeRemittance, Receipt
from skillcert.blanks.services import ledger
from skillcert.orgs import services as org_services
from skillcert.orgs.choices import Role

# (username, full name, organisation code, roles)
SIGNERS = [
    ("nj_section", "郑科长", "JS-NJ-HR", (Role.SECTION_HEAD,)),
    ("nj_leader", "冯分管局长", "JS-NJ-HR", (Role.LEADER_IN_CHARGE,)),
]

# (holder, level, series, first, last, document number)
RECEIPTS = [
    ("JS", "5", "JS", 1, 5000, "鉴证函〔2026〕3号"),
    ("JS", "4", "JS", 5001, 9000, "鉴证函〔2026〕3号"),
    ("JS", "3", "JS", 9001, 10000, "鉴证函〔2026〕3号"),
    ("IND-49", "4", "JX", 1, 2000, "鉴证函〔2026〕7号"),
]
# (source, target, level, count)
ALLOCATIONS = [
    ("JS", "JS-NJ", "5", 800),
    ("JS", "JS-NJ", "4", 600),
    ("JS", "JS-NJ", "3", 100),
    ("JS", "JS-SZ", "5", 500),
    ("JS", "JS-SZ", "4", 400),
    ("IND-49", "IND-49-JS", "4", 300),
]


def load_blanks_demo(by_code: dict[str, Any], *, password: str, with_stock: bool) -> None:
    User = get_user_model()
    for username, full_name, org_code, roles in SIGNERS:
        if not User.objects.filter(username=username).exists():
            org_services.create_user(
                username,
                password,
                actor=None,
                full_name=full_name,
                email=f"{username}@demo.skillcert.invalid",
                org=by_code[org_code],
                roles=roles,
            )
    if not with_stock or Receipt.objects.filter(holder=by_code["JS"]).exists():
        return
    for holder, level, series, first, last, doc in RECEIPTS:
        ledger.receive(
            holder=by_code[holder],
            level=level,
            series=series,
            first_number=first,
            last_number=last,
            document_number=doc,
            document_date=datetime.date(2026, 1, 4),
            received_on=datetime.date(2026, 1, 8),
            actor=None,
        )
    for source, target, level, count in ALLOCATIONS:
        ledger.allocate(
            source=by_code[source],
            target=by_code[target],
            level=level,
            count=count,
            actor=None,
            allocated_on=datetime.date(2026, 1, 15),
            document_number="苏鉴发〔2026〕2号",
        )
    for city, amount, remitted in [
        ("JS-NJ", "86400.00", datetime.date(2026, 4, 3)),
        ("JS-SZ", "52800.00", None),
    ]:
        FeeRemittance.objects.get_or_create(
            city=by_code[city],
            year=2026,
            quarter=1,
            defaults={"amount": Decimal(amount), "remitted_on": remitted},
        )
