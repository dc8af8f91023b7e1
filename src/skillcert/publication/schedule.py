"""The publication schedule (R3.7), as pure functions of the date and the holiday calendar.

Twice a month:

* half A of month M: data processed from the 25th of M-1 to the 10th of M; cities submit on the 11th
  (09:00–16:00, Asia/Shanghai); the province publishes on the 15th;
* half B of month M: data from the 11th to the 24th of M; cities submit on the 25th; the province
  publishes on the 30th. **February** has no 30th: the province publishes on February's last day
  (28th, or 29th in a leap year) — the nearest date that keeps the publication inside the month
  whose data it carries.

Every date on a rest day or public holiday rolls to the next working day (`catalog.holidays`
`roll_to_working_day`; make-up working days 调休上班 are working days). Should a rolled submission day
reach the rolled publication day, the publication moves to the next working day after the submission
(never seen with the 2004–2026 calendars, kept as a guard). A year without calendar data raises
`ScheduleUnknown` (a `CalendarNotCovered`, HTTP 409) rather than guessing from the plain week.

No function here writes anything; each look-up is a few indexed queries on the calendar tables.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from skillcert.catalog.holidays import CalendarNotCovered, next_working_day, roll_to_working_day

TZ = ZoneInfo("Asia/Shanghai")
SUBMISSION_OPENS = datetime.time(9, 0)
SUBMISSION_CLOSES = datetime.time(16, 0)
HALF_A, HALF_B = "A", "B"


class ScheduleUnknown(CalendarNotCovered):
    """The schedule of a year cannot be worked out: its holiday calendar is not entered yet."""

    def __init__(self, year: int) -> None:
        super().__init__(year)
        self.code = "publication.schedule.calendar_not_covered"
        self.message_zh = (
            f"无法排定 {year} 年的报送和发布日程：节假日日历未包含 {year} 年的数据，"
            "请系统管理员先录入该年的节假日和调休安排"
        )
        self.message_en = (
            f"The {year} submission and publication schedule cannot be worked out: the holiday "
            f"calendar has no data for {year}; an administrator must enter that year's holidays first"
        )


def _roll(d: datetime.date) -> datetime.date:
    try:
        return roll_to_working_day(d)
    except CalendarNotCovered as exc:
        raise ScheduleUnknown(exc.year) from exc


def _after(d: datetime.date) -> datetime.date:
    try:
        return next_working_day(d)
    except CalendarNotCovered as exc:
        raise ScheduleUnknown(exc.year) from exc


@dataclass(frozen=True)
class Period:
    """One half-month publication round."""

    year: int
    month: int
    half: str
    data_start: datetime.date
    data_end: datetime.date
    nominal_submission: datetime.date
    submission_date: datetime.date
    nominal_publication: datetime.date
    publication_date: datetime.date

    @property
    def code(self) -> str:
        return f"{self.year:04d}-{self.month:02d}{self.half}"

    @property
    def window_opens(self) -> datetime.datetime:
        return datetime.datetime.combine(self.submission_date, SUBMISSION_OPENS, tzinfo=TZ)

    @property
    def window_closes(self) -> datetime.datetime:
        return datetime.datetime.combine(self.submission_date, SUBMISSION_CLOSES, tzinfo=TZ)

    def window_open_at(self, now: datetime.datetime) -> bool:
        return self.window_opens <= now < self.window_closes

    def __str__(self) -> str:
        return self.code


def _previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def nominal_publication_day(year: int, month: int, half: str) -> datetime.date:
    """The 15th, or the 30th — February's last day when the month has no 30th."""
    if half == HALF_A:
        return datetime.date(year, month, 15)
    return datetime.date(year, month, min(30, calendar.monthrange(year, month)[1]))


def period(year: int, month: int, half: str) -> Period:
    """The round of `half` ("A" or "B") of the given month, with rolled dates."""
    if half not in (HALF_A, HALF_B):
        raise ValueError(f"half must be {HALF_A!r} or {HALF_B!r}")
    if half == HALF_A:
        py, pm = _previous_month(year, month)
        start, end = datetime.date(py, pm, 25), datetime.date(year, month, 10)
        nominal_submission = datetime.date(year, month, 11)
    else:
        start, end = datetime.date(year, month, 11), datetime.date(year, month, 24)
        nominal_submission = datetime.date(year, month, 25)
    submission = _roll(nominal_submission)
    nominal_pub = nominal_publication_day(year, month, half)
    publication = _roll(nominal_pub)
    if publication <= submission:
        publication = _after(submission)
    return Period(year, month, half, start, end, nominal_submission, submission, nominal_pub, publication)


def parse_code(code: str) -> Period:
    """`2026-03A` → the period."""
    text = (code or "").strip().upper()
    try:
        year, month, half = int(text[:4]), int(text[5:7]), text[7:]
        if text[4] != "-" or half not in (HALF_A, HALF_B) or len(text) != 8 or not 1 <= month <= 12:
            raise ValueError
    except (ValueError, IndexError) as exc:
        raise ValueError(f"not a period code (YYYY-MMA or YYYY-MMB): {code!r}") from exc
    return period(year, month, half)


def periods_of_year(year: int) -> list[Period]:
    return [period(year, m, h) for m in range(1, 13) for h in (HALF_A, HALF_B)]


def period_of_data(d: datetime.date) -> tuple[int, int, str]:
    """(year, month, half) of the round whose data period contains d (no calendar needed)."""
    if d.day <= 10:
        return d.year, d.month, HALF_A
    if d.day <= 24:
        return d.year, d.month, HALF_B
    y, m = _next_month(d.year, d.month)
    return y, m, HALF_A


def round_for_data(d: datetime.date) -> Period:
    """The round that carries data processed on d."""
    return period(*period_of_data(d))


def local(now: datetime.datetime) -> datetime.datetime:
    if now.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return now.astimezone(TZ)


def open_window(now: datetime.datetime) -> Period | None:
    """The round whose submission window is open at `now`, if any.

    A rolled submission day lies at most a couple of weeks after its nominal day, so the candidates
    are the rounds of this month and the previous one."""
    here = local(now)
    y, m = here.year, here.month
    py, pm = _previous_month(y, m)
    for candidate in ((py, pm, HALF_B), (y, m, HALF_A), (y, m, HALF_B)):
        p = period(*candidate)
        if p.window_open_at(here):
            return p
    return None


def latest_started(now: datetime.datetime) -> Period:
    """The most recent round whose submission window has opened by `now` (what the province compiles)."""
    here = local(now)
    y, m = here.year, here.month
    py, pm = _previous_month(y, m)
    ppy, ppm = _previous_month(py, pm)
    candidates = [(ppy, ppm, HALF_B), (py, pm, HALF_A), (py, pm, HALF_B), (y, m, HALF_A), (y, m, HALF_B)]
    started = [p for p in (period(*c) for c in candidates) if p.window_opens <= here]
    return started[-1]


def next_window(now: datetime.datetime) -> Period:
    """The round whose submission window is open now or opens next."""
    here = local(now)
    y, m = here.year, here.month
    ny, nm = _next_month(y, m)
    for candidate in ((y, m, HALF_A), (y, m, HALF_B), (ny, nm, HALF_A), (ny, nm, HALF_B)):
        p = period(*candidate)
        if here < p.window_closes:
            return p
    raise AssertionError("unreachable: a window closes every month")  # pragma: no cover


@dataclass(frozen=True)
class CalendarEntry:
    date: datetime.date
    kind: str  # "submission" | "publication"
    period: Period
    moved_from: datetime.date | None


def month_entries(year: int, month: int) -> list[CalendarEntry]:
    """The submission and publication days falling in a month (for the calendar page)."""
    entries: list[CalendarEntry] = []
    py, pm = _previous_month(year, month)
    for p in [period(py, pm, HALF_B), *(period(year, month, h) for h in (HALF_A, HALF_B))]:
        for kind, day, nominal in (
            ("submission", p.submission_date, p.nominal_submission),
            ("publication", p.publication_date, p.nominal_publication),
        ):
            if (day.year, day.month) == (year, month):
                entries.append(CalendarEntry(day, kind, p, nominal if nominal != day else None))
    return sorted(entries, key=lambda e: (e.date, e.kind))
