"""Reporting periods and their due dates (R1.1, R4.6). Pure functions, no database.

Four kinds of period:

* ``quarter`` (R1.1, seed 001 附件2): Q1 = December of the previous year to February, due 5 March;
  Q2 = March–May, due 5 June; Q3 = June–August, due 5 September; Q4 = September–November, due
  5 December. December therefore belongs to the NEXT year's Q1 (2026Q1 = 2025-12-01 … 2026-02-28).
* ``year`` (R1.1 全年报表): the statistical year of the quarters, December of the previous year to
  November, submitted together with Q4 — due 5 December.
* ``half`` (R4.6, seed 004): the industry half-year report, January–June, due 10 July.
* ``annual`` (R4.6): the industry annual report, January–December, due 10 January of the next year.

A period is written as a code: ``2026Q1`` … ``2026Q4``, ``2026Y``, ``2026H1``, ``2026A``.
A report submitted on its due date is on time; from the next day it is late.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

QUARTER = "quarter"
YEAR = "year"
HALF = "half"
ANNUAL = "annual"
KINDS = (QUARTER, YEAR, HALF, ANNUAL)

KIND_LABELS_ZH = {QUARTER: "季度报表", YEAR: "全年报表", HALF: "半年报表", ANNUAL: "年度报表"}
KIND_LABELS_EN = {QUARTER: "Quarterly", YEAR: "Statistical year", HALF: "Half-year", ANNUAL: "Annual"}

_CODE = re.compile(r"^([0-9]{4})(Q[1-4]|Y|H1|A)$", re.ASCII)
MIN_YEAR, MAX_YEAR = 2000, 2100


class PeriodError(ValueError):
    """A period code or number that names no period."""


@dataclass(frozen=True, order=True)
class Period:
    kind: str
    year: int
    number: int  # quarter 1–4; 1 for the half year; 0 for year / annual

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise PeriodError(f"unknown period kind {self.kind!r}")
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise PeriodError(f"year {self.year} out of range {MIN_YEAR}–{MAX_YEAR}")
        valid = {QUARTER: range(1, 5), HALF: range(1, 2), YEAR: range(0, 1), ANNUAL: range(0, 1)}[self.kind]
        if self.number not in valid:
            raise PeriodError(f"{self.kind} has no number {self.number}")

    # -- bounds ------------------------------------------------------------------------------------

    @property
    def start(self) -> datetime.date:
        """First day, inclusive."""
        if self.kind == QUARTER:
            if self.number == 1:
                return datetime.date(self.year - 1, 12, 1)
            return datetime.date(self.year, 3 * self.number - 3, 1)
        if self.kind == YEAR:
            return datetime.date(self.year - 1, 12, 1)
        return datetime.date(self.year, 1, 1)

    @property
    def end(self) -> datetime.date:
        """Last day, inclusive."""
        if self.kind == QUARTER:
            month = 3 * self.number - 1  # Feb, May, Aug, Nov
            return datetime.date(self.year, month, calendar.monthrange(self.year, month)[1])
        if self.kind == YEAR:
            return datetime.date(self.year, 11, 30)
        if self.kind == HALF:
            return datetime.date(self.year, 6, 30)
        return datetime.date(self.year, 12, 31)

    @property
    def end_exclusive(self) -> datetime.date:
        return self.end + datetime.timedelta(days=1)

    @property
    def due(self) -> datetime.date:
        if self.kind == QUARTER:
            return datetime.date(self.year, 3 * self.number, 5)  # 5 Mar, Jun, Sep, Dec
        if self.kind == YEAR:
            return datetime.date(self.year, 12, 5)  # with Q4
        if self.kind == HALF:
            return datetime.date(self.year, 7, 10)
        return datetime.date(self.year + 1, 1, 10)

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def is_late(self, submitted_on: datetime.date) -> bool:
        return submitted_on > self.due

    # -- names -------------------------------------------------------------------------------------

    @property
    def code(self) -> str:
        suffix = {QUARTER: f"Q{self.number}", YEAR: "Y", HALF: "H1", ANNUAL: "A"}[self.kind]
        return f"{self.year}{suffix}"

    @property
    def label_zh(self) -> str:
        if self.kind == QUARTER:
            return f"{self.year}年第{'一二三四'[self.number - 1]}季度"
        if self.kind == YEAR:
            return f"{self.year}年全年（统计年度）"
        if self.kind == HALF:
            return f"{self.year}年上半年"
        return f"{self.year}年度"

    @property
    def label_en(self) -> str:
        if self.kind == QUARTER:
            return f"{self.year} Q{self.number}"
        if self.kind == YEAR:
            return f"{self.year} statistical year"
        if self.kind == HALF:
            return f"{self.year} first half"
        return f"{self.year} annual"

    @property
    def range_label(self) -> str:
        return f"{self.start:%Y-%m-%d} — {self.end:%Y-%m-%d}"

    def __str__(self) -> str:
        return self.code

    def previous(self) -> Period:
        if self.kind == QUARTER:
            return (
                Period(QUARTER, self.year - 1, 4)
                if self.number == 1
                else Period(QUARTER, self.year, self.number - 1)
            )
        return Period(self.kind, self.year - 1, self.number)


def parse(code: str) -> Period:
    """``2026Q1`` → Period; raises PeriodError for anything else."""
    match = _CODE.match(code.strip().upper())
    if not match:
        raise PeriodError(f"not a period code: {code!r} (expected e.g. 2026Q1, 2026Y, 2026H1, 2026A)")
    year, suffix = int(match.group(1)), match.group(2)
    if suffix.startswith("Q"):
        return Period(QUARTER, year, int(suffix[1]))
    if suffix == "Y":
        return Period(YEAR, year, 0)
    if suffix == "H1":
        return Period(HALF, year, 1)
    return Period(ANNUAL, year, 0)


def quarter_of(day: datetime.date) -> Period:
    """The quarter a day falls in; December counts towards the next year's Q1 (R1.1)."""
    if day.month == 12:
        return Period(QUARTER, day.year + 1, 1)
    return Period(QUARTER, day.year, (day.month + 3) // 3 if day.month >= 3 else 1)


def period_of(kind: str, day: datetime.date) -> Period:
    """The period of `kind` containing `day` (for ``half``, days in July–December have none: the
    second half is covered by the annual report, so the next half year is returned)."""
    if kind == QUARTER:
        return quarter_of(day)
    if kind == YEAR:
        return Period(YEAR, day.year + 1 if day.month == 12 else day.year, 0)
    if kind == HALF:
        return Period(HALF, day.year if day.month <= 6 else day.year + 1, 1)
    if kind == ANNUAL:
        return Period(ANNUAL, day.year, 0)
    raise PeriodError(f"unknown period kind {kind!r}")


def last_closed(kind: str, today: datetime.date) -> Period:
    """The latest period of `kind` that has ended by `today` (the one a report is being written for)."""
    period = period_of(kind, today)
    while period.end >= today:
        period = period.previous()
    return period


def periods_in_year(kind: str, year: int) -> list[Period]:
    """The periods of `kind` labelled `year` (four quarters, or the one year / half / annual)."""
    if kind == QUARTER:
        return [Period(QUARTER, year, n) for n in range(1, 5)]
    return [Period(kind, year, 1 if kind == HALF else 0)]
