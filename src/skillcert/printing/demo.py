"""Printing demo data: one calibrated printer at the Nanjing centre and one at station 003 (R0.2).
Idempotent: printers are found by organisation and name."""

from __future__ import annotations

from decimal import Decimal

from skillcert.orgs.models import Organisation
from skillcert.printing.models import Printer
from skillcert.printing.services.printers import create_printer

PRINTERS = [
    ("JS-NJ", "证书室 HP Color LaserJet M454dn", Decimal("0.80"), Decimal("-0.50"), Decimal("1.0000")),
    ("ST-10012003", "鉴定站 Canon LBP7110Cw", Decimal("0"), Decimal("0"), Decimal("1.0000")),
]


def load_printing_demo(by_code: dict[str, Organisation]) -> int:
    created = 0
    for code, name, ox, oy, scale in PRINTERS:
        org = by_code.get(code)
        if org is None or Printer.objects.filter(organisation=org, name=name).exists():
            continue
        create_printer(org, actor=None, name=name, offset_x_mm=ox, offset_y_mm=oy, scale=scale)
        created += 1
    return created
