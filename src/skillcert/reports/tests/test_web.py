"""Report pages and API (X4): scoped (X1) — out of scope answers 404 —, submission through the page and
the API, downloads of frozen files audited (X2), the deadline tracker (R1.1, R4.6) and the dashboard
chart data including verification not-found spikes by number prefix."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from skillcert.audit.models import AuditEntry
from skillcert.reports import periods
from skillcert.reports.models import ReportSubmission
from skillcert.reports.services import deadlines
from skillcert.reports.services.submit import submit_report
from skillcert.reports.tests.factories import appraisal
from skillcert.verification.models import LookupLog

Q2 = "2026Q2"
ON_TIME = datetime.datetime(2026, 6, 3, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def data(demo: dict[str, Any]) -> dict[str, Any]:
    orgs = demo["orgs"]
    appraisal(orgs["ST-10012003"], datetime.date(2026, 4, 10), {("6-18-01-01", 4): (5, 2, 1)})
    appraisal(orgs["ST-10052001"], datetime.date(2026, 4, 12), {("6-18-01-02", 5): (3, 1, 0)})
    return demo


@pytest.mark.django_db
def test_report_page_and_downloads_are_scoped(data: dict[str, Any], login: Any) -> None:
    """X1: the city sees its report with its stations and not Suzhou's; a station operator gets 404 for
    the city; the live PDF and XLSX download; unknown period codes are 404."""
    nj, sz = data["orgs"]["JS-NJ"], data["orgs"]["JS-SZ"]
    client = login("nj_admin")
    page = client.get(f"/manage/reports/{nj.pk}/{Q2}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "南京市第003号职业技能鉴定站" in html and "苏州" not in html.split("<main")[1]
    assert 'id="submit-form"' in html
    assert client.get(f"/manage/reports/{sz.pk}/{Q2}/").status_code == 404
    assert client.get(f"/manage/reports/{nj.pk}/2026Q5/").status_code == 404
    pdf = client.get(f"/manage/reports/{nj.pk}/{Q2}/pdf")
    assert (
        pdf.status_code == 200
        and pdf["Content-Type"] == "application/pdf"
        and pdf.content.startswith(b"%PDF")
    )
    xlsx = client.get(f"/manage/reports/{nj.pk}/{Q2}/xlsx")
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames[0] == "综合情况表"

    station = login("nj003")
    assert station.get(f"/manage/reports/{nj.pk}/{Q2}/").status_code == 404
    own = station.get(f"/manage/reports/{data['orgs']['ST-10012003'].pk}/{Q2}/")
    assert own.status_code == 200 and 'id="submit-form"' not in own.content.decode()  # stations owe none
    province = login("js_leader").get(f"/manage/reports/{data['orgs']['JS'].pk}/{Q2}/")
    assert (
        "南京市职业技能鉴定中心" in province.content.decode()
        and "苏州市职业技能鉴定中心" in province.content.decode()
    )


@pytest.mark.django_db
def test_submit_through_the_page_and_view_frozen_version(data: dict[str, Any], login: Any) -> None:
    """R1.1: the page submits; the frozen version page and files are served from the stored content;
    downloads are audited; another city cannot open it."""
    nj = data["orgs"]["JS-NJ"]
    client = login("nj_admin")
    response = client.post(f"/manage/reports/{nj.pk}/{Q2}/submit/", {"note": ""})
    submission = ReportSubmission.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/manage/reports/submissions/{submission.pk}/"
    )
    again = client.post(f"/manage/reports/{nj.pk}/{Q2}/submit/", {"note": ""}, follow=True)
    assert (
        "重新报送必须说明原因" in again.content.decode()
        or "resubmission needs a reason" in again.content.decode()
    )
    assert ReportSubmission.objects.count() == 1
    page = client.get(f"/manage/reports/submissions/{submission.pk}/")
    assert page.status_code == 200 and submission.content_sha256 in page.content.decode()
    pdf = client.get(f"/manage/reports/submissions/{submission.pk}/pdf")
    assert pdf.content == bytes(submission.pdf)
    assert (
        AuditEntry.objects.filter(action="reports.file_downloaded", object_id=str(submission.pk)).count() == 1
    )
    assert login("sz001").get(f"/manage/reports/submissions/{submission.pk}/").status_code == 404


@pytest.mark.django_db
def test_api_submissions_live_and_scoping(data: dict[str, Any], api: Any) -> None:
    """X4, X1: submit, list, read and download through the API; problem JSON with stable codes; other
    subtrees see nothing and get 404."""
    nj = data["orgs"]["JS-NJ"]
    client = api("nj_admin")
    live = client.get("/api/v1/reports/live/", {"organisation": nj.pk, "period": Q2})
    assert live.status_code == 200 and live.json()["overall"]["total"]["issued"] == 5
    bad = client.get("/api/v1/reports/live/", {"organisation": nj.pk, "period": "2026Q9"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "reports.period.invalid"
    created = client.post("/api/v1/report-submissions/", {"organisation": nj.pk, "period": Q2}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["version"] == 1 and body["content"]["overall"]["total"]["issued"] == 5
    resubmit = client.post(
        "/api/v1/report-submissions/", {"organisation": nj.pk, "period": Q2}, format="json"
    )
    assert resubmit.status_code == 400 and resubmit.json()["code"] == "reports.resubmit.reason_required"
    v2 = client.post(
        "/api/v1/report-submissions/", {"organisation": nj.pk, "period": Q2, "note": "更正"}, format="json"
    )
    assert v2.json()["version"] == 2
    listing = client.get("/api/v1/report-submissions/").json()
    assert [r["version"] for r in listing["results"]] == [2, 1]
    xlsx = client.get(f"/api/v1/report-submissions/{body['id']}/xlsx/")
    assert (
        xlsx.status_code == 200
        and load_workbook(io.BytesIO(xlsx.content)).sheetnames[1] == "职业工种情况报表"
    )

    other = api("sz001")
    assert other.get("/api/v1/report-submissions/").json()["count"] == 0
    assert other.get(f"/api/v1/report-submissions/{body['id']}/").status_code == 404
    assert other.get("/api/v1/reports/live/", {"organisation": nj.pk, "period": Q2}).status_code == 404
    denied = api("js_auditor").post(
        "/api/v1/report-submissions/", {"organisation": nj.pk, "period": Q2, "note": "x"}, format="json"
    )
    assert denied.status_code == 403 and denied.json()["code"] == "reports.submit.not_permitted"
    assert api(None).get("/api/v1/report-submissions/").status_code == 401


@pytest.mark.django_db
def test_deadline_tracker(data: dict[str, Any], api: Any, login: Any) -> None:
    """R1.1, R4.6: cities (and the province) owe each quarter; on time, late, overdue, due and open are
    told apart; the industry branch owes the half year and the year; scoped to the user's subtree."""
    orgs, users = data["orgs"], data["users"]
    submit_report(
        orgs["JS-NJ"],
        periods.parse("2026Q1"),
        actor=users["nj_admin"],
        now=datetime.datetime(2026, 3, 5, 8, tzinfo=datetime.UTC),
    )  # on the due day
    submit_report(
        orgs["JS-NJ"],
        periods.parse("2026Q2"),
        actor=users["nj_admin"],
        now=datetime.datetime(2026, 6, 8, 8, tzinfo=datetime.UTC),
    )  # three days late
    today = datetime.date(2026, 9, 3)  # Q3 ended, due 5 Sep; Q4 open
    items = deadlines.obligations(users["js_leader"], periods.QUARTER, 2026, today=today)
    status = {(i.organisation.code, i.period.code): i.status for i in items}
    assert {code for code, _ in status} == {"JS", "JS-NJ", "JS-SZ"}
    assert status[("JS-NJ", "2026Q1")] == "submitted"
    assert status[("JS-NJ", "2026Q2")] == "late"
    assert status[("JS-SZ", "2026Q2")] == "overdue"
    assert status[("JS-NJ", "2026Q3")] == "due"
    assert status[("JS-NJ", "2026Q4")] == "open"
    mine = deadlines.obligations(users["nj_admin"], periods.QUARTER, 2026, today=today)
    assert {i.organisation.code for i in mine} == {"JS-NJ"}
    industry = deadlines.obligations(users["jx_leader"], periods.HALF, 2026, today=today)
    assert [(i.organisation.code, i.status) for i in industry] == [("IND-49-JS", "overdue")]

    response = api("js_leader").get("/api/v1/reports/deadlines/", {"kind": "quarter", "year": 2026})
    assert response.status_code == 200
    body = response.json()
    assert body["summary"]["submitted"] == 1 and body["summary"]["late"] == 1
    assert api("js_leader").get("/api/v1/reports/deadlines/", {"kind": "month"}).status_code == 400
    page = login("js_leader").get("/manage/reports/deadlines/?kind=quarter&year=2026")
    assert page.status_code == 200 and "苏州市职业技能鉴定中心" in page.content.decode()


@pytest.mark.django_db
def test_dashboard_data(data: dict[str, Any], api: Any, login: Any) -> None:
    """Dashboards: certificates per month and level, by occupation, pass rates; blank stock "not
    available"; verification lookups per day with a not-found spike on one prefix flagged — only for
    centres running the public query; other subtrees 404."""
    orgs = data["orgs"]
    today = timezone.localdate()
    appraisal(orgs["ST-10012005"], today, {("6-29-03-01", 3): (4, 4, 0)})
    now = timezone.now()
    rows = [
        LookupLog(channel="web", method="number", result="valid", number_prefix="261001") for _ in range(30)
    ]
    rows += [
        LookupLog(channel="web", method="number", result="not_found", number_prefix="261001")
        for _ in range(3)
    ]
    rows += [
        LookupLog(channel="api", method="number", result="not_found", number_prefix="269901")
        for _ in range(40)
    ]
    LookupLog.objects.bulk_create(rows)
    LookupLog.objects.filter(number_prefix="261001", result="not_found").update(
        at=now - datetime.timedelta(days=3)
    )

    body = api("js_leader").get("/api/v1/reports/dashboard/", {"organisation": orgs["JS"].pk}).json()
    month = today.strftime("%Y-%m")
    idx = body["months"].index(month)
    by_level = {s["level"]: s["data"][idx] for s in body["certificates"]["by_month"]}
    assert by_level[3] == 4
    assert body["certificates"]["by_occupation"] == [  # the last 12 months, most first
        {"code": "6-18-01-01", "name": "车工", "count": 5},
        {"code": "6-29-03-01", "name": "机械设备安装工", "count": 4},
        {"code": "6-18-01-02", "name": "铣工", "count": 3},
    ]
    assert body["pass_rates"]["by_month"][idx]["rate"] == 0.5
    stock = body["blank_stock"]  # today's stock from the blank ledger, per holder in scope
    assert stock["available"] is True and stock["total"] == sum(r["count"] for r in stock["rows"])
    v = body["verification"]
    assert v["total"][-1] == 70 and v["not_found"][-1] == 40
    assert v["not_found_rate"][-1] == pytest.approx(40 / 70, abs=1e-4)
    assert v["not_found_by_prefix"][0]["prefix"] == "269901"
    assert [(s["prefix"], s["day"], s["not_found"]) for s in v["spikes"]] == [
        ("269901", today.isoformat(), 40)
    ]

    city = api("nj_admin").get("/api/v1/reports/dashboard/", {"organisation": orgs["JS-NJ"].pk}).json()
    assert city["verification"] is None  # lookups carry no organisation: centres only
    assert (
        api("nj_admin").get("/api/v1/reports/dashboard/", {"organisation": orgs["JS"].pk}).status_code == 404
    )
    assert (
        api("nj_admin")
        .get("/api/v1/reports/dashboard/", {"organisation": orgs["JS-NJ"].pk, "days": 0})
        .status_code
        == 400
    )
    page = login("js_leader").get("/manage/reports/dashboard/")
    assert page.status_code == 200 and "vendor/echarts/echarts.min.js" in page.content.decode()
