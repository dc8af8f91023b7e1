"""Bench: certificate issuance at volume (issue 4) against PostgreSQL COPY of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skillcert_bench .venv/bin/python bench/issue.py \
        [--count 100000] [--sessions 20]

Drops and recreates the database named in DATABASE_URL (it must be PostgreSQL and its name must start
with ``skillcert_bench``), migrates it, loads the catalogues and the demo organisations, then prepares
approved rosters totalling ``--count`` eligible enrolments spread over ``--sessions`` sessions at the
four demo stations (setup is not measured). Then, back to back in this process:

(a) ``issue_certificates`` over every roster (one transaction each, as in production): certificates/s;
(b) the baseline: the certificate rows the service produced are dumped with ``COPY ... TO STDOUT``,
    the table is truncated, and the same rows are ``COPY``-ed back into the same table (one
    transaction, commit included): rows/s.

The last line printed is one JSON object:
{"bench": "issue", "value": v, "baseline": b, "unit": "rows/s", "ratio": v/b, "goal": 0.25,
 "better": "higher"}
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from typing import Any

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)

from _pg import bench_database, log, recreate_database  # noqa: E402

GOAL = 0.25
STATIONS = ("ST-10012003", "ST-10012005", "ST-10052001", "ST-49003018")
TURNER = "6-18-01-01"  # 车工


def _resident_id(i: int) -> str:
    from skillcert.people.idnumber import check_character

    d = i // 1000
    body = f"320102{1970 + d % 30}{1 + (d // 30) % 12:02d}{1 + (d // 360) % 28:02d}{i % 1000:03d}"
    return body + check_character(body)


def _next_ids(cursor: Any, table: str, n: int) -> list[int]:
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
    return [row[0] for row in cursor.fetchall()]


def _copy_models(cursor: Any, model: Any, objs: list[Any]) -> None:
    """COPY model instances (pk already set) into their table: every concrete column as Django saves it."""
    from django.db import connection

    fields = list(model._meta.concrete_fields)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])


def _prepare_rosters(count: int, n_sessions: int) -> list[Any]:
    from django.db import connection, transaction

    from skillcert.appraisal.choices import Result, ReviewStatus
    from skillcert.appraisal.models import Enrolment, SessionReport
    from skillcert.appraisal.services import sessions
    from skillcert.orgs.models import Organisation
    from skillcert.people.models import Person
    from skillcert.people.protect import document_hash, encrypt, mask

    day = datetime.date.today() - datetime.timedelta(days=2)
    rosters = []
    offset = 0
    for k in range(n_sessions):
        size = count // n_sessions + (1 if k < count % n_sessions else 0)
        station = Organisation.objects.get(code=STATIONS[k % len(STATIONS)])
        with transaction.atomic():
            session = sessions.create_session(
                station,
                actor=None,
                site="实训楼",
                exam_start=day,
                exam_end=day,
                expected_candidates=size,
                subjects=[{"occupation": TURNER, "level": 4}],
            )
            session = sessions.review_session(
                sessions.submit_session(session, actor=None), actor=None, approve=True
            )
            subject = session.subjects.get()
            with connection.cursor() as c:
                cursor = c.cursor  # the psycopg cursor
                person_ids = _next_ids(cursor, Person._meta.db_table, size)
                people = []
                for pk, i in zip(person_ids, range(offset, offset + size), strict=True):
                    number = _resident_id(i)
                    people.append(
                        Person(
                            pk=pk,
                            organisation=station,
                            name="考生",
                            document_type="resident_id",
                            document_cipher=encrypt(number),
                            document_hash=document_hash("resident_id", number),
                            document_masked=mask(number),
                            gender="M" if int(number[16]) % 2 else "F",
                            birth_date=datetime.date(
                                int(number[6:10]), int(number[10:12]), int(number[12:14])
                            ),
                            source="import",
                        )
                    )
                _copy_models(cursor, Person, people)
                enrolment_ids = _next_ids(cursor, Enrolment._meta.db_table, size)
                _copy_models(
                    cursor,
                    Enrolment,
                    [
                        Enrolment(
                            pk=pk,
                            session=session,
                            subject=subject,
                            person_id=person_id,
                            source="import",
                            theory=80,
                            practical=75,
                            result=Result.PASS,
                            eligible=True,
                        )
                        for pk, person_id in zip(enrolment_ids, person_ids, strict=True)
                    ],
                )
            SessionReport.objects.create(session=session, status=ReviewStatus.APPROVED)
        offset += size
        rosters.append(session)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    return rosters


def _measure_issue(rosters: list[Any]) -> tuple[int, float]:
    from skillcert.certificates.services.issue import issue_certificates

    total, elapsed = 0, 0.0
    for session in rosters:
        started = time.perf_counter()
        issued = issue_certificates(session, actor=None)
        took = time.perf_counter() - started
        elapsed += took
        total += len(issued)
        log(f"  issued {len(issued):>6} for {session.code} in {took:6.3f}s ({len(issued) / took:,.0f}/s)")
    return total, elapsed


def _measure_copy() -> tuple[int, float]:
    """Dump the certificate rows, truncate the table, COPY the same rows back; the COPY and its commit
    are timed."""
    from django.db import connection
    from psycopg import sql

    from skillcert.certificates.models import Certificate

    table = sql.Identifier(Certificate._meta.db_table)
    columns = sql.SQL(", ").join(sql.Identifier(f.column) for f in Certificate._meta.concrete_fields)
    chunks: list[bytes] = []
    raw = connection.connection  # the psycopg connection (Django is in autocommit)
    with raw.cursor() as cursor:
        dump = sql.SQL("COPY (SELECT {} FROM {} ORDER BY id) TO STDOUT").format(columns, table)
        with cursor.copy(dump) as copy:
            for chunk in copy:
                chunks.append(bytes(chunk))
        row = cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()
        rows = row[0] if row else 0
    with raw.transaction():
        raw.execute(sql.SQL("TRUNCATE {} CASCADE").format(table))
    started = time.perf_counter()
    load = sql.SQL("COPY {} ({}) FROM STDIN").format(table, columns)
    with raw.transaction(), raw.cursor() as cursor, cursor.copy(load) as copy:
        for chunk in chunks:
            copy.write(chunk)
    elapsed = time.perf_counter() - started
    return rows, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="eligible enrolments in all (100000)")
    parser.add_argument("--sessions", type=int, default=20, help="rosters to spread them over (20)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the issuance phase into FILE")
    args = parser.parse_args()
    name, maintenance_url = bench_database(os.environ.get("DATABASE_URL", ""), "issue.py", "skillcert_bench")

    log(f"recreating database {name}")
    recreate_database(name, maintenance_url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skillcert.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from skillcert.catalog.seed import load_catalogs
    from skillcert.core.demo import load_demo

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_catalogs()
    load_demo(with_appraisal=False)
    log(f"migrated and seeded in {time.perf_counter() - started:.1f}s")
    started = time.perf_counter()
    rosters = _prepare_rosters(args.count, args.sessions)
    log(
        f"prepared {len(rosters)} approved rosters, {args.count} eligible enrolments, "
        f"in {time.perf_counter() - started:.1f}s (not measured)"
    )

    log("(a) issue_certificates over all rosters")
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        issued, issue_s = profiler.runcall(_measure_issue, rosters)
        profiler.dump_stats(args.profile)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    else:
        issued, issue_s = _measure_issue(rosters)
    value = issued / issue_s
    log(f"  {issued} certificates in {issue_s:.3f}s: {value:,.0f} certificates/s")
    if issued != args.count:
        sys.exit(f"expected {args.count} certificates, issued {issued}")

    log("(b) baseline: COPY of the same certificate rows into the same (truncated) table")
    rows, copy_s = _measure_copy()
    baseline = rows / copy_s
    log(f"  {rows} rows in {copy_s:.3f}s: {baseline:,.0f} rows/s")

    ratio = value / baseline
    log(f"ratio {ratio:.3f} (goal ≥ {GOAL})")
    print(
        json.dumps(
            {
                "bench": "issue",
                "value": round(value, 1),
                "baseline": round(baseline, 1),
                "unit": "rows/s",
                "ratio": round(ratio, 4),
                "goal": GOAL,
                "better": "higher",
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
