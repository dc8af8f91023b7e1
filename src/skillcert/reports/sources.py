"""Where reports get blank-certificate figures from: the blank ledger (``skillcert.blanks``).

R1.6 wants the serials (流水码) of destroyed blanks reported with the quarterly statistics, and the
dashboards show blank stock per holder. Both live in the blanks app, which is being built separately.
This module is the one seam between the two:

* :func:`destroyed_serials(org, start, end)` → :class:`Section` with ``rows`` of
  ``{"serial", "level", "destroyed_on", "holder", "reason"}`` and ``by_level`` counts
  (``{"5": n, …}``), for destructions by ``org`` and its subtree between ``start`` and ``end``
  (inclusive dates);
* :func:`blank_stock(org, on)` → :class:`Section` with ``rows`` of
  ``{"holder_id", "holder", "level", "count"}`` (blanks in stock at each holder in the subtree at the
  end of day ``on``) and ``by_level`` totals.

Until ``skillcert.blanks`` is installed both answer an honest "not available" section
(``available=False`` with a bilingual reason): reports print "数据暂不可用" instead of zeros, so a
missing ledger is never mistaken for "nothing destroyed".

**Wiring (for the lead).** When the blanks app is installed, this module imports
``skillcert.blanks.reporting`` and calls two functions with these signatures::

    def destroyed_serials(org: Organisation, start: date, end: date) -> list[dict]:
        # one dict per destroyed serial: serial, level (1–5), destroyed_on (date), holder (name), reason
    def stock_by_holder(org: Organisation, on: date) -> list[dict]:
        # one dict per (holder, level): holder_id, holder (name), level (1–5), count

Both must do their counting in the database and restrict to ``org``'s subtree. If the app is installed
but that module or a function is missing, the section says so ("not wired") instead of failing.
"""

from __future__ import annotations

import datetime
import importlib
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps

BLANKS_APP = "skillcert.blanks"
HOOK_MODULE = "skillcert.blanks.reporting"


@dataclass
class Section:
    available: bool
    rows: list[dict[str, Any]] = field(default_factory=list)
    by_level: dict[str, int] = field(default_factory=dict)
    reason_zh: str = ""
    reason_en: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "available": self.available,
            "rows": self.rows,
            "by_level": self.by_level,
            "total": sum(self.by_level.values()),
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }


def _unavailable(zh: str, en: str) -> Section:
    return Section(False, reason_zh=zh, reason_en=en)


def _hook(name: str) -> Any | Section:
    """The blanks app's reporting function `name`, or a "not available" section saying why."""
    if not apps.is_installed(BLANKS_APP):
        return _unavailable(
            "空白证书台账模块尚未启用，数据暂不可用",
            "The blank-certificate ledger is not installed; figures not available",
        )
    try:
        module = importlib.import_module(HOOK_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != HOOK_MODULE:
            raise
        module = None
    function = getattr(module, name, None) if module is not None else None
    if function is None:
        return _unavailable(
            "空白证书台账尚未接入统计报表，数据暂不可用",
            f"The blank ledger is installed but {HOOK_MODULE}.{name} is not wired; figures not available",
        )
    return function


def _by_level(rows: list[dict[str, Any]], weight: str | None = None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        key = str(row["level"])
        counts[key] = counts.get(key, 0) + (int(row[weight]) if weight else 1)
    return dict(sorted(counts.items(), key=lambda kv: -int(kv[0])))


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in row.items()}


def destroyed_serials(org: Any, start: datetime.date, end: datetime.date) -> Section:
    """R1.6: destroyed blank serials of `org`'s subtree in [start, end]."""
    hook = _hook("destroyed_serials")
    if isinstance(hook, Section):
        return hook
    rows = [_jsonable(dict(r)) for r in hook(org, start, end)]
    return Section(True, rows=rows, by_level=_by_level(rows))


def blank_stock(org: Any, on: datetime.date) -> Section:
    """Blank stock per holder in `org`'s subtree at the end of `on`."""
    hook = _hook("stock_by_holder")
    if isinstance(hook, Section):
        return hook
    try:
        found = hook(org, on)
    except LookupError:
        return _unavailable(
            f"台账只保存当前库存，无法给出 {on.isoformat()} 的库存",
            f"The ledger keeps current stock only; stock on {on.isoformat()} is not available",
        )
    rows = [_jsonable(dict(r)) for r in found]
    return Section(True, rows=rows, by_level=_by_level(rows, "count"))
