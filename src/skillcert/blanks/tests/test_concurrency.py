"""Scarce things are locked (design.md rule 4; R1 invariant): four OS processes binding serials from the
same city's stock at the same time (`skillcert blanks bind`) never bind a serial twice and lose none.
PostgreSQL only: it needs real row locks (SELECT … FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from skillcert.blanks.choices import BlankState, EntryKind
from skillcert.blanks.models import BlankSerial, LedgerEntry
from skillcert.blanks.services.check import check_ledger
from skillcert.blanks.tests.helpers import stock
from skillcert.certificates.models import Certificate
from skillcert.certificates.services.issue import issue_certificates
from skillcert.certificates.tests.test_concurrency import _approved_roster, _database_url

BINDERS, PER_BINDER = 4, 500

pytestmark = pytest.mark.postgres


@pytest.mark.django_db(transaction=True)
def test_four_concurrent_binders_no_serial_twice_none_lost() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL; SQLite serialises all writers")
    from skillcert.catalog.seed import load_catalogs
    from skillcert.core.demo import load_demo
    from skillcert.orgs.models import Organisation

    load_catalogs()
    load_demo(with_appraisal=False)
    demo: dict[str, Any] = {
        "orgs": {o.code: o for o in Organisation.objects.all()},
        "users": {u.username: u for u in get_user_model().objects.all()},
    }
    total = BINDERS * PER_BINDER
    stock(demo, first=1, last=total + 40, to_city=total)  # the province keeps 40: must stay untouched
    station = demo["orgs"]["ST-10012003"]
    for k in range(BINDERS):  # real certificates, issued in bulk by the issuance service
        issue_certificates(_approved_roster(station, offset=k * PER_BINDER), actor=None)
    certs = list(Certificate.objects.order_by("pk"))
    assert len(certs) == total
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "skillcert.settings"}
    cmd = [sys.executable, "-m", "skillcert.manage", "blanks", "bind", "--holder", "JS-NJ", "--level", "4"]
    chunks = [certs[k::BINDERS] for k in range(BINDERS)]  # interleaved, so all start at once
    procs = [
        subprocess.Popen(
            [*cmd, "--certificates", ",".join(str(c.pk) for c in chunk)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for chunk in chunks
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    printed: list[str] = []
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        printed += [line.split()[1] for line in out.splitlines() if line.strip()]
    assert len(printed) == total == len(set(printed))  # no serial bound twice
    bound = BlankSerial.objects.filter(state=BlankState.BOUND)
    assert (
        set(bound.values_list("serial", flat=True))
        == set(printed)
        == {f"JS{n:08d}" for n in range(1, total + 1)}
    )
    assert bound.values("certificate").distinct().count() == total  # each certificate exactly one serial
    assert LedgerEntry.objects.filter(kind=EntryKind.BOUND).count() == total
    assert BlankSerial.objects.filter(state=BlankState.IN_STOCK, holder=demo["orgs"]["JS"]).count() == 40
    result = check_ledger()
    assert result.ok, result.problems
    assert result.serials == total + 40  # none lost
