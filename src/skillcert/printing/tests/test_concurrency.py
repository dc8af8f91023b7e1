"""Concurrent print jobs in real OS processes on PostgreSQL (design.md rule 4; R1 invariant, R1.6, R1.8):
four `skillcert printing print` processes printing disjoint batches from the same city's stock at the
same time, plus a fifth whose batch overlaps the first. No serial is bound twice, none is lost, every
certificate gets exactly one insert, and the overlapping job is all or nothing: either it printed its
whole batch or nothing of it (the serials it had taken went back to stock)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection

from skillcert.blanks.choices import BlankState, EntryKind
from skillcert.blanks.models import BlankSerial, LedgerEntry
from skillcert.blanks.services.check import check_ledger
from skillcert.blanks.tests.helpers import stock
from skillcert.certificates.models import Certificate
from skillcert.certificates.services.issue import issue_certificates
from skillcert.certificates.tests.test_concurrency import PER_ISSUER, _approved_roster, _database_url
from skillcert.printing.choices import PrintJobStatus
from skillcert.printing.models import PrintItem, PrintJob

pytestmark = pytest.mark.postgres
PRINTERS, PER_PRINTER = 4, 110


@pytest.mark.django_db(transaction=True)
def test_concurrent_print_jobs_bind_each_serial_once(tmp_path: Path) -> None:
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
    stock(demo, first=1, last=2000, to_city=1000)
    station = demo["orgs"]["ST-10012003"]
    issue_certificates(_approved_roster(station, offset=0), actor=None)
    certs = list(Certificate.objects.order_by("pk").values_list("pk", flat=True))
    assert len(certs) == PER_ISSUER >= PRINTERS * PER_PRINTER + 30
    batches = [certs[k * PER_PRINTER : (k + 1) * PER_PRINTER] for k in range(PRINTERS)]
    extra = certs[PRINTERS * PER_PRINTER : PRINTERS * PER_PRINTER + 30]
    overlapping = batches[0][-20:] + extra  # 20 certificates of the first batch and 30 of its own
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "skillcert.settings",
        # the print files go to a scratch directory; the keys stay the test process's own
        "SKILLCERT_VAR_DIR": str(tmp_path),
        "SECRET_KEY": settings.SECRET_KEY,
        "SKILLCERT_DATA_KEY": settings.DATA_KEY,
    }
    cmd = [
        sys.executable,
        "-m",
        "skillcert.manage",
        "printing",
        "--as",
        "nj_admin",
        "print",
        "--organisation",
        "JS-NJ",
    ]
    procs = [
        subprocess.Popen(
            [*cmd, "--certificates", ",".join(map(str, batch))],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for batch in [*batches, overlapping]
    ]
    outputs = [p.communicate(timeout=600) for p in procs]
    codes = [p.returncode for p in procs]
    assert codes[1:4] == [0, 0, 0], [err for _out, err in outputs]
    # the first batch and the overlapping one race for 20 certificates: exactly one of them wins, whole
    assert sorted(codes[i] == 0 for i in (0, 4)) == [False, True], codes
    loser = 0 if codes[0] else 4
    assert "printing.certificate.already_printed" in outputs[loser][1]
    winners = [b for i, b in enumerate([*batches, overlapping]) if codes[i] == 0]
    expected = sorted({pk for batch in winners for pk in batch})

    printed: list[str] = []
    for (out, _err), code in zip(outputs, codes, strict=True):
        lines = [line.split() for line in out.splitlines() if line.strip()]
        assert code != 0 or lines
        printed += [serial for _job, serial, _cert in lines]
    items = PrintItem.objects.all()
    assert len(printed) == len(set(printed)) == items.count() == len(expected)  # no serial twice
    assert sorted(items.values_list("certificate_id", flat=True)) == expected  # each exactly once
    bound = BlankSerial.objects.filter(state=BlankState.BOUND)
    assert set(bound.values_list("serial", flat=True)) == set(printed)
    assert LedgerEntry.objects.filter(kind=EntryKind.BOUND).count() == len(expected)
    # the loser's serials went back to stock: the city's stock is exactly what was not printed
    city_stock = BlankSerial.objects.filter(holder=demo["orgs"]["JS-NJ"], state=BlankState.IN_STOCK)
    assert city_stock.count() == 1000 - len(expected)
    assert PrintJob.objects.filter(status=PrintJobStatus.READY).count() == PrintJob.objects.count() == 4
    result = check_ledger()
    assert result.ok, result.problems
    assert result.serials == 2000  # none lost
