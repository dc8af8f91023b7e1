"""Bench: importing certificate records (format import-v1, R3.3) against PostgreSQL COPY of the same file.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skillcert_bench_import \
        .venv/bin/python bench/import.py [--count 1000000] [--profile FILE]

Drops and recreates the database named in DATABASE_URL (PostgreSQL; the name must start with
``skillcert_bench``), migrates it, loads the catalogues and the demo organisations, and writes a CSV of
``--count`` valid, distinct certificate records of the three Jiangsu demo stations (setup not measured).
Then, back to back in this process:

(a) the baseline: plain ``COPY staging FROM STDIN (FORMAT csv, HEADER)`` of the file's bytes into a
    staging table of the same shape (one text column per CSV column), commit included: rows/s;
(b) ``exchange.services.imports.import_certificates`` over the same file, as the CLI runs it (read,
    check every coding rule, look up existing numbers and holders, register holders, write certificates
    and their events, one transaction): rows/s.

(c) the floor: PostgreSQL alone writing the rows (b) wrote — holders, certificates, issued events — again
    with INSERT … SELECT from unlogged copies, in one transaction with its commit (the deferred foreign-key
    checks): no Python, no parsing, no checking. No importer that writes the register can beat it.

The last line printed is one JSON object:
{"bench": "import", "value": v, "baseline": b, "unit": "rows/s", "ratio": v/b, "goal": 0.3,
 "better": "higher", "floor": f, "floor_ratio": f/b}
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)

from _pg import bench_database, log, recreate_database  # noqa: E402

GOAL = 0.3
STATIONS = (("ST-10012003", "10012003"), ("ST-10012005", "10012005"), ("ST-10052001", "10052001"))
HEADER = [
    "certificate_number",
    "name",
    "document_type",
    "document_number",
    "gender",
    "birth_date",
    "education",
    "occupation_code",
    "occupation_edition",
    "work_type",
    "level",
    "theory",
    "practical",
    "comprehensive",
    "evaluation",
    "issued_on",
    "organisation",
    "source",
]
SURNAMES, GIVEN = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


def write_file(path: Path, count: int) -> None:
    """`count` valid records: 3 stations × 16 years × 5 levels series, distinct holders and numbers."""
    from skillcert.people.idnumber import check_character

    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for i in range(count):
            code, institution = STATIONS[i % 3]
            series, sequence = divmod(i // 3, 99_999)
            year, level = 2010 + series // 5 % 16, 1 + series % 5
            number = f"{year % 100:02d}{institution}{level}{sequence + 1:05d}"
            d = i // 1000
            birth = f"{1960 + d % 40}{1 + (d // 40) % 12:02d}{1 + (d // 480) % 28:02d}"
            body = f"320102{birth}{i % 1000:03d}"
            name = SURNAMES[i % 20] + GIVEN[(i // 20) % 20] + GIVEN[(i // 400) % 20]
            out.writerow(
                [
                    number,
                    name,
                    "resident_id",
                    body + check_character(body),
                    "",
                    "",
                    "",
                    "6-18-01-01",
                    "2022",
                    "",
                    str(level),
                    "81",
                    "75.5",
                    "",
                    "合格",
                    f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    code,
                    "historical" if i % 2 else "imported",
                ]
            )


def measure_copy(path: Path) -> tuple[int, float]:
    from django.db import connection

    raw = connection.connection
    columns = ", ".join(f'"{h}" text' for h in HEADER)
    with raw.transaction():
        raw.execute("DROP TABLE IF EXISTS exchange_bench_staging")
        raw.execute(f"CREATE TABLE exchange_bench_staging ({columns})")
    started = time.perf_counter()
    load = "COPY exchange_bench_staging FROM STDIN (FORMAT csv, HEADER true)"
    with raw.transaction(), raw.cursor() as cursor, cursor.copy(load) as copy, path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            copy.write(block)
    elapsed = time.perf_counter() - started
    row = raw.execute("SELECT count(*) FROM exchange_bench_staging").fetchone()
    with raw.transaction():
        raw.execute("DROP TABLE exchange_bench_staging")
    return (row[0] if row else 0), elapsed


def measure_import(path: Path) -> tuple[int, float]:
    from skillcert.exchange.services.imports import import_certificates
    from skillcert.orgs.models import Organisation

    importer = Organisation.objects.get(code="JS")
    started, cpu = time.perf_counter(), time.process_time()
    report = import_certificates(path, actor=None, organisation=importer)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    log(f"  import process CPU {cpu:.1f}s of {elapsed:.1f}s wall ({report.created / cpu:,.0f} rows/CPU-s)")
    if report.status != "committed" or report.error_count:
        sys.exit(
            f"import did not commit: {report.status}, first errors {[str(e) for e in report.errors[:3]]}"
        )
    return report.created, elapsed


def measure_floor() -> tuple[int, float, dict[str, float]]:
    """(c): delete what the import wrote and have PostgreSQL write the same rows again by itself."""
    from django.db import connection

    from skillcert.certificates.models import Certificate, CertificateEvent
    from skillcert.people.models import Person

    person, certificate, event = (m._meta.db_table for m in (Person, Certificate, CertificateEvent))
    raw = connection.connection
    raw.autocommit = True
    setup = [
        "DROP TABLE IF EXISTS floor_person, floor_certificate, floor_event",
        f"CREATE UNLOGGED TABLE floor_person AS SELECT * FROM {person} WHERE source = 'import'",  # noqa: S608
        f"CREATE UNLOGGED TABLE floor_certificate AS SELECT * FROM {certificate} WHERE source <> 'issued'",  # noqa: S608
        f"CREATE UNLOGGED TABLE floor_event AS SELECT e.* FROM {event} e JOIN floor_certificate c "  # noqa: S608
        "ON c.id = e.certificate_id",
        f"DELETE FROM {event} WHERE id IN (SELECT id FROM floor_event)",  # noqa: S608
        f"DELETE FROM {certificate} WHERE id IN (SELECT id FROM floor_certificate)",  # noqa: S608
        f"DELETE FROM {person} WHERE id IN (SELECT id FROM floor_person)",  # noqa: S608
        f"VACUUM ANALYZE {person}",
        f"VACUUM ANALYZE {certificate}",
        f"VACUUM ANALYZE {event}",
        "CHECKPOINT",
    ]
    for sql in setup:
        raw.execute(sql)
    rows = raw.execute("SELECT count(*) FROM floor_certificate").fetchone()[0]
    phases: dict[str, float] = {}
    started = time.perf_counter()
    with raw.transaction():
        for name, table, copy in (
            ("holders", person, "floor_person"),
            ("certificates", certificate, "floor_certificate"),
            ("events", event, "floor_event"),
        ):
            mark = time.perf_counter()
            raw.execute(f"INSERT INTO {table} SELECT * FROM {copy}")  # noqa: S608
            phases[name] = time.perf_counter() - mark
        mark = time.perf_counter()
    phases["commit (deferred foreign-key checks)"] = time.perf_counter() - mark
    elapsed = time.perf_counter() - started
    raw.execute("DROP TABLE floor_person, floor_certificate, floor_event")
    return rows, elapsed, phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="records in the file (1000000)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the import into FILE")
    parser.add_argument("--no-floor", action="store_true", help="skip (c), PostgreSQL writing the rows alone")
    args = parser.parse_args()
    name, maintenance_url = bench_database(
        os.environ.get("DATABASE_URL", ""), "import.py", "skillcert_bench_import"
    )
    log(f"recreating database {name}")
    recreate_database(name, maintenance_url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skillcert.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from skillcert.catalog.seed import load_catalogs
    from skillcert.core.demo import load_demo

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_catalogs()
    load_demo(with_appraisal=False)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "certificates.csv"
        write_file(path, args.count)
        log(
            f"seeded and wrote {args.count} rows ({path.stat().st_size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - started:.1f}s (not measured)"
        )

        log("(a) baseline: COPY of the file into a same-shaped staging table")
        rows, copy_s = measure_copy(path)
        baseline = rows / copy_s
        log(f"  {rows} rows in {copy_s:.3f}s: {baseline:,.0f} rows/s")

        log("(b) import_certificates of the same file")
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            created, import_s = profiler.runcall(measure_import, path)
            profiler.dump_stats(args.profile)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        else:
            created, import_s = measure_import(path)
        value = created / import_s
        log(f"  {created} certificates in {import_s:.3f}s: {value:,.0f} rows/s")
        if created != args.count:
            sys.exit(f"expected {args.count} certificates, imported {created}")

    ratio = value / baseline
    result = {
        "bench": "import",
        "value": round(value, 1),
        "baseline": round(baseline, 1),
        "unit": "rows/s",
        "ratio": round(ratio, 4),
        "goal": GOAL,
        "better": "higher",
    }
    if not args.no_floor:
        log("(c) floor: PostgreSQL alone writing the same holders, certificates and events (INSERT … SELECT)")
        rows, floor_s, phases = measure_floor()
        floor = rows / floor_s
        log("  " + ", ".join(f"{name} {seconds:.2f}s" for name, seconds in phases.items()))
        log(f"  {rows} certificates in {floor_s:.3f}s: {floor:,.0f} rows/s = {floor / baseline:.3f} of COPY")
        result |= {"floor": round(floor, 1), "floor_ratio": round(floor / baseline, 4)}
    log(f"ratio {ratio:.3f} (goal ≥ {GOAL})")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
