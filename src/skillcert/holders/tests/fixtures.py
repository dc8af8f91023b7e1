"""Issued certificates for the inquiry and correction tests (the same path as test_holders)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from skillcert.appraisal.tests.test_flow import TURNER, resident_id
from skillcert.certificates.models import Certificate
from skillcert.certificates.services.issue import issue_certificates
from skillcert.certificates.tests.test_issue import finished_session
from skillcert.holders.sms import MemorySmsSender
from skillcert.publication.testing import publish

PHONE = "13812345678"
FIRST_ID = 800


@pytest.fixture(name="issued")
def issued_fixture(demo: dict[str, Any], settings: Any) -> list[Certificate]:
    from django.core.cache import cache

    cache.clear()
    settings.SKILLCERT_SMS_SENDER = "skillcert.holders.sms.MemorySmsSender"
    settings.HOLDER_RATE_PER_HOUR = 1000
    MemorySmsSender.outbox.clear()
    session = finished_session(demo, "ST-10012003", "nj003", "nj_admin", TURNER, passed=2, first_id=FIRST_ID)
    certs = sorted(issue_certificates(session, actor=demo["users"]["nj_admin"]), key=lambda c: c.number)
    publish(*certs)  # R3.8: holders sign in with published certificates only
    for c in certs:
        c.person.phone = PHONE
        c.person.save(update_fields=["phone"])
    return certs


def id_of(i: int) -> str:
    return resident_id(FIRST_ID + i)


def last_code() -> str:
    match = re.search(r"\d{6}", MemorySmsSender.outbox[-1][1])
    assert match
    return match.group()


def holder_login(client: Any, cert: Certificate, i: int) -> None:
    r = client.post("/holder/", {"number": cert.number, "name": cert.data["name"], "id_number": id_of(i)})
    assert r.status_code == 302
    assert client.post("/holder/verify/", {"code": last_code()}).status_code == 302
