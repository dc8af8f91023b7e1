"""Pages, API and CLI of the blank ledger: scoping (X1: a city sees only its own stock, other serials
answer 404), problem JSON for refusals (R1.8), exports read back, the CLI check failing on a tampered
cache, destruction with two witnesses and the per-quarter list (R1.6), distribution with masked
addresses and the five-year recall (R2.8)."""

from __future__ import annotations

import datetime
import io
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from skillcert.blanks.choices import BlankState, DistributionStatus
from skillcert.blanks.models import BlankSerial, Distribution
from skillcert.blanks.services import destruction, distribution, ledger
from skillcert.blanks.tests.helpers import issue, stock
from skillcert.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cities(demo: dict[str, Any]) -> None:
    stock(demo, first=1, last=100, to_city=10, city="JS-NJ")
    ledger.allocate(source=demo["orgs"]["JS"], target=demo["orgs"]["JS-SZ"], level="4", count=5, actor=None)


def test_x1_city_sees_only_its_own_stock(
    demo: dict[str, Any], two_cities: None, login: Any, api: Any
) -> None:
    client = login("nj_admin")
    page = client.get("/manage/blanks/serials/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "JS00000001" in body and "JS00000011" not in body  # 11–15 went to Suzhou
    assert client.get("/manage/blanks/serials/JS00000011/").status_code == 404
    assert client.get("/manage/blanks/serials/JS00000001/").status_code == 200
    stock_page = client.get("/manage/blanks/").content.decode()
    assert "南京" in stock_page and "苏州" not in stock_page
    nj = api("nj_admin")
    data = nj.get("/api/v1/blank-serials/", {"page_size": 100}).json()
    assert {r["serial"] for r in data["results"]} == {f"JS{n:08d}" for n in range(1, 11)}
    assert nj.get("/api/v1/blank-serials/JS00000011/").status_code == 404
    rows = nj.get("/api/v1/blank-serials/stock/").json()
    assert rows == [
        {
            "holder": demo["orgs"]["JS-NJ"].pk,
            "holder_name": demo["orgs"]["JS-NJ"].name,
            "level": "4",
            "state": "in_stock",
            "count": 10,
        }
    ]
    province = api("js_leader").get("/api/v1/blank-serials/stock/").json()
    assert sum(r["count"] for r in province) == 100
    # a station operator sees no stock at all (stations hold none, R1.8)
    assert api("nj003").get("/api/v1/blank-serials/").json()["count"] == 0


def test_r1_8_api_refuses_station_allocation_as_problem_json(demo: dict[str, Any], api: Any) -> None:
    orgs = demo["orgs"]
    client = api("js_leader")
    r = client.post(
        "/api/v1/blank-receipts/",
        {
            "holder": orgs["JS"].pk,
            "level": "5",
            "first_serial": "JS00000001",
            "last_serial": "JS00000050",
            "document_number": "鉴证函〔2026〕9号",
            "document_date": "2026-01-04",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["count"] == 50 and r.json()["last_serial"] == "JS00000050"
    r = client.post(
        "/api/v1/blank-allocations/",
        {"source": orgs["JS"].pk, "target": orgs["ST-10012003"].pk, "level": "5", "count": 5},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["code"] == "blanks.allocation.to_station"
    r = client.post(
        "/api/v1/blank-allocations/",
        {"source": orgs["JS"].pk, "target": orgs["JS-NJ"].pk, "level": "5", "count": 5},
        format="json",
    )
    assert r.status_code == 201
    # the city cannot receive from the national centre, nor allocate onwards
    r = api("nj_admin").post(
        "/api/v1/blank-allocations/",
        {"source": orgs["JS-NJ"].pk, "target": orgs["JS-SZ"].pk, "level": "5", "count": 1},
        format="json",
    )
    assert r.status_code == 404  # Suzhou is outside Nanjing's scope


def test_api_requisition_chain(demo: dict[str, Any], api: Any) -> None:
    """R1.3 over the API: filed in the window, signed in order, refused out of order."""
    orgs = demo["orgs"]
    with mock.patch(
        "skillcert.blanks.services.requisition.timezone.localdate", return_value=datetime.date(2026, 7, 3)
    ):
        r = api("nj_admin").post(
            "/api/v1/blank-requisitions/", {"city": orgs["JS-NJ"].pk, "planned": {"4": 30}}, format="json"
        )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["quarter"] == 3 and r.json()["status"] == "submitted"
    r = api("js_leader").post(f"/api/v1/blank-requisitions/{pk}/approve/", {}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "blanks.requisition.wrong_step"
    for who in ("nj_section", "nj_leader", "js_leader"):
        r = api(who).post(f"/api/v1/blank-requisitions/{pk}/approve/", {"comment": "同意"}, format="json")
        assert r.status_code == 200, r.content
    assert r.json()["status"] == "approved"
    with mock.patch(
        "skillcert.blanks.services.requisition.timezone.localdate", return_value=datetime.date(2026, 7, 11)
    ):
        r = api("nj_admin").post(
            "/api/v1/blank-requisitions/", {"city": orgs["JS-NJ"].pk, "planned": {"4": 1}}, format="json"
        )
    assert r.status_code == 409 and r.json()["code"] == "blanks.requisition.window_closed"
    page = api("nj_admin").get(f"/api/v1/blank-requisitions/{pk}/").json()
    assert [a["step"] for a in page["approvals"]] == ["section_head", "leader_in_charge", "province"]


def test_pages_and_exports(demo: dict[str, Any], two_cities: None, login: Any) -> None:
    client = login("js_leader")
    for url in [
        "/manage/blanks/",
        "/manage/blanks/receipts/",
        "/manage/blanks/allocations/",
        "/manage/blanks/requisitions/",
        "/manage/blanks/destructions/",
        "/manage/blanks/distribution/",
        "/manage/blanks/allocations/overview/?year=2026&quarter=2",
        "/manage/blanks/receipts/new/",
        "/manage/blanks/allocations/new/",
        "/manage/blanks/serials/spoil/",
        "/manage/blanks/destructions/new/",
    ]:
        assert client.get(url).status_code == 200, url
    xlsx = client.get("/manage/blanks/allocations/?export=xlsx")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws is not None
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert str(rows[0][0]).startswith("下发日期") and {r[4] for r in rows[1:]} == {10, 5}
    # the allocation form shows the service's refusal (R1.8)
    r = client.post(
        "/manage/blanks/allocations/new/",
        {"source": demo["orgs"]["JS"].pk, "target": demo["orgs"]["ST-10012003"].pk, "level": "4", "count": 1},
    )
    assert r.status_code == 200 and "鉴定站" in r.content.decode()
    # R1.4: the fee remittance recorded for Q1 shows on the Q2 allocation screen
    r = client.post(
        "/manage/blanks/fees/new/",
        {
            "city": demo["orgs"]["JS-NJ"].pk,
            "year": 2026,
            "quarter": 1,
            "amount": "86400.00",
            "remitted_on": "2026-04-02",
        },
    )
    assert r.status_code == 302
    page = client.get("/manage/blanks/allocations/overview/?year=2026&quarter=2").content.decode()
    assert "86400.00" in page and ("2026-04-02" in page or "2026年4月2日" in page)


def test_cli_receive_allocate_check_and_tamper(demo: dict[str, Any]) -> None:
    out = io.StringIO()
    call_command(
        "blanks",
        "receive",
        "--holder",
        "JS",
        "--level",
        "3",
        "--first",
        "SU00000001",
        "--last",
        "SU00000300",
        "--document",
        "D-9",
        "--document-date",
        "2026-01-03",
        stdout=out,
    )
    call_command(
        "blanks", "allocate", "--from", "JS", "--to", "JS-SZ", "--level", "3", "--count", "120", stdout=out
    )
    call_command("blanks", "check", stdout=out)
    assert "received 300 serials" in out.getvalue() and "allocated 120" in out.getvalue()
    assert "ledger OK" in out.getvalue()
    with pytest.raises(CommandError):
        call_command(
            "blanks",
            "allocate",
            "--from",
            "JS-SZ",
            "--to",
            "ST-10052001",
            "--level",
            "3",
            "--count",
            "1",
            stdout=out,
        )
    BlankSerial.objects.filter(serial="SU00000007").update(holder=demo["orgs"]["JS"])  # tampering
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("blanks", "check", stdout=out)
    assert "DISCREPANCY SU00000007" in out.getvalue()


def test_r1_6_destruction_two_witnesses_and_quarter_list(demo: dict[str, Any]) -> None:
    orgs, users = demo["orgs"], demo["users"]
    stock(demo, first=1, last=20, to_city=20)
    destruction.register_spoiled(
        ["JS00000003", "JS00000004", "JS00000009"], reason="印刷错误", actor=users["nj_admin"]
    )
    with pytest.raises(ValidationFailed) as exc:
        destruction.destroy(
            holder=orgs["JS-NJ"],
            serials=["JS00000003"],
            destroyed_on=datetime.date(2026, 2, 1),
            witness_1=users["nj_admin"],
            witness_2=users["nj_admin"],
            actor=None,
        )
    assert exc.value.code == "blanks.destruction.witnesses"
    with pytest.raises(ValidationFailed):  # an in-stock serial cannot be destroyed
        destruction.destroy(
            holder=orgs["JS-NJ"],
            serials=["JS00000003", "JS00000005"],
            destroyed_on=datetime.date(2026, 2, 1),
            witness_1=users["nj_admin"],
            witness_2=users["nj_section"],
            actor=None,
        )
    batch = destruction.destroy(
        holder=orgs["JS-NJ"],
        serials=["JS00000003", "JS00000004", "JS00000009"],
        destroyed_on=datetime.date(2026, 2, 1),
        witness_1=users["nj_admin"],
        witness_2=users["nj_section"],
        actor=users["nj_admin"],
        place="市中心库房",
    )
    assert batch.count == 3 and batch.entries.count() == 2  # runs 3–4 and 9
    q1 = destruction.destroyed_serials(orgs["JS"], datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    assert [d.serial for d in q1] == ["JS00000003", "JS00000004", "JS00000009"]
    assert (
        destruction.destroyed_serials(orgs["JS-SZ"], datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
        == []
    )
    assert (
        destruction.destroyed_serials(orgs["JS"], datetime.date(2026, 4, 1), datetime.date(2026, 6, 30)) == []
    )


def test_r2_8_distribution_and_five_year_recall(demo: dict[str, Any], login: Any) -> None:
    orgs, users = demo["orgs"], demo["users"]
    stock(demo, first=1, last=10, to_city=10)
    a, b, c = issue(demo, 3)
    for cert in (a, b, c):
        ledger.bind_next_serial(holder=orgs["JS-NJ"], level="4", certificate=cert, actor=None)
    start = datetime.datetime(2026, 8, 1, 9, tzinfo=datetime.UTC)
    notice = distribution.publish_notice(
        organisation=orgs["JS-NJ"],
        title="2026年第二批证书领取",
        place="南京市鉴定中心一楼大厅",
        collect_from=start,
        collect_until=start + datetime.timedelta(days=30),
        certificates=[a, b, c],
        actor=users["nj_admin"],
    )
    assert notice.distributions.count() == 3
    distribution.record_mailing(
        Distribution.objects.get(certificate=b),
        recipient="李四",
        address="江苏省南京市鼓楼区中山路100号3单元501室",
        tracking_number="SF1234567890",
        mailed_on=datetime.date(2026, 8, 3),
        actor=users["nj_admin"],
    )
    distribution.record_collection(
        Distribution.objects.get(certificate=c),
        collected_on=datetime.date(2026, 8, 2),
        recipient="王五",
        actor=users["nj_admin"],
        id_checked=True,
    )
    page = login("nj_admin").get("/manage/blanks/distribution/").content.decode()
    assert "SF1234567890" in page and "中山路100号" not in page and "江苏省南京市****" in page
    exam = Distribution.objects.get(certificate=a).exam_date
    out = io.StringIO()
    day_before = exam.replace(year=exam.year + 5) - datetime.timedelta(days=1)
    call_command("blanks", "recall", "--today", day_before.isoformat(), stdout=out)
    assert "recalled 0" in out.getvalue()
    call_command("blanks", "recall", "--today", exam.replace(year=exam.year + 5).isoformat(), stdout=out)
    assert "recalled 1" in out.getvalue()  # only the uncollected one
    dist = Distribution.objects.get(certificate=a)
    assert dist.status == DistributionStatus.RECALLED
    serial = BlankSerial.objects.get(certificate=a)
    assert serial.state == BlankState.RECALLED and ledger.current_serial_for(a) is None
    # the recalled serial feeds destruction
    destruction.destroy(
        holder=orgs["JS-NJ"],
        serials=[serial.serial],
        destroyed_on=datetime.date.today(),
        witness_1=users["nj_admin"],
        witness_2=users["nj_section"],
        actor=None,
    )
    call_command("blanks", "check", stdout=out)
    assert "ledger OK" in out.getvalue()


def test_r2_8_recall_as_a_job_within_the_organisation(demo: dict[str, Any]) -> None:
    from skillcert.jobs.services import run_job_now, start_job

    orgs, users = demo["orgs"], demo["users"]
    stock(demo, first=1, last=5, to_city=5)
    (cert,) = issue(demo, 1)
    ledger.bind_next_serial(holder=orgs["JS-NJ"], level="4", certificate=cert, actor=None)
    start = datetime.datetime(2020, 8, 1, 9, tzinfo=datetime.UTC)
    distribution.publish_notice(
        organisation=orgs["JS-NJ"],
        title="2020年证书领取",
        place="一楼大厅",
        collect_from=start,
        collect_until=start + datetime.timedelta(days=30),
        certificates=[cert],
        actor=None,
    )
    Distribution.objects.filter(certificate=cert).update(exam_date=datetime.date(2020, 6, 1))  # an old exam
    job = start_job("blanks.recall_uncollected", actor=users["nj_admin"], organisation=orgs["JS-NJ"])
    job = run_job_now(str(job.pk))
    assert job.result == {"recalled": [cert.number]}
    assert Distribution.objects.get(certificate=cert).status == DistributionStatus.RECALLED


def test_r2_8_recall_runs_daily_on_the_beat_schedule(demo: dict[str, Any], settings: Any) -> None:
    """The five-year recall is scheduled every day (Celery beat) and the scheduled task recalls what is
    due in the whole register, once."""
    from celery.schedules import crontab

    from skillcert.audit.models import AuditEntry
    from skillcert.blanks.tasks import recall_uncollected_daily
    from skillcert.celery import app

    app.loader.import_default_modules()  # what a beat or worker process does at start
    entry = settings.CELERY_BEAT_SCHEDULE["blanks-recall-uncollected-daily"]
    assert entry["task"] in app.tasks  # found by autodiscovery under that name
    assert isinstance(entry["schedule"], crontab) and entry["schedule"].hour == {2}
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"

    orgs = demo["orgs"]
    stock(demo, first=1, last=5, to_city=5)
    old, young = issue(demo, 2)
    for cert in (old, young):
        ledger.bind_next_serial(holder=orgs["JS-NJ"], level="4", certificate=cert, actor=None)
    start = datetime.datetime(2020, 8, 1, 9, tzinfo=datetime.UTC)
    distribution.publish_notice(
        organisation=orgs["JS-NJ"],
        title="2020年证书领取",
        place="一楼大厅",
        collect_from=start,
        collect_until=start + datetime.timedelta(days=30),
        certificates=[old, young],
        actor=None,
    )
    Distribution.objects.filter(certificate=old).update(exam_date=datetime.date(2020, 6, 1))
    assert recall_uncollected_daily.delay().get() == [old.number]  # as beat sends it (eager here)
    assert Distribution.objects.get(certificate=old).status == DistributionStatus.RECALLED
    assert Distribution.objects.get(certificate=young).status == DistributionStatus.HELD
    assert recall_uncollected_daily() == []  # idempotent: nothing more the next day
    row = AuditEntry.objects.filter(action="blanks.distribution_recalled").get()
    assert row.channel == "job" and row.actor_id is None
