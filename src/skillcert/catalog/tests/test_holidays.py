"""The working-day calendar (holidays.py): R3.7 rolling of publication dates, the not-covered error
(X3: bilingual), and audited administrator edits (X2)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from skillcert.audit.models import AuditEntry
from skillcert.catalog.holidays import (
    CALENDAR_DAY_CLEARED,
    CALENDAR_DAY_SET,
    CALENDAR_YEAR_ADDED,
    CalendarNotCovered,
    add_calendar_year,
    clear_calendar_day,
    is_working_day,
    next_working_day,
    roll_to_working_day,
    set_calendar_day,
)
from skillcert.catalog.models import CalendarDay, CalendarYear
from skillcert.catalog.seed import load_holidays
from skillcert.core.errors import Conflict, NotFound, ValidationFailed

D = datetime.date


@pytest.fixture
def calendar(db: None) -> None:
    load_holidays()


# 2026 per the State Council notice (国办发明电〔2025〕7号) as carried by chinese_calendar 1.11.
WORKING_2026 = [
    (D(2026, 1, 4), True, "Sun, make-up day for 元旦"),
    (D(2026, 2, 14), True, "Sat, make-up day for 春节"),
    (D(2026, 2, 28), True, "Sat, make-up day for 春节"),
    (D(2026, 5, 9), True, "Sat, make-up day for 劳动节"),
    (D(2026, 9, 20), True, "Sun, make-up day for 国庆节"),
    (D(2026, 10, 10), True, "Sat, make-up day for 国庆节"),
    (D(2026, 1, 1), False, "Thu, 元旦"),
    (D(2026, 1, 2), False, "Fri, 元旦"),
    (D(2026, 1, 5), True, "Mon after 元旦"),
    (D(2026, 2, 13), True, "Fri before 春节"),
    *[(D(2026, 2, day), False, "春节 2026-02-15..23") for day in range(15, 24)],
    (D(2026, 2, 24), True, "Tue after 春节"),
    (D(2026, 4, 6), False, "Mon, 清明节"),
    (D(2026, 5, 1), False, "Fri, 劳动节"),
    (D(2026, 5, 5), False, "Tue, 劳动节"),
    (D(2026, 5, 6), True, "Wed after 劳动节"),
    (D(2026, 6, 19), False, "Fri, 端午节"),
    (D(2026, 9, 25), False, "Fri, 中秋节"),
    (D(2026, 9, 30), True, "Wed before 国庆节"),
    *[(D(2026, 10, day), False, "国庆节 2026-10-01..07") for day in range(1, 8)],
    (D(2026, 10, 8), True, "Thu after 国庆节"),
    (D(2026, 10, 17), False, "ordinary Saturday"),
    (D(2026, 10, 18), False, "ordinary Sunday"),
    (D(2026, 12, 31), True, "ordinary Thursday"),
]


@pytest.mark.parametrize(("day", "working", "why"), WORKING_2026, ids=[str(d) for d, _, _ in WORKING_2026])
def test_is_working_day_2026_r3_7(calendar: None, day: datetime.date, working: bool, why: str) -> None:
    """R3.7: rest days and public holidays are not working days; 调休 weekends are."""
    assert is_working_day(day) is working, why


def test_library_ranges_2026_match_the_table(calendar: None) -> None:
    """The Spring Festival and National Day ranges above are those of the library."""
    import chinese_calendar

    spring = sorted(
        d for d, n in chinese_calendar.holidays.items() if d.year == 2026 and n == "Spring Festival"
    )
    national = sorted(
        d for d, n in chinese_calendar.holidays.items() if d.year == 2026 and n == "National Day"
    )
    assert (spring[0], spring[-1], len(spring)) == (D(2026, 2, 15), D(2026, 2, 23), 9)
    assert (national[0], national[-1], len(national)) == (D(2026, 10, 1), D(2026, 10, 7), 7)


ROLLING = [
    # (function, from, expected, why)
    (next_working_day, D(2026, 9, 30), D(2026, 10, 8), "across the National Day week"),
    (roll_to_working_day, D(2026, 10, 1), D(2026, 10, 8), "National Day rolls past the week"),
    (roll_to_working_day, D(2026, 10, 4), D(2026, 10, 8), "a Sunday inside the holiday"),
    (roll_to_working_day, D(2026, 9, 30), D(2026, 9, 30), "a working day stays"),
    (next_working_day, D(2026, 10, 9), D(2026, 10, 10), "Friday → make-up Saturday"),
    (roll_to_working_day, D(2026, 10, 10), D(2026, 10, 10), "a make-up Saturday is itself"),
    (next_working_day, D(2026, 10, 10), D(2026, 10, 12), "make-up Saturday → Monday"),
    (next_working_day, D(2026, 2, 13), D(2026, 2, 14), "Friday → make-up Saturday before 春节"),
    (next_working_day, D(2026, 2, 14), D(2026, 2, 24), "across 春节"),
    (next_working_day, D(2026, 3, 13), D(2026, 3, 16), "an ordinary Friday → Monday"),
    (roll_to_working_day, D(2026, 3, 14), D(2026, 3, 16), "an ordinary Saturday → Monday"),
    (roll_to_working_day, D(2026, 3, 15), D(2026, 3, 16), "publication on the 15th, a Sunday"),
    (next_working_day, D(2026, 4, 30), D(2026, 5, 6), "across 劳动节 from a Thursday"),
    (next_working_day, D(2025, 12, 31), D(2026, 1, 4), "across the year end to the make-up Sunday"),
]


@pytest.mark.parametrize(("fn", "start", "expected", "why"), ROLLING, ids=[r[3] for r in ROLLING])
def test_rolling_dates_r3_7(
    calendar: None, fn: object, start: datetime.date, expected: datetime.date, why: str
) -> None:
    """R3.7: a date on a rest day or public holiday rolls to the next working day."""
    assert fn(start) == expected, why  # type: ignore[operator]


def test_not_covered_year_raises_bilingual_x3(calendar: None) -> None:
    """X3: the error has a stable code and says which year is missing in Chinese and English."""
    with pytest.raises(CalendarNotCovered) as info:
        is_working_day(D(2027, 1, 4))
    err = info.value
    assert err.code == "catalog.calendar.not_covered"
    assert err.year == 2027
    assert "2027" in err.message_zh and "2027" in err.message_en
    assert err.message_zh == "节假日日历未包含 2027 年的数据，请管理员录入"
    assert err.message_en == "The holiday calendar has no data for 2027; an administrator must enter it"
    assert err.as_problem()["code"] == "catalog.calendar.not_covered"
    with pytest.raises(CalendarNotCovered):
        roll_to_working_day(D(2027, 1, 1))
    with pytest.raises(CalendarNotCovered) as before:
        is_working_day(D(2003, 12, 31))
    assert before.value.year == 2003


def test_rolling_into_an_uncovered_year_r3_7(calendar: None) -> None:
    """R3.7: 2026-12-31 (Thursday) is itself; the day after it needs 2027, which is not covered."""
    assert roll_to_working_day(D(2026, 12, 31)) == D(2026, 12, 31)
    with pytest.raises(CalendarNotCovered) as info:
        next_working_day(D(2026, 12, 31))
    assert info.value.year == 2027


def test_empty_calendar_covers_nothing(empty_calendar: None) -> None:
    with pytest.raises(CalendarNotCovered):
        is_working_day(D(2026, 3, 2))


def test_administrator_adds_a_year_x2(calendar: None) -> None:
    """X2: adding 2027 and its 元旦 makes look-ups work; each edit leaves an audit row."""
    add_calendar_year(2027, "国办发明电〔2026〕X号", actor=None)
    set_calendar_day(D(2027, 1, 1), CalendarDay.Kind.HOLIDAY, "元旦", actor=None)
    assert next_working_day(D(2026, 12, 31)) == D(2027, 1, 4)  # Fri 元旦, then the weekend
    assert roll_to_working_day(D(2027, 1, 1)) == D(2027, 1, 4)
    assert is_working_day(D(2027, 1, 4))

    added = AuditEntry.objects.get(action=CALENDAR_YEAR_ADDED)
    assert (added.object_type, added.object_id) == ("catalog.CalendarYear", "2027")
    assert added.before is None and added.after == {"year": 2027, "source": "国办发明电〔2026〕X号"}
    day = AuditEntry.objects.get(action=CALENDAR_DAY_SET)
    assert day.object_id == "2027-01-01"
    assert day.before is None and day.after == {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}

    with pytest.raises(Conflict) as info:
        add_calendar_year(2027, "again", actor=None)
    assert info.value.code == "catalog.calendar_year.exists"


def test_edits_are_audited_with_before_and_after_x2(calendar: None) -> None:
    """X2: change and clear record who/before/after; an unchanged set writes nothing."""
    set_calendar_day(D(2026, 10, 8), "holiday", "国庆节（调整）", actor=None)
    set_calendar_day(D(2026, 10, 9), "holiday", "国庆节（调整）", actor=None)
    assert not is_working_day(D(2026, 10, 9))
    assert next_working_day(D(2026, 9, 30)) == D(2026, 10, 10)

    set_calendar_day(D(2026, 10, 10), "holiday", "国庆节", actor=None)  # workday → holiday
    entry = AuditEntry.objects.filter(action=CALENDAR_DAY_SET, object_id="2026-10-10").get()
    assert entry.before == {"kind": "workday"}
    assert entry.after == {"kind": "holiday"}
    assert entry.channel == "system" and entry.actor_label == "system"

    count = AuditEntry.objects.count()
    set_calendar_day(D(2026, 10, 10), "holiday", "国庆节", actor=None)
    assert AuditEntry.objects.count() == count

    clear_calendar_day(D(2026, 10, 10), actor=None)
    cleared = AuditEntry.objects.get(action=CALENDAR_DAY_CLEARED)
    assert cleared.before == {"date": "2026-10-10", "kind": "holiday", "name": "国庆节"}
    assert cleared.after is None
    assert not is_working_day(D(2026, 10, 10))  # now an ordinary Saturday

    with pytest.raises(NotFound) as info:
        clear_calendar_day(D(2026, 10, 10), actor=None)
    assert info.value.code == "catalog.calendar_day.not_found"


def test_edit_survives_reloading_holidays(calendar: None) -> None:
    set_calendar_day(D(2026, 10, 7), "workday", "国庆节（提前复工）", actor=None)
    assert load_holidays() == 0
    assert is_working_day(D(2026, 10, 7))
    assert CalendarDay.objects.get(date=D(2026, 10, 7)).name == "国庆节（提前复工）"


def test_edits_audited_with_a_real_actor_x2(calendar: None, django_user_model: Any) -> None:
    admin = django_user_model.objects.create_user(username="calendar-admin", password="x" * 12)
    set_calendar_day(D(2026, 3, 2), "holiday", "地方假日", actor=admin)
    entry = AuditEntry.objects.get(action=CALENDAR_DAY_SET)
    assert entry.actor == admin and entry.actor_label == "calendar-admin"


@pytest.mark.parametrize(
    ("kind", "name", "field", "code"),
    [
        ("rest", "x", "kind", "catalog.calendar_day.kind_invalid"),
        ("holiday", "", "name", "catalog.calendar_day.name_required"),
        ("holiday", "   ", "name", "catalog.calendar_day.name_required"),
        ("holiday", "节" * 61, "name", "catalog.calendar_day.name_too_long"),
    ],
)
def test_set_calendar_day_validation_x3(calendar: None, kind: str, name: str, field: str, code: str) -> None:
    """X3/X6: bad input names the field, in Chinese and English."""
    with pytest.raises(ValidationFailed) as info:
        set_calendar_day(D(2026, 3, 2), kind, name, actor=None)
    err = info.value
    assert err.code == code
    assert err.errors[0].field == field
    assert field in err.message_zh and field in err.message_en
    assert not AuditEntry.objects.filter(action=CALENDAR_DAY_SET).exists()


def test_unusual_but_allowed_entries(calendar: None) -> None:
    """A workday row on a weekday and a named holiday row on a weekend are allowed (no effect)."""
    set_calendar_day(D(2026, 3, 3), "workday", "", actor=None)
    set_calendar_day(D(2026, 3, 7), "holiday", "地方纪念日", actor=None)
    assert is_working_day(D(2026, 3, 3))
    assert not is_working_day(D(2026, 3, 7))


def test_add_calendar_year_validation(db: None) -> None:
    with pytest.raises(ValidationFailed) as info:
        add_calendar_year(2027, "  ", actor=None)
    assert info.value.errors[0].field == "source"
    with pytest.raises(ValidationFailed) as info:
        add_calendar_year(1800, "x", actor=None)
    assert info.value.errors[0].field == "year"
    assert not CalendarYear.objects.filter(year__in=[1800, 2027]).exists()


def test_datetimes_are_refused(calendar: None) -> None:
    with pytest.raises(TypeError):
        is_working_day(datetime.datetime(2026, 3, 2, 12, 0))
