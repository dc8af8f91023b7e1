"""The publication schedule (R3.7): every 2026 submission window and publication day, with the rolls
over public holidays and the make-up working days of the 2026 calendar."""

from __future__ import annotations

import datetime
import itertools

import pytest

from skillcert.catalog.holidays import CalendarNotCovered, is_working_day
from skillcert.publication import schedule

pytestmark = pytest.mark.django_db

D = datetime.date

# code, data from, data to, submission day (rolled), publication day (rolled), why
TABLE_2026 = [
    ("2026-01A", D(2025, 12, 25), D(2026, 1, 10), D(2026, 1, 12), D(2026, 1, 15), "11th is a Sunday"),
    ("2026-01B", D(2026, 1, 11), D(2026, 1, 24), D(2026, 1, 26), D(2026, 1, 30), "25th is a Sunday"),
    ("2026-02A", D(2026, 1, 25), D(2026, 2, 10), D(2026, 2, 11), D(2026, 2, 24), "Spring Festival 15th–23rd"),
    (
        "2026-02B",
        D(2026, 2, 11),
        D(2026, 2, 24),
        D(2026, 2, 25),
        D(2026, 2, 28),
        "February: last day; Sat 28th is a make-up working day",
    ),
    ("2026-03A", D(2026, 2, 25), D(2026, 3, 10), D(2026, 3, 11), D(2026, 3, 16), "15th is a Sunday"),
    ("2026-03B", D(2026, 3, 11), D(2026, 3, 24), D(2026, 3, 25), D(2026, 3, 30), ""),
    ("2026-04A", D(2026, 3, 25), D(2026, 4, 10), D(2026, 4, 13), D(2026, 4, 15), "11th is a Saturday"),
    ("2026-04B", D(2026, 4, 11), D(2026, 4, 24), D(2026, 4, 27), D(2026, 4, 30), "25th is a Saturday"),
    ("2026-05A", D(2026, 4, 25), D(2026, 5, 10), D(2026, 5, 11), D(2026, 5, 15), ""),
    ("2026-05B", D(2026, 5, 11), D(2026, 5, 24), D(2026, 5, 25), D(2026, 6, 1), "30th is a Saturday"),
    ("2026-06A", D(2026, 5, 25), D(2026, 6, 10), D(2026, 6, 11), D(2026, 6, 15), ""),
    ("2026-06B", D(2026, 6, 11), D(2026, 6, 24), D(2026, 6, 25), D(2026, 6, 30), ""),
    ("2026-07A", D(2026, 6, 25), D(2026, 7, 10), D(2026, 7, 13), D(2026, 7, 15), "11th is a Saturday"),
    ("2026-07B", D(2026, 7, 11), D(2026, 7, 24), D(2026, 7, 27), D(2026, 7, 30), "25th is a Saturday"),
    ("2026-08A", D(2026, 7, 25), D(2026, 8, 10), D(2026, 8, 11), D(2026, 8, 17), "15th is a Saturday"),
    ("2026-08B", D(2026, 8, 11), D(2026, 8, 24), D(2026, 8, 25), D(2026, 8, 31), "30th is a Sunday"),
    ("2026-09A", D(2026, 8, 25), D(2026, 9, 10), D(2026, 9, 11), D(2026, 9, 15), ""),
    ("2026-09B", D(2026, 9, 11), D(2026, 9, 24), D(2026, 9, 28), D(2026, 9, 30), "Mid-Autumn 25th–27th"),
    (
        "2026-10A",
        D(2026, 9, 25),
        D(2026, 10, 10),
        D(2026, 10, 12),
        D(2026, 10, 15),
        "11th is a Sunday (the make-up day is Sat 10th)",
    ),
    ("2026-10B", D(2026, 10, 11), D(2026, 10, 24), D(2026, 10, 26), D(2026, 10, 30), "25th is a Sunday"),
    ("2026-11A", D(2026, 10, 25), D(2026, 11, 10), D(2026, 11, 11), D(2026, 11, 16), "15th is a Sunday"),
    ("2026-11B", D(2026, 11, 11), D(2026, 11, 24), D(2026, 11, 25), D(2026, 11, 30), ""),
    ("2026-12A", D(2026, 11, 25), D(2026, 12, 10), D(2026, 12, 11), D(2026, 12, 15), ""),
    ("2026-12B", D(2026, 12, 11), D(2026, 12, 24), D(2026, 12, 25), D(2026, 12, 30), ""),
]


def test_r3_7_every_2026_window_and_publication_day() -> None:
    """R3.7: the whole 2026 table — submission 11th/25th, publication 15th/30th (Feb: last day), rolled
    over rest days and public holidays; make-up working days count as working days."""
    periods = schedule.periods_of_year(2026)
    assert len(periods) == 24
    got = [(p.code, p.data_start, p.data_end, p.submission_date, p.publication_date) for p in periods]
    assert got == [row[:5] for row in TABLE_2026]
    for p in periods:
        assert is_working_day(p.submission_date) and is_working_day(p.publication_date)
        assert p.submission_date < p.publication_date
        assert p.window_opens.isoformat() == f"{p.submission_date.isoformat()}T09:00:00+08:00"
        assert p.window_closes.isoformat() == f"{p.submission_date.isoformat()}T16:00:00+08:00"
    # consecutive rounds cover every day exactly once
    for earlier, later in itertools.pairwise(periods):
        assert later.data_start == earlier.data_end + datetime.timedelta(days=1)


def test_r3_7_february_rule_and_make_up_day() -> None:
    """February has no 30th: the province publishes on its last day; a Saturday make-up working day
    (2026-02-28, 春节调休) is a working day, so nothing rolls."""
    assert schedule.nominal_publication_day(2026, 2, "B") == D(2026, 2, 28)
    assert schedule.nominal_publication_day(2024, 2, "B") == D(2024, 2, 29)
    assert schedule.period(2026, 2, "B").publication_date == D(2026, 2, 28)
    assert D(2026, 2, 28).weekday() == 5


def test_r3_7_window_open_and_closed() -> None:
    tz = schedule.TZ
    at = datetime.datetime(2026, 9, 28, 9, 0, tzinfo=tz)
    assert schedule.open_window(at) == schedule.period(2026, 9, "B")
    assert schedule.open_window(at - datetime.timedelta(seconds=1)) is None
    assert schedule.open_window(datetime.datetime(2026, 9, 28, 15, 59, tzinfo=tz)) is not None
    assert schedule.open_window(datetime.datetime(2026, 9, 28, 16, 0, tzinfo=tz)) is None
    # the nominal day (a holiday) has no window
    assert schedule.open_window(datetime.datetime(2026, 9, 25, 10, 0, tzinfo=tz)) is None
    # UTC input: 01:30 UTC is 09:30 in Shanghai
    assert schedule.open_window(datetime.datetime(2026, 3, 11, 1, 30, tzinfo=datetime.UTC)) is not None
    assert schedule.next_window(datetime.datetime(2026, 9, 25, 10, 0, tzinfo=tz)).code == "2026-09B"
    assert schedule.next_window(datetime.datetime(2026, 9, 28, 17, 0, tzinfo=tz)).code == "2026-10A"
    assert schedule.latest_started(datetime.datetime(2026, 10, 1, 12, 0, tzinfo=tz)).code == "2026-09B"
    assert schedule.round_for_data(D(2026, 11, 25)).code == "2026-12A"
    assert schedule.round_for_data(D(2026, 11, 24)).code == "2026-11B"
    assert schedule.round_for_data(D(2026, 11, 10)).code == "2026-11A"


def test_r3_7_month_calendar_marks_moved_days() -> None:
    entries = schedule.month_entries(2026, 2)
    assert [(e.date, e.kind, e.moved_from) for e in entries] == [
        (D(2026, 2, 11), "submission", None),
        (D(2026, 2, 24), "publication", D(2026, 2, 15)),
        (D(2026, 2, 25), "submission", None),
        (D(2026, 2, 28), "publication", None),
    ]


def test_r3_7_uncovered_year_is_a_clear_error() -> None:
    """2027 has no calendar data yet: a clear, coded error, never a guess from the plain week."""
    with pytest.raises(CalendarNotCovered) as caught:
        schedule.period(2027, 3, "A")
    err = caught.value
    assert err.code == "publication.schedule.calendar_not_covered" and err.status == 409
    assert "2027" in err.message_zh and "2027" in err.message_en
    # December B of 2026 is fine; January A of 2027 is not
    assert schedule.period(2026, 12, "B").publication_date == D(2026, 12, 30)
    with pytest.raises(CalendarNotCovered):
        schedule.next_window(datetime.datetime(2026, 12, 25, 17, 0, tzinfo=schedule.TZ))
