"""The blank ledger's figures for the reports app (`reports/sources.py` calls these two functions).

Counting happens in the database; both are limited to `org`'s subtree by the materialised path.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count
from django.utils import timezone

from skillcert.blanks.choices import BlankState, EntryKind
from skillcert.blanks.models import BlankSerial, LedgerEntry
from skillcert.blanks.services.common import format_serial


def destroyed_serials(org: Any, start: datetime.date, end: datetime.date) -> list[dict[str, Any]]:
    """One row per serial destroyed by `org`'s subtree with the destruction date in [start, end] (R1.6).

    Entries are runs of consecutive numbers, so a run expands into its serials here; the runs
    themselves come from one indexed query."""
    entries = (
        LedgerEntry.objects.filter(
            kind=EntryKind.DESTROYED,
            holder__path__startswith=org.path,
            destruction__destroyed_on__gte=start,
            destruction__destroyed_on__lte=end,
        )
        .order_by("series", "first_number")
        .values_list(
            "series",
            "first_number",
            "last_number",
            "level",
            "destruction__destroyed_on",
            "holder__name",
            "reason",
            "destruction__note",
        )
    )
    return [
        {
            "serial": format_serial(series, n),
            "level": level,
            "destroyed_on": destroyed_on,
            "holder": holder,
            "reason": reason or note,
        }
        for series, first, last, level, destroyed_on, holder, reason, note in entries
        for n in range(first, last + 1)
    ]


def stock_by_holder(org: Any, on: datetime.date) -> list[dict[str, Any]]:
    """Blanks in stock per (holder, level) in `org`'s subtree.

    The ledger keeps each serial's current state, not a daily snapshot, so only today's stock can be
    answered; for a past date this raises `LookupError` and the report says the figure is not
    available rather than printing today's stock under an old date."""
    if on < timezone.localdate():
        raise LookupError("blank stock is kept as the current state only")
    rows = (
        BlankSerial.objects.filter(state=BlankState.IN_STOCK, holder__path__startswith=org.path)
        .values("holder_id", "holder__name", "level")
        .annotate(count=Count("id"))
        .order_by("holder__path", "level")
    )
    return [
        {"holder_id": r["holder_id"], "holder": r["holder__name"], "level": r["level"], "count": r["count"]}
        for r in rows
    ]
