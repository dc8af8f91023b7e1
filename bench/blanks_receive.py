"""Bench: recording a receipt of 100,000 blank serials (issue 6: "ranges of thousands must be cheap")
against a raw PostgreSQL COPY of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skillcert_blanks \
        .venv/bin/python bench/blanks_receive.py [--count 100000]

Migrates the database named in DATABASE_URL (PostgreSQL; the name must start with
``skillcert_blanks``), loads the catalogues and the demo organisations (setup, not measured). Then, back
to back in this process, each inside a transaction that is rolled back afterwards (so the database is
left as found):

(a) ``ledger.receive`` of ``--count`` serials at the demo province: validation, overlap check, the
    receipt, one ledger entry, the per-serial cache rows (COPY) and the audit row: serials/s;
(b) the baseline: the same number of rows ``COPY``-ed straight into the serial table: rows/s.

The last line printed is one JSON object:
{"bench": "blanks_receive", "value": v, "baseline": b, "unit": "serials/s", "ratio": v/b, "goal": 0.5,
 "better": "higher"}
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from urllib.parse import urlsplit

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)

GOAL = 0.5


class _Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql") or not parts.path.lstrip("/").startswith(
        "skillcert_blanks"
    ):
        sys.exit(
            "bench/blanks_receive.py needs DATABASE_URL=postgres://…/skillcert_blanks… (PostgreSQL COPY)"
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skillcert.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from skillcert.blanks.models import BlankSerial, Receipt
    from skillcert.blanks.services import ledger
    from skillcert.catalog.seed import load_catalogs
    from skillcert.core.demo import load_demo
    from skillcert.orgs.models import Organisation

    call_command("migrate", verbosity=0)
    load_catalogs()
    load_demo(with_appraisal=False)
    province = Organisation.objects.get(code="JS")
    n = args.count

    start = time.perf_counter()
    try:
        with transaction.atomic():
            receipt = ledger.receive(
                holder=province,
                level="5",
                series="BENCH"[:4],
                first_number=1,
                last_number=n,
                document_number="bench",
                document_date=datetime.date(2026, 1, 1),
                actor=None,
            )
            assert BlankSerial.objects.filter(receipt=receipt).count() == n
            value_time = time.perf_counter() - start
            raise _Rollback
    except _Rollback:
        pass

    try:
        with transaction.atomic():
            receipt = Receipt.objects.create(
                holder=province,
                level="5",
                series="BNCH",
                first_number=1,
                last_number=n,
                document_number="baseline",
                document_date=datetime.date(2026, 1, 1),
                received_on=datetime.date(2026, 1, 1),
            )
            now = timezone.now()
            table = BlankSerial._meta.db_table
            start = time.perf_counter()
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(
                    f"COPY {table} (serial, series, number, level, holder_id, state, receipt_id, updated_at) "
                    "FROM STDIN"
                ) as copy,
            ):
                for i in range(1, n + 1):
                    copy.write_row((f"BNCH{i:08d}", "BNCH", i, "5", province.pk, "in_stock", receipt.pk, now))
            base_time = time.perf_counter() - start
            raise _Rollback
    except _Rollback:
        pass

    value, baseline = n / value_time, n / base_time
    print(f"ledger.receive: {n} serials in {value_time:.2f}s; raw COPY: {base_time:.2f}s", flush=True)
    print(
        json.dumps(
            {
                "bench": "blanks_receive",
                "value": round(value),
                "baseline": round(baseline),
                "unit": "serials/s",
                "ratio": round(value / baseline, 3),
                "goal": GOAL,
                "better": "higher",
            }
        )
    )


if __name__ == "__main__":
    main()
