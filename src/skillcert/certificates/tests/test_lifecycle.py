"""The certificate lifecycle as immutable events (design.md rule 3): reissue under the same number with a
new blank serial, marked 补发 (R1.7, R2.9); correction with evidence and re-review (R3.5, R2.9);
revocation; a score certificate instead of a reissue for abolished qualifications (R2.9). Every step is
one event plus one audit row with before and after, nothing is rewritten (X2), and the cached state
equals the state derived from the events."""

from __future__ import annotations

from typing import Any

import pytest

from skillcert.appraisal.tests.test_flow import TURNER
from skillcert.audit.models import AuditEntry
from skillcert.certificates.choices import CertificateKind, EventKind
from skillcert.certificates.models import Certificate, CertificateEvent, NumberSequence
from skillcert.certificates.numbering import parse_certificate_number
from skillcert.certificates.services.issue import issue_certificates
from skillcert.certificates.services.lifecycle import (
    current_id_cipher,
    current_view,
    derive_state,
    issue_score_certificate,
    reissue,
    request_correction,
    review_correction,
    revoke,
)
from skillcert.certificates.tests.test_issue import finished_session
from skillcert.core.errors import Conflict, NotPermitted, ValidationFailed
from skillcert.orgs.choices import Role
from skillcert.orgs.models import Membership
from skillcert.orgs.scoping import forget_memberships
from skillcert.people.idnumber import check_character
from skillcert.people.protect import decrypt

pytestmark = pytest.mark.django_db

EVIDENCE = ["ID card copy sha256:9f2c1e", "original certificate"]


@pytest.fixture
def cert(demo: dict[str, Any]) -> Certificate:
    session = finished_session(demo, "ST-10012003", "nj003", "nj_admin", TURNER, passed=2)
    issued = issue_certificates(session, actor=demo["users"]["nj_admin"])
    return Certificate.objects.get(pk=min(c.pk for c in issued))


def fresh(cert: Certificate) -> Certificate:
    return Certificate.objects.get(pk=cert.pk)


def assert_consistent(cert: Certificate) -> None:
    """The cached state column equals the state derived from the events."""
    c = fresh(cert)
    assert c.state == derive_state(c) == current_view(c)["state"]


def last_audit(action: str) -> Any:  # before/after/data are JSON
    entry = AuditEntry.objects.filter(action=action).order_by("-id").first()
    assert entry is not None, action
    return entry


def test_r1_7_reissue_twice_keeps_number_new_serials_marked(demo: dict[str, Any], cert: Certificate) -> None:
    admin, operator = demo["users"]["nj_admin"], demo["users"]["nj003"]
    frozen = dict(cert.data)
    with pytest.raises(NotPermitted):  # a station operator is not the issuing side
        reissue(cert, actor=operator, reason="遗失", blank_serial="B0000001")
    with pytest.raises(ValidationFailed) as exc:
        reissue(cert, actor=admin, reason=" ", blank_serial="B0000001")
    assert exc.value.errors[0].field == "reason"
    assert_consistent(cert)
    reissue(cert, actor=admin, reason="遗失", blank_serial="B0000001")
    assert_consistent(cert)
    view = current_view(cert)
    assert view["reissued"] and view["blank_serial"] == "B0000001" and view["remark"] == "补发"
    with pytest.raises(Conflict) as conflict:  # a blank serial is used once
        reissue(cert, actor=admin, reason="再次遗失", blank_serial="B0000001")
    assert conflict.value.code == "certificates.blank_serial.used"
    reissue(cert, actor=admin, reason="再次遗失", blank_serial="B0000002", remark="2027年补发")
    assert_consistent(cert)
    view = current_view(cert)
    assert view["number"] == cert.number and view["reissue_count"] == 2
    assert (view["blank_serial"], view["remark"]) == ("B0000002", "2027年补发")
    events = list(cert.events.order_by("id"))
    assert [e.kind for e in events] == [EventKind.ISSUED, EventKind.REISSUED, EventKind.REISSUED]
    assert [e.blank_serial for e in events[1:]] == ["B0000001", "B0000002"]
    assert fresh(cert).number == cert.number and fresh(cert).data == frozen  # issued data untouched
    # X2: one audit row per step, with who and the before/after of the current view
    rows: list[Any] = list(AuditEntry.objects.filter(action="certificates.reissued").order_by("id"))
    assert len(rows) == 2
    assert rows[0].actor_id == admin.pk and rows[0].object_id == str(cert.pk)
    assert rows[0].before == {"reissued": False, "reissue_count": 0, "blank_serial": "", "remark": ""}
    assert rows[0].after == {
        "reissued": True,
        "reissue_count": 1,
        "blank_serial": "B0000001",
        "remark": "补发",
    }
    assert rows[1].before["blank_serial"] == "B0000001" and rows[1].after["blank_serial"] == "B0000002"
    # an e-certificate needs no blank serial; a custom remark is still marked 补发
    reissue(cert, actor=admin, reason="损毁", remark="电子证书重新下载")
    assert current_view(cert)["remark"] == "补发；电子证书重新下载"


def test_r3_5_correction_request_then_approval(demo: dict[str, Any], cert: Certificate) -> None:
    admin, leader = demo["users"]["nj_admin"], demo["users"]["js_leader"]
    frozen = dict(cert.data)
    old_name, full_id = frozen["name"], cert.person.document_number()
    with pytest.raises(ValidationFailed) as exc:  # evidence is required
        request_correction(cert, actor=admin, changes={"name": "张三丰"}, evidence=[], reason="姓名录入错误")
    assert exc.value.errors[0].field == "evidence"
    with pytest.raises(ValidationFailed) as exc:  # only personal fields; each error names its field
        request_correction(
            cert,
            actor=admin,
            changes={"theory": "99", "gender": "X", "birth_date": "1970-02-30", "name": old_name},
            evidence=EVIDENCE,
            reason="录入错误",
        )
    fields = {e.field for e in exc.value.errors}
    assert fields == {"theory", "gender", "birth_date", "name"}
    assert all(e.message_zh and e.message_en for e in exc.value.errors)
    with pytest.raises(ValidationFailed) as exc:  # the ID number is validated
        request_correction(
            cert, actor=admin, changes={"id_number": full_id[:-1] + "0"}, evidence=EVIDENCE, reason="x"
        )
    assert exc.value.errors[0].field == "id_number" and full_id not in str(exc.value)
    with pytest.raises(NotPermitted):  # a centre leader reviews, the issuing side requests
        request_correction(cert, actor=leader, changes={"name": "张三丰"}, evidence=EVIDENCE, reason="x")
    assert cert.events.count() == 1

    body = full_id[:14] + "002"  # same birth date and gender (even), another sequence
    new_id = body + check_character(body)
    request = request_correction(
        cert,
        actor=admin,
        changes={"name": "张三丰", "id_number": new_id},
        evidence=EVIDENCE,
        reason="姓名与身份证号码录入错误",
    )
    assert_consistent(cert)
    assert request.kind == EventKind.CORRECTION_REQUESTED and request.data["evidence"] == EVIDENCE
    view = current_view(cert)
    assert view["correction_pending"] and view["name"] == old_name  # nothing applies before re-review
    with pytest.raises(Conflict) as conflict:  # R2.9: no reissue while personal data awaits re-review
        reissue(cert, actor=admin, reason="遗失", blank_serial="B1")
    assert conflict.value.code == "certificates.correction_pending"
    with pytest.raises(Conflict) as conflict:
        request_correction(cert, actor=admin, changes={"name": "张三"}, evidence=EVIDENCE, reason="x")
    assert conflict.value.code == "certificates.correction_pending"
    with pytest.raises(NotPermitted):  # the station side does not re-review
        review_correction(cert, actor=admin, approve=True)

    review_correction(cert, actor=leader, approve=True, comment="材料齐全")
    assert_consistent(cert)
    view = current_view(cert)
    assert view["name"] == "张三丰" and not view["correction_pending"] and view["corrections"] == 1
    assert view["id_number_masked"] == new_id[:3] + "*" * 11 + new_id[-4:]
    assert decrypt(current_id_cipher(cert)) == new_id
    issued = cert.events.get(kind=EventKind.ISSUED)
    assert issued.data == {"number": cert.number}
    assert fresh(cert).data == frozen and fresh(cert).data["name"] == old_name  # the issue stays frozen
    assert decrypt(fresh(cert).id_cipher) == full_id

    requested, corrected = (
        last_audit("certificates.correction_requested"),
        last_audit("certificates.corrected"),
    )
    assert requested.before == {"correction_pending": False} and requested.after == {
        "correction_pending": True
    }
    assert corrected.before["name"] == old_name and corrected.after["name"] == "张三丰"
    assert corrected.actor_id == leader.pk
    for row in AuditEntry.objects.filter(action__startswith="certificates."):  # X7
        text = str(row.before) + str(row.after) + str(row.data)
        assert full_id not in text and new_id not in text
    assert new_id not in str(cert.events.get(kind=EventKind.CORRECTED).data)

    # after re-review, the reissue goes ahead and shows the corrected data
    reissue(cert, actor=admin, reason="遗失", blank_serial="B1")
    assert current_view(cert)["name"] == "张三丰" and current_view(cert)["reissued"]


def test_r2_9_nobody_reviews_their_own_request_and_rejection(demo: dict[str, Any], cert: Certificate) -> None:
    leader = demo["users"]["js_leader"]
    Membership.objects.create(user=leader, organisation=demo["orgs"]["JS"], role=Role.CERT_ADMIN)
    forget_memberships(leader)
    request_correction(cert, actor=leader, changes={"education": "大学本科"}, evidence=EVIDENCE, reason="x")
    with pytest.raises(NotPermitted) as exc:
        review_correction(cert, actor=leader, approve=True)
    assert exc.value.code == "certificates.correction.own_request"
    assert current_view(cert)["correction_pending"]
    other = demo["users"]["jx_leader"]  # a centre leader, but of another subtree
    with pytest.raises(NotPermitted):
        review_correction(cert, actor=other, approve=True)
    # rejection by another reviewer above the station: recorded, nothing changes
    Membership.objects.create(user=other, organisation=demo["orgs"]["JS"], role=Role.CENTRE_LEADER)
    forget_memberships(other)
    with pytest.raises(ValidationFailed) as verr:
        review_correction(cert, actor=other, approve=False)
    assert verr.value.errors[0].field == "comment"
    event = review_correction(cert, actor=other, approve=False, comment="证明材料不足")
    assert event.kind == EventKind.CORRECTED and event.data["approved"] is False
    assert "changes" not in event.data
    view = current_view(cert)
    assert view["education"] == cert.data["education"] and not view["correction_pending"]
    assert view["corrections"] == 0
    rejected = last_audit("certificates.correction_rejected")
    assert rejected.before == {"correction_pending": True} and rejected.after == {"correction_pending": False}
    assert_consistent(cert)
    with pytest.raises(Conflict) as conflict:
        review_correction(cert, actor=other, approve=True)
    assert conflict.value.code == "certificates.correction.none_pending"


def test_revoke_then_reissue_refused_then_revoke_again_refused(
    demo: dict[str, Any], cert: Certificate
) -> None:
    admin, leader = demo["users"]["nj_admin"], demo["users"]["js_leader"]
    with pytest.raises(NotPermitted):  # the cert admin does not revoke
        revoke(cert, actor=admin, reason="以欺骗手段取得")
    with pytest.raises(ValidationFailed):
        revoke(cert, actor=leader, reason="")
    assert_consistent(cert)
    revoke(cert, actor=leader, reason="以欺骗手段取得")
    assert_consistent(cert)
    assert fresh(cert).state == "revoked"
    view = current_view(cert)
    assert view["state"] == "revoked" and view["revoked"]["actor"] == leader.pk
    assert view["revoked"]["reason"] == "以欺骗手段取得" and view["revoked"]["at"]
    audit = last_audit("certificates.revoked")
    assert audit.actor_id == leader.pk
    assert audit.before["state"] == "valid" and audit.after["state"] == "revoked"
    assert audit.before["revoked"] is None and audit.after["revoked"]["reason"] == "以欺骗手段取得"
    with pytest.raises(Conflict) as exc:
        reissue(cert, actor=admin, reason="遗失", blank_serial="B9")
    assert exc.value.code == "certificates.revoked"
    with pytest.raises(Conflict) as exc:
        request_correction(cert, actor=admin, changes={"name": "张三丰"}, evidence=EVIDENCE, reason="x")
    assert exc.value.code == "certificates.revoked"
    with pytest.raises(Conflict) as exc:
        revoke(cert, actor=leader, reason="再次")
    assert exc.value.code == "certificates.already_revoked"
    assert_consistent(cert)
    assert cert.events.count() == 2 and AuditEntry.objects.filter(action="certificates.revoked").count() == 1


def test_r2_9_score_certificate_for_abolished_qualification(demo: dict[str, Any], cert: Certificate) -> None:
    admin = demo["users"]["nj_admin"]
    with pytest.raises(Conflict) as exc:
        reissue(cert, actor=admin, reason="遗失", blank_serial="B5", abolished=True)
    assert exc.value.code == "certificates.abolished"
    assert cert.events.count() == 1
    used = NumberSequence.objects.get().last
    with pytest.raises(NotPermitted):
        issue_score_certificate(cert, actor=demo["users"]["nj003"], reason="资格已取消")
    score = issue_score_certificate(cert, actor=admin, reason="职业资格已取消，出具成绩证明")
    assert score.kind == CertificateKind.SCORE and score.number != cert.number
    assert score.data["for"] == cert.number and score.data["theory"] == cert.data["theory"]
    assert parse_certificate_number(score.number).sequence == used + 1
    assert NumberSequence.objects.get().last == used + 1  # the series advances by exactly one
    assert [e.kind for e in score.events.all()] == [EventKind.ISSUED]
    assert score.events.get().data == {"number": score.number, "for": cert.number}
    assert decrypt(score.id_cipher) == cert.person.document_number()
    assert cert.events.count() == 1 and current_view(cert)["state"] == "valid"  # the original is untouched
    assert_consistent(cert)
    assert_consistent(score)
    audit = last_audit("certificates.score_issued")
    assert audit.object_id == str(score.pk) and audit.data["for"] == cert.number
    assert audit.after["number"] == score.number
    assert cert.person.document_number() not in str(audit.after)
    with pytest.raises(Conflict):
        reissue(score, actor=admin, reason="遗失")


def test_x2_events_cannot_be_rewritten(cert: Certificate) -> None:
    event = cert.events.get()
    event.reason = "rewritten"
    with pytest.raises(ValueError):
        event.save()
    assert CertificateEvent.objects.get(pk=event.pk).reason == ""


def test_r3_5_corrected_id_number_birth_date_and_gender_must_agree(
    demo: dict[str, Any], cert: Certificate
) -> None:
    admin = demo["users"]["nj_admin"]
    full_id = cert.person.document_number()
    body = full_id[:14] + "001"  # odd sequence: a man's number, the holder is recorded as a woman
    with pytest.raises(ValidationFailed) as exc:
        request_correction(
            cert,
            actor=admin,
            changes={"id_number": body + check_character(body)},
            evidence=EVIDENCE,
            reason="x",
        )
    assert [e.field for e in exc.value.errors] == ["gender"]
    assert exc.value.errors[0].code == "certificates.correction.gender_mismatch"
    with pytest.raises(ValidationFailed) as exc:  # a birth date the ID number contradicts
        request_correction(
            cert, actor=admin, changes={"birth_date": "1980-05-05"}, evidence=EVIDENCE, reason="x"
        )
    assert exc.value.errors[0].code == "certificates.correction.birth_date_mismatch"
    request_correction(
        cert,
        actor=admin,
        changes={"id_number": body + check_character(body), "gender": "M"},
        evidence=["admission ticket"],
        reason="性别与身份证号码录入错误",
    )
    assert current_view(cert)["correction_pending"] and cert.events.count() == 2
    assert_consistent(cert)
