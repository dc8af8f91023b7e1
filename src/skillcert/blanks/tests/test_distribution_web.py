"""R2.8 paper distribution through HTTP: the back-office forms (publish a collection notice, record a
mailing, record a collection with the ID checked, start the five-year recall as a job) and the REST API
for the same; X1 scoping (out of scope → 404), a bad input per form naming the field, addresses masked
in lists, API and audit."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from skillcert.audit.models import AuditEntry
from skillcert.blanks.choices import BlankState, DistributionStatus
from skillcert.blanks.models import BlankSerial, CollectionNotice, Distribution
from skillcert.blanks.services import ledger
from skillcert.blanks.services.check import check_ledger
from skillcert.blanks.services.distribution import recall_due
from skillcert.blanks.tests.helpers import issue, stock
from skillcert.jobs.models import Job

pytestmark = pytest.mark.django_db

ADDRESS = "江苏省南京市鼓楼区中山路100号3单元501室"


@pytest.fixture
def printed(demo: dict[str, Any]) -> list[Any]:
    """Three real level-4 certificates of a Nanjing station, each bound to a blank serial."""
    stock(demo, first=1, last=10, to_city=10)
    certs = issue(demo, 3)
    for cert in certs:
        ledger.bind_next_serial(holder=demo["orgs"]["JS-NJ"], level="4", certificate=cert, actor=None)
    return certs


def _publish_page(client: Any, demo: dict[str, Any], certs: list[Any], **over: Any) -> Any:
    data = {
        "organisation": demo["orgs"]["JS-NJ"].pk,
        "title": "2026年第三批证书领取",
        "place": "南京市鉴定中心一楼大厅",
        "collect_from": "2026-09-01T09:00",
        "collect_until": "2026-09-30T17:00",
        "certificates": [c.pk for c in certs],
    }
    data.update(over)
    return client.post("/manage/blanks/distribution/notice/", data)


def test_r2_8_pages_publish_mail_collect(demo: dict[str, Any], printed: list[Any], login: Any) -> None:
    a, b, c = printed
    client = login("nj_admin")
    form = client.get("/manage/blanks/distribution/notice/").content.decode()
    assert all(cert.number in form for cert in printed)  # the printed ones not yet in a notice
    # bad input: the period ends before it starts → the error is on collect_until
    bad = _publish_page(client, demo, printed, collect_until="2026-08-01T09:00")
    assert bad.status_code == 200
    assert "collect_until" in bad.context["form"].errors
    assert "领取截止时间须晚于开始时间" in bad.content.decode()
    assert not CollectionNotice.objects.exists()
    r = _publish_page(client, demo, printed)
    assert r.status_code == 302 and r.url == "/manage/blanks/distribution/"
    notice = CollectionNotice.objects.get()
    assert notice.place == "南京市鉴定中心一楼大厅" and notice.distributions.count() == 3
    # those certificates are no longer offered for a notice
    assert a.number not in client.get("/manage/blanks/distribution/notice/").content.decode()

    listing = client.get("/manage/blanks/distribution/").content.decode()
    assert (
        "/manage/blanks/distribution/notice/" in listing and "/manage/blanks/distribution/recall/" in listing
    )
    dist_b = Distribution.objects.get(certificate=b)
    assert f"/manage/blanks/distribution/{dist_b.pk}/" in listing
    detail = client.get(f"/manage/blanks/distribution/{dist_b.pk}/").content.decode()
    assert f"/manage/blanks/distribution/{dist_b.pk}/mail/" in detail

    mail_url = f"/manage/blanks/distribution/{dist_b.pk}/mail/"
    bad = client.post(mail_url, {"recipient": "李四", "address": ADDRESS, "mailed_on": "2026-09-02"})
    assert bad.status_code == 200 and "tracking_number" in bad.context["form"].errors
    r = client.post(
        mail_url,
        {
            "recipient": "李四",
            "address": ADDRESS,
            "tracking_number": "SF1234567890",
            "mailed_on": "2026-09-02",
        },
    )
    assert r.status_code == 302
    dist_b.refresh_from_db()
    assert dist_b.status == DistributionStatus.MAILED and dist_b.mail_address == ADDRESS
    # the address only masked in the list, the detail page and the audit row
    listing = client.get("/manage/blanks/distribution/").content.decode()
    assert "SF1234567890" in listing and "中山路100号" not in listing and "江苏省南京市****" in listing
    assert "中山路100号" not in client.get(f"/manage/blanks/distribution/{dist_b.pk}/").content.decode()
    audit = AuditEntry.objects.filter(action="blanks.mailed").get().data or {}
    assert "中山路100号" not in str(audit) and audit["address"] == "江苏省南京市****"
    # a second mailing of the same certificate is refused
    again = client.post(
        mail_url,
        {
            "recipient": "李四",
            "address": ADDRESS,
            "tracking_number": "SF0000000001",
            "mailed_on": "2026-09-03",
        },
    )
    assert again.status_code == 200 and "已" in again.content.decode()

    dist_c = Distribution.objects.get(certificate=c)
    collect_url = f"/manage/blanks/distribution/{dist_c.pk}/collect/"
    today = timezone.localdate().isoformat()
    bad = client.post(collect_url, {"recipient": "王五", "collected_on": today})  # ID not checked
    assert bad.status_code == 200 and "id_checked" in bad.context["form"].errors
    assert "身份证件" in bad.content.decode()
    assert Distribution.objects.get(pk=dist_c.pk).status == DistributionStatus.HELD
    r = client.post(collect_url, {"recipient": "王五", "collected_on": today, "id_checked": "on"})
    assert r.status_code == 302
    dist_c.refresh_from_db()
    assert dist_c.status == DistributionStatus.COLLECTED and dist_c.recipient == "王五"
    assert (AuditEntry.objects.get(action="blanks.collected").data or {})["id_checked"] is True


def test_r2_8_pages_scoped(demo: dict[str, Any], printed: list[Any], login: Any) -> None:
    """X1: another centre gets 404 on Nanjing's distributions; a station operator may not act (403)."""
    client = login("nj_admin")
    assert _publish_page(client, demo, printed).status_code == 302
    dist = Distribution.objects.get(certificate=printed[0])
    other = login("jx_leader")  # industry centre: blanks.manage, but not over Nanjing
    assert other.get("/manage/blanks/distribution/notice/").status_code == 200
    assert printed[0].number not in other.get("/manage/blanks/distribution/").content.decode()
    for suffix in ("", "mail/", "collect/"):
        assert other.get(f"/manage/blanks/distribution/{dist.pk}/{suffix}").status_code == 404
    r = other.post(
        f"/manage/blanks/distribution/{dist.pk}/collect/",
        {"recipient": "x", "collected_on": "2026-09-02", "id_checked": "on"},
    )
    assert r.status_code == 404
    # nor can it put Nanjing's certificates into its own notice or recall for Nanjing
    bad = _publish_page(other, demo, printed, organisation=demo["orgs"]["IND-49"].pk)
    assert bad.status_code == 200 and "certificates" in bad.context["form"].errors
    bad = other.post("/manage/blanks/distribution/recall/", {"organisation": demo["orgs"]["JS-NJ"].pk})
    assert bad.status_code == 200 and "organisation" in bad.context["form"].errors
    station = login("nj003")
    assert station.get("/manage/blanks/distribution/notice/").status_code == 403
    assert station.get(f"/manage/blanks/distribution/{dist.pk}/mail/").status_code == 403
    assert Distribution.objects.get(pk=dist.pk).status == DistributionStatus.HELD


def test_r2_8_recall_through_the_page(
    demo: dict[str, Any], printed: list[Any], login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The button starts the recall job for the organisation and shows its progress page; certificates
    held five years after the exam move to the ledger's recalled state, the others stay; the ledger
    check still passes."""
    old, young, collected = printed
    client = login("nj_admin")
    assert _publish_page(client, demo, printed).status_code == 302
    due = recall_due(timezone.localdate())
    Distribution.objects.filter(certificate=old).update(exam_date=due)  # exactly five years ago
    Distribution.objects.filter(certificate=young).update(exam_date=due + datetime.timedelta(days=1))
    Distribution.objects.filter(certificate=collected).update(exam_date=due - datetime.timedelta(days=400))
    dist = Distribution.objects.get(certificate=collected)
    r = client.post(
        f"/manage/blanks/distribution/{dist.pk}/collect/",
        {"recipient": "王五", "collected_on": timezone.localdate().isoformat(), "id_checked": "on"},
    )
    assert r.status_code == 302
    assert client.get("/manage/blanks/distribution/recall/").status_code == 200
    bad = client.post("/manage/blanks/distribution/recall/", {})
    assert bad.status_code == 200 and "organisation" in bad.context["form"].errors
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/manage/blanks/distribution/recall/", {"organisation": demo["orgs"]["JS-NJ"].pk})
    assert r.status_code == 302
    job = Job.objects.get(kind="blanks.recall_uncollected")
    assert r.url == f"/manage/jobs/{job.pk}/"
    page = client.get(r.url)
    assert page.status_code == 200
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result == {"recalled": [old.number]}
    assert Distribution.objects.get(certificate=old).status == DistributionStatus.RECALLED
    assert Distribution.objects.get(certificate=young).status == DistributionStatus.HELD
    assert Distribution.objects.get(certificate=collected).status == DistributionStatus.COLLECTED
    assert BlankSerial.objects.get(certificate=old).state == BlankState.RECALLED
    assert BlankSerial.objects.get(certificate=young).state == BlankState.BOUND
    assert ledger.current_serial_for(old) is None
    assert check_ledger().ok
    out = io.StringIO()
    call_command("blanks", "check", stdout=out)
    assert "ledger OK" in out.getvalue()


def test_r2_8_api(
    demo: dict[str, Any], printed: list[Any], api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The same actions over the REST API: problem JSON naming the field, out of scope → 404."""
    a, b, c = printed
    nj = api("nj_admin")
    body = {
        "organisation": demo["orgs"]["JS-NJ"].pk,
        "title": "2026年第三批证书领取",
        "place": "南京市鉴定中心一楼大厅",
        "collect_from": "2026-09-01T09:00:00+08:00",
        "collect_until": "2026-09-30T17:00:00+08:00",
        "certificates": [a.number, b.number, c.number],
    }
    bad = nj.post(
        "/api/v1/blank-distributions/publish/",
        {**body, "collect_until": "2026-08-01T09:00:00+08:00"},
        format="json",
    )
    assert bad.status_code == 400
    assert (
        bad.json()["errors"][0]["field"] == "collect_until"
        and bad.json()["errors"][0]["code"] == "blanks.notice.period"
    )
    # another centre may not publish Nanjing's certificates, nor publish for Nanjing
    jx = api("jx_leader")
    r = jx.post("/api/v1/blank-distributions/publish/", body, format="json")
    assert r.status_code == 404
    r = jx.post(
        "/api/v1/blank-distributions/publish/",
        {**body, "organisation": demo["orgs"]["IND-49"].pk},
        format="json",
    )
    assert r.status_code == 404 and r.json()["code"] == "blanks.notice.certificate_not_found"
    r = nj.post("/api/v1/blank-distributions/publish/", body, format="json")
    assert r.status_code == 201, r.content
    assert sorted(r.json()["certificates"]) == sorted([a.number, b.number, c.number])
    notice_id = r.json()["id"]
    listing = nj.get("/api/v1/blank-distributions/", {"notice": notice_id}).json()
    assert listing["count"] == 3
    ids = {row["certificate_number"]: row["id"] for row in listing["results"]}
    assert jx.get("/api/v1/blank-distributions/").json()["count"] == 0
    assert jx.get(f"/api/v1/blank-distributions/{ids[a.number]}/").status_code == 404

    mail = f"/api/v1/blank-distributions/{ids[b.number]}/mail/"
    bad = nj.post(mail, {"recipient": "李四", "address": ADDRESS, "mailed_on": "2026-09-02"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "tracking_number"
    good = {
        "recipient": "李四",
        "address": ADDRESS,
        "tracking_number": "SF1234567890",
        "mailed_on": "2026-09-02",
    }
    assert jx.post(mail, good, format="json").status_code == 404
    r = nj.post(mail, good, format="json")
    assert r.status_code == 200 and r.json()["status"] == "mailed"
    assert r.json()["mail_address"] == "江苏省南京市****" and "中山路" not in r.content.decode()
    again = nj.post(mail, good, format="json")
    assert again.status_code == 409 and again.json()["code"] == "blanks.distribution.not_held"

    collect = f"/api/v1/blank-distributions/{ids[c.number]}/collect/"
    bad = nj.post(
        collect, {"recipient": "王五", "collected_on": "2026-09-03", "id_checked": False}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "id_checked"
    assert bad.json()["errors"][0]["code"] == "blanks.collection.id_unchecked"
    r = nj.post(
        collect, {"recipient": "王五", "collected_on": "2026-09-03", "id_checked": True}, format="json"
    )
    assert r.status_code == 200 and r.json()["status"] == "collected"
    filtered = nj.get("/api/v1/blank-distributions/", {"status": "held"}).json()
    assert [row["certificate_number"] for row in filtered["results"]] == [a.number]

    due = recall_due(timezone.localdate())
    Distribution.objects.filter(certificate=a).update(exam_date=due)
    assert nj.get("/api/v1/blank-distributions/", {"exam_to": due.isoformat()}).json()["count"] == 1
    r = jx.post(
        "/api/v1/blank-distributions/recall/", {"organisation": demo["orgs"]["JS-NJ"].pk}, format="json"
    )
    assert r.status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        r = nj.post(
            "/api/v1/blank-distributions/recall/", {"organisation": demo["orgs"]["JS-NJ"].pk}, format="json"
        )
    assert r.status_code == 202, r.content
    job = nj.get(f"/api/v1/jobs/{r.json()['job']}/").json()
    assert job["status"] == "succeeded" and job["result"] == {"recalled": [a.number]}
    assert nj.get(f"/api/v1/blank-distributions/{ids[a.number]}/").json()["status"] == "recalled"
    assert BlankSerial.objects.get(certificate=a).state == BlankState.RECALLED
    assert check_ledger().ok
