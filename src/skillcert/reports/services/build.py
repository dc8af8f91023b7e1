"""Build the content of a report (综合情况表 + 职业工种情况报表) for an organisation and period.

The numbers come from :func:`skillcert.reports.queries.report_rows` (aggregated and rolled up in SQL);
this module only places them into a JSON-able structure, adds names and pass rates, and attaches the
blank-ledger sections from :mod:`skillcert.reports.sources`. The structure is what a submission
freezes, and what the page, the PDF and the XLSX render.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from skillcert.catalog.models import Level, Occupation
from skillcert.orgs.models import Organisation
from skillcert.reports import periods, queries, sources
from skillcert.reports.services.common import UNIT_KINDS, require_view

SCHEMA = 1

METRIC_LABELS: dict[str, tuple[str, str]] = {
    "enrolled": ("报名人数", "Enrolled"),
    "sat": ("实考人数", "Appraised"),
    "qualified": ("合格人数", "Qualified"),
    "pass_rate": ("合格率", "Pass rate"),
    "issued": ("发证数", "Issued"),
    "reissued": ("补发数", "Reissued"),
    "revoked": ("撤销数", "Revoked"),
}


def _zero() -> dict[str, int]:
    return dict.fromkeys(queries.METRICS, 0)


def _with_rate(counts: dict[str, int]) -> dict[str, Any]:
    rate = round(counts["qualified"] / counts["sat"], 4) if counts["sat"] else None
    return {**counts, "pass_rate": rate}


def _add(into: dict[str, int], counts: dict[str, int]) -> None:
    for key, value in counts.items():
        into[key] += value


def _org(org: Organisation) -> dict[str, Any]:
    return {"id": org.pk, "code": org.code, "name": org.name, "name_en": org.name_en, "kind": org.kind}


def _period(period: periods.Period) -> dict[str, Any]:
    return {
        "code": period.code,
        "kind": period.kind,
        "year": period.year,
        "number": period.number,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "due": period.due.isoformat(),
        "label_zh": period.label_zh,
        "label_en": period.label_en,
    }


def build_report(org: Organisation, period: periods.Period, *, actor: Any) -> dict[str, Any]:
    """The full content of `org`'s report for `period` (R1.1, R1.6, R4.6), computed now."""
    require_view(actor, org)
    rows = queries.report_rows(org, period.start, period.end_exclusive)
    levels = list(Level.objects.order_by("-number"))
    level_numbers = [lv.number for lv in levels]

    # 综合情况表, section 1: by level, plus the total.
    by_level = {n: _zero() for n in level_numbers}
    total = _zero()
    for row in rows:
        if row.dim == "level":
            by_level.setdefault(row.level, _zero())
            _add(by_level[row.level], row.counts)
            _add(total, row.counts)

    # Section 2: by unit (direct children, and the organisation's own rows).
    unit_counts: dict[int, dict[int, dict[str, int]]] = {}
    for row in rows:
        if row.dim == "unit":
            unit_counts.setdefault(row.key, {})[row.level] = row.counts
    children = list(org.children.filter(kind__in=UNIT_KINDS).order_by("path"))
    extra_ids = set(unit_counts) - {c.pk for c in children} - {org.pk}
    children += list(Organisation.objects.filter(pk__in=extra_ids).order_by("path"))
    units: list[tuple[Organisation, bool]] = [(c, False) for c in children]
    if org.pk in unit_counts:
        units.insert(0, (org, True))
    by_unit = []
    for unit, own in units:
        per_level = unit_counts.get(unit.pk, {})
        unit_total = _zero()
        for counts in per_level.values():
            _add(unit_total, counts)
        by_unit.append(
            {
                **_org(unit),
                "own": own,
                "total": _with_rate(unit_total),
                "by_level": {str(n): _with_rate(per_level.get(n, _zero())) for n in level_numbers},
            }
        )

    # 职业工种情况报表: by occupation and level.
    occupation_rows = [row for row in rows if row.dim == "occupation"]
    occupations = Occupation.objects.in_bulk({row.key for row in occupation_rows})
    by_occupation = []
    for row in occupation_rows:
        occupation = occupations[row.key]
        by_occupation.append(
            {
                "occupation_id": occupation.pk,
                "code": occupation.code,
                "name": occupation.name,
                "name_en": occupation.name_en,
                "edition": occupation.edition,
                "level": row.level,
                **_with_rate(row.counts),
            }
        )
    by_occupation.sort(key=lambda r: (r["code"], r["edition"], -r["level"]))

    destroyed = sources.destroyed_serials(org, period.start, period.end)
    stock = sources.blank_stock(org, period.end)
    return {
        "schema": SCHEMA,
        "organisation": _org(org),
        "period": _period(period),
        "generated_at": timezone.now().isoformat(),
        "levels": [
            {"number": lv.number, "name_zh": lv.name_zh, "title_zh": lv.title_zh, "name_en": lv.name_en}
            for lv in levels
        ],
        "overall": {
            "by_level": [{"level": n, **_with_rate(by_level[n])} for n in level_numbers],
            "by_unit": by_unit,
            "total": _with_rate(total),
        },
        "occupation": {"rows": by_occupation, "total": _with_rate(total)},
        "destroyed": destroyed.as_dict(),
        "stock": {**stock.as_dict(), "on": period.end.isoformat()},
    }


def rate_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def level_label(content: dict[str, Any], number: int) -> str:
    for level in content["levels"]:
        if level["number"] == number:
            return f"{level['name_zh']}/{level['title_zh']}"
    return str(number)
