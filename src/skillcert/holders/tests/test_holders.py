"""Holder self-service (issue 5 item 6; R2.3 holders download their own e-certificates, R2.4 online
reissue, X7 masking and no enumeration)."""

from __future__ import annotations

import logging
import re
import subprocess
from typing import Any

import pytest

from skillcert.appraisal.tests.test_flow import TURNER, person_name, resident_id
from skillcert.certificates.choices import EventKind
from skillcert.certificates.models import Certificate, CertificateEvent
from skillcert.certificates.services.issue import issue_certificates
from skillcert.certificates.services.lifecycle import current_view
from skillcert.certificates.tests.test_issue import finished_session
from skillcert.holders import services
from skillcert.holders.models import HolderChallenge, ReissueRequest
from skillcert.holders.sms import MemorySmsSender
from skillcert.publication.testing import publish

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


@pytest.fixture
def certs(demo: dict[str, Any], settings: Any) -> list[Certificate]:
    settings.SKILLCERT_SMS_SENDER = "skillcert.holders.sms.MemorySmsSender"
    MemorySmsSender.outbox.clear()
    session = finished_session(demo, "ST-10012003", "nj003", "nj_admin", TURNER, passed=2, first_id=700)
    # R3.8: holders reach only published certificates, so publish through the real chain.
    issued = publish(*issue_certificates(session, actor=demo["users"]["nj_admin"]))
    from skillcert.esign.models import IssuerKey, KeyStatus
    from skillcert.esign.services import keys

    authority = issued[0].issuing_authority
    if not IssuerKey.objects.filter(organisation=authority, status=KeyStatus.ACTIVE).exists():
        keys.create_key(authority, actor=None)
    for c in issued:
        c.person.phone = PHONE
        c.person.save(update_fields=["phone"])
    return issued


def _ids(cert: Certificate, i: int) -> tuple[str, str, str]:
    return cert.number, cert.data["name"], resident_id(700 + i)


def _start(client: Any, number: str, name: str, id_number: str) -> Any:
    return client.post("/holder/", {"number": number, "name": name, "id_number": id_number})


def _login(client: Any, certs: list[Certificate]) -> None:
    assert _start(client, *_ids(certs[0], 0)).status_code == 302
    code = re.search(r"\d{6}", MemorySmsSender.outbox[-1][1])
    assert code
    assert client.post("/holder/verify/", {"code": code.group()}).status_code == 302


def test_mismatches_answer_identically_and_send_nothing(client: Any, certs: list[Certificate]) -> None:
    """X7: no enumeration — wrong name, wrong ID and wrong number give the same answer."""
    number, name, id_number = _ids(certs[0], 0)
    bodies = []
    for args in (
        (number, person_name(999), id_number),
        (number, name, resident_id(701)),
        ("2610012003499999", name, id_number),
    ):
        r = _start(client, *args)
        assert r.status_code == 400
        body = r.content.decode().replace(args[0], "").replace(args[1], "")
        bodies.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body))
    assert bodies[0] == bodies[1] == bodies[2]
    assert "holders.identity.mismatch" in bodies[0]
    assert MemorySmsSender.outbox == []


def test_right_data_sends_one_code_and_lock_after_five(client: Any, certs: list[Certificate]) -> None:
    r = _start(client, *_ids(certs[0], 0))
    assert r.status_code == 302
    assert len(MemorySmsSender.outbox) == 1
    phone, text = MemorySmsSender.outbox[0]
    assert phone == PHONE and re.search(r"\b\d{6}\b", text)
    challenge = HolderChallenge.objects.get()
    code = re.search(r"\d{6}", text).group()  # type: ignore[union-attr]
    assert code not in challenge.code_hash and challenge.phone_masked == "138****5678"
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert client.post("/holder/verify/", {"code": wrong}).status_code == 400
    r = client.post("/holder/verify/", {"code": code})
    assert r.status_code == 400 and "holders.code.locked" in r.content.decode()
    assert client.get("/holder/certificate/").status_code == 404


def test_code_opens_page_pdf_and_other_certificate_404(client: Any, certs: list[Certificate]) -> None:
    _login(client, certs)
    r = client.get("/holder/certificate/")
    assert r.status_code == 200
    page = r.content.decode()
    full_id = resident_id(700)
    assert certs[0].data["id_number_masked"] in page and full_id not in page
    assert "OFD" in page
    pdf = client.get("/holder/certificate/pdf/")
    assert pdf.status_code == 200, re.findall(r"data-code=\"[^\"]*\"[^<]*<p>[^<]*", pdf.content.decode())
    assert pdf["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    assert certs[0].data["id_number_masked"] in text and full_id not in text
    assert full_id.encode() not in pdf.content
    assert client.get(f"/holder/certificate/{certs[1].pk}/").status_code == 404
    assert client.get(f"/holder/certificate/{certs[1].pk}/pdf/").status_code == 404
    assert client.get(f"/holder/certificate/{certs[0].pk}/").status_code == 200


def test_reissue_request_then_staff_approval(
    client: Any, certs: list[Certificate], demo: dict[str, Any]
) -> None:
    """R2.4: online application, approval, a REISSUED event marked 补发."""
    _login(client, certs)
    r = client.post("/holder/certificate/", {"reason": "遗失", "delivery": "electronic"})
    assert r.status_code == 200
    req = ReissueRequest.objects.get()
    from skillcert.audit.models import AuditEntry

    assert AuditEntry.objects.filter(action="holders.reissue_requested", actor_label="holder").exists()
    services.decide_reissue(req, actor=demo["users"]["nj_admin"], approve=True, comment="ok")
    req.refresh_from_db()
    assert req.status == ReissueRequest.Status.APPROVED and req.event is not None
    assert CertificateEvent.objects.filter(certificate=certs[0], kind=EventKind.REISSUED).exists()
    view = current_view(certs[0])
    assert view["reissued"] and "补发" in view["remark"]


def test_sms_log_masks_phone(certs: list[Certificate], caplog: Any, settings: Any) -> None:
    settings.SKILLCERT_SMS_SENDER = "skillcert.holders.sms.LoggingSmsSender"
    caplog.set_level(logging.INFO, logger="skillcert.holders.sms")
    services.start_challenge(*_ids(certs[0], 0), client="10.0.0.1")
    assert "138****5678" in caplog.text and PHONE not in caplog.text


def test_no_phone_refused(certs: list[Certificate]) -> None:
    certs[0].person.phone = ""
    certs[0].person.save(update_fields=["phone"])
    with pytest.raises(services.NoPhone) as exc:
        services.start_challenge(*_ids(certs[0], 0), client=None)
    assert "请到发证机构现场办理" in exc.value.message_zh
