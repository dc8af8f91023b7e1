"""The lean hot path of public verification by number + name (issue 5 item 5; R2.3, R3.1, X7;
design.md rule 10 and "Serving the hot path").

Same answers as `services.verify_by_number` — the equivalence is tested for every status on SQLite and
PostgreSQL (`tests/test_fast.py`) — with less work per lookup:

- The rate limit (per client address, per minute and per day) is counted in ONE Redis round trip (a
  small Lua script doing exactly what `services.count_lookup` does with `cache.add` + `cache.incr`,
  on the same keys) when the cache is Redis; on any other cache it is `services.count_lookup` itself.
- On PostgreSQL the lookup and the log row are ONE statement, one round trip, prepared by psycopg
  after a few executions (`server_side_binding`, `prepare_threshold` in settings): a CTE finds the
  certificate by its unique number, derives the current name from the frozen data and the approved
  corrections (exact jsonb equality, as `current_view` does), inserts the `LookupLog` row with the
  result (valid / revoked / reissued / not_found; never a name or an ID number) and returns the
  certificate with its events. This one transaction commits asynchronously (`synchronous_commit` off
  for it alone, `set_config(..., true)`): the row is written and WAL-logged like any other, only the
  wait for the disk flush is skipped, so a crash of the database server may lose the last fraction of
  a second of log rows — never a certificate, and never an inconsistency. The public view is then
  folded in Python by the lifecycle's own derivation (`lifecycle.fold_events` / `view_from_folded`)
  from those rows, so the certificate data shown cannot drift from `current_view`.
- Elsewhere (SQLite) one SELECT of the certificate with its events, the same fold, then the log INSERT.

A database error is `cannot_determine` (never valid, never not found), with the log attempted
separately, as in the service. Input errors and rate limiting raise and log exactly as the service.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection

from skillcert.certificates.choices import EventKind
from skillcert.certificates.models import Certificate, CertificateEvent
from skillcert.certificates.numbering import normalise_number
from skillcert.core.api import storable_text
from skillcert.core.errors import SkillcertError
from skillcert.verification import services
from skillcert.verification.models import LookupLog
from skillcert.verification.services import (
    CANNOT_DETERMINE,
    MAX_NUMBER,
    NOT_FOUND_VERDICT,
    R_REISSUED,
    R_REVOKED,
    R_UNAVAILABLE,
    RateLimited,
    Verdict,
)

_CERT = Certificate._meta.db_table
_EVENT = CertificateEvent._meta.db_table
_LOG = LookupLog._meta.db_table

# jsonb values Python treats as false (`if event.data.get("approved")`).
_FALSY = "('false'::jsonb, 'null'::jsonb, '0'::jsonb, '\"\"'::jsonb, '[]'::jsonb, '{}'::jsonb)"

# PostgreSQL: lookup + log in one statement. The current name is the name of the last approved
# correction that changed it, else the issued one (lifecycle.fold_events applies corrections in id order).
# Only table names and constants are formatted in; every value is a bound parameter.
PG_LOOKUP_AND_LOG = f"""
WITH c AS (
    SELECT id, number, kind, data FROM {_CERT}
    WHERE number = %(number)s AND published_at IS NOT NULL
), ev AS (
    SELECT e.id, e.kind, e.at, e.blank_serial, e.reason, e.data, e.actor_id
    FROM {_EVENT} e WHERE e.certificate_id = (SELECT id FROM c)
), hit AS (
    SELECT c.* FROM c
    WHERE COALESCE(
        (SELECT ev.data -> 'changes' -> 'name' FROM ev
         WHERE ev.kind = '{EventKind.CORRECTED.value}'
           AND COALESCE(ev.data -> 'approved', 'null'::jsonb) NOT IN {_FALSY}
           AND jsonb_typeof(ev.data -> 'changes') = 'object' AND ev.data -> 'changes' ? 'name'
         ORDER BY ev.id DESC LIMIT 1),
        c.data -> 'name'
    ) = to_jsonb(%(name)s::text)
), result AS (
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM hit) THEN 'not_found'
        WHEN EXISTS (SELECT 1 FROM ev WHERE ev.kind = '{EventKind.REVOKED.value}') THEN 'revoked'
        WHEN EXISTS (SELECT 1 FROM ev WHERE ev.kind = '{EventKind.REISSUED.value}') THEN 'reissued'
        ELSE 'valid' END AS status
), log AS (
    INSERT INTO {_LOG} (at, channel, method, result, reason, client_network, number_prefix)
    SELECT now(), %(channel)s, 'number', result.status,
           CASE result.status WHEN 'not_found' THEN '{services.R_NOT_FOUND}'
                               WHEN 'revoked' THEN '{R_REVOKED}'
                               WHEN 'reissued' THEN '{R_REISSUED}' ELSE '' END,
           %(network)s, %(prefix)s
    FROM result, (SELECT set_config('synchronous_commit', 'off', true)) AS quick_commit
)
SELECT hit.id, hit.number, hit.kind, hit.data::text,
       ev.id, ev.kind, ev.at, ev.blank_serial, ev.reason, ev.data::text, ev.actor_id
FROM hit LEFT JOIN ev ON true
ORDER BY ev.id
"""  # noqa: S608

# Any database: the certificate with its events (name compared in Python), the log written after.
LOOKUP = f"""
SELECT c.id, c.number, c.kind, c.data, e.id, e.kind, e.at, e.blank_serial, e.reason, e.data, e.actor_id
FROM {_CERT} c LEFT JOIN {_EVENT} e ON e.certificate_id = c.id
WHERE c.number = %s AND c.published_at IS NOT NULL
ORDER BY e.id
"""  # noqa: S608

# --- rate limit: services.count_lookup in one Redis round trip ---------------------------------------

# KEYS: the minute and the day counter; ARGV: ttl1, limit1, ttl2, limit2. Same as cache.add(key, 0,
# ttl) + cache.incr(key) per window, stopping at the first window over its limit (0 = within limits).
_RATE_LUA = """
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], 0, 'EX', ARGV[2 * i - 1], 'NX')
  local n = redis.call('INCR', KEYS[i])
  if n > tonumber(ARGV[2 * i]) then return i end
end
return 0
"""


def _redis_script() -> tuple[Any, Any] | None:
    """(backend, registered Lua script) when the default cache is Django's Redis cache, else None."""
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    script = getattr(backend, "_skillcert_rate_script", None)
    if script is None:
        script = backend._cache.get_client(None, write=True).register_script(_RATE_LUA)
        backend._skillcert_rate_script = script  # type: ignore[attr-defined]
    return backend, script


def count_lookup(client: str | None) -> None:
    """`services.count_lookup`, on Redis in one round trip (same keys, same counts, same errors)."""
    if not client:
        return
    found = _redis_script()
    if found is None:
        services.count_lookup(client)
        return
    backend, script = found
    per_minute = int(getattr(settings, "VERIFY_RATE_PER_MINUTE", 30))
    per_day = int(getattr(settings, "VERIFY_RATE_PER_DAY", 300))
    key = services._rate_key(client)
    now = int(time.time())
    windows = ((60, per_minute), (86400, per_day))
    keys = [backend.make_and_validate_key(f"verify:rate:{w}:{key}:{now // w}") for w, _ in windows]
    over = int(script(keys=keys, args=[a for w, limit in windows for a in (w + 5, limit)]))
    if over:
        window = windows[over - 1][0]
        raise RateLimited(retry_after=(now // window + 1) * window - now)


# --- the lookup ---------------------------------------------------------------------------------------


def _view_of(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """The current view (lifecycle's own derivation) from the certificate + event rows."""
    return services.views_from_rows(rows)[0]


def _lookup_pg(number: str, name: str, channel: str, network: str, prefix: str) -> Verdict:
    params = {"number": number, "name": name, "channel": channel, "network": network, "prefix": prefix}
    with connection.cursor() as cursor:
        cursor.execute(PG_LOOKUP_AND_LOG, params)
        rows = cursor.fetchall()
    if not rows:
        return NOT_FOUND_VERDICT
    return services._answer(_view_of(rows), photo_allowed=True)


def _lookup(number: str, name: str) -> Verdict:
    with connection.cursor() as cursor:
        cursor.execute(LOOKUP, [number])
        rows = cursor.fetchall()
    if not rows:
        return NOT_FOUND_VERDICT
    view = _view_of(rows)
    if view.get("name") != name:
        return NOT_FOUND_VERDICT
    return services._answer(view, photo_allowed=True)


def one_round_trip() -> bool:
    """Whether lookup and log go in one statement (PostgreSQL; `VERIFY_ONE_ROUND_TRIP=False` turns it
    off, for measuring)."""
    return connection.vendor == "postgresql" and bool(getattr(settings, "VERIFY_ONE_ROUND_TRIP", True))


def verify_by_number(number: Any, name: Any, *, channel: str, client: str | None) -> Verdict:
    """`services.verify_by_number`, lean: same verdicts, same log rows, same errors."""
    method = LookupLog.Method.NUMBER
    try:
        count_lookup(client)
    except RateLimited as exc:
        services._log(channel, method, client, "rate_limited", exc.code, "")
        raise
    prefix = normalise_number(number)[:6]
    try:
        clean_number = services._clean_number(number)
        clean_name = services._clean_name(name)
    except SkillcertError as exc:
        services._log(channel, method, client, "rejected", exc.code, prefix)
        raise
    if len(clean_number) > MAX_NUMBER or not storable_text(clean_number):
        services._log(channel, method, client, NOT_FOUND_VERDICT.status, NOT_FOUND_VERDICT.reason, prefix)
        return NOT_FOUND_VERDICT
    if one_round_trip():
        log_prefix = "".join(ch for ch in prefix[:6] if ch.isascii() and ch.isalnum())
        network = services.client_network(client)
        try:
            return _lookup_pg(clean_number, clean_name, str(channel), network, log_prefix)
        except DatabaseError:
            verdict = Verdict(CANNOT_DETERMINE, R_UNAVAILABLE)
            services._log(channel, method, client, verdict.status, verdict.reason, prefix)
            return verdict
    try:
        verdict = _lookup(clean_number, clean_name)
    except DatabaseError:
        verdict = Verdict(CANNOT_DETERMINE, R_UNAVAILABLE)
    services._log(channel, method, client, verdict.status, verdict.reason, prefix)
    return verdict
