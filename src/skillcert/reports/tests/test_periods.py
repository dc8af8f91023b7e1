"""Reporting periods and due dates (R1.1, R4.6): exhaustive over every day of several years, and the
boundaries named in the seed notices."""

from __future__ import annotations

import datetime

import pytest

from skillcert.reports import periods
from skillcert.reports.periods import ANNUAL, HALF, QUARTER, YEAR, Period

D = datetime.date


def days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(n) for n in range((last - first).days + 1)]


ALL_DAYS = days(D(2023, 1, 1), D(2028, 12, 31))  # includes the leap years 2024 and 2028


def test_quarter_table_of_seed_001() -> None:
    """R1.1 (附件2 统计数据上报安排表): Q1 = Dec–Feb due 5 Mar … Q4 = Sep–Nov due 5 Dec."""
    expected = {
        1: (D(2025, 12, 1), D(2026, 2, 28), D(2026, 3, 5)),
        2: (D(2026, 3, 1), D(2026, 5, 31), D(2026, 6, 5)),
        3: (D(2026, 6, 1), D(2026, 8, 31), D(2026, 9, 5)),
        4: (D(2026, 9, 1), D(2026, 11, 30), D(2026, 12, 5)),
    }
    for number, (start, end, due) in expected.items():
        p = Period(QUARTER, 2026, number)
        assert (p.start, p.end, p.due) == (start, end, due)
    assert Period(QUARTER, 2024, 1).end == D(2024, 2, 29)  # leap year
    assert Period(QUARTER, 2028, 1).start == D(2027, 12, 1)


def test_december_belongs_to_next_years_q1() -> None:
    """R1.1: December counts towards the following year's first quarter."""
    for day in days(D(2025, 12, 1), D(2025, 12, 31)):
        assert periods.quarter_of(day) == Period(QUARTER, 2026, 1)
    assert periods.quarter_of(D(2025, 11, 30)) == Period(QUARTER, 2025, 4)
    assert periods.quarter_of(D(2026, 1, 1)) == Period(QUARTER, 2026, 1)
    assert periods.quarter_of(D(2026, 2, 28)) == Period(QUARTER, 2026, 1)
    assert periods.quarter_of(D(2026, 3, 1)) == Period(QUARTER, 2026, 2)
    assert periods.period_of(YEAR, D(2025, 12, 1)) == Period(YEAR, 2026, 0)


def test_every_day_in_exactly_one_quarter_and_quarters_tile() -> None:
    """R1.1: each day falls in one quarter, which contains it; quarters follow each other without gap
    or overlap; four quarters make the statistical year (Dec–Nov), due with Q4."""
    seen: dict[Period, list[datetime.date]] = {}
    for day in ALL_DAYS:
        q = periods.quarter_of(day)
        assert q.contains(day)
        assert q.start <= day <= q.end
        for other in (q.previous(), Period(QUARTER, q.year + (q.number == 4), q.number % 4 + 1)):
            assert not other.contains(day)
        seen.setdefault(q, []).append(day)
        y = periods.period_of(YEAR, day)
        assert y.contains(day) and y.year == q.year
    for q, members in seen.items():
        if q.start >= ALL_DAYS[0] and q.end <= ALL_DAYS[-1]:
            assert members == days(q.start, q.end)
            assert q.due == D(q.end.year, q.end.month + 1, 5)  # the 5th of the month after it ends
            assert q.previous().end_exclusive == q.start
    for year in (2024, 2025, 2026):
        qs = periods.periods_in_year(QUARTER, year)
        y = Period(YEAR, year, 0)
        assert (qs[0].start, qs[-1].end) == (y.start, y.end)
        assert y.due == qs[-1].due == D(year, 12, 5)  # Q4 goes with the annual report
        assert sum((q.end - q.start).days + 1 for q in qs) == (y.end - y.start).days + 1


def test_industry_half_year_and_annual() -> None:
    """R4.6: half-year statistics due 10 July, annual due 10 January of the next year."""
    h, a = Period(HALF, 2026, 1), Period(ANNUAL, 2026, 0)
    assert (h.start, h.end, h.due) == (D(2026, 1, 1), D(2026, 6, 30), D(2026, 7, 10))
    assert (a.start, a.end, a.due) == (D(2026, 1, 1), D(2026, 12, 31), D(2027, 1, 10))
    for day in ALL_DAYS:
        assert periods.period_of(ANNUAL, day).contains(day)
        half = periods.period_of(HALF, day)
        assert half.contains(day) == (day.month <= 6)
    assert periods.period_of(HALF, D(2026, 7, 1)) == Period(HALF, 2027, 1)


def test_lateness_boundary() -> None:
    """On the due day a report is on time; from the next day it is late."""
    for p in [Period(QUARTER, 2026, n) for n in range(1, 5)] + [
        Period(HALF, 2026, 1),
        Period(ANNUAL, 2026, 0),
    ]:
        assert not p.is_late(p.due)
        assert not p.is_late(p.end)
        assert p.is_late(p.due + datetime.timedelta(days=1))


def test_last_closed() -> None:
    assert periods.last_closed(QUARTER, D(2026, 3, 1)) == Period(QUARTER, 2026, 1)
    assert periods.last_closed(QUARTER, D(2026, 2, 28)) == Period(QUARTER, 2025, 4)
    assert periods.last_closed(QUARTER, D(2025, 12, 1)) == Period(QUARTER, 2025, 4)
    assert periods.last_closed(QUARTER, D(2025, 11, 30)) == Period(QUARTER, 2025, 3)
    assert periods.last_closed(YEAR, D(2026, 12, 1)) == Period(YEAR, 2026, 0)
    assert periods.last_closed(HALF, D(2026, 7, 1)) == Period(HALF, 2026, 1)
    assert periods.last_closed(HALF, D(2026, 6, 30)) == Period(HALF, 2025, 1)
    assert periods.last_closed(ANNUAL, D(2027, 1, 1)) == Period(ANNUAL, 2026, 0)
    for day in ALL_DAYS[::7]:
        for kind in periods.KINDS:
            p = periods.last_closed(kind, day)
            assert p.end < day


def test_codes_round_trip_and_reject_nonsense() -> None:
    for p in [Period(QUARTER, 2026, n) for n in range(1, 5)] + [
        Period(YEAR, 2026, 0),
        Period(HALF, 2026, 1),
        Period(ANNUAL, 2026, 0),
    ]:
        assert periods.parse(p.code) == p
        assert periods.parse(p.code.lower()) == p
    assert periods.parse("2026Q1").label_zh == "2026年第一季度"
    for bad in ["", "2026", "2026Q0", "2026Q5", "2026H2", "26Q1", "2026-Q1", "1999Q1", "２０２６Q1"]:
        with pytest.raises(periods.PeriodError):
            periods.parse(bad)
    with pytest.raises(periods.PeriodError):
        Period(QUARTER, 2026, 5)
    with pytest.raises(periods.PeriodError):
        Period("month", 2026, 1)
