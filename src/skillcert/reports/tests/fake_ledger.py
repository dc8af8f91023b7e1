"""A stand-in for ``skillcert.blanks.reporting`` in tests of the sources interface: the functions the
blanks app is to provide, returning fixed rows."""

from __future__ import annotations

import datetime
from typing import Any


def destroyed_serials(org: Any, start: datetime.date, end: datetime.date) -> list[dict[str, Any]]:
    day = start + datetime.timedelta(days=3)
    return [
        {"serial": "J000001", "level": 5, "destroyed_on": day, "holder": org.name, "reason": "打印损坏"},
        {"serial": "J000002", "level": 5, "destroyed_on": day, "holder": org.name, "reason": "打印损坏"},
        {"serial": "J100007", "level": 4, "destroyed_on": day, "holder": org.name, "reason": "质量问题"},
    ]


def stock_by_holder(org: Any, on: datetime.date) -> list[dict[str, Any]]:
    return [
        {"holder_id": org.pk, "holder": org.name, "level": 5, "count": 100},
        {"holder_id": org.pk, "holder": org.name, "level": 4, "count": 30},
    ]
