"""The catalog admin (system administrators): pages render and calendar edits are audited (X2)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from skillcert.audit.models import AuditEntry
from skillcert.catalog.holidays import CALENDAR_DAY_CLEARED, CALENDAR_DAY_SET
from skillcert.catalog.models import CalendarDay, Level, Region

MODELS = [
    "level",
    "occupation",
    "worktype",
    "region",
    "ostacode",
    "educationlevel",
    "calendarday",
    "calendaryear",
]


@pytest.fixture
def admin_client_(login: Any) -> Any:
    """The demo system administrator (superuser with the SYSADMIN role, as the admin site requires)."""
    return login("sysadmin")


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_search_render(admin_client_: Any, model: str) -> None:
    url = reverse(f"admin:catalog_{model}_changelist")
    assert admin_client_.get(url).status_code == 200
    assert admin_client_.get(url, {"q": "江苏"}).status_code == 200


def test_change_pages_render(admin_client_: Any) -> None:
    for obj in (Level.objects.first(), Region.objects.get(code="320100"), CalendarDay.objects.first()):
        assert obj is not None
        url = reverse(f"admin:catalog_{obj._meta.model_name}_change", args=[obj.pk])
        assert admin_client_.get(url).status_code == 200


def test_calendar_day_edits_go_through_the_service_x2(admin_client_: Any) -> None:
    """X2: an administrator's calendar edit in the admin is audited with before/after."""
    add = reverse("admin:catalog_calendarday_add")
    response = admin_client_.post(add, {"date": "2026-03-02", "kind": "holiday", "name": ""})
    assert response.status_code == 200  # redisplayed: a holiday needs a name
    assert not CalendarDay.objects.filter(date=datetime.date(2026, 3, 2)).exists()

    response = admin_client_.post(add, {"date": "2026-03-02", "kind": "holiday", "name": "地方假日"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=CALENDAR_DAY_SET, object_id="2026-03-02")
    assert entry.actor_label == "sysadmin"
    assert entry.after == {"date": "2026-03-02", "kind": "holiday", "name": "地方假日"}

    delete = reverse("admin:catalog_calendarday_delete", args=["2026-03-02"])
    assert admin_client_.post(delete, {"post": "yes"}).status_code == 302
    assert AuditEntry.objects.filter(action=CALENDAR_DAY_CLEARED, object_id="2026-03-02").exists()


def test_other_catalog_edits_are_audited_x2(admin_client_: Any) -> None:
    url = reverse("admin:catalog_level_change", args=[3])
    data = {"name_zh": "三级", "title_zh": "高级工", "name_en": "Level 3 / Senior Worker"}
    assert admin_client_.post(url, data).status_code == 302
    entry = AuditEntry.objects.get(action="catalog.level.changed")
    assert (entry.before, entry.after) == ({"title_zh": "高级"}, {"title_zh": "高级工"})
