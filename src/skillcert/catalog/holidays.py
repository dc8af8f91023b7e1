"""The working-day calendar (R3.7: "a date on a rest day or public holiday rolls to the next working
day").

A day is a working day when it is Monday–Friday and no ``holiday`` row covers it, or when it is a
Saturday/Sunday with a ``workday`` row (调休上班). Every look-up needs the year to be covered by a
`CalendarYear` row; outside covered years the answer is unknown and `CalendarNotCovered` is raised
rather than guessing from the plain week (the library data ends in 2026; later years are entered by
an administrator with `add_calendar_year` and `set_calendar_day`).

Nothing is cached per process (an administrator's edit must take effect at once): a look-up costs
two small indexed queries.

Administrators edit the calendar only through the functions below, each in a transaction and each
writing one audit row with before/after (X2).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction

from skillcert.audit.services import log_action, snapshot
from skillcert.catalog.models import CalendarDay, CalendarYear
from skillcert.core.errors import Conflict, FieldError, NotFound, SkillcertError, ValidationFailed

CALENDAR_DAY_SET = "catalog.calendar_day.set"
CALENDAR_DAY_CLEARED = "catalog.calendar_day.cleared"
CALENDAR_YEAR_ADDED = "catalog.calendar_year.added"

MIN_YEAR = 1949
MAX_YEAR = 2200
# Days fetched per query while scanning forward; the longest holiday run is 9 days.
_WINDOW = 31


class CalendarNotCovered(SkillcertError):
    """The holiday calendar has no data for a year a look-up needs."""

    def __init__(self, year: int) -> None:
        super().__init__(
            "catalog.calendar.not_covered",
            f"节假日日历未包含 {year} 年的数据，请管理员录入",
            f"The holiday calendar has no data for {year}; an administrator must enter it",
            [],
            409,
        )
        self.year = year


def _check_date(d: Any) -> datetime.date:
    # A datetime is a date too, but which calendar day it means depends on its time zone.
    if isinstance(d, datetime.datetime) or not isinstance(d, datetime.date):
        raise TypeError(f"expected a datetime.date, got {type(d).__name__}")
    return d


def _is_working(d: datetime.date, kind: str | None) -> bool:
    if kind == CalendarDay.Kind.HOLIDAY:
        return False
    if kind == CalendarDay.Kind.WORKDAY:
        return True
    return d.weekday() < 5


def covered_years() -> list[int]:
    return list(CalendarYear.objects.order_by("year").values_list("year", flat=True))


def is_working_day(d: datetime.date) -> bool:
    """Monday–Friday unless a holiday row says otherwise; Saturday/Sunday only with a workday row.

    Raises CalendarNotCovered when d's year has no calendar data."""
    d = _check_date(d)
    if not CalendarYear.objects.filter(year=d.year).exists():
        raise CalendarNotCovered(d.year)
    kind = CalendarDay.objects.filter(date=d).values_list("kind", flat=True).first()
    return _is_working(d, kind)


def _first_working_day_from(start: datetime.date) -> datetime.date:
    years = set(CalendarYear.objects.filter(year__gte=start.year).values_list("year", flat=True))
    day = start
    window_end = start - datetime.timedelta(days=1)
    kinds: dict[datetime.date, str] = {}
    while True:
        if day.year not in years:
            raise CalendarNotCovered(day.year)
        if day > window_end:
            window_end = day + datetime.timedelta(days=_WINDOW - 1)
            kinds = dict(
                CalendarDay.objects.filter(date__range=(day, window_end)).values_list("date", "kind")
            )
        if _is_working(day, kinds.get(day)):
            return day
        day += datetime.timedelta(days=1)


def next_working_day(d: datetime.date) -> datetime.date:
    """The first working day strictly after d."""
    return _first_working_day_from(_check_date(d) + datetime.timedelta(days=1))


def roll_to_working_day(d: datetime.date) -> datetime.date:
    """d itself when it is a working day, else the next working day (R3.7 publication dates)."""
    return _first_working_day_from(_check_date(d))


# --- editing (administrators) -------------------------------------------------------------------


def calendar_day_errors(d: Any, kind: Any, name: str) -> list[FieldError]:
    """What is wrong with a calendar entry, one FieldError per field (empty when valid).

    A workday row on Monday–Friday or a holiday row on a weekend is allowed (harmless, and lets an
    administrator record a named day); a holiday must be named."""
    record = str(d)
    errors: list[FieldError] = []
    if isinstance(d, datetime.datetime) or not isinstance(d, datetime.date):
        errors.append(
            FieldError(
                "date",
                "catalog.calendar_day.date_invalid",
                "日期（date）无效，应为年-月-日",
                "date must be a calendar date (YYYY-MM-DD)",
                record,
            )
        )
    elif not MIN_YEAR <= d.year <= MAX_YEAR:
        errors.append(
            FieldError(
                "date",
                "catalog.calendar_day.date_out_of_range",
                f"日期（date）的年份须在 {MIN_YEAR}–{MAX_YEAR} 之间",
                f"date must be in the years {MIN_YEAR}–{MAX_YEAR}",
                record,
            )
        )
    if kind not in CalendarDay.Kind.values:
        errors.append(
            FieldError(
                "kind",
                "catalog.calendar_day.kind_invalid",
                "类型（kind）须为 holiday（休息日）或 workday（调休上班）",
                "kind must be holiday or workday",
                record,
            )
        )
    if kind == CalendarDay.Kind.HOLIDAY and not name:
        errors.append(
            FieldError(
                "name",
                "catalog.calendar_day.name_required",
                "名称（name）必填：休息日须写明节日名称，如 国庆节",
                "name is required for a holiday (e.g. 国庆节)",
                record,
            )
        )
    max_length = CalendarDay._meta.get_field("name").max_length or 60
    if len(name) > max_length:
        errors.append(
            FieldError(
                "name",
                "catalog.calendar_day.name_too_long",
                f"名称（name）不能超过 {max_length} 个字符",
                f"name must be at most {max_length} characters",
                record,
            )
        )
    return errors


def set_calendar_day(d: datetime.date, kind: str, name: str, *, actor: Any) -> CalendarDay:
    """Create or change the entry for d. An unchanged entry writes no audit row."""
    name = (name or "").strip()
    kind = str(kind) if kind is not None else ""
    errors = calendar_day_errors(d, kind, name)
    if errors:
        raise ValidationFailed.of(errors)
    with transaction.atomic():
        obj = CalendarDay.objects.select_for_update().filter(date=d).first()
        before: dict[str, Any] | None = None
        if obj is None:
            obj = CalendarDay.objects.create(date=d, kind=kind, name=name)
        else:
            if obj.kind == kind and obj.name == name:
                return obj
            before = snapshot(obj)
            obj.kind, obj.name = kind, name
            obj.save(update_fields=["kind", "name"])
        log_action(CALENDAR_DAY_SET, obj, actor=actor, before=before, after=snapshot(obj))
    return obj


def clear_calendar_day(d: datetime.date, *, actor: Any) -> None:
    """Remove the entry for d, so d follows the plain Monday–Friday week. The seed loader will not
    bring a cleared library day back."""
    d = _check_date(d)
    with transaction.atomic():
        obj = CalendarDay.objects.select_for_update().filter(date=d).first()
        if obj is None:
            raise NotFound(
                "catalog.calendar_day.not_found",
                f"{d} 没有节假日或调休记录",
                f"There is no holiday or make-up working day entry for {d}",
            )
        log_action(CALENDAR_DAY_CLEARED, obj, actor=actor, before=snapshot(obj), after=None)
        obj.delete()


def add_calendar_year(year: int, source: str, *, actor: Any) -> CalendarYear:
    """Declare a year's calendar known (after its holidays are entered), so look-ups may use it."""
    source = (source or "").strip()
    record = str(year)
    errors: list[FieldError] = []
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        errors.append(
            FieldError(
                "year",
                "catalog.calendar_year.year_invalid",
                f"年份（year）须为 {MIN_YEAR}–{MAX_YEAR} 之间的整数",
                f"year must be a whole year between {MIN_YEAR} and {MAX_YEAR}",
                record,
            )
        )
    max_length = CalendarYear._meta.get_field("source").max_length or 100
    if not source:
        errors.append(
            FieldError(
                "source",
                "catalog.calendar_year.source_required",
                "来源（source）必填，如 国务院办公厅通知文号",
                "source is required (e.g. the State Council notice)",
                record,
            )
        )
    elif len(source) > max_length:
        errors.append(
            FieldError(
                "source",
                "catalog.calendar_year.source_too_long",
                f"来源（source）不能超过 {max_length} 个字符",
                f"source must be at most {max_length} characters",
                record,
            )
        )
    if errors:
        raise ValidationFailed.of(errors)
    exists = Conflict(
        "catalog.calendar_year.exists",
        f"{year} 年的节假日日历已存在",
        f"The holiday calendar for {year} already exists",
    )
    with transaction.atomic():
        if CalendarYear.objects.filter(year=year).exists():
            raise exists
        try:
            with transaction.atomic():
                obj = CalendarYear.objects.create(year=year, source=source)
        except IntegrityError as exc:  # added concurrently
            raise exists from exc
        log_action(CALENDAR_YEAR_ADDED, obj, actor=actor, before=None, after=snapshot(obj))
    return obj
