"""Staff decide holders' online reissue requests (R2.4, R1.7, R2.9) through the back office and the
REST API: approval reissues through the lifecycle (补发, same number) and the holder sees the outcome;
rejection needs a comment; nobody decides twice; out-of-scope staff get 404 (X1); ID numbers masked
(X7)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from skillcert.audit.models import AuditEntry
from skillcert.certificates.choices import EventKind
from skillcert.certificates.models import Certificate, CertificateEvent
from skillcert.certificates.services.lifecycle import current_view
from skillcert.holders.models import ReissueRequest
from skillcert.holders.tests.fixtures import holder_login, id_of, issued_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def staff_client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def holder_requests(client: Client, cert: Certificate, i: int, reason: str = "遗失") -> ReissueRequest:
    holder_login(client, cert, i)
    r = client.post("/holder/certificate/", {"reason": reason, "delivery": "paper"})
    assert r.status_code == 200
    assert "补发申请已提交" in r.content.decode()
    return ReissueRequest.objects.get(certificate=cert, status="requested")


def test_staff_approve_reissues_and_holder_sees_it(
    client: Client, demo: dict[str, Any], issued: list[Certificate]
) -> None:
    """R2.4: holder applies online → staff list/detail (masked ID) → approve → REISSUED event, same
    number, 补发 remark; holder page shows the outcome; a decided request is read-only."""
    cert = issued[0]
    req = holder_requests(client, cert, 0, reason="证书遗失，申请补发")
    staff = staff_client(demo["users"]["nj_admin"])

    nav = staff.get("/manage/").content.decode()
    assert "/manage/holders/reissues/" in nav
    page = staff.get("/manage/holders/reissues/").content.decode()
    assert cert.number in page and f"/manage/holders/reissues/{req.pk}/" in page
    assert cert.number not in staff.get("/manage/holders/reissues/?show=decided").content.decode()

    detail = staff.get(f"/manage/holders/reissues/{req.pk}/").content.decode()
    assert "证书遗失，申请补发" in detail and cert.data["id_number_masked"] in detail
    assert id_of(0) not in detail
    assert 'value="approve"' in detail and 'value="reject"' in detail

    r = staff.post(f"/manage/holders/reissues/{req.pk}/", {"decision": "approve", "comment": "同意"})
    assert r.status_code == 302
    req.refresh_from_db()
    assert req.status == "approved" and req.decided_by == demo["users"]["nj_admin"]
    events = CertificateEvent.objects.filter(certificate=cert, kind=EventKind.REISSUED)
    assert events.count() == 1 and req.event == events.get()
    cert.refresh_from_db()
    assert Certificate.objects.filter(number=cert.number).count() == 1
    view = current_view(cert)
    assert view["reissued"] and "补发" in view["remark"] and view["number"] == cert.number
    assert AuditEntry.objects.filter(action="holders.reissue_decided", object_id=str(req.pk)).exists()

    after = staff.get(f"/manage/holders/reissues/{req.pk}/").content.decode()
    assert 'value="approve"' not in after and 'value="reject"' not in after
    # A second decision (a stale form) is refused and changes nothing.
    r = staff.post(f"/manage/holders/reissues/{req.pk}/", {"decision": "reject", "comment": "x"}, follow=True)
    assert "该申请已处理" in r.content.decode()
    req.refresh_from_db()
    assert req.status == "approved" and events.count() == 1

    holder_page = client.get("/holder/certificate/").content.decode()
    assert "已补发，证书编号不变" in holder_page and "补发" in holder_page and "同意" in holder_page


def test_staff_reject_needs_comment_and_holder_reads_it(
    client: Client, demo: dict[str, Any], issued: list[Certificate]
) -> None:
    """R2.4: a rejection without a comment is refused; with one it is recorded, no event is written,
    and the holder reads the comment."""
    cert = issued[1]
    req = holder_requests(client, cert, 1)
    staff = staff_client(demo["users"]["nj_admin"])
    r = staff.post(
        f"/manage/holders/reissues/{req.pk}/", {"decision": "reject", "comment": "  "}, follow=True
    )
    assert "驳回补发申请须填写意见" in r.content.decode()
    req.refresh_from_db()
    assert req.status == "requested"
    staff.post(f"/manage/holders/reissues/{req.pk}/", {"decision": "reject", "comment": "请先登报声明作废"})
    req.refresh_from_db()
    assert req.status == "rejected" and req.comment == "请先登报声明作废"
    assert not CertificateEvent.objects.filter(certificate=cert, kind=EventKind.REISSUED).exists()
    assert cert.number in staff.get("/manage/holders/reissues/?show=rejected").content.decode()
    assert cert.number not in staff.get("/manage/holders/reissues/").content.decode()
    holder_page = client.get("/holder/certificate/").content.decode()
    assert "请先登报声明作废" in holder_page and "已驳回" in holder_page


def test_out_of_scope_and_unpermitted_staff(
    client: Client, demo: dict[str, Any], issued: list[Certificate]
) -> None:
    """X1: a certificate administrator of another centre gets 404 on the request and cannot decide it;
    a station operator (no certificates.reissue) may not open the list."""
    req = holder_requests(client, issued[0], 0)
    other = staff_client(demo["users"]["jx_leader"])
    assert other.get("/manage/holders/reissues/").status_code == 200
    assert issued[0].number not in other.get("/manage/holders/reissues/?show=all").content.decode()
    assert other.get(f"/manage/holders/reissues/{req.pk}/").status_code == 404
    assert other.post(f"/manage/holders/reissues/{req.pk}/", {"decision": "approve"}).status_code == 404
    req.refresh_from_db()
    assert req.status == "requested"
    assert staff_client(demo["users"]["nj003"]).get("/manage/holders/reissues/").status_code == 403
    assert staff_client(demo["users"]["nj003"]).get(f"/manage/holders/reissues/{req.pk}/").status_code == 404


def test_api_list_approve_reject_scope(
    client: Client, api: Any, demo: dict[str, Any], issued: list[Certificate]
) -> None:
    """R2.4 through the REST API: scoped list/detail (masked ID), approve → REISSUED event and 补发,
    reject needs a comment, a second decision is a 409 problem, out of scope is a 404 problem."""
    first = holder_requests(client, issued[0], 0)
    client.logout()
    second = holder_requests(Client(), issued[1], 1)
    nj = api("nj_admin")
    rows = nj.get("/api/v1/reissue-requests/?status=requested").json()["results"]
    assert {r["id"] for r in rows} == {first.pk, second.pk}
    one = nj.get(f"/api/v1/reissue-requests/{first.pk}/").json()
    assert (
        one["certificate"] == issued[0].number
        and one["id_number_masked"] == issued[0].data["id_number_masked"]
    )
    assert id_of(0) not in str(one)

    r = nj.post(f"/api/v1/reissue-requests/{first.pk}/approve/", {}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "approved" and r.json()["event_kind"] == EventKind.REISSUED
    assert current_view(issued[0])["reissued"]
    again = nj.post(f"/api/v1/reissue-requests/{first.pk}/reject/", {"comment": "x"}, format="json")
    assert again.status_code == 409 and again["Content-Type"].startswith("application/problem+json")
    assert again.json()["code"] == "holders.reissue.decided"

    bad = nj.post(f"/api/v1/reissue-requests/{second.pk}/reject/", {}, format="json")
    assert bad.status_code == 400 and "holders.reissue.comment_required" in bad.content.decode()
    jx = api("jx_leader")
    assert jx.get(f"/api/v1/reissue-requests/{second.pk}/").status_code == 404
    out = jx.post(f"/api/v1/reissue-requests/{second.pk}/reject/", {"comment": "no"}, format="json")
    assert out.status_code == 404 and out["Content-Type"].startswith("application/problem+json")
    assert jx.get("/api/v1/reissue-requests/").json()["results"] == []
    ok = nj.post(f"/api/v1/reissue-requests/{second.pk}/reject/", {"comment": "资料不全"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "rejected" and ok.json()["comment"] == "资料不全"
    assert not CertificateEvent.objects.filter(certificate=issued[1], kind=EventKind.REISSUED).exists()
    decided = nj.get("/api/v1/reissue-requests/?status=rejected").json()["results"]
    assert [r["id"] for r in decided] == [second.pk]
