"""Scarce things are locked (design.md rule 4): four processes issuing 500 certificates each for the same
institution, level and year at the same time produce no duplicate and no gap. Real OS processes running
the `skillcert issue --roster` command against the test database; CI runs this on PostgreSQL (and on
SQLite, where writers queue on the database lock)."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from typing import Any

import pytest
from django.db import connection

from skillcert.appraisal.choices import Result, ReviewStatus
from skillcert.appraisal.models import Enrolment, SessionReport
from skillcert.appraisal.services import sessions
from skillcert.appraisal.tests.test_flow import TURNER, resident_id
from skillcert.certificates.models import Certificate, NumberSequence
from skillcert.certificates.numbering import parse_certificate_number
from skillcert.people.models import Person
from skillcert.people.protect import document_hash, encrypt, mask

ISSUERS, PER_ISSUER = 4, 500


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return f"sqlite:///{s['NAME']}"


def _approved_roster(station: Any, offset: int) -> Any:
    day = datetime.date.today() - datetime.timedelta(days=2)
    session = sessions.create_session(
        station,
        actor=None,
        site="实训楼",
        exam_start=day,
        exam_end=day,
        expected_candidates=PER_ISSUER,
        subjects=[{"occupation": TURNER, "level": 4}],
    )
    session = sessions.review_session(sessions.submit_session(session, actor=None), actor=None, approve=True)
    subject = session.subjects.get()
    people = []
    for i in range(offset, offset + PER_ISSUER):
        number = resident_id(i)
        people.append(
            Person(
                organisation=station,
                name="考生",
                document_type="resident_id",
                document_cipher=encrypt(number),
                document_hash=document_hash("resident_id", number),
                document_masked=mask(number),
                gender="M" if int(number[16]) % 2 else "F",
                birth_date=datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
            )
        )
    Person.objects.bulk_create(people)
    people = list(
        Person.objects.filter(organisation=station, document_hash__in=[p.document_hash for p in people])
    )
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                session=session,
                subject=subject,
                person=p,
                source="import",
                theory=80,
                practical=80,
                result=Result.PASS,
                eligible=True,
            )
            for p in people
        ]
    )
    SessionReport.objects.create(session=session, status=ReviewStatus.APPROVED)
    return session


@pytest.mark.django_db(transaction=True)
def test_four_concurrent_issuers_no_duplicate_no_gap() -> None:
    from skillcert.catalog.seed import load_catalogs
    from skillcert.core.demo import load_demo
    from skillcert.orgs.models import Organisation

    load_catalogs()
    load_demo(with_appraisal=False)
    station = Organisation.objects.get(code="ST-10012003")
    rosters = [_approved_roster(station, offset=k * PER_ISSUER) for k in range(ISSUERS)]
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "skillcert.settings"}
    skillcert = [sys.executable, "-m", "skillcert.manage"]
    processes = [
        subprocess.Popen(
            [*skillcert, "issue", "--roster", str(r.pk)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in rosters
    ]
    outputs = [p.communicate(timeout=300) for p in processes]
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
        assert f"issued {PER_ISSUER} certificates" in out
    numbers = list(Certificate.objects.values_list("number", flat=True))
    assert len(numbers) == ISSUERS * PER_ISSUER == len(set(numbers))
    sequences = sorted(parse_certificate_number(n).sequence for n in numbers)
    assert sequences == list(range(1, ISSUERS * PER_ISSUER + 1))  # no duplicate, no gap
    assert NumberSequence.objects.get().last == ISSUERS * PER_ISSUER
    assert Certificate.objects.filter(enrolment__isnull=True).count() == 0
    assert Enrolment.objects.filter(certificate__isnull=True).count() == 0
