"""The staff side of holders' inquiries (R3.4) and correction requests (R3.5) through the REST API (X4):
scoped lists and details (X1: 404 outside the subtree), filters, candidates and answers, forward and
reject into the lifecycle's correction workflow, evidence downloads byte for byte; problem JSON errors;
one audit row per decision; no full ID number in any answer (X7)."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from skillcert.audit.models import AuditEntry
from skillcert.certificates.choices import EventKind
from skillcert.certificates.models import Certificate, CertificateEvent
from skillcert.holders import corrections, inquiry
from skillcert.holders.models import CertificateInquiry, CorrectionRequest
from skillcert.holders.tests.fixtures import PHONE, id_of, issued_fixture, last_code  # noqa: F401
from skillcert.holders.tests.test_corrections import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

INQUIRIES = "/api/v1/certificate-inquiries/"
CORRECTIONS = "/api/v1/correction-requests/"


class Bodies:
    """Every response body seen, to check that no full ID number ever leaves (X7)."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    def __call__(self, response: Any) -> Any:
        self.seen.append(
            b"".join(response.streaming_content) if response.streaming else bytes(response.content)
        )
        return response

    def clean(self, *secrets: str) -> bool:
        return not any(s.encode() in body for body in self.seen for s in secrets)


def open_inquiry(
    demo: dict[str, Any], cert: Certificate, i: int, confirmed_days_ago: int
) -> CertificateInquiry:
    today = timezone.localdate()
    inq = inquiry.start_inquiry(
        organisation_id=demo["orgs"]["JS"].pk,
        name=cert.data["name"],
        id_number=id_of(i),
        phone=PHONE,
        received_on=today - datetime.timedelta(days=80),
        client=None,
    )
    return inquiry.confirm_inquiry(
        inq, last_code(), today=today - datetime.timedelta(days=confirmed_days_ago)
    )


def fields(problem: dict[str, Any]) -> set[str]:
    return {e["field"] for e in problem["errors"]}


def test_r3_4_x4_inquiries_scoped_filtered_answered(
    api: Any, demo: dict[str, Any], issued: list[Certificate]
) -> None:
    late = open_inquiry(demo, issued[1], 1, confirmed_days_ago=20)  # due five days ago
    fresh = open_inquiry(demo, issued[0], 0, confirmed_days_ago=0)
    seen = Bodies()
    js = api("js_leader")

    rows = seen(js.get(INQUIRIES)).json()["results"]
    assert [r["id"] for r in rows] == [late.pk, fresh.pk]  # the earliest due first
    assert [r["id"] for r in seen(js.get(f"{INQUIRIES}?overdue=true")).json()["results"]] == [late.pk]
    assert [r["id"] for r in seen(js.get(f"{INQUIRIES}?overdue=false")).json()["results"]] == [fresh.pk]
    assert len(seen(js.get(f"{INQUIRIES}?status=open")).json()["results"]) == 2
    assert seen(js.get(f"{INQUIRIES}?status=answered")).json()["results"] == []
    assert js.get(f"{INQUIRIES}?status=unconfirmed").status_code == 400

    one = seen(js.get(f"{INQUIRIES}{late.pk}/")).json()
    assert one["reference"] == late.reference and one["overdue"] is True and one["status"] == "open"
    assert one["id_number_masked"] == late.id_masked and one["phone_masked"] == late.phone_masked
    assert not {"id_cipher", "phone_hash", "phone_cipher", "document_hash", "code_hash"} & set(one)

    candidates = seen(js.get(f"{INQUIRIES}{late.pk}/candidates/")).json()
    assert [c["number"] for c in candidates] == [issued[1].number]
    assert candidates[0]["id_number_masked"] == issued[1].data["id_number_masked"]
    assert candidates[0]["name"] == issued[1].data["name"] and candidates[0]["issued_on"]
    assert candidates[0]["occupation"] and candidates[0]["level"]

    # X1: another tree (the machinery industry centre) neither lists nor opens nor answers it; a station
    # operator without holders.answer sees nothing either.
    jx = api("jx_leader")
    assert seen(jx.get(INQUIRIES)).json()["results"] == []
    for path in (f"{INQUIRIES}{late.pk}/", f"{INQUIRIES}{late.pk}/candidates/"):
        r = seen(jx.get(path))
        assert r.status_code == 404 and r["Content-Type"].startswith("application/problem+json")
    assert seen(jx.post(f"{INQUIRIES}{late.pk}/answer/", {"answer": "x"}, format="json")).status_code == 404
    assert seen(api("nj003").get(INQUIRIES)).json()["results"] == []
    assert api("nj003").get(f"{INQUIRIES}{late.pk}/").status_code == 404

    empty = seen(js.post(f"{INQUIRIES}{late.pk}/answer/", {"answer": "  "}, format="json"))
    assert empty.status_code == 400 and "answer" in fields(empty.json())
    stranger = seen(
        js.post(
            f"{INQUIRIES}{late.pk}/answer/",
            {"answer": "找到了", "certificate": issued[0].number},
            format="json",
        )
    )
    assert stranger.status_code == 404 and stranger.json()["code"] == "holders.inquiry.certificate"
    late.refresh_from_db()
    assert late.status == "open"

    done = seen(
        js.post(
            f"{INQUIRIES}{late.pk}/answer/",
            {"answer": "证书已寄往鉴定站，请到站领取。", "certificate": issued[1].number},
            format="json",
        )
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == "answered" and body["certificate"] == issued[1].number
    assert body["answered_by"] == "js_leader" and body["overdue"] is False
    late.refresh_from_db()
    assert late.certificate == issued[1] and late.answer.startswith("证书已寄往")
    again = seen(js.post(f"{INQUIRIES}{late.pk}/answer/", {"answer": "再次答复"}, format="json"))
    assert again.status_code == 409 and again["Content-Type"].startswith("application/problem+json")
    assert again.json()["code"] == "holders.inquiry.answered"
    assert AuditEntry.objects.filter(action="holders.inquiry_answered", object_id=str(late.pk)).count() == 1
    assert [r["id"] for r in seen(js.get(f"{INQUIRIES}?status=answered")).json()["results"]] == [late.pk]

    # The certificate may also be named by its id.
    by_id = seen(
        js.post(
            f"{INQUIRIES}{fresh.pk}/answer/",
            {"answer": "已找到", "certificate": str(issued[0].pk)},
            format="json",
        )
    )
    assert by_id.status_code == 200 and by_id.json()["certificate"] == issued[0].number
    assert AuditEntry.objects.filter(action="holders.inquiry_answered").count() == 2

    assert seen.clean(id_of(0), id_of(1), PHONE)


def submit(
    cert: Certificate, changes: dict[str, Any], files: list[tuple[str, str, bytes]]
) -> CorrectionRequest:
    return corrections.submit(
        cert,
        changes=changes,
        reason="信息录入错误",
        files=[(kind, SimpleUploadedFile(name, data)) for kind, name, data in files],
    )


def test_r3_5_x4_corrections_scoped_forwarded_rejected_and_evidence(
    api: Any, demo: dict[str, Any], issued: list[Certificate]
) -> None:
    image, ticket = png_bytes(), pdf_bytes()
    new_name = "王小" + issued[0].data["name"][-1]
    first = submit(
        issued[0],
        {"name": new_name},
        [("id_card", "身份证.png", image), ("admission_ticket", "t.pdf", ticket)],
    )
    education = "大学本科" if issued[1].data.get("education") != "大学本科" else "高中"
    second = submit(issued[1], {"education": education}, [("original_certificate", "c.pdf", ticket)])
    seen = Bodies()
    nj = api("nj_admin")

    rows = seen(nj.get(f"{CORRECTIONS}?status=submitted")).json()["results"]
    assert {r["id"] for r in rows} == {first.pk, second.pk}
    assert seen(nj.get(f"{CORRECTIONS}?status=forwarded")).json()["results"] == []
    one = seen(nj.get(f"{CORRECTIONS}{first.pk}/")).json()
    assert one["certificate"] == issued[0].number and one["changes"] == {"name": new_name}
    assert one["id_number_masked"] == issued[0].data["id_number_masked"] and one["outcome"] == "submitted"
    items = {e["original_name"]: e for e in one["evidence"]}
    assert items["身份证.png"]["sha256"] == hashlib.sha256(image).hexdigest()
    assert items["身份证.png"]["size"] == len(image) and items["身份证.png"]["content_type"] == "image/png"
    assert all(e["intact"] for e in one["evidence"])

    # The evidence comes back byte for byte, with its content type.
    for name, data, content_type in (
        ("身份证.png", image, "image/png"),
        ("t.pdf", ticket, "application/pdf"),
    ):
        r = nj.get(f"{CORRECTIONS}{first.pk}/evidence/{items[name]['id']}/")
        assert r.status_code == 200 and r["Content-Type"] == content_type
        assert hashlib.sha256(b"".join(r.streaming_content)).hexdigest() == hashlib.sha256(data).hexdigest()
    other_item = second.evidence.get().pk
    assert seen(nj.get(f"{CORRECTIONS}{first.pk}/evidence/{other_item}/")).status_code == 404
    assert seen(nj.get(f"{CORRECTIONS}{first.pk}/evidence/99999999999999999999/")).status_code == 404

    # X1: another tree sees nothing, opens nothing, decides nothing.
    jx = api("jx_leader")
    assert seen(jx.get(CORRECTIONS)).json()["results"] == []
    for path in (f"{CORRECTIONS}{first.pk}/", f"{CORRECTIONS}{first.pk}/evidence/{items['t.pdf']['id']}/"):
        assert seen(jx.get(path)).status_code == 404
    out = seen(jx.post(f"{CORRECTIONS}{first.pk}/forward/", {}, format="json"))
    assert out.status_code == 404 and out["Content-Type"].startswith("application/problem+json")

    forwarded = seen(nj.post(f"{CORRECTIONS}{first.pk}/forward/", {}, format="json"))
    assert forwarded.status_code == 200, forwarded.content
    assert forwarded.json()["status"] == "forwarded" and forwarded.json()["outcome"] == "under_review"
    event = CertificateEvent.objects.get(certificate=issued[0], kind=EventKind.CORRECTION_REQUESTED)
    assert forwarded.json()["event"] == event.pk and event.data["changes"] == {"name": new_name}
    assert any(items["身份证.png"]["sha256"] in ref for ref in event.data["evidence"])
    late = seen(nj.post(f"{CORRECTIONS}{first.pk}/reject/", {"comment": "晚了"}, format="json"))
    assert late.status_code == 409 and late.json()["code"] == "holders.correction.decided"
    assert seen(nj.post(f"{CORRECTIONS}{first.pk}/forward/", {}, format="json")).status_code == 409
    assert (
        CertificateEvent.objects.filter(certificate=issued[0], kind=EventKind.CORRECTION_REQUESTED).count()
        == 1
    )

    bare = seen(nj.post(f"{CORRECTIONS}{second.pk}/reject/", {}, format="json"))
    assert bare.status_code == 400 and "comment" in fields(bare.json())
    rejected = seen(nj.post(f"{CORRECTIONS}{second.pk}/reject/", {"comment": "材料不清晰"}, format="json"))
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert rejected.json()["comment"] == "材料不清晰" and rejected.json()["decided_by"] == "nj_admin"
    assert not CertificateEvent.objects.filter(
        certificate=issued[1], kind=EventKind.CORRECTION_REQUESTED
    ).exists()

    for action, req in (("holders.correction_forwarded", first), ("holders.correction_rejected", second)):
        assert AuditEntry.objects.filter(action=action, object_id=str(req.pk)).count() == 1
    assert {r["id"] for r in seen(nj.get(f"{CORRECTIONS}?status=rejected")).json()["results"]} == {second.pk}
    assert seen.clean(id_of(0), id_of(1))


def test_x7_new_id_number_only_masked(api: Any, demo: dict[str, Any], issued: list[Certificate]) -> None:
    """A correction of the ID number itself: the API shows the new number masked only (X7)."""
    from skillcert.people.idnumber import check_character

    base = id_of(1)
    body = base[:14] + f"{(int(base[14:17]) + 2) % 1000:03d}"
    new_id = body + check_character(body)
    req = submit(issued[1], {"id_number": new_id}, [("id_card", "id.png", png_bytes())])
    nj = api("nj_admin")
    listed = nj.get(CORRECTIONS).content.decode()
    detail = nj.get(f"{CORRECTIONS}{req.pk}/")
    assert detail.json()["changes"]["id_number"] == req.id_masked
    assert new_id not in listed and new_id not in detail.content.decode() and base not in listed
