"""Bench: the transparency log (issue 19) — appending a release, and serving inclusion proofs from a
10,000,000-leaf log, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skillcert_bench_tlog .venv/bin/python bench/tlog.py \\
        [--release 100000] [--leaves 10000000] [--proofs 2000]

The database (name must start with ``skillcert_bench``) is dropped and rebuilt: migrated, the demo
loaded (its published certificates are the log's first leaves), one extra certificate that the filler
leaves point at.

1. **Append.** ``--release`` entries (canonical entries of distinct certificate numbers) are prepared.
   (a) the work: ``transparency.services.log.append`` of them as one release inside a transaction —
   leaf hashes, the tree's interior nodes, the new tiles and entry bundles, the look-up rows (COPY),
   the signed checkpoint (Ed25519, SM2, clock), commit; (b) the baseline: hashing the same leaves in a
   bare loop, ``sha256(b"\\x00" + entry).digest()``. Both three times, back to back; the best of each.
   Leaves/s; goal ratio >= 0.5.
2. **Proofs.** The log is filled to ``--leaves`` through the same append path (releases of 65,536),
   then for ``--proofs`` random leaf indexes the proof file is made as ``GET /api/v1/tlog/proof/…``
   makes it (inclusion proof from the stored tiles, the entry from its bundle, the served checkpoint)
   and timed; and the API itself (Django test client: routing, middleware, the number look-up, JSON)
   for the log's real certificates. p99 in ms; goal <= 5 ms.

The last two lines printed are JSON objects:
{"bench": "tlog_append", "value": leaves/s, "baseline": bare leaves/s, "unit": "leaves/s", "ratio": …,
 "goal": 0.5, "better": "higher"}
{"bench": "tlog_proof", "value": p99 ms, "baseline": 5.0, "unit": "ms", "ratio": p99/5, "goal": 1.0,
 "better": "lower", "leaves": n, "p50_ms": …, "api_p99_ms": …}
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)

from _pg import bench_database, log, recreate_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/skillcert_bench_tlog"
APPEND_GOAL = 0.5
P99_GOAL_MS = 5.0
FILL_CHUNK = 65536


def _record(i: int) -> str:
    return f"{i * 2654435761 % (1 << 256):064x}"


def _entries(start: int, count: int) -> list[bytes]:
    """Canonical entries (transparency-log.md §2) of distinct certificate numbers, built by template
    (the same bytes Entry.encode gives, checked on the first one)."""
    template = (
        '{{"certificate":"B{:015d}","event":"issued","key_id":"0123456789abcdef",'
        '"record_sm3":"{:064x}","release":{},"v":1,"version":1}}'
    )
    return [template.format(i, i * 2654435761 % (1 << 256), 1).encode() for i in range(start, start + count)]


def _setup(url: str) -> int:
    name, maintenance = bench_database(url, "tlog.py", "skillcert_bench_tlog")
    recreate_database(name, maintenance)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skillcert.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("demo", verbosity=0)
    from skillcert.certificates.models import Certificate

    model = Certificate.objects.filter(published_at__isnull=False).order_by("pk").first()
    assert model is not None, "the demo publishes certificates"
    filler = Certificate.objects.get(pk=model.pk)
    filler.pk = None
    filler.number, filler.licence_id, filler.enrolment = "B-FILLER", model.licence_id + "-FILLER", None
    filler.save()
    return int(filler.pk)


def _leaves(start: int, entries: list[bytes], certificate_id: int) -> list:  # type: ignore[type-arg]
    from skillcert.transparency.services.log import NewLeaf

    return [
        NewLeaf(e, certificate_id, None, "issued", 1, _record(start + i), "0123456789abcdef", 1)
        for i, e in enumerate(entries)
    ]


def _append(leaves: list) -> float:  # type: ignore[type-arg]
    from django.db import transaction

    from skillcert.transparency.services import log as tlog_log

    started = time.perf_counter()
    with transaction.atomic():
        tlog_log.append(leaves, release_id=1)
    return time.perf_counter() - started


def _bare(entries: list[bytes]) -> float:
    sha256 = hashlib.sha256
    started = time.perf_counter()
    for e in entries:
        sha256(b"\x00" + e).digest()
    return time.perf_counter() - started


def _proof_file(index: int, size: int) -> str:
    from skillcert.transparency import proofs
    from skillcert.transparency import services as tlog
    from skillcert.transparency.services import log as tlog_log

    checkpoint = tlog.head()  # as proof_for does after the number look-up
    hashes, entry = tlog_log.inclusion_and_entry(index, checkpoint.size)
    return proofs.make_proof(index, hashes, tlog.signed_note(checkpoint), entry)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--release", type=int, default=100_000, help="leaves in the appended release")
    parser.add_argument("--leaves", type=int, default=10_000_000, help="leaves in the log for the proofs")
    parser.add_argument("--proofs", type=int, default=2000, help="proofs timed")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time only the proofs, on the log a previous run left (no rebuild)",
    )
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    if args.reuse:
        os.environ["DATABASE_URL"] = os.environ.get("DATABASE_URL") or DEFAULT_URL
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skillcert.settings")
        import django

        django.setup()
        _proofs(args, None)
        return
    filler = _setup(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    from skillcert.transparency import entry as entry_format
    from skillcert.transparency.models import LogState

    probe = _entries(0, 1)[0]
    assert entry_format.parse_entry(probe).encode() == probe
    size = LogState.objects.get().size
    log(f"log starts at {size} leaves (the demo's published certificates)")

    work, bare = [], []
    for _ in range(3):
        entries = _entries(size, args.release)
        leaves = _leaves(size, entries, filler)
        bare.append(_bare(entries))
        work.append(_append(leaves))
        size += args.release
        log(f"append {args.release}: {work[-1]:.3f} s; bare hashing {bare[-1]:.3f} s")
    value, baseline = args.release / min(work), args.release / min(bare)
    append_line = {
        "bench": "tlog_append",
        "value": round(value),
        "baseline": round(baseline),
        "unit": "leaves/s",
        "ratio": round(value / baseline, 3),
        "goal": APPEND_GOAL,
        "better": "higher",
    }

    fill_started = time.perf_counter()
    while size < args.leaves:
        count = min(FILL_CHUNK, args.leaves - size)
        _append(_leaves(size, _entries(size, count), filler))
        size += count
        if (size // FILL_CHUNK) % 16 == 0:
            log(f"filled {size} leaves ({size / (time.perf_counter() - fill_started):.0f} leaves/s)")
    # a real change at the right edge: a revocation logged as the next publication logs it
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from skillcert.certificates.models import Certificate
    from skillcert.certificates.services import lifecycle
    from skillcert.transparency import services as tlog

    real = list(Certificate.objects.filter(published_at__isnull=False).exclude(number="B-FILLER"))
    leader = get_user_model().objects.filter(username="js_leader").first()
    if leader is not None:
        lifecycle.revoke(real[0], actor=leader, reason="bench")
        with transaction.atomic():
            tlog.log_release(1, [])
    _proofs(args, append_line)


def _proofs(args: argparse.Namespace, append_line: dict[str, object] | None) -> None:
    from django.test import Client

    from skillcert.certificates.models import Certificate
    from skillcert.transparency import services as tlog

    real = list(Certificate.objects.filter(published_at__isnull=False).exclude(number="B-FILLER"))
    head = tlog.head()
    log(f"log of {head.size} leaves, root {head.root_hash[:16]}…")
    for index in range(0, head.size, max(1, head.size // 200)):  # warm the cache as a serving log is
        _proof_file(index, head.size)

    rng = random.Random(19)
    times = []
    for index in [rng.randrange(head.size) for _ in range(args.proofs)]:
        started = time.perf_counter()
        _proof_file(index, head.size)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p99 = times[int(len(times) * 0.99) - 1]
    http = Client()
    api_times = []
    numbers = [c.number for c in real]
    for i in range(max(200, len(numbers))):
        number = numbers[i % len(numbers)]
        started = time.perf_counter()
        response = http.get(f"/api/v1/tlog/proof/{number}")
        api_times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:200]
    api_times.sort()
    api_p99 = api_times[int(len(api_times) * 0.99) - 1]
    log(f"proof files: p50 {statistics.median(times):.2f} ms, p99 {p99:.2f} ms; API p99 {api_p99:.2f} ms")
    if append_line is not None:
        print(json.dumps(append_line), flush=True)
    print(
        json.dumps(
            {
                "bench": "tlog_proof",
                "value": round(p99, 3),
                "baseline": P99_GOAL_MS,
                "unit": "ms",
                "ratio": round(p99 / P99_GOAL_MS, 3),
                "goal": 1.0,
                "better": "lower",
                "leaves": head.size,
                "p50_ms": round(statistics.median(times), 3),
                "api_p99_ms": round(api_p99, 3),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
