"""Issuance from an approved roster (R0.1, R2.2, R4.3): one transaction, numbers from locked series,
frozen issued data with the ID number only masked, the GB/T 36904 e-licence identifier."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from skillcert.appraisal.services import enrolment, reports, scores, sessions
from skillcert.appraisal.tests.test_flow import TURNER, person_name, resident_id
from skillcert.audit.models import AuditEntry
from skillcert.catalog.models import Occupation
from skillcert.certificates.elicence import validate_licence_id
from skillcert.certificates.models import Certificate, CertificateEvent, NumberSequence
from skillcert.certificates.numbering import National16, parse_certificate_number
from skillcert.certificates.services.issue import issue_certificates
from skillcert.core.errors import Conflict, NotPermitted

pytestmark = pytest.mark.django_db


def finished_session(
    demo: dict[str, Any],
    station_code: str,
    operator: str,
    reviewer: str,
    occupation: str,
    passed: int,
    failed: int = 0,
    first_id: int = 0,
) -> Any:
    station = demo["orgs"][station_code]
    day = datetime.date.today() - datetime.timedelta(days=3)
    session = sessions.create_session(
        station,
        actor=demo["users"][operator],
        site="实训楼",
        exam_start=day,
        exam_end=day,
        expected_candidates=passed + failed,
        subjects=[{"occupation": occupation, "level": 4}],
    )
    session = sessions.review_session(sessions.submit_session(session, actor=None), actor=None, approve=True)
    subject = session.subjects.get()
    for i in range(passed + failed):
        e = enrolment.enrol_manual(
            session,
            subject,
            actor=None,
            name=person_name(first_id + i),
            document_type="resident_id",
            document_number=resident_id(first_id + i),
        )
        scores.record_scores(e, actor=None, theory=80 if i < passed else 40, practical=75)
    report = reports.submit_report(session, actor=None)
    reports.review_report(report, actor=demo["users"][reviewer], approve=True)
    return session


def test_issue_numbers_data_and_licence_ids(demo: dict[str, Any]) -> None:
    session = finished_session(demo, "ST-10012003", "nj003", "nj_admin", TURNER, passed=5, failed=2)
    with pytest.raises(NotPermitted):
        issue_certificates(session, actor=demo["users"]["nj003"])  # a station operator does not issue
    issued = issue_certificates(
        session, actor=demo["users"]["nj_admin"], issued_on=datetime.date(2026, 11, 25)
    )
    assert len(issued) == 5
    numbers = sorted(c.number for c in issued)
    parsed = [parse_certificate_number(n) for n in numbers]
    assert all(isinstance(p, National16) for p in parsed)
    assert [p.sequence for p in parsed] == [1, 2, 3, 4, 5]  # no gap
    first = parsed[0]
    assert isinstance(first, National16)
    assert (first.year, first.area, first.institution_code, first.level) == (2026, "10", "10012003", 4)
    assert numbers[0] == "2610012003400001"
    cert = Certificate.objects.get(number=numbers[0])
    assert validate_licence_id(cert.licence_id)
    assert cert.data["evaluation"] == "合格" and cert.data["level_name"] == "四级/中级"
    assert cert.data["issuing_authority"] == "江苏省人力资源和社会保障厅"
    full = cert.person.document_number()
    assert full not in str(cert.data) and cert.data["id_number_masked"] == cert.person.document_masked
    assert CertificateEvent.objects.filter(kind="issued").count() == 5
    audit: Any = AuditEntry.objects.get(action="certificates.issued").data
    assert audit["count"] == 5
    # idempotent: issuing again creates nothing; the series is not advanced
    assert issue_certificates(session, actor=demo["users"]["nj_admin"]) == []
    assert NumberSequence.objects.get().last == 5


def test_r4_3_industry_occupation_only_numbered_by_industry_centre(demo: dict[str, Any]) -> None:
    turner = Occupation.objects.filter(code=TURNER).order_by("-edition").first()
    assert turner is not None
    Occupation.objects.filter(code=TURNER).update(industry_specific=True, industry_code="49")
    province = finished_session(demo, "ST-10012003", "nj003", "nj_admin", TURNER, passed=1)
    with pytest.raises(Conflict) as exc:
        issue_certificates(province, actor=None)
    assert exc.value.code == "certificates.numbering.industry_only"
    industry = finished_session(demo, "ST-49003018", "jx_leader", "jx_leader", TURNER, passed=2, first_id=50)
    numbers = sorted(c.number for c in issue_certificates(industry, actor=None))
    assert [n[2:4] for n in numbers] == ["49", "49"]
    assert numbers[0][2:10] == "49003018"


def test_unapproved_results_cannot_be_issued(demo: dict[str, Any]) -> None:
    day = datetime.date.today()
    session = sessions.create_session(
        demo["orgs"]["ST-10012003"],
        actor=None,
        site="实训楼",
        exam_start=day,
        exam_end=day,
        expected_candidates=1,
        subjects=[{"occupation": TURNER, "level": 4}],
    )
    with pytest.raises(Conflict) as exc:
        issue_certificates(session, actor=None)
    assert exc.value.code == "certificates.issue.not_approved"


def test_cli_issue_and_show(demo: dict[str, Any], capsys: Any) -> None:
    """`skillcert issue --roster <id>` and `skillcert certificate show <number>` (audited as cli)."""
    import json

    from django.core.management import call_command
    from django.core.management.base import CommandError

    session = finished_session(demo, "ST-10012003", "nj003", "nj_admin", TURNER, passed=2, first_id=700)
    call_command("issue", "--roster", str(session.pk))
    assert "issued 2 certificates" in capsys.readouterr().out
    number = Certificate.objects.filter(enrolment__session=session).order_by("number").first()
    assert number is not None
    call_command("certificate", "show", number.number)
    shown = json.loads(capsys.readouterr().out)
    assert shown["number"] == number.number and shown["state"] == "valid"
    assert [e["kind"] for e in shown["events"]] == ["issued"]
    assert number.person.document_number() not in json.dumps(shown, ensure_ascii=False)  # X7
    assert AuditEntry.objects.get(action="certificates.issued", object_id=str(session.pk)).channel == "cli"
    with pytest.raises(CommandError):
        call_command("certificate", "show", "9999999999999999")
