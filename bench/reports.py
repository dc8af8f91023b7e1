"""Bench: a complete quarterly report over 1,000,000 certificates against one SQL GROUP BY (issue 8).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skillcert_bench_reports \
        .venv/bin/python bench/reports.py [--count 1000000] [--cities 12] [--stations 8] [--runs 3]

Drops and recreates the database named in DATABASE_URL (PostgreSQL; the name must start with
``skillcert_bench``), migrates it, loads the catalogues and the demo tree, adds ``--cities`` cities
with ``--stations`` stations each under the Jiangsu centre, then writes with COPY (not measured):
candidates, one approved session per station and month of the statistical year 2026 (Dec 2025 – Nov
2026) with four subjects each, enrolments (about 13 % failed or absent), one certificate per qualified
candidate (``--count`` in all, with frozen data of realistic size), their issued events, and 1 % each
of reissue and revocation events (``--reuse`` keeps a previous run's database instead). After one
untimed warm-up of each side, back to back in this process, each ``--runs`` times:

(a) the complete quarterly report of the province for 2026Q2 — ``build_report``: the 综合情况表 by level
    and by unit and the 职业工种情况报表, all rolled up the organisation tree in SQL;
(b) the baseline: one ``SELECT organisation_id, level_id, count(*) … GROUP BY`` over the same
    certificates of the same quarter.

The median of the runs is reported. The last line printed is one JSON object:
{"bench": "reports", "value": a, "baseline": b, "unit": "s", "ratio": a/b, "goal": 3.0, "better": "lower"}
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from typing import Any

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)

from _pg import bench_database, log, recreate_database  # noqa: E402

GOAL = 3.0
OCCUPATIONS = ("6-18-01-01", "6-18-01-02", "4-01-02-01", "6-29-03-01", "6-29-03-03", "4-02-01-01")
PERIOD = "2026Q2"


def _ids(cursor: Any, table: str, n: int) -> list[int]:
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
    return [row[0] for row in cursor.fetchall()]


def _copy(cursor: Any, table: str, columns: tuple[str, ...], rows: Any) -> int:
    started = time.perf_counter()
    count = 0
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    log(f"    COPY {count} rows into {table} in {time.perf_counter() - started:.1f}s")
    return count


def _add_orgs(cities: int, stations: int) -> list[Any]:
    from skillcert.orgs.choices import OrgKind
    from skillcert.orgs.models import Organisation
    from skillcert.orgs.services import create_organisation

    province = Organisation.objects.get(code="JS")
    for c in range(cities):
        city = create_organisation(
            actor=None, parent=province, code=f"B-C{c:02d}", name=f"基准市{c:02d}鉴定中心",
            kind=OrgKind.CITY, city_code=f"{20 + c:02d}",
        )  # fmt: skip
        for s in range(stations):
            create_organisation(
                actor=None, parent=city, code=f"B-C{c:02d}-S{s:02d}", name=f"基准市{c:02d}第{s:03d}号鉴定站",
                kind=OrgKind.STATION, institution_code=f"10{20 + c:02d}2{s:03d}",
            )  # fmt: skip
    return list(Organisation.objects.filter(kind=OrgKind.STATION, path__startswith=province.path))


SESSION_COLUMNS = ("id", "status", "created_at", "code", "site", "exam_start", "exam_end",
                   "expected_candidates", "organisation_id", "submitted_at", "review_comment")  # fmt: skip
SUBJECT_COLUMNS = ("id", "session_id", "occupation_id", "level_id", "national_bank")
PERSON_COLUMNS = ("id", "organisation_id", "name", "document_type", "document_cipher", "document_hash",
                  "document_masked", "gender", "birth_date", "nation", "phone", "address", "source",
                  "created_at", "updated_at")  # fmt: skip
ENROLMENT_COLUMNS = ("id", "session_id", "subject_id", "person_id", "source", "work_unit", "absent",
                     "result", "eligible", "created_at")  # fmt: skip
CERTIFICATE_COLUMNS = ("id", "number", "scheme", "kind", "licence_id", "enrolment_id", "person_id",
                       "organisation_id", "issuing_authority_id", "occupation_id", "level_id", "issued_on",
                       "data", "id_cipher", "state", "created_at")  # fmt: skip
EVENT_COLUMNS = ("certificate_id", "kind", "at", "reason", "data", "blank_serial")
FROZEN_DATA = {
    "name": "考生", "gender": "男", "birth_date": "1990-01-01", "education": "高中",
    "id_number_masked": "320***********1234", "document_type": "resident_id",
    "occupation": "车工", "occupation_code": "6-18-01-01", "work_type": "数控车工", "level": "四级/中级",
    "theory": "80.0", "practical": "75.0", "comprehensive": "", "evaluation": "合格",
    "issued_on": "2026-04-15", "issuing_authority": "江苏省人力资源和社会保障厅", "photo": "", "session": "",
}  # fmt: skip


def _plan(count: int, stations: list[Any], occ_ids: list[int]) -> dict[str, list[tuple[Any, ...]]]:
    """Rows to write (ids for sessions and subjects filled in by the caller's sequences)."""
    rng = random.Random(8)
    months = [datetime.date(2025, 12, 1)] + [datetime.date(2026, m, 1) for m in range(1, 12)]
    per_session = int(count / 0.86 / (len(stations) * len(months))) + 1
    plan: dict[str, list[tuple[Any, ...]]] = {"sessions": [], "subjects": [], "enrolments": [], "certs": []}
    certificates = 0
    for station in stations:
        for month in months:
            if certificates >= count:
                return plan
            sid = len(plan["sessions"])
            day = month + datetime.timedelta(days=rng.randint(0, 27))
            plan["sessions"].append((sid, station.pk, day, per_session))
            subjects = []
            for occ in rng.sample(occ_ids, 4):
                subjects.append((len(plan["subjects"]), occ, rng.choice((5, 4, 4, 3, 3, 2, 1))))
                plan["subjects"].append((subjects[-1][0], sid, occ, subjects[-1][2]))
            for i in range(per_session):
                if certificates >= count:
                    break
                sub, occ, level = subjects[i % 4]
                result = "pass" if rng.random() < 0.87 else rng.choice(("fail", "fail", "absent"))
                plan["enrolments"].append((sid, sub, result, station.pk))
                if result == "pass":
                    certificates += 1
                    plan["certs"].append((len(plan["enrolments"]) - 1, station.pk, occ, level, day))
    return plan


def _generate(count: int, stations: list[Any]) -> int:
    """COPY the register; returns the number of certificates written."""
    from django.db import connection, transaction

    from skillcert.appraisal.models import AppraisalSession, Enrolment, SessionSubject
    from skillcert.catalog.models import Occupation
    from skillcert.certificates.models import Certificate, CertificateEvent
    from skillcert.orgs.models import Organisation
    from skillcert.people.models import Person

    rng = random.Random(9)
    authority = Organisation.objects.get(code="JS-HRSS").pk
    occ_ids = [
        o.pk
        for o in (Occupation.objects.filter(code=c).order_by("-edition").first() for c in OCCUPATIONS)
        if o
    ]
    plan = _plan(count, stations, occ_ids)
    log(
        f"  {len(plan['sessions'])} sessions, {len(plan['enrolments'])} enrolments, "
        f"{len(plan['certs'])} certificates"
    )
    now = datetime.datetime.now(datetime.UTC)
    data = json.dumps(FROZEN_DATA, ensure_ascii=False)
    birth = datetime.date(1990, 1, 1)
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor
        session_ids = _ids(cursor, AppraisalSession._meta.db_table, len(plan["sessions"]))
        subject_ids = _ids(cursor, SessionSubject._meta.db_table, len(plan["subjects"]))
        person_ids = _ids(cursor, Person._meta.db_table, len(plan["enrolments"]))
        enrol_ids = _ids(cursor, Enrolment._meta.db_table, len(plan["enrolments"]))
        cert_ids = _ids(cursor, Certificate._meta.db_table, len(plan["certs"]))
        _copy(
            cursor,
            AppraisalSession._meta.db_table,
            SESSION_COLUMNS,
            (
                (
                    session_ids[sid],
                    "approved",
                    now,
                    f"B{session_ids[sid]:07d}",
                    "考场",
                    day,
                    day,
                    n,
                    org,
                    now,
                    "",
                )
                for sid, org, day, n in plan["sessions"]
            ),
        )
        _copy(
            cursor,
            SessionSubject._meta.db_table,
            SUBJECT_COLUMNS,
            (
                (subject_ids[sub], session_ids[sid], occ, level, False)
                for sub, sid, occ, level in plan["subjects"]
            ),
        )
        _copy(
            cursor,
            Person._meta.db_table,
            PERSON_COLUMNS,
            (
                (
                    pid,
                    org,
                    "考生",
                    "resident_id",
                    "x",
                    f"b{pid}",
                    "320***********1234",
                    "M",
                    birth,
                    "",
                    "",
                    "",
                    "import",
                    now,
                    now,
                )
                for pid, (_, _, _, org) in zip(person_ids, plan["enrolments"], strict=True)
            ),
        )
        _copy(
            cursor,
            Enrolment._meta.db_table,
            ENROLMENT_COLUMNS,
            (
                (
                    eid,
                    session_ids[sid],
                    subject_ids[sub],
                    pid,
                    "import",
                    "",
                    res == "absent",
                    res,
                    res == "pass",
                    now,
                )
                for eid, pid, (sid, sub, res, _) in zip(
                    enrol_ids, person_ids, plan["enrolments"], strict=True
                )
            ),
        )
        _copy(
            cursor,
            Certificate._meta.db_table,
            CERTIFICATE_COLUMNS,
            (
                (
                    cid,
                    f"B{cid:015d}",
                    "national16",
                    "qualification",
                    f"1.2.156.3005.2.ZYZG.B.{cid}.001.0",
                    enrol_ids[e],
                    person_ids[e],
                    org,
                    authority,
                    occ,
                    level,
                    day,
                    data,
                    "gAAAAABbench" + "x" * 120,
                    "valid",
                    now,
                )
                for cid, (e, org, occ, level, day) in zip(cert_ids, plan["certs"], strict=True)
            ),
        )
        events = []
        for cid, (_, _, _, _, day) in zip(cert_ids, plan["certs"], strict=True):
            at = datetime.datetime.combine(day, datetime.time(2), datetime.UTC)
            events.append((cid, "issued", at, "", json.dumps({"number": f"B{cid:015d}"}), ""))
            r = rng.random()
            if r < 0.01:
                events.append(
                    (cid, "reissued", at + datetime.timedelta(days=20), "遗失补发", "{}", "J0000001")
                )
            elif r < 0.02:
                events.append((cid, "revoked", at + datetime.timedelta(days=30), "测试撤销", "{}", ""))
        _copy(cursor, CertificateEvent._meta.db_table, EVENT_COLUMNS, events)
    started = time.perf_counter()
    with connection.cursor() as c:
        c.execute("ANALYZE")
    log(f"    ANALYZE in {time.perf_counter() - started:.1f}s")
    return len(plan["certs"])


def _baseline(org: Any, start: datetime.date, end: datetime.date) -> tuple[float, int]:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT organisation_id, level_id, COUNT(*) FROM certificates_certificate "
            "WHERE issued_on >= %s AND issued_on < %s GROUP BY organisation_id, level_id",
            [start, end],
        )
        rows = cursor.fetchall()
    return time.perf_counter() - started, sum(r[2] for r in rows)


def _holds_data(name: str, maintenance_url: str, count: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(maintenance_url.rsplit("/", 1)[0] + "/" + name) as conn:
            row = conn.execute("SELECT count(*) FROM certificates_certificate").fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0] == count)


def _seed_and_generate(args: Any) -> None:
    from django.core.management import call_command

    from skillcert.catalog.seed import load_catalogs
    from skillcert.core.demo import load_demo

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_catalogs()
    load_demo(with_appraisal=False)
    stations = _add_orgs(args.cities, args.stations)
    log(
        f"migrated and seeded ({len(stations)} stations under the province) "
        f"in {time.perf_counter() - started:.1f}s"
    )
    started = time.perf_counter()
    written = _generate(args.count, stations)
    log(f"wrote {written} certificates with COPY in {time.perf_counter() - started:.1f}s (not measured)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="certificates in all (1000000)")
    parser.add_argument("--cities", type=int, default=12, help="extra cities under the province (12)")
    parser.add_argument("--stations", type=int, default=8, help="stations per extra city (8)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each side (median, 3)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database of a previous run when it holds --count certificates (skips the loading)",
    )
    args = parser.parse_args()
    name, maintenance_url = bench_database(
        os.environ.get("DATABASE_URL", ""), "reports.py", "skillcert_bench_reports"
    )
    reuse = args.reuse and _holds_data(name, maintenance_url, args.count)
    if not reuse:
        log(f"recreating database {name}")
        recreate_database(name, maintenance_url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skillcert.settings")
    import django

    django.setup()
    from skillcert.orgs.models import Organisation
    from skillcert.reports import periods
    from skillcert.reports.documents_pdf import render_report_pdf
    from skillcert.reports.documents_xlsx import render_report_xlsx
    from skillcert.reports.services.build import build_report

    if reuse:
        log(f"reusing database {name} with {args.count} certificates from a previous run (--reuse)")
    else:
        _seed_and_generate(args)
    province = Organisation.objects.get(code="JS")
    period = periods.parse(PERIOD)
    build_report(province, period, actor=None)  # one warm-up of each side (cache, plans), not measured
    _baseline(province, period.start, period.end_exclusive)
    report_times, baseline_times = [], []
    content: dict[str, Any] = {}
    for run in range(1, args.runs + 1):
        t0 = time.perf_counter()
        content = build_report(province, period, actor=None)
        report_times.append(time.perf_counter() - t0)
        took, counted = _baseline(province, period.start, period.end_exclusive)
        baseline_times.append(took)
        log(
            f"  run {run}: report {report_times[-1]:.3f}s, GROUP BY {took:.3f}s "
            f"({counted} certificates in {PERIOD})"
        )
        if counted != content["overall"]["total"]["issued"]:
            sys.exit(
                f"the report counts {content['overall']['total']['issued']} certificates, GROUP BY {counted}"
            )
    total = content["overall"]["total"]
    log(
        f"  {PERIOD}: {total['enrolled']} enrolled, {total['sat']} appraised, "
        f"{total['qualified']} qualified, "
        f"{total['issued']} issued, {total['reissued']} reissued, {total['revoked']} revoked; "
        f"{len(content['overall']['by_unit'])} units, {len(content['occupation']['rows'])} occupation rows"
    )
    t0 = time.perf_counter()
    pdf, xlsx = render_report_pdf(content), render_report_xlsx(content)
    log(
        f"  (for information) PDF {len(pdf)} B + XLSX {len(xlsx)} B "
        f"rendered in {time.perf_counter() - t0:.3f}s"
    )

    value, baseline = statistics.median(report_times), statistics.median(baseline_times)
    ratio = value / baseline
    log(f"report {value:.3f}s vs GROUP BY {baseline:.3f}s: ratio {ratio:.2f} (goal ≤ {GOAL})")
    print(
        json.dumps(
            {
                "bench": "reports",
                "value": round(value, 4),
                "baseline": round(baseline, 4),
                "unit": "s",
                "ratio": round(ratio, 4),
                "goal": GOAL,
                "better": "lower",
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
