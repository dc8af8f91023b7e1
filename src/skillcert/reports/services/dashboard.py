"""Chart data for the dashboards, aggregated in the database and scoped to one organisation's subtree
(X1). Served as JSON by the API and drawn with ECharts on the page.

* certificates issued per month, by level; top occupations;
* pass rates (qualified / appraised) per month and by level;
* blank stock per holder (via :mod:`skillcert.reports.sources`; "not available" until the ledger is
  wired);
* public verification lookups and the not-found rate per day, with not-found lookups broken down by
  number prefix (the first six characters, all the log keeps) so that a burst on one prefix — someone
  probing a number range, or a batch missing from the register — stands out; such bursts are listed as
  ``spikes``. Lookups carry no organisation, so this part is shown only for the national, provincial
  and industry centres, which run the public query (R3.1).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from skillcert.appraisal.models import Enrolment
from skillcert.catalog.models import Level
from skillcert.certificates.models import Certificate
from skillcert.orgs.choices import OrgKind
from skillcert.orgs.models import Organisation
from skillcert.reports import sources
from skillcert.reports.services.common import require_view
from skillcert.verification.models import LookupLog

VERIFICATION_KINDS = (OrgKind.NATIONAL, OrgKind.PROVINCE, OrgKind.INDUSTRY)
TOP_OCCUPATIONS = 10
TOP_PREFIXES = 6
SPIKE_MIN = 10  # a spike needs at least this many not-found lookups on one prefix in a day
SPIKE_FACTOR = 5  # … and this many times the prefix's average on the other days (plus one)


def _months(today: datetime.date, count: int) -> list[datetime.date]:
    first = today.replace(day=1)
    out = []
    for _ in range(count):
        out.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return out[::-1]


def _month_key(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        value = value.date()
    return value.strftime("%Y-%m")


def dashboard(
    org: Organisation, *, actor: Any, months: int = 12, days: int = 30, today: datetime.date | None = None
) -> dict[str, Any]:
    require_view(actor, org)
    today = today or timezone.localdate()
    month_starts = _months(today, months)
    month_labels = [m.strftime("%Y-%m") for m in month_starts]
    since = month_starts[0]
    levels = list(Level.objects.order_by("-number"))

    certificates = Certificate.objects.filter(
        organisation__path__startswith=org.path, issued_on__gte=since, issued_on__lte=today
    )
    per_month: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        certificates.annotate(month=TruncMonth("issued_on"))
        .values("month", "level_id")
        .annotate(n=Count("id"))
    ):
        per_month[row["level_id"]][_month_key(row["month"])] = row["n"]
    by_occupation = [
        {"code": r["occupation__code"], "name": r["occupation__name"], "count": r["n"]}
        for r in certificates.values("occupation__code", "occupation__name")
        .annotate(n=Count("id"))
        .order_by("-n", "occupation__code")[:TOP_OCCUPATIONS]
    ]
    by_level_total = {r["level_id"]: r["n"] for r in certificates.values("level_id").annotate(n=Count("id"))}

    enrolments = Enrolment.objects.filter(
        session__organisation__path__startswith=org.path,
        session__exam_end__gte=since,
        session__exam_end__lte=today,
    )
    sat_q = Q(result__in=("pass", "fail"))
    pass_q = Q(result="pass")
    rate_month: dict[str, dict[str, Any]] = {
        _month_key(r["month"]): dict(r)
        for r in enrolments.annotate(month=TruncMonth("session__exam_end"))
        .values("month")
        .annotate(sat=Count("id", filter=sat_q), qualified=Count("id", filter=pass_q))
    }
    rate_level: dict[int, dict[str, Any]] = {
        r["subject__level_id"]: dict(r)
        for r in enrolments.values("subject__level_id").annotate(
            sat=Count("id", filter=sat_q), qualified=Count("id", filter=pass_q)
        )
    }

    def rate(row: dict[str, Any] | None) -> float | None:
        return round(row["qualified"] / row["sat"], 4) if row and row["sat"] else None

    stock = sources.blank_stock(org, today).as_dict()
    return {
        "organisation": {"id": org.pk, "code": org.code, "name": org.name},
        "today": today.isoformat(),
        "months": month_labels,
        "certificates": {
            "by_month": [
                {
                    "level": lv.number,
                    "name": f"{lv.name_zh}/{lv.title_zh}",
                    "data": [per_month[lv.number].get(m, 0) for m in month_labels],
                }
                for lv in levels
            ],
            "by_level": [
                {
                    "level": lv.number,
                    "name": f"{lv.name_zh}/{lv.title_zh}",
                    "count": by_level_total.get(lv.number, 0),
                }
                for lv in levels
            ],
            "by_occupation": by_occupation,
        },
        "pass_rates": {
            "by_month": [
                {
                    "month": m,
                    "sat": rate_month.get(m, {}).get("sat", 0),
                    "qualified": rate_month.get(m, {}).get("qualified", 0),
                    "rate": rate(rate_month.get(m)),
                }
                for m in month_labels
            ],
            "by_level": [
                {
                    "level": lv.number,
                    "name": f"{lv.name_zh}/{lv.title_zh}",
                    "sat": rate_level.get(lv.number, {}).get("sat", 0),
                    "qualified": rate_level.get(lv.number, {}).get("qualified", 0),
                    "rate": rate(rate_level.get(lv.number)),
                }
                for lv in levels
            ],
        },
        "blank_stock": stock,
        "verification": verification_stats(today, days) if org.kind in VERIFICATION_KINDS else None,
    }


def verification_stats(today: datetime.date, days: int) -> dict[str, Any]:
    """Lookups per day, not-found rate, and not-found lookups per number prefix, over `days` days."""
    tz = timezone.get_current_timezone()
    first = today - datetime.timedelta(days=days - 1)
    since = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min), tz)
    until = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min), tz
    )
    day_labels = [(first + datetime.timedelta(days=i)).isoformat() for i in range(days)]
    logs = LookupLog.objects.filter(at__gte=since, at__lt=until).annotate(day=TruncDate("at", tzinfo=tz))
    not_found = Q(result="not_found")
    per_day: dict[str, dict[str, Any]] = {
        r["day"].isoformat(): dict(r)
        for r in logs.values("day").annotate(total=Count("id"), not_found=Count("id", filter=not_found))
    }
    prefix_rows = list(logs.filter(not_found).values("day", "number_prefix").annotate(n=Count("id")))
    totals: dict[str, int] = defaultdict(int)
    grid: dict[str, dict[str, int]] = defaultdict(dict)
    for r in prefix_rows:
        prefix = r["number_prefix"] or "—"
        totals[prefix] += r["n"]
        grid[prefix][r["day"].isoformat()] = r["n"]
    top = sorted(totals, key=lambda p: (-totals[p], p))[:TOP_PREFIXES]
    other = {d: sum(grid[p].get(d, 0) for p in totals if p not in top) for d in day_labels}
    series = [{"prefix": p, "data": [grid[p].get(d, 0) for d in day_labels]} for p in top]
    if any(other.values()):
        series.append({"prefix": "其他", "data": [other[d] for d in day_labels]})
    spikes: list[dict[str, Any]] = []
    for prefix, counts in grid.items():
        for day, n in counts.items():
            rest = totals[prefix] - n
            average_other = rest / max(days - 1, 1)
            if n >= SPIKE_MIN and n >= SPIKE_FACTOR * (average_other + 1):
                spikes.append(
                    {
                        "day": day,
                        "prefix": prefix,
                        "not_found": n,
                        "average_other_days": round(average_other, 2),
                    }
                )
    spikes.sort(key=lambda s: (-s["not_found"], s["day"]))
    return {
        "days": day_labels,
        "total": [per_day.get(d, {}).get("total", 0) for d in day_labels],
        "not_found": [per_day.get(d, {}).get("not_found", 0) for d in day_labels],
        "not_found_rate": [
            round(per_day[d]["not_found"] / per_day[d]["total"], 4)
            if d in per_day and per_day[d]["total"]
            else None
            for d in day_labels
        ],
        "not_found_by_prefix": series,
        "spikes": spikes,
    }
