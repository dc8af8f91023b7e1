"""Submitted reports are frozen (R1.1, design.md rule 3): content, PDF and XLSX stored and unchanged by
later data; a resubmission is a new version with a reason; every step audited (X2); files read back
with poppler and openpyxl (X5)."""

from __future__ import annotations

import datetime
import io
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from skillcert.audit.models import AuditEntry
from skillcert.certificates.models import Certificate
from skillcert.certificates.services import lifecycle
from skillcert.core.errors import NotFound, NotPermitted, ValidationFailed
from skillcert.reports import periods
from skillcert.reports.documents_pdf import render_report_pdf
from skillcert.reports.models import ReportSubmission
from skillcert.reports.services.build import build_report
from skillcert.reports.services.submit import submit_report
from skillcert.reports.tests.factories import appraisal

Q2 = periods.parse("2026Q2")
ON_TIME = datetime.datetime(2026, 6, 3, 9, 0, tzinfo=datetime.UTC)
REPO = Path(__file__).resolve().parents[4]


def pdftext(data: bytes, *args: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return subprocess.run(
            ["pdftotext", "-layout", *args, f.name, "-"], check=True, capture_output=True, text=True
        ).stdout


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def data(demo: dict[str, Any]) -> dict[str, Any]:
    orgs = demo["orgs"]
    appraisal(
        orgs["ST-10012003"],
        datetime.date(2026, 4, 10),
        {("6-18-01-01", 4): (5, 2, 1), ("6-18-01-02", 5): (3, 0, 0)},
    )
    appraisal(orgs["ST-10012005"], datetime.date(2026, 5, 20), {("6-18-01-01", 3): (2, 1, 0)})
    return demo


@pytest.mark.django_db
def test_submitted_report_stays_frozen_and_resubmission_is_a_new_version(data: dict[str, Any]) -> None:
    """R1.1: after submission, new certificates and a revocation change the live report but not the
    submitted one (content, hash, PDF, XLSX); resubmitting needs a reason and makes version 2; v1 is
    kept; both steps are audited."""
    city, admin = data["orgs"]["JS-NJ"], data["users"]["nj_admin"]
    v1 = submit_report(city, Q2, actor=admin, now=ON_TIME)
    assert (v1.version, v1.late, v1.due_on) == (1, False, datetime.date(2026, 6, 5))
    assert v1.content["overall"]["total"]["issued"] == 10
    saved = ReportSubmission.objects.get(pk=v1.pk)
    frozen = (saved.content, saved.content_sha256, bytes(saved.pdf), bytes(saved.xlsx))

    appraisal(data["orgs"]["ST-10012005"], datetime.date(2026, 5, 21), {("6-29-03-01", 5): (4, 0, 0)})
    cert = Certificate.objects.filter(organisation=data["orgs"]["ST-10012003"]).first()
    assert cert is not None
    lifecycle.revoke(cert, actor=data["users"]["js_leader"], reason="测试撤销")
    # The revocation is dated today (after Q2); date it inside Q2 so it changes the Q2 figures.
    cert.events.filter(kind="revoked").update(at=datetime.datetime(2026, 5, 30, 8, tzinfo=datetime.UTC))

    live = build_report(city, Q2, actor=admin)
    assert live["overall"]["total"]["issued"] == 14 and live["overall"]["total"]["revoked"] == 1
    again = ReportSubmission.objects.get(pk=v1.pk)
    assert (again.content, again.content_sha256, bytes(again.pdf), bytes(again.xlsx)) == frozen
    with pytest.raises(ValueError):
        again.save()
    with pytest.raises(ValueError):
        again.delete()

    with pytest.raises(ValidationFailed) as refused:
        submit_report(city, Q2, actor=admin)
    assert refused.value.code == "reports.resubmit.reason_required"
    v2 = submit_report(city, Q2, actor=admin, note="补录5月21日鉴定批次")
    assert v2.version == 2 and v2.late is True  # today is after 5 June
    assert v2.content["overall"]["total"]["issued"] == 14
    assert ReportSubmission.objects.get(pk=v1.pk).content["overall"]["total"]["issued"] == 10
    assert "第 2 版" in pdftext(bytes(v2.pdf))

    actions = list(
        AuditEntry.objects.filter(object_type="reports.ReportSubmission")
        .order_by("id")
        .values_list("action", "object_id", "organisation_id")
    )
    assert actions == [
        ("reports.submitted", str(v1.pk), city.pk),
        ("reports.resubmitted", str(v2.pk), city.pk),
    ]
    entry = AuditEntry.objects.get(action="reports.resubmitted")
    assert entry.data is not None
    assert entry.data["version"] == 2 and entry.data["content_sha256"] == v2.content_sha256


@pytest.mark.django_db
def test_who_may_submit_what(data: dict[str, Any]) -> None:
    """X1, R1.1, R4.6: a station operator may view but not submit; nobody submits outside their scope;
    a station under a city owes no report; a period not yet ended cannot be submitted."""
    orgs, users = data["orgs"], data["users"]
    with pytest.raises(NotPermitted):
        submit_report(orgs["JS-NJ"], Q2, actor=users["js_auditor"])  # sees the city's reports, no more
    with pytest.raises(NotFound):
        submit_report(orgs["JS-NJ"], Q2, actor=users["nj003"])  # the city is above the station
    with pytest.raises(NotFound):
        submit_report(orgs["JS-SZ"], Q2, actor=users["nj_admin"])
    with pytest.raises(ValidationFailed) as not_owed:
        submit_report(orgs["ST-10012003"], Q2, actor=None)
    assert not_owed.value.code == "reports.period.not_owed"
    with pytest.raises(ValidationFailed) as half:
        submit_report(orgs["JS-NJ"], periods.parse("2026H1"), actor=users["nj_admin"])
    assert half.value.code == "reports.period.not_owed"
    with pytest.raises(ValidationFailed) as open_period:
        submit_report(orgs["JS-NJ"], periods.parse("2027Q1"), actor=users["nj_admin"])
    assert open_period.value.code == "reports.period.not_ended"
    branch = submit_report(orgs["IND-49-JS"], periods.parse("2026H1"), actor=users["jx_leader"])
    assert branch.version == 1
    assert ReportSubmission.objects.count() == 1


@pytest.mark.django_db
def test_pdf_reads_back_with_both_forms_signature_and_seal(data: dict[str, Any]) -> None:
    """R1.1, R1.6, X5: the PDF carries both forms with the figures, the "not available" destroyed
    section, signature lines and the seal place; pages render; a long occupation table continues on
    further pages with numbered pages."""
    city = data["orgs"]["JS-NJ"]
    submission = submit_report(city, Q2, actor=data["users"]["nj_admin"], now=ON_TIME)
    text = pdftext(bytes(submission.pdf))
    flat = squash(text)
    for words in [
        "职业技能鉴定综合情况表",
        "职业技能鉴定职业工种情况报表",
        "南京市职业技能鉴定中心",
        "2026年第二季度",
        "2026-03-01至2026-05-31",
        "南京市第003号职业技能鉴定站",
        "南京市第005号职业技能鉴定站",
        "车工",
        "铣工",
        "填表人：",
        "审核人：",
        "单位负责人：",
        "人社部门分管领导（签字）：",
        "（单位盖章）",
        "第1版",
    ]:
        assert words in flat, words
    # Totals row of the level table: enrolled 14, appraised 13, qualified 10, 76.9 %, issued 10.
    assert any(squash(line).startswith("合计14131076.9%10") for line in text.splitlines()), text
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "r.pdf"
        pdf.write_bytes(bytes(submission.pdf))
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(Path(tmp) / "p")], check=True)
        pages = sorted(Path(tmp).glob("p*.png"))
        assert len(pages) == 2 and all(p.stat().st_size > 3000 for p in pages)
        shots = REPO / "var" / "screenshots" / "reports"
        shots.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(shots / "report")], check=True)

    content = submission.content
    content["occupation"]["rows"] = content["occupation"]["rows"] * 40  # 120 rows
    long = render_report_pdf(content, stamp="x")
    long_text = squash(pdftext(long))
    numbers = re.findall(r"第(\d+)页共(\d+)页", long_text)
    assert numbers[0] == ("1", "1")  # the overall form
    count = int(numbers[1][1])  # the occupation form continues over several pages, numbered 1…n of n
    assert count >= 5 and numbers[1:] == [(str(i), str(count)) for i in range(1, count + 1)]
    assert long_text.count("职业技能鉴定职业工种情况报表（续）") == count - 1
    assert long_text.count("6-18-01-02铣工五级/初级") == 40
    assert long == render_report_pdf(content, stamp="x")  # deterministic


@pytest.mark.django_db
def test_xlsx_reads_back(data: dict[str, Any]) -> None:
    """X5: the workbook has both forms and the destroyed-serial sheet; counts are numbers and sum up."""
    submission = submit_report(data["orgs"]["JS-NJ"], Q2, actor=data["users"]["nj_admin"], now=ON_TIME)
    wb = load_workbook(io.BytesIO(bytes(submission.xlsx)))
    assert wb.sheetnames == ["综合情况表", "职业工种情况报表", "销毁证书流水码"]
    rows: list[list[Any]] = [list(r) for r in wb["综合情况表"].iter_rows(values_only=True)]
    assert rows[0][0] == "职业技能鉴定综合情况表"
    head = rows.index(
        ["等级", "报名人数", "实考人数", "合格人数", "合格率", "发证数", "补发数", "撤销数", "销毁证书数"]
    )
    level_rows = rows[head + 1 : head + 6]
    total = rows[head + 6]
    assert total[:8] == ["合计", 14, 13, 10, pytest.approx(10 / 13, abs=1e-4), 10, 0, 0]
    assert total[8] == 0  # destroyed serials come from the blank ledger: none destroyed here (R1.6)
    assert sum(r[5] for r in level_rows) == 10
    occupation: list[list[Any]] = [list(r) for r in wb["职业工种情况报表"].iter_rows(values_only=True)]
    lines = [r for r in occupation if r[0] and str(r[0]).startswith("6-18")]
    assert sum(r[7] for r in lines) == 10  # 发证数
    assert {(r[0], r[2]) for r in lines} == {
        ("6-18-01-01", "四级/中级"),
        ("6-18-01-02", "五级/初级"),
        ("6-18-01-01", "三级/高级"),
    }
    destroyed: list[list[Any]] = [list(r) for r in wb["销毁证书流水码"].iter_rows(values_only=True)]
    assert destroyed[4][:2] == ["版本", "第 1 版 · 2026-06-03 报送"]
    # The ledger is wired and nothing was destroyed in the quarter: the header and no serial rows (R1.6).
    assert destroyed[-1][0] == "流水码"
