"""Fixtures for the catalog tests.

The project's root conftest loads every catalog into the test database once per session, so tests
that need to watch a first load start from `empty_catalogs` (deleted inside the test's transaction,
so other tests still see the loaded catalogs)."""

from __future__ import annotations

import pytest

from skillcert.catalog.models import (
    CalendarDay,
    CalendarYear,
    EducationLevel,
    Level,
    Occupation,
    OstaCode,
    Region,
    WorkType,
)


@pytest.fixture
def empty_calendar(db: None) -> None:
    CalendarDay.objects.all().delete()
    CalendarYear.objects.all().delete()


@pytest.fixture
def empty_catalogs(empty_calendar: None) -> None:
    WorkType.objects.all().delete()
    Occupation.objects.all().delete()
    Region.objects.exclude(parent=None).delete()
    Region.objects.all().delete()
    for model in (Level, OstaCode, EducationLevel):
        model.objects.all().delete()
