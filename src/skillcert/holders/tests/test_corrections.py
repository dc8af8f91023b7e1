"""Holders' correction requests with evidence (R3.5): uploads checked by content and size, SHA-256
stored, forwarded by staff into the certificate correction workflow and re-reviewed by a centre
above (R2.9); scoped (X1), audited, ID numbers masked (X7)."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from skillcert.audit.models import AuditEntry
from skillcert.certificates.choices import EventKind
from skillcert.certificates.models import Certificate, CertificateEvent
from skillcert.certificates.services import lifecycle
from skillcert.core.errors import NotPermitted
from skillcert.holders import corrections
from skillcert.holders.models import CorrectionEvidence, CorrectionRequest
from skillcert.holders.tests.fixtures import holder_login, id_of, issued_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def staff_client(user: Any) -> Any:
    """A separate browser for staff (the `login` fixture shares the holder's client)."""
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawString(100, 750, "admission ticket")
    c.save()
    return out.getvalue()


def test_holder_request_forwarded_reviewed_and_visible(
    client: Any, demo: dict[str, Any], issued: list[Certificate]
) -> None:
    cert = issued[0]
    holder_login(client, cert, 0)
    assert client.get("/holder/correction/").status_code == 200
    new_name = "王小" + cert.data["name"][-1]
    fake = client.post(
        "/holder/correction/",
        {
            "name": new_name,
            "reason": "姓名录入错误",
            "id_card": SimpleUploadedFile("id.jpg", b"not an image"),
        },
    )
    assert fake.status_code == 400 and "不是JPEG、PNG图片或PDF文件" in fake.content.decode()
    none = client.post("/holder/correction/", {"name": new_name, "reason": "姓名录入错误"})
    assert none.status_code == 400 and "请上传证明材料" in none.content.decode()
    big = client.post(
        "/holder/correction/",
        {
            "name": new_name,
            "reason": "x",
            "id_card": SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * 5_300_000),
        },
    )
    assert big.status_code == 400 and "超过5MB" in big.content.decode()
    same = client.post(
        "/holder/correction/",
        {"name": cert.data["name"], "reason": "x", "id_card": SimpleUploadedFile("id.png", png_bytes())},
    )
    assert same.status_code == 400 and "无需更正" in same.content.decode()  # the lifecycle's own rule
    assert not CorrectionRequest.objects.exists()

    image, ticket = png_bytes(), pdf_bytes()
    ok = client.post(
        "/holder/correction/",
        {
            "name": new_name,
            "reason": "姓名录入错误",
            "id_card": SimpleUploadedFile("身份证.png", image, content_type="image/png"),
            "admission_ticket": SimpleUploadedFile("ticket.pdf", ticket, content_type="application/pdf"),
        },
    )
    assert ok.status_code == 200 and "correction-submitted" in ok.content.decode()
    req = CorrectionRequest.objects.get()
    items = {e.kind: e for e in req.evidence.all()}
    assert items["id_card"].sha256 == hashlib.sha256(image).hexdigest()
    assert items["admission_ticket"].content_type == "application/pdf"
    assert (Path(settings.MEDIA_ROOT) / items["id_card"].stored_path).read_bytes() == image
    assert AuditEntry.objects.filter(action="holders.correction_requested", actor_label="holder").exists()
    again = client.post(
        "/holder/correction/",
        {"name": new_name, "reason": "x", "id_card": SimpleUploadedFile("id.png", image)},
    )
    assert again.status_code == 409

    # Out of scope: another station's operator's tree and the industry centre see nothing.
    assert (
        staff_client(demo["users"]["jx_leader"]).get(f"/manage/holders/corrections/{req.pk}/").status_code
        == 404
    )
    with pytest.raises(NotPermitted):
        corrections.forward(req, actor=demo["users"]["sz001"])
    # The certificate administrator forwards it into the lifecycle's correction workflow.
    staff = staff_client(demo["users"]["nj_admin"])
    page = staff.get(f"/manage/holders/corrections/{req.pk}/").content.decode()
    assert items["id_card"].sha256 in page and "✓" in page
    download = staff.get(f"/manage/holders/corrections/{req.pk}/evidence/{items['id_card'].pk}/")
    assert b"".join(download.streaming_content) == image
    assert staff.post(f"/manage/holders/corrections/{req.pk}/", {"decision": "forward"}).status_code == 302
    req.refresh_from_db()
    assert req.status == CorrectionRequest.Status.FORWARDED
    event = CertificateEvent.objects.get(certificate=cert, kind=EventKind.CORRECTION_REQUESTED)
    assert req.event == event and event.data["changes"] == {"name": new_name}
    assert any(items["id_card"].sha256 in ref for ref in event.data["evidence"])
    assert corrections.outcome(req) == "under_review"
    assert "复核中" in client.get("/holder/correction/").content.decode()

    # Re-review by the provincial centre (above the station) applies it.
    lifecycle.review_correction(cert, actor=demo["users"]["js_leader"], approve=True)
    assert lifecycle.current_view(cert)["name"] == new_name
    assert corrections.outcome(req) == "corrected"
    assert 'data-outcome="corrected"' in client.get("/holder/correction/").content.decode()


def test_new_id_number_kept_masked_and_encrypted(
    client: Any, demo: dict[str, Any], issued: list[Certificate]
) -> None:
    cert = issued[1]
    old = lifecycle.current_view(cert)
    from skillcert.appraisal.tests.test_flow import resident_id

    # Same birth date and gender as the certificate: only the sequence differs.
    base = id_of(1)
    body = base[:14] + f"{(int(base[14:17]) + 2) % 1000:03d}"
    from skillcert.people.idnumber import check_character

    new_id = body + check_character(body)
    assert new_id != resident_id(801)
    req = corrections.submit(
        cert,
        changes={"id_number": new_id},
        reason="身份证号码录入错误",
        files=[("id_card", SimpleUploadedFile("id.png", png_bytes()))],
    )
    assert req.id_masked.startswith(new_id[:3]) and new_id not in json.dumps(req.changes)
    assert new_id not in req.id_cipher
    dump = json.dumps(list(AuditEntry.objects.values_list("data", flat=True)), ensure_ascii=False)
    assert new_id not in dump
    page = (
        staff_client(demo["users"]["nj_admin"]).get(f"/manage/holders/corrections/{req.pk}/").content.decode()
    )
    assert req.id_masked in page and new_id not in page
    corrections.forward(req, actor=demo["users"]["nj_admin"])
    lifecycle.review_correction(cert, actor=demo["users"]["js_leader"], approve=True)
    from skillcert.people.protect import decrypt

    assert decrypt(lifecycle.current_id_cipher(cert)) == new_id
    assert old["id_number_masked"] != lifecycle.current_view(cert)["id_number_masked"]


def test_reject_needs_a_comment_and_is_shown(
    client: Any, demo: dict[str, Any], issued: list[Certificate]
) -> None:
    cert = issued[0]
    holder_login(client, cert, 0)
    req = corrections.submit(
        cert,
        changes={"education": "大学本科" if cert.data.get("education") != "大学本科" else "高中"},
        reason="文化程度错误",
        files=[("original_certificate", SimpleUploadedFile("c.pdf", pdf_bytes()))],
    )
    staff = staff_client(demo["users"]["nj_admin"])
    staff.post(f"/manage/holders/corrections/{req.pk}/", {"decision": "reject", "comment": ""})
    req.refresh_from_db()
    assert req.status == CorrectionRequest.Status.SUBMITTED
    staff.post(
        f"/manage/holders/corrections/{req.pk}/", {"decision": "reject", "comment": "材料不清晰，请重新拍照"}
    )
    req.refresh_from_db()
    assert req.status == CorrectionRequest.Status.REJECTED
    assert "材料不清晰" in client.get("/holder/correction/").content.decode()
    assert CorrectionEvidence.objects.filter(request=req).count() == 1
    assert not CertificateEvent.objects.filter(certificate=cert, kind=EventKind.CORRECTION_REQUESTED).exists()
