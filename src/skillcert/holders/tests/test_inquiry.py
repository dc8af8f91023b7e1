"""'I cannot find my certificate' (R3.4): a holder asks the provincial centre at least 30 days after
the stated issue date; the centre must answer by the due date; the holder reads the answer by
reference number. Scoped staff pages (X1), audit without full ID numbers (X7)."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest
from django.utils import timezone

from skillcert.audit.models import AuditEntry
from skillcert.certificates.models import Certificate
from skillcert.core.errors import NotFound, NotPermitted
from skillcert.holders import inquiry
from skillcert.holders.models import CertificateInquiry
from skillcert.holders.sms import MemorySmsSender
from skillcert.holders.tests.fixtures import PHONE, id_of, issued_fixture, last_code  # noqa: F401

pytestmark = pytest.mark.django_db


def _form(demo: dict[str, Any], cert: Certificate, days_ago: int, **extra: Any) -> dict[str, Any]:
    return {
        "organisation": demo["orgs"]["JS"].pk,
        "name": cert.data["name"],
        "id_number": id_of(0),
        "phone": PHONE,
        "received_on": (timezone.localdate() - datetime.timedelta(days=days_ago)).isoformat(),
        "details": "车工 五级 2026年秋季",
        **extra,
    }


def test_too_early_is_refused_with_the_first_allowed_date(
    client: Any, demo: dict[str, Any], issued: list[Certificate]
) -> None:
    r = client.post("/holder/inquiry/", _form(demo, issued[0], 10))
    assert r.status_code == 400
    earliest = timezone.localdate() + datetime.timedelta(days=20)
    page = r.content.decode()
    assert "holders.inquiry.too_early" in page and earliest.isoformat() in page
    assert MemorySmsSender.outbox == [] and not CertificateInquiry.objects.exists()
    future = client.post("/holder/inquiry/", _form(demo, issued[0], -3))
    assert future.status_code == 400 and "holders.inquiry.received_future" in future.content.decode()


def test_inquiry_answered_and_read_by_reference(
    client: Any, login: Any, demo: dict[str, Any], issued: list[Certificate]
) -> None:
    r = client.post("/holder/inquiry/", _form(demo, issued[0], 45))
    assert r.status_code == 302 and r["Location"] == "/holder/inquiry/confirm/"
    assert MemorySmsSender.outbox[-1][0] == PHONE
    assert (
        client.post(
            "/holder/inquiry/confirm/", {"code": "999999" if last_code() != "999999" else "111111"}
        ).status_code
        == 400
    )
    done = client.post("/holder/inquiry/confirm/", {"code": last_code()})
    assert done.status_code == 302
    status_page = client.get("/holder/inquiry/status/").content.decode()
    inq = CertificateInquiry.objects.get()
    assert inq.reference in status_page and 'data-status="open"' in status_page
    assert inq.due_on == timezone.localdate() + datetime.timedelta(days=15)
    assert id_of(0) not in status_page

    # The provincial centre's leader sees it with the candidate certificate; a city admin does not.
    staff = login("js_leader")
    listing = staff.get("/manage/holders/inquiries/").content.decode()
    assert inq.reference in listing and id_of(0) not in listing and inq.id_masked in listing
    detail = staff.get(f"/manage/holders/inquiries/{inq.pk}/").content.decode()
    assert issued[0].number in detail and id_of(0) not in detail
    answered = staff.post(
        f"/manage/holders/inquiries/{inq.pk}/",
        {"answer": "证书已于上月寄往鉴定站，请到站领取。", "certificate": issued[0].pk},
    )
    assert answered.status_code == 302
    inq.refresh_from_db()
    assert inq.status == CertificateInquiry.Status.ANSWERED and inq.certificate == issued[0]

    # The holder, in a fresh browser, reads the answer with the reference number and phone.
    from django.test import Client

    holder = Client()
    wrong = holder.post("/holder/inquiry/status/", {"reference": inq.reference, "phone": "13900000000"})
    unknown = holder.post("/holder/inquiry/status/", {"reference": "CX0000DEADBEEF", "phone": PHONE})
    assert wrong.status_code == unknown.status_code == 404
    strip = lambda b: re.sub(r'value="[^"]*"', "", b.decode())  # noqa: E731
    assert strip(wrong.content) == strip(unknown.content)
    ok = holder.post("/holder/inquiry/status/", {"reference": inq.reference.lower(), "phone": PHONE})
    assert ok.status_code == 302
    shown = holder.get("/holder/inquiry/status/").content.decode()
    assert "请到站领取" in shown and 'data-status="answered"' in shown

    actions = AuditEntry.objects.filter(action__startswith="holders.inquiry").values_list("action", "data")
    assert {a for a, _ in actions} == {
        "holders.inquiry_started",
        "holders.inquiry_opened",
        "holders.inquiry_answered",
    }
    assert id_of(0) not in json.dumps([d for _, d in actions], ensure_ascii=False)


def test_overdue_list_and_scope(login: Any, demo: dict[str, Any], issued: list[Certificate]) -> None:
    today = timezone.localdate()
    inq = inquiry.start_inquiry(
        organisation_id=demo["orgs"]["JS"].pk,
        name=issued[1].data["name"],
        id_number=id_of(1),
        phone=PHONE,
        received_on=today - datetime.timedelta(days=80),
        client=None,
    )
    inquiry.confirm_inquiry(inq, last_code(), today=today - datetime.timedelta(days=20))
    inq.refresh_from_db()
    assert inq.due_on == today - datetime.timedelta(days=5)
    leader = demo["users"]["js_leader"]
    assert list(inquiry.overdue(leader)) == [inq]
    page = login("js_leader").get("/manage/holders/inquiries/?show=overdue").content.decode()
    assert inq.reference in page and 'class="overdue"' in page
    # Another tree (the machinery industry centre) neither lists nor opens it, nor may answer it.
    other = demo["users"]["jx_leader"]
    assert list(inquiry.visible_to(other)) == []
    assert login("jx_leader").get(f"/manage/holders/inquiries/{inq.pk}/").status_code == 404
    with pytest.raises(NotPermitted):
        inquiry.answer_inquiry(inq, actor=other, answer="x")
    # A certificate outside the candidates cannot be named.
    outsider = Certificate.objects.exclude(pk=issued[1].pk).first()
    with pytest.raises(NotFound):
        inquiry.answer_inquiry(inq, actor=leader, answer="found", certificate=outsider)
    inquiry.answer_inquiry(inq, actor=leader, answer="found", certificate=issued[1])
    entry = AuditEntry.objects.get(action="holders.inquiry_answered")
    assert entry.data is not None and entry.data["late"] is True


def test_validation_errors_name_each_field(
    client: Any, demo: dict[str, Any], issued: list[Certificate]
) -> None:
    r = client.post(
        "/holder/inquiry/",
        _form(
            demo, issued[0], 40, organisation="", id_number="32010219900101123X", phone="123", received_on="x"
        ),
    )
    page = r.content.decode()
    assert r.status_code == 400
    for message in (
        "请选择受理查询的省级或行业鉴定中心",
        "请填写11位手机号码",
        "请填写证书发放日期",
        "Give an 11-digit",
    ):
        assert message in page
    assert "身份证" in page and 'data-code="validation.failed"' in page
