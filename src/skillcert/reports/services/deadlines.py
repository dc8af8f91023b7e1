"""The deadline tracker: per period, who owes a report, what is submitted, what is late (R1.1, R4.6).

Status of one organisation for one period, as of `today`:

* ``submitted`` — the first version came in on or before the due date;
* ``late``      — it came in after the due date (the later versions do not change that);
* ``overdue``   — nothing submitted and the due date has passed;
* ``due``       — nothing submitted, the period has ended, the due date has not passed;
* ``open``      — the period has not ended yet.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Min
from django.utils import timezone

from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import org_filter
from skillcert.reports import periods
from skillcert.reports.models import ReportSubmission
from skillcert.reports.services.common import obligor_filter_kinds, owed_kinds

STATUS_LABELS = {
    "submitted": ("已报送", "Submitted"),
    "late": ("逾期报送", "Submitted late"),
    "overdue": ("逾期未报", "Overdue"),
    "due": ("待报送", "Due"),
    "open": ("统计中", "Period open"),
}


@dataclass
class Obligation:
    organisation: Organisation
    period: periods.Period
    status: str
    versions: int
    first_submitted_at: datetime.datetime | None
    latest_id: int | None

    @property
    def label_zh(self) -> str:
        return STATUS_LABELS[self.status][0]

    @property
    def label_en(self) -> str:
        return STATUS_LABELS[self.status][1]

    def as_dict(self) -> dict[str, Any]:
        org = self.organisation
        return {
            "organisation": {"id": org.pk, "code": org.code, "name": org.name, "kind": org.kind},
            "parent": org.parent.name if org.parent else "",
            "period": self.period.code,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "due": self.period.due.isoformat(),
            "status": self.status,
            "status_zh": self.label_zh,
            "status_en": self.label_en,
            "versions": self.versions,
            "first_submitted_at": self.first_submitted_at.isoformat() if self.first_submitted_at else None,
            "latest_submission": self.latest_id,
        }


def status_of(period: periods.Period, first_submitted_on: datetime.date | None, today: datetime.date) -> str:
    if first_submitted_on is not None:
        return "late" if period.is_late(first_submitted_on) else "submitted"
    if period.end >= today:
        return "open"
    return "overdue" if today > period.due else "due"


def obligations(
    user: Any,
    kind: str,
    year: int,
    *,
    today: datetime.date | None = None,
    organisation: Organisation | None = None,
) -> list[Obligation]:
    """Every (organisation, period) of `kind` labelled `year` owed by an organisation the user may see
    reports of (optionally within `organisation`'s subtree), with its status."""
    today = today or timezone.localdate()
    orgs = Organisation.objects.filter(
        org_filter(user, None, "reports.view"), active=True, kind__in=obligor_filter_kinds(kind)
    ).select_related("parent")
    if organisation is not None:
        orgs = orgs.filter(path__startswith=organisation.path)
    owing = [o for o in orgs.order_by("path") if kind in owed_kinds(o)]
    wanted = periods.periods_in_year(kind, year)
    stats = {
        (row["organisation_id"], row["period_number"]): row
        for row in ReportSubmission.objects.filter(
            organisation__in=[o.pk for o in owing], period_kind=kind, period_year=year
        )
        .values("organisation_id", "period_number")
        .annotate(versions=Count("id"), first=Min("submitted_at"), latest=Max("id"))
    }
    out = []
    for period in wanted:
        for org in owing:
            row = stats.get((org.pk, period.number))
            first = row["first"] if row else None
            first_day = timezone.localtime(first).date() if first else None
            out.append(
                Obligation(
                    organisation=org,
                    period=period,
                    status=status_of(period, first_day, today),
                    versions=row["versions"] if row else 0,
                    first_submitted_at=first,
                    latest_id=row["latest"] if row else None,
                )
            )
    return out


def summary(items: list[Obligation]) -> dict[str, int]:
    counts = dict.fromkeys(STATUS_LABELS, 0)
    for item in items:
        counts[item.status] += 1
    return counts
