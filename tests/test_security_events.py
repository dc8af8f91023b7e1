"""Event data leaves the register only through one whitelist (issue 13 item 6, X7).

The review: a correction event's `id_cipher` (the encrypted new ID number) was returned by
`GET /api/v1/certificates/{n}/events/` and printed on the back-office certificate page. Here every
event kind is made for real and read back through the API, the page and `skillcert certificate show`."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from skillcert.appraisal.tests.test_flow import TURNER
from skillcert.certificates.choices import EventKind
from skillcert.certificates.models import Certificate, CertificateEvent
from skillcert.certificates.services.issue import issue_certificates
from skillcert.certificates.services.lifecycle import (
    issue_score_certificate,
    reissue,
    request_correction,
    review_correction,
    revoke,
)
from skillcert.certificates.services.lifecycle_view import SHOWN_EVENT_DATA
from skillcert.certificates.tests.test_issue import finished_session
from skillcert.people.idnumber import check_character

pytestmark = pytest.mark.django_db
EVIDENCE = ["ID card copy sha256:9f2c1e", "original certificate"]


@pytest.fixture
def certs(demo: dict[str, Any]) -> tuple[Certificate, Certificate, str]:
    """One certificate through every event kind (issued, correction requested with a new ID number,
    corrected, reissued, revoked) and the score certificate made for it."""
    admin, leader = demo["users"]["nj_admin"], demo["users"]["js_leader"]
    session = finished_session(demo, "ST-10012003", "nj003", "nj_admin", TURNER, passed=1)
    [cert] = issue_certificates(session, actor=admin)
    full_id = cert.person.document_number()
    body = full_id[:14] + "002"
    new_id = body + check_character(body)
    request_correction(
        cert,
        actor=admin,
        changes={"id_number": new_id, "name": "张三丰"},
        evidence=EVIDENCE,
        reason="录入错误",
    )
    review_correction(cert, actor=leader, approve=True, comment="材料齐全")
    reissue(cert, actor=admin, reason="遗失", blank_serial="B0000042")
    score = issue_score_certificate(cert, actor=admin, reason="职业资格已取消")
    revoke(cert, actor=leader, reason="以欺骗手段取得")
    return Certificate.objects.get(pk=cert.pk), score, new_id


def test_every_event_kind_is_made_and_has_a_whitelist(certs: tuple[Certificate, Certificate, str]) -> None:
    cert, score, _ = certs
    made = set(CertificateEvent.objects.filter(certificate__in=[cert, score]).values_list("kind", flat=True))
    assert made == set(EventKind.values) == set(SHOWN_EVENT_DATA)
    stored = [e.data for e in cert.events.all() if "id_cipher" in e.data]
    assert len(stored) == 2  # the register keeps the cipher (request and approval) ...


def test_no_door_serves_the_encrypted_id_number(
    certs: tuple[Certificate, Certificate, str], api: Any, login: Any
) -> None:
    cert, score, new_id = certs
    ciphers = {str(e.data["id_cipher"]) for e in cert.events.all() if "id_cipher" in e.data}
    ciphers.add(cert.id_cipher)
    full_ids = {cert.person.document_number(), new_id}
    for number in (cert.number, score.number):
        response = api("nj_admin").get(f"/api/v1/certificates/{number}/events/")
        assert response.status_code == 200
        events = response.json()
        assert {e["kind"] for e in events} <= set(EventKind.values)
        for event in events:
            assert set(event["data"]) <= set(SHOWN_EVENT_DATA[event["kind"]]), event
        page = login("nj_admin").get(f"/manage/certificates/{number}/")
        assert page.status_code == 200
        out = io.StringIO()
        call_command("certificate", "show", number, stdout=out)
        shown = json.loads(out.getvalue())
        for text in (response.content.decode(), page.content.decode(), json.dumps(shown, ensure_ascii=False)):
            assert "id_cipher" not in text
            for secret in ciphers | full_ids:
                assert secret not in text
    corrected = next(
        e
        for e in api("nj_admin").get(f"/api/v1/certificates/{cert.number}/events/").json()
        if e["kind"] == "corrected"
    )
    assert corrected["data"]["approved"] is True and corrected["data"]["changes"]["name"] == "张三丰"
