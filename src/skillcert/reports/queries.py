"""The statistics of a report, aggregated in the database (R1.1, R4.6).

One SQL statement per report. A common table ``base`` counts, for the organisation's subtree and the
period, per (organisation, occupation, level):

* ``enrolled``  — candidates of sessions whose exam ended in the period (报名人数);
* ``sat``       — of those, the ones with a result (pass or fail; 实考人数);
* ``qualified`` — of those, passed (合格人数);
* ``issued``    — certificates issued in the period (发证数);
* ``reissued``  — reissue events in the period (补发数, R1.7);
* ``revoked``   — revocation events in the period (撤销数).

The statement then rolls ``base`` up three ways, in SQL, with ``GROUP BY``:

* ``unit``       — by the direct children of the organisation (cities under a province, stations under
  a city), joining each row's organisation to the child whose materialised path is a prefix of it
  (``s.path LIKE u.path || '%'``); rows of the organisation itself form its own unit (本级);
* ``occupation`` — by occupation and level over the whole subtree (职业工种情况报表);
* ``level``      — by level over the whole subtree (the totals).

``base`` is referenced three times, so PostgreSQL materialises it once. The same SQL runs on SQLite.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

METRICS = ("enrolled", "sat", "qualified", "issued", "reissued", "revoked")


@dataclass(frozen=True)
class Row:
    dim: str  # unit | occupation | level
    key: int  # organisation id, occupation id, or 0
    level: int
    counts: dict[str, int]


def _tables() -> dict[str, str]:
    from skillcert.appraisal.models import AppraisalSession, Enrolment, SessionSubject
    from skillcert.certificates.models import Certificate, CertificateEvent
    from skillcert.orgs.models import Organisation

    q = connection.ops.quote_name
    return {
        "org": q(Organisation._meta.db_table),
        "cert": q(Certificate._meta.db_table),
        "event": q(CertificateEvent._meta.db_table),
        "enrol": q(Enrolment._meta.db_table),
        "session": q(AppraisalSession._meta.db_table),
        "subject": q(SessionSubject._meta.db_table),
    }


_SUMS = ", ".join(f"SUM(b.{m}) AS {m}" for m in METRICS)

SQL = """
WITH base AS (
    SELECT c.organisation_id AS org_id, c.occupation_id AS occ, c.level_id AS lvl,
           0 AS enrolled, 0 AS sat, 0 AS qualified, COUNT(*) AS issued, 0 AS reissued, 0 AS revoked
    FROM {cert} c JOIN {org} o ON o.id = c.organisation_id
    WHERE o.path LIKE %s AND c.issued_on >= %s AND c.issued_on < %s
    GROUP BY c.organisation_id, c.occupation_id, c.level_id
  UNION ALL
    SELECT c.organisation_id, c.occupation_id, c.level_id, 0, 0, 0, 0,
           SUM(CASE WHEN e.kind = 'reissued' THEN 1 ELSE 0 END),
           SUM(CASE WHEN e.kind = 'revoked' THEN 1 ELSE 0 END)
    FROM {event} e JOIN {cert} c ON c.id = e.certificate_id JOIN {org} o ON o.id = c.organisation_id
    WHERE o.path LIKE %s AND e.kind IN ('reissued', 'revoked') AND e.at >= %s AND e.at < %s
    GROUP BY c.organisation_id, c.occupation_id, c.level_id
  UNION ALL
    SELECT s.organisation_id, sub.occupation_id, sub.level_id, SUM(x.n), SUM(x.sat), SUM(x.qualified), 0, 0, 0
    FROM (
        SELECT en.session_id, en.subject_id, COUNT(*) AS n,
               SUM(CASE WHEN en.result IN ('pass', 'fail') THEN 1 ELSE 0 END) AS sat,
               SUM(CASE WHEN en.result = 'pass' THEN 1 ELSE 0 END) AS qualified
        FROM {enrol} en
        WHERE en.session_id IN (
            SELECT s0.id FROM {session} s0 JOIN {org} o ON o.id = s0.organisation_id
            WHERE o.path LIKE %s AND s0.exam_end >= %s AND s0.exam_end < %s)
        GROUP BY en.session_id, en.subject_id
    ) x JOIN {session} s ON s.id = x.session_id JOIN {subject} sub ON sub.id = x.subject_id
    GROUP BY s.organisation_id, sub.occupation_id, sub.level_id
)
SELECT 'unit' AS dim, u.id AS k, b.lvl, {sums}
FROM base b JOIN {org} s ON s.id = b.org_id
     JOIN {org} u ON (u.parent_id = %s AND s.path LIKE u.path || '%%') OR (u.id = %s AND s.id = %s)
GROUP BY u.id, b.lvl
UNION ALL
SELECT 'occupation', b.occ, b.lvl, {sums} FROM base b GROUP BY b.occ, b.lvl
UNION ALL
SELECT 'level', 0, b.lvl, {sums} FROM base b GROUP BY b.lvl
"""


def _bounds(
    start: datetime.date, end_exclusive: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.datetime.combine(start, datetime.time.min), tz),
        timezone.make_aware(datetime.datetime.combine(end_exclusive, datetime.time.min), tz),
    )


def report_rows(org: Any, start: datetime.date, end_exclusive: datetime.date) -> list[Row]:
    """The three roll-ups of `org`'s subtree for days in [start, end_exclusive)."""
    prefix = org.path + "%"
    start_at, end_at = _bounds(start, end_exclusive)
    sql = SQL.format(sums=_SUMS, **_tables())
    params = [
        prefix, start, end_exclusive,
        prefix, start_at, end_at,
        prefix, start, end_exclusive,
        org.pk, org.pk, org.pk,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    return [
        Row(dim, int(key), int(level), {m: int(v or 0) for m, v in zip(METRICS, values, strict=True)})
        for dim, key, level, *values in fetched
    ]
