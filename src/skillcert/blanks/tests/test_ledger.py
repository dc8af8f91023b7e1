"""The blank ledger through its services (R1.2, R1.6, R1.7, R1.8): receipts, allocations along the tree
only, binding the lowest free serial, spoiling with the binding kept in the history, and the check
that replays the entries."""

from __future__ import annotations

from typing import Any

import pytest

from skillcert.blanks.choices import BlankState, EntryKind
from skillcert.blanks.models import BlankSerial, LedgerEntry
from skillcert.blanks.services import ledger
from skillcert.blanks.services.check import check_ledger
from skillcert.blanks.tests.helpers import issue, stock
from skillcert.core.errors import Conflict, SkillcertError, ValidationFailed

pytestmark = pytest.mark.django_db


def test_r1_2_receive_allocate_bind_spoil(demo: dict[str, Any]) -> None:
    """R1.2/R1.6/R1.7: serials flow province → city, print binds the lowest, spoiling keeps history."""
    orgs = demo["orgs"]
    receipt = stock(demo, first=1, last=1000, to_city=200)
    assert receipt.count == 1000
    assert BlankSerial.objects.filter(holder=orgs["JS"]).count() == 800
    assert set(BlankSerial.objects.filter(holder=orgs["JS-NJ"]).values_list("serial", flat=True)) == {
        f"JS{n:08d}" for n in range(1, 201)
    }
    # one entry per contiguous run: one receipt, one allocation
    assert LedgerEntry.objects.filter(kind=EntryKind.RECEIVED).count() == 1
    assert LedgerEntry.objects.filter(kind=EntryKind.ALLOCATED).count() == 1
    cert_a, cert_b = issue(demo, 2)
    s1 = ledger.bind_next_serial(holder=orgs["JS-NJ"], level="4", certificate=cert_a, actor=None)
    assert s1.serial == "JS00000001" and s1.state == BlankState.BOUND
    assert ledger.current_serial_for(cert_a) == s1
    ledger.spoil_serial(s1, reason="卡纸", actor=None)
    assert ledger.current_serial_for(cert_a) is None
    s2 = ledger.bind_next_serial(
        holder=orgs["JS-NJ"], level="4", certificate=cert_a, actor=None, reason="reprint"
    )
    assert s2.serial == "JS00000002"
    assert ledger.current_serial_for(cert_a) == s2
    kinds = [(e.kind, e.first_serial) for e in ledger.certificate_serials(cert_a)]
    assert kinds == [("bound", "JS00000001"), ("spoiled", "JS00000001"), ("bound", "JS00000002")]
    s1.refresh_from_db()
    assert s1.state == BlankState.SPOILED and s1.certificate is None
    ledger.spoil_serial(BlankSerial.objects.get(serial="JS00000003"), reason="污损", actor=None)
    with pytest.raises(Conflict) as exc:
        ledger.spoil_serial(BlankSerial.objects.get(serial="JS00000003"), reason="again", actor=None)
    assert exc.value.code == "blanks.serial.spoiled_not_allowed"
    assert (
        ledger.bind_next_serial(holder=orgs["JS-NJ"], level="4", certificate=cert_b, actor=None).serial
        == "JS00000004"
    )
    assert check_ledger().ok


def test_r1_8_never_city_to_station_nor_across(demo: dict[str, Any]) -> None:
    """R1.8: a city never hands blanks to a station; allocation only down one step of the tree."""
    orgs = demo["orgs"]
    stock(demo, to_city=10)
    with pytest.raises(ValidationFailed) as exc:
        ledger.allocate(source=orgs["JS-NJ"], target=orgs["ST-10012003"], level="4", count=1, actor=None)
    assert exc.value.code == "blanks.allocation.to_station"
    assert "鉴定站" in exc.value.message_zh and "station" in exc.value.message_en
    with pytest.raises(ValidationFailed) as exc:
        ledger.allocate(source=orgs["JS-NJ"], target=orgs["JS-SZ"], level="4", count=1, actor=None)
    assert exc.value.code == "blanks.allocation.not_allowed"
    with pytest.raises(ValidationFailed):
        ledger.allocate(source=orgs["JS"], target=orgs["IND-49-JS"], level="4", count=1, actor=None)


def test_stock_exhausted_names_holder_and_level(demo: dict[str, Any]) -> None:
    orgs = demo["orgs"]
    stock(demo, first=1, last=3, to_city=1)
    (cert_a, cert_b) = issue(demo, 2)
    ledger.bind_next_serial(holder=orgs["JS-NJ"], level="4", certificate=cert_a, actor=None)
    with pytest.raises(SkillcertError) as exc:
        ledger.bind_next_serial(holder=orgs["JS-NJ"], level="4", certificate=cert_b, actor=None)
    assert exc.value.code == "blanks.stock.exhausted"
    assert str(orgs["JS-NJ"]) in exc.value.message_zh and "level 4" in exc.value.message_en
    with pytest.raises(Conflict) as exc2:
        ledger.allocate(source=orgs["JS"], target=orgs["JS-NJ"], level="4", count=5, actor=None)
    assert exc2.value.code == "blanks.stock.insufficient"


def test_receipt_overlap_and_validation(demo: dict[str, Any]) -> None:
    orgs = demo["orgs"]
    stock(demo, first=1, last=100, to_city=0)
    with pytest.raises(Conflict) as exc:
        stock(demo, first=100, last=200, to_city=0)
    assert exc.value.code == "blanks.receipt.overlap" and "JS00000100" in exc.value.message_zh
    with pytest.raises(ValidationFailed):
        ledger.receive(
            holder=orgs["JS-NJ"],
            level="4",
            series="JS",
            first_number=500,
            last_number=600,
            document_number="x",
            document_date=receipt_date(),
            actor=None,
        )


def receipt_date() -> Any:
    import datetime

    return datetime.date(2026, 1, 5)
