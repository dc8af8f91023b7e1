"""Quarterly requisitions (R1.3–R1.5): the window 1–10 Jan/Apr/Jul/Oct, the 申领审核表 pre-filled from
last quarter (received, qualified persons counted in the DB, destroyed, stock), the fixed sign-off chain
without skipping or self-approval, zero declarations, missing/late counting as zero, the province's
overview and allocation; the form as PDF (read back with pdftotext) and XLSX (read back with openpyxl)."""

from __future__ import annotations

import datetime
import io
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from skillcert.blanks.choices import RequisitionStatus
from skillcert.blanks.documents import render_requisition_pdf, render_requisition_xlsx
from skillcert.blanks.models import Allocation, BlankSerial, Requisition
from skillcert.blanks.services import destruction, ledger
from skillcert.blanks.services import requisition as rq
from skillcert.blanks.tests.helpers import issue, stock
from skillcert.core.errors import Conflict, NotPermitted, ValidationFailed

pytestmark = pytest.mark.django_db


def test_r1_3_window_is_days_1_to_10_of_the_quarter_months() -> None:
    assert rq.window_quarter(datetime.date(2026, 1, 1)) == (2026, 1)
    assert rq.window_quarter(datetime.date(2026, 4, 10)) == (2026, 2)
    assert rq.window_quarter(datetime.date(2026, 10, 5)) == (2026, 4)
    assert rq.window_quarter(datetime.date(2026, 4, 11)) is None
    assert rq.window_quarter(datetime.date(2026, 2, 5)) is None
    assert rq.window_quarter(datetime.date(2025, 12, 31)) is None
    assert rq.quarter_bounds(2026, 1) == (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    assert rq.previous_quarter(2026, 1) == (2025, 4)


def test_r1_3_late_requisition_refused_and_counts_as_zero(demo: dict[str, Any]) -> None:
    """R1.5: outside the window nothing is filed; the quarter counts as zero."""
    nj = demo["orgs"]["JS-NJ"]
    with pytest.raises(Conflict) as exc:
        rq.file_requisition(
            city=nj, planned={"4": 100}, actor=demo["users"]["nj_admin"], today=datetime.date(2026, 4, 11)
        )
    assert exc.value.code == "blanks.requisition.window_closed"
    assert "1–10" in exc.value.message_en and "零申领" in exc.value.message_zh
    assert rq.effective_planned(nj, 2026, 2) == {lv: 0 for lv in "54321"}


def test_r1_3_form_prefilled_chain_in_order_no_self_approval(demo: dict[str, Any], tmp_path: Path) -> None:
    orgs, users = demo["orgs"], demo["users"]
    nj = orgs["JS-NJ"]
    # last quarter (2026 Q1 for the Q2 requisition filed on 3 April): 120 received at level 4
    ledger.receive(
        holder=orgs["JS"],
        level="4",
        series="JS",
        first_number=1,
        last_number=500,
        document_number="D1",
        document_date=datetime.date(2026, 1, 2),
        actor=None,
    )
    ledger.allocate(
        source=orgs["JS"], target=nj, level="4", count=120, actor=None, allocated_on=datetime.date(2026, 2, 1)
    )
    spoiled = BlankSerial.objects.get(serial="JS00000001")
    ledger.spoil_serial(spoiled, reason="卡纸", actor=None)
    destruction.destroy(
        holder=nj,
        serials=["JS00000001"],
        destroyed_on=datetime.date(2026, 3, 20),
        witness_1=users["nj_admin"],
        witness_2=users["nj_section"],
        actor=None,
    )
    certs = issue(demo, 3)  # issued "today" by the helper's session: moved into Q1 for the figure
    from skillcert.certificates.models import Certificate

    Certificate.objects.filter(pk__in=[c.pk for c in certs]).update(issued_on=datetime.date(2026, 3, 2))
    req = rq.file_requisition(
        city=nj, planned={"4": 150, "5": 20}, actor=users["nj_admin"], today=datetime.date(2026, 4, 3)
    )
    assert (req.year, req.quarter, req.status) == (2026, 2, RequisitionStatus.SUBMITTED)
    line = req.lines.get(level="4")
    assert (line.received, line.qualified, line.destroyed, line.stock, line.planned) == (120, 3, 1, 119, 150)
    with pytest.raises(Conflict):  # one per quarter
        rq.file_requisition(
            city=nj, planned={"4": 1}, actor=users["nj_admin"], today=datetime.date(2026, 4, 4)
        )

    # no skipping: the leader and the province cannot sign before the section head
    for who in ("nj_leader", "js_leader"):
        with pytest.raises(NotPermitted) as exc:
            rq.approve_requisition(req, actor=users[who])
        assert exc.value.code == "blanks.requisition.wrong_step"
    rq.approve_requisition(req, actor=users["nj_section"], comment="同意")
    with pytest.raises(NotPermitted):
        rq.approve_requisition(req, actor=users["nj_section"])  # same step twice / wrong role
    req = rq.approve_requisition(req, actor=users["nj_leader"])
    assert req.status == RequisitionStatus.LEADER_APPROVED
    assert rq.effective_planned(nj, 2026, 2)["4"] == 0  # not yet approved by the province
    req = rq.approve_requisition(req, actor=users["js_leader"])
    assert req.status == RequisitionStatus.APPROVED
    assert [a.step for a in req.approvals.all()] == ["section_head", "leader_in_charge", "province"]
    assert rq.effective_planned(nj, 2026, 2)["4"] == 150

    rq.record_fee_remittance(
        city=nj,
        year=2026,
        quarter=1,
        amount=Decimal("86400"),
        remitted_on=datetime.date(2026, 4, 2),
        actor=users["js_leader"],
    )
    rows = {r.city.code: r for r in rq.allocation_overview(orgs["JS"], 2026, 2)}
    assert rows["JS-NJ"].fee is not None and rows["JS-NJ"].fee.amount == Decimal("86400")
    assert rows["JS-NJ"].destroyed == 1 and rows["JS-NJ"].figures["4"].qualified == 3
    assert rows["JS-SZ"].requisition is None and rows["JS-SZ"].planned["4"] == 0  # missing → zero
    rq.allocate_for_requisition(req, {"4": 150}, actor=users["js_leader"])
    assert req.lines.get(level="4").allocated == 150
    assert Allocation.objects.filter(requisition=req).get().count == 150

    # the form: PDF read back with pdftotext, XLSX with openpyxl
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(render_requisition_pdf(req))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "职业资格证书申领审核表" in text and "2026年第2季度" in text
    assert "科室负责人（签字）" in text and "郑科长" in text and "冯分管局长" in text and "盖章" in text
    row = next(line for line in text.splitlines() if line.strip().startswith("中级"))
    assert row.split()[1:] == ["120", "3", "1", "119", "150", "150"]
    wb = load_workbook(io.BytesIO(render_requisition_xlsx(req)))
    ws = wb.active
    assert ws is not None
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[0][0] == "职业资格证书申领审核表"
    assert ["中级", 120, 3, 1, 119, 150, 150] in values
    assert ["合计", 120, 3, 1, 119, 170, 150] in values
    assert any(r[0] == "分管领导（签字）" and r[1] == "冯分管局长" for r in values)


def test_r1_3_filer_cannot_sign_and_rejection_ends_chain(demo: dict[str, Any]) -> None:
    from skillcert.orgs.choices import Role
    from skillcert.orgs.models import Membership

    orgs, users = demo["orgs"], demo["users"]
    section = users["nj_section"]
    Membership.objects.create(user=section, organisation=orgs["JS-NJ"], role=Role.CERT_ADMIN)
    req = rq.file_requisition(
        city=orgs["JS-NJ"], planned={"5": 10}, actor=section, today=datetime.date(2026, 7, 1)
    )
    with pytest.raises(NotPermitted) as exc:
        rq.approve_requisition(req, actor=section)
    assert exc.value.code == "blanks.requisition.self_approval"
    # a zero declaration from the other city, rejected by its ... chain ends at rejection
    req2 = rq.file_requisition(
        city=orgs["JS-SZ"], planned={}, zero_declaration=True, actor=None, today=datetime.date(2026, 7, 2)
    )
    assert req2.zero_declaration and all(line.planned == 0 for line in req2.lines.all())
    with pytest.raises(ValidationFailed):
        rq.file_requisition(city=orgs["JS-NJ"], planned={}, actor=None, today=datetime.date(2026, 10, 2))
    with pytest.raises(NotPermitted):  # a Nanjing signer cannot sign for Suzhou
        rq.approve_requisition(req2, actor=users["nj_section"])
    assert Requisition.objects.count() == 2


def test_r1_3_requisition_needs_the_permission(demo: dict[str, Any]) -> None:
    with pytest.raises(NotPermitted):
        rq.file_requisition(
            city=demo["orgs"]["JS-NJ"],
            planned={"4": 1},
            actor=demo["users"]["nj003"],
            today=datetime.date(2026, 1, 5),
        )
    stock(demo, to_city=0)
