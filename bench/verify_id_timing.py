"""Bench: the public ID-number lookup answers as fast for a wrong name as for an unknown ID number
(issue 13 item 2, X7: no timing side channel telling which ID numbers hold certificates).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skillcert_bench_idtiming \
        .venv/bin/python bench/verify_id_timing.py [--rounds 3000]

The database (its name must start with ``skillcert_bench``; it is dropped and recreated) is migrated
and given the catalogues and the demo, whose Suzhou session has published certificates. Then, in this
process, through Django's whole request cycle (``django.test.Client`` POSTing JSON to
``/api/v1/verify/``, rate limits set out of the way), interleaved round by round:

(a) an ID number that holds published certificates, with a wrong name — the measured figure;
(b) the baseline: a valid ID number that holds nothing, with the same wrong name;
(c) for information, the right name (a hit).

The review measured (a) 9.2 ms against (b) 8.2 ms median before the fix. The last line printed is
{"bench": "verify_id_timing", "value": median_a_ms, "baseline": median_b_ms, "unit": "ms",
 "ratio": a/b, "goal": 1.05, "better": "lower"}
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)

from _pg import bench_database, log, recreate_database  # noqa: E402

GOAL = 1.05
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def with_check(body: str) -> str:
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    name, maintenance = bench_database(url, "verify_id_timing.py", "skillcert_bench_idtiming")
    recreate_database(name, maintenance)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skillcert.settings")
    os.environ["VERIFY_RATE_PER_MINUTE"] = os.environ["VERIFY_RATE_PER_DAY"] = str(10 * args.rounds + 100)

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from skillcert.catalog.seed import load_catalogs
    from skillcert.certificates.models import Certificate
    from skillcert.core.demo import load_demo

    log(f"building {name}: migrate, catalogues, demo")
    call_command("migrate", verbosity=0)
    load_catalogs()
    load_demo()
    published = Certificate.objects.filter(published_at__isnull=False).select_related("person").first()
    if published is None:
        sys.exit("the demo published no certificate: nothing to look up")
    holder_id, right_name = published.person.document_number(), published.data["name"]
    nobody_id = with_check("32050519" + "000101" + "123")  # a valid number, born 1900-01-01: no holder
    wrong_name = "王五六"

    client = Client()

    def lookup(id_number: str, name_: str) -> float:
        body = json.dumps({"method": "id", "id_number": id_number, "name": name_})
        start = time.perf_counter()
        response = client.post(
            "/api/v1/verify/", body, content_type="application/json", REMOTE_ADDR="198.51.100.20"
        )
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            sys.exit(f"lookup answered {response.status_code}: {response.content[:200]!r}")
        return elapsed

    for _ in range(200):  # warm-up: prepared statements, caches
        lookup(holder_id, wrong_name)
        lookup(nobody_id, wrong_name)
    wrong, unknown, hits = [], [], []
    for i in range(args.rounds):
        # alternate which goes first, so neither always runs on a warmer cache
        if i % 2:
            wrong.append(lookup(holder_id, wrong_name))
            unknown.append(lookup(nobody_id, wrong_name))
        else:
            unknown.append(lookup(nobody_id, wrong_name))
            wrong.append(lookup(holder_id, wrong_name))
        if i % 10 == 0:
            hits.append(lookup(holder_id, right_name))
    a, b = statistics.median(wrong), statistics.median(unknown)
    log(
        f"median ms: wrong name {a:.3f}, unknown ID {b:.3f}, hit {statistics.median(hits):.3f}; "
        f"p90 wrong {statistics.quantiles(wrong, n=10)[-1]:.3f}, "
        f"unknown {statistics.quantiles(unknown, n=10)[-1]:.3f}"
    )
    print(
        json.dumps(
            {
                "bench": "verify_id_timing",
                "value": round(a, 4),
                "baseline": round(b, 4),
                "unit": "ms",
                "ratio": round(a / b, 4),
                "goal": GOAL,
                "better": "lower",
            }
        )
    )


if __name__ == "__main__":
    main()
