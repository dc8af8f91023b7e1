"""Bench: public verification over HTTP (issue 5 item 5; R3.1, design.md "Serving the hot path")
against pgbench running the same lookup SQL.

    .venv/bin/python bench/verify.py [--count 1000000] [--rebuild] [--duration 20]

1. The PostgreSQL database ``skillcert_bench_verify`` (``VERIFY_BENCH_DATABASE_URL`` overrides; its name
   must start with ``skillcert_bench``) is built once: migrated, catalogues and demo organisations,
   then ``--count`` people, certificates (frozen data as issuance writes it) and their ISSUED events
   written with COPY; 1 % revoked, 1 % reissued. A marker table records what was built; the next run
   reuses it (``--rebuild`` forces a new one).
2. The production server (``skillcert serve``: granian WSGI, 2 workers x 2 blocking threads, Redis
   cache for the rate limit, counted but set high enough not to refuse) starts on a free loopback
   port; ``wrk`` (32 connections, 2 threads, ``--duration`` s, after a short warm-up) POSTs JSON
   lookups to ``/api/v1/verify/`` by number + name over random certificates, ~9 % of them numbers that
   do not exist. Requests/s and p99 latency come from ``wrk --latency``.
3. Then ``pgbench -M simple -c 8 -j 2 -T <duration>`` runs the hot path's own SQL (lookup + log row,
   ``verification.fast.PG_LOOKUP_AND_LOG``) over the same random numbers and names: transactions/s.

The last line printed is one JSON object:
{"bench": "verify", "value": rps, "baseline": pgbench_tps, "unit": "req/s", "ratio": rps/tps,
 "goal": 0.3, "better": "higher", "p99_ms": p99}
(goal: ratio >= 0.3 with p99 < 50 ms). wrk and pgbench come from Debian (scripts/ensure-bench-packages
installs them when missing).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Any
from urllib.parse import urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)

from _pg import bench_database, log, recreate_database  # noqa: E402

GOAL = 0.3
P99_GOAL_MS = 50.0
MARKER_VERSION = 2
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/skillcert_bench_verify"
CACHE_URL = "redis://127.0.0.1:6379/11"
STATION = "ST-10012003"
TURNER = "6-18-01-01"  # 车工
MISS_SHARE = 0.1  # ids above --count (10 % of the range): numbers that do not exist

# Names are a function of the certificate's index, computed the same way here, in the wrk Lua script
# and in the pgbench SQL.
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力鹏飞宇浩然晨阳雪梅志海波云峰")


def name_of(i: int) -> str:
    third = GIVEN[(i // 2400) % len(GIVEN)] if i % 3 == 0 else ""
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)] + third


def number_of(i: int) -> str:
    return f"32{i:014d}"


# --- the database -----------------------------------------------------------------------------------


def _target() -> tuple[str, str, str]:
    """(URL, database name, maintenance URL), or exit with a clear message."""
    url = os.environ.get("VERIFY_BENCH_DATABASE_URL", DEFAULT_URL)
    return (url, *bench_database(url, "verify.py", "skillcert_bench_verify"))


def _built(url: str, count: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            row = conn.execute("SELECT version, count FROM skillcert_bench_marker").fetchone()
    except psycopg.Error:
        return False
    return row is not None and tuple(row) == (MARKER_VERSION, count)


def _copy(cursor: Any, model: Any, columns: list[str], rows: Any) -> None:
    table = model._meta.db_table
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _build(count: int) -> None:
    """Migrate, load the catalogues and demo organisations, then COPY `count` certificates."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from skillcert.catalog.models import Level, Occupation
    from skillcert.catalog.seed import load_catalogs
    from skillcert.certificates.choices import EventKind
    from skillcert.certificates.models import Certificate, CertificateEvent
    from skillcert.core.demo import load_demo
    from skillcert.orgs.models import Organisation
    from skillcert.people.models import Person
    from skillcert.people.protect import encrypt

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_catalogs()
    load_demo(with_appraisal=False)
    station = Organisation.objects.get(code=STATION)
    authority = station.parent or station
    occupation = Occupation.objects.filter(code=TURNER).order_by("-edition").first()
    level = Level.objects.get(pk=4)
    assert occupation is not None
    now = datetime.datetime.now(datetime.UTC)
    issued_on = datetime.date.today() - datetime.timedelta(days=30)
    cipher = encrypt("110101199003070000")  # never decrypted on the verification path
    common = {
        "document_type": "resident_id",
        "occupation_code": occupation.code,
        "occupation": occupation.name,
        "occupation_edition": occupation.edition,
        "work_type": "",
        "level": level.pk,
        "level_name": f"{level.name_zh}/{level.title_zh}",
        "level_name_en": level.name_en,
    }
    issued = {
        "issued_on": issued_on.isoformat(),
        "issuing_authority": authority.name,
        "issuing_authority_en": authority.name_en,
    }
    person_columns = [
        "id", "organisation_id", "name", "document_type", "document_cipher", "document_hash",
        "document_masked", "gender", "birth_date", "nation", "education_id", "phone", "address",
        "source", "photo_id", "created_at", "updated_at",
    ]  # fmt: skip
    cert_columns = [
        "id", "number", "scheme", "kind", "licence_id", "enrolment_id", "person_id", "organisation_id",
        "issuing_authority_id", "occupation_id", "level_id", "issued_on", "data", "id_cipher", "state",
        "created_at", "published_at", "source",
    ]  # fmt: skip
    event_columns = ["certificate_id", "kind", "at", "actor_id", "reason", "data", "blank_serial"]
    for model, columns in ((Person, person_columns), (Certificate, cert_columns)):
        known = {f.column for f in model._meta.concrete_fields}
        assert set(columns) == known, (model, known ^ set(columns))

    def person(i: int) -> list[Any]:
        birth = datetime.date(1970 + i % 30, 1 + (i // 30) % 12, 1 + (i // 360) % 28)
        masked = "320102" + "*" * 8 + f"{i % 10000:04d}"
        digest = hashlib.sha256(f"bench-person-{i}".encode()).hexdigest()
        gender = "M" if i % 2 else "F"
        return [person_base + i, station.pk, name_of(i), "resident_id", cipher, digest, masked, gender,
                birth, "",
                None, "", "", "import", None, now, now]  # fmt: skip

    def certificate(i: int, p: list[Any]) -> list[Any]:
        data = {
            "name": p[2],
            "gender": "男" if p[7] == "M" else "女",
            "birth_date": p[8].isoformat(),
            "education": "",
            "id_number_masked": p[6],
            **common,
            "theory": "85",
            "practical": "78",
            "comprehensive": None,
            "evaluation": "合格",
            **issued,
            "photo": "",
            "session": "BENCH",
        }
        number = number_of(i)
        state = "revoked" if i % 100 == 7 else "valid"
        return [cert_base + i, number, "national16", "qualification", f"BENCH.{number}", None, p[0],
                station.pk,
                authority.pk, occupation.pk, level.pk, issued_on, json.dumps(data, ensure_ascii=False),
                cipher, state, now, now, "issued"]  # fmt: skip

    # ids after whatever the demo created; the index i (1..count) gives the number and the name
    person_base = Person.objects.order_by("-id").values_list("id", flat=True).first() or 0
    cert_base = Certificate.objects.order_by("-id").values_list("id", flat=True).first() or 0
    batch = 100_000
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's own cursor, for COPY
        # The rows are generated consistent; checking 3M deferred foreign keys at COMMIT took minutes.
        cursor.execute("SET LOCAL session_replication_role = replica")
        for start in range(1, count + 1, batch):
            people = [person(i) for i in range(start, min(start + batch, count + 1))]
            _copy(cursor, Person, person_columns, people)
            _copy(cursor, Certificate, cert_columns, (certificate(p[0] - person_base, p) for p in people))
            events: list[list[Any]] = []
            for p in people:
                i = p[0] - person_base
                events.append(
                    [
                        cert_base + i,
                        EventKind.ISSUED.value,
                        now,
                        None,
                        "",
                        json.dumps({"number": number_of(i)}),
                        "",
                    ]
                )
                if i % 100 == 7:
                    events.append(
                        [cert_base + i, EventKind.REVOKED.value, now, None, "以欺骗手段取得", "{}", ""]
                    )
                elif i % 100 == 13:
                    events.append(
                        [
                            cert_base + i,
                            EventKind.REISSUED.value,
                            now,
                            None,
                            "遗失",
                            '{"remark": "补发"}',
                            f"B{i:08d}",
                        ]
                    )
            _copy(cursor, CertificateEvent, event_columns, events)
            log(f"  {min(start + batch - 1, count):>9,} certificates ({time.perf_counter() - started:.0f} s)")
        for model in (Person, Certificate):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )
        cursor.execute("CREATE TABLE skillcert_bench_marker (version int, count int)")
        cursor.execute("INSERT INTO skillcert_bench_marker VALUES (%s, %s)", [MARKER_VERSION, count])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    log(f"built {count:,} certificates in {time.perf_counter() - started:.0f} s")


# --- the server and the load -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(url: str, port: int, health_checks: bool = True) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DB_CONN_HEALTH_CHECKS": "1" if health_checks else "0",
        "DATABASE_URL": url,
        "CACHE_URL": CACHE_URL,
        "VERIFY_RATE_PER_MINUTE": "1000000000",
        "VERIFY_RATE_PER_DAY": "1000000000",
        "DEBUG": "0",
        # The production settings as deployed behind the TLS proxy (docs/operations.md): the requests
        # below say X-Forwarded-Proto: https, so they are answered, not redirected.
        "SKILLCERT_ENV": "production",
        "SKILLCERT_TLS_PROXY": "1",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    command = [sys.executable, "-m", "skillcert.manage", "serve", "--workers", "2", "--blocking-threads", "2"]
    command += ["--port", str(port), "--", "--log-level", "warning"]
    server = subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    _stop(server)
    sys.exit("the server did not answer /healthz within 60 s")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _lua_list(items: list[str]) -> str:
    return "{" + ", ".join(json.dumps(s, ensure_ascii=False) for s in items) + "}"


def _wrk_script(count: int) -> str:
    top = int(count / (1 - MISS_SHARE))
    return f"""
local surnames = {_lua_list(SURNAMES)}
local given = {_lua_list(GIVEN)}
local ns, ng = #surnames, #given
local headers = {{["Content-Type"] = "application/json", ["X-Forwarded-Proto"] = "https"}}
local counter = 0
setup = function(thread) counter = counter + 1; thread:set("seed", counter) end
init = function(args) math.randomseed(os.time() * 1000 + (seed or 0)) end
request = function()
  local i = math.random(1, {top})
  local name = surnames[1 + i % ns] .. given[1 + math.floor(i / ns) % ng]
  if i % 3 == 0 then name = name .. given[1 + math.floor(i / 2400) % ng] end
  local number = string.format("32%014d", i)
  local body = '{{"method":"number","number":"' .. number .. '","name":"' .. name .. '"}}'
  return wrk.format("POST", "/api/v1/verify/", headers, body)
end
"""


def _ensure_tools() -> None:
    if shutil.which("wrk") and shutil.which("pgbench"):
        return
    script = os.path.join(ROOT, "scripts", "ensure-bench-packages")
    if subprocess.run([script], check=False).returncode != 0 or not shutil.which("wrk"):  # noqa: S603
        sys.exit(
            "bench/verify.py needs wrk and pgbench (scripts/ensure-bench-packages could not install them)"
        )


def _duration_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(port: int, script: str, duration: int, connections: int = 32) -> dict[str, Any]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", script]
    output = subprocess.run(  # noqa: S603
        [*command, f"http://127.0.0.1:{port}/api/v1/verify/"], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s*([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p99 = _duration_ms(re.search(r"^\s*99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    return {
        "rps": rps,
        "p99_ms": p99,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(0) if errors else "",
        "output": output,
    }


def _pgbench_script(count: int) -> str:
    from skillcert.verification.fast import PG_LOOKUP_AND_LOG

    top = int(count / (1 - MISS_SHARE))
    surnames = "ARRAY[" + ",".join(f"'{s}'" for s in SURNAMES) + "]"
    given = "ARRAY[" + ",".join(f"'{g}'" for g in GIVEN) + "]"
    name = (
        f"({surnames})[1 + :i % {len(SURNAMES)}] || ({given})[1 + (:i / {len(SURNAMES)}) % {len(GIVEN)}]"
        f" || CASE WHEN :i % 3 = 0 THEN ({given})[1 + (:i / 2400) % {len(GIVEN)}] ELSE '' END"
    )
    number = "('32' || lpad(:i::text, 14, '0'))"
    sql = (
        PG_LOOKUP_AND_LOG.replace("%(number)s", number)
        .replace("%(name)s", f"({name})")
        .replace("%(channel)s", "'api'")
        .replace("%(network)s", "'127.0.0.0/24'")
        .replace("%(prefix)s", f"substr({number}, 1, 6)")
    )
    assert "%(" not in sql
    return f"\\set i random(1, {top})\n{sql.strip()};\n"


def run_pgbench(url: str, script: str, duration: int) -> float:
    parts = urlsplit(url)
    command = ["pgbench", "-n", "-M", "simple", "-c", "8", "-j", "2", "-T", str(duration), "-f", script]
    command += ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    command += ["-U", parts.username or "postgres", parts.path.lstrip("/")]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    return float(re.search(r"tps = ([\d.]+) \(without initial", output).group(1))  # type: ignore[union-attr]


def _results(url: str, since: int) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT result, count(*) FROM verification_lookuplog WHERE id > %s GROUP BY result", [since]
        ).fetchall()
    return {str(r): int(n) for r, n in rows}


def _last_log_id(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT coalesce(max(id), 0) FROM verification_lookuplog").fetchone()
    return int(row[0]) if row else 0


def _check_one(port: int, i: int, expected: str) -> None:
    body = json.dumps({"method": "number", "number": number_of(i), "name": name_of(i)}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/verify/",
        body,
        {"Content-Type": "application/json", "X-Forwarded-Proto": "https"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        status = json.loads(response.read())["status"]
    if status != expected:
        sys.exit(f"certificate {i}: the server answered {status!r}, expected {expected!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--no-health-checks",
        action="store_true",
        help="serve with DB_CONN_HEALTH_CHECKS=0 (one round trip less)",
    )
    args = parser.parse_args()

    _ensure_tools()
    url, name, maintenance = _target()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skillcert.settings")
    if args.rebuild or not _built(url, args.count):
        log(f"building {name} with {args.count:,} certificates (once; reused while the marker matches)")
        recreate_database(name, maintenance)
        import django

        django.setup()
        _build(args.count)
        from django.db import connections

        connections.close_all()
    else:
        log(f"reusing {name} ({args.count:,} certificates)")
        import django

        django.setup()

    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        lua = os.path.join(tmp, "verify.lua")
        with open(lua, "w", encoding="utf-8") as fh:
            fh.write(_wrk_script(args.count))
        sql = os.path.join(tmp, "verify.sql")
        with open(sql, "w", encoding="utf-8") as fh:
            fh.write(_pgbench_script(args.count))

        port = _free_port()
        server = _start_server(url, port, health_checks=not args.no_health_checks)
        try:
            _check_one(port, 1, "valid")
            _check_one(port, 7, "revoked")
            _check_one(port, 13, "reissued")
            _check_one(port, args.count + 1, "not_found")
            run_wrk(port, lua, 3)  # warm-up: imports, connections, prepared statements
            since = _last_log_id(url)
            load_before = os.getloadavg()[0]
            wrk = run_wrk(port, lua, args.duration)
        finally:
            _stop(server)
        answers = _results(url, since)
        log(wrk["output"].rstrip())
        log(f"answers logged during the run: {json.dumps(answers, sort_keys=True)}")
        if wrk["non_2xx"] or wrk["socket_errors"]:
            log(f"WARNING: non-2xx {wrk['non_2xx']}, {wrk['socket_errors']}")
        tps = run_pgbench(url, sql, args.duration)
        log(
            f"machine load (1-min average, {os.cpu_count()} cores): {load_before:.1f} before wrk, "
            f"{os.getloadavg()[0]:.1f} after pgbench"
        )

    ratio = wrk["rps"] / tps if tps else 0.0
    log(
        f"verify: {wrk['rps']:.0f} req/s over HTTP (granian 2 workers, wrk 32 connections), "
        f"pgbench same SQL {tps:.0f} tps, ratio {ratio:.2f} (goal {GOAL}), "
        f"p99 {wrk['p99_ms']:.1f} ms (goal < {P99_GOAL_MS:.0f})"
    )
    print(f"p99_ms {wrk['p99_ms']:.2f}")
    print(
        json.dumps(
            {
                "bench": "verify",
                "value": round(wrk["rps"], 1),
                "baseline": round(tps, 1),
                "unit": "req/s",
                "ratio": round(ratio, 3),
                "goal": GOAL,
                "better": "higher",
                "p99_ms": round(wrk["p99_ms"], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
