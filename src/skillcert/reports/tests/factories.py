"""Generated register data for report tests: sessions with enrolments and results, and certificates
for the qualified, written in bulk (the reports are under test, not issuance)."""

from __future__ import annotations

import datetime
import itertools
import random
from typing import Any

from skillcert.appraisal.choices import Result, ReviewStatus
from skillcert.appraisal.models import AppraisalSession, Enrolment, SessionSubject
from skillcert.catalog.models import Occupation
from skillcert.certificates.choices import EventKind
from skillcert.certificates.models import Certificate, CertificateEvent
from skillcert.orgs.models import Organisation
from skillcert.people.models import Person

_counter = itertools.count(1)


def occupation(code: str) -> Occupation:
    found = Occupation.objects.filter(code=code).order_by("-edition").first()
    assert found is not None, code
    return found


def appraisal(
    station: Organisation,
    day: datetime.date,
    counts: dict[tuple[str, int], tuple[int, int, int]],
    *,
    issue: bool = True,
    issued_on: datetime.date | None = None,
) -> list[Certificate]:
    """One approved session at `station` ending on `day`; `counts[(occupation code, level)]` =
    (passed, failed, absent). With `issue`, every passed candidate gets a certificate (issued on
    `issued_on`, default `day`) and its issued event."""
    n = next(_counter)
    session = AppraisalSession.objects.create(
        organisation=station,
        code=f"T{n:06d}",
        site="考场",
        exam_start=day,
        exam_end=day,
        expected_candidates=sum(sum(v) for v in counts.values()),
        status=ReviewStatus.APPROVED,
    )
    authority = Organisation.objects.get(code="JS-HRSS")
    certificates: list[Certificate] = []
    for (code, level), (passed, failed, absent) in counts.items():
        subject = SessionSubject.objects.create(session=session, occupation=occupation(code), level_id=level)
        total = passed + failed + absent
        people = Person.objects.bulk_create(
            [
                Person(
                    organisation=station,
                    name="考生",
                    document_type="resident_id",
                    document_cipher="x",
                    document_hash=f"{n}-{subject.pk}-{i}",
                    document_masked="320***********0000",
                    gender="M",
                    birth_date=datetime.date(1990, 1, 1),
                    source="import",
                )
                for i in range(total)
            ]
        )
        results = [Result.PASS] * passed + [Result.FAIL] * failed + [Result.ABSENT] * absent
        enrolments = Enrolment.objects.bulk_create(
            [
                Enrolment(
                    session=session,
                    subject=subject,
                    person=person,
                    source="import",
                    result=result,
                    absent=result == Result.ABSENT,
                    eligible=result == Result.PASS,
                )
                for person, result in zip(people, results, strict=True)
            ]
        )
        if issue:
            for enrolment in enrolments[:passed]:
                number = f"R{next(_counter):012d}"
                certificates.append(
                    Certificate(
                        number=number,
                        scheme="national16",
                        licence_id=f"L{number}",
                        enrolment=enrolment,
                        person_id=enrolment.person_id,
                        organisation=station,
                        issuing_authority=authority,
                        occupation=subject.occupation,
                        level_id=level,
                        issued_on=issued_on or day,
                        data={},
                        id_cipher="x",
                    )
                )
    created = Certificate.objects.bulk_create(certificates)
    if not all(c.pk for c in created):
        created = list(Certificate.objects.filter(number__in=[c.number for c in certificates]))
    CertificateEvent.objects.bulk_create(
        [CertificateEvent(certificate=c, kind=EventKind.ISSUED, data={"number": c.number}) for c in created]
    )
    return created


def random_register(orgs: dict[str, Organisation], day: datetime.date, seed: int = 7) -> int:
    """Random sessions at every demo station (several occupations and levels) on `day`; returns the
    number of certificates."""
    rng = random.Random(seed)
    stations = [o for o in orgs.values() if o.kind == "station"]
    total = 0
    for station in stations:
        counts = {
            (code, level): (rng.randint(0, 6), rng.randint(0, 3), rng.randint(0, 2))
            for code in ("6-18-01-01", "4-01-02-01", "6-29-03-01")
            for level in rng.sample([5, 4, 3, 2, 1], 2)
        }
        total += len(appraisal(station, day, counts))
    return total


def event(certificate: Certificate, kind: str, at: Any = None) -> CertificateEvent:
    ev = CertificateEvent.objects.create(certificate=certificate, kind=kind, reason="测试")
    if at is not None:
        CertificateEvent.objects.filter(pk=ev.pk).update(at=at)
    return ev
