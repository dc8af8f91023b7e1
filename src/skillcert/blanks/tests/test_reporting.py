"""The ledger's figures as the reports app sees them (R1.6: destroyed serials with the quarterly
statistics; blank stock per holder on the dashboard)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from skillcert.blanks.models import BlankSerial
from skillcert.blanks.services import destruction, ledger
from skillcert.blanks.tests.helpers import stock
from skillcert.reports import sources

pytestmark = pytest.mark.django_db


def test_r1_6_destroyed_serials_and_stock_reach_the_reports(demo: dict[str, Any]) -> None:
    orgs, users = demo["orgs"], demo["users"]
    stock(demo, first=1, last=1000, to_city=200)
    for text in ("JS00000001", "JS00000002"):
        ledger.spoil_serial(BlankSerial.objects.get(serial=text), reason="卡纸", actor=None)
    destruction.destroy(
        holder=orgs["JS-NJ"],
        serials=["JS00000001", "JS00000002"],
        destroyed_on=datetime.date(2026, 3, 20),
        witness_1=users["nj_admin"],
        witness_2=users["nj_section"],
        actor=None,
    )
    q2 = sources.destroyed_serials(orgs["JS"], datetime.date(2026, 3, 1), datetime.date(2026, 5, 31))
    assert q2.available
    assert [r["serial"] for r in q2.rows] == ["JS00000001", "JS00000002"]
    assert q2.by_level == {"4": 2}
    # outside the period: nothing
    q3 = sources.destroyed_serials(orgs["JS"], datetime.date(2026, 6, 1), datetime.date(2026, 8, 31))
    assert q3.available and q3.rows == []

    today = sources.blank_stock(orgs["JS"], timezone.localdate())
    assert today.available
    by_holder = {r["holder"]: r["count"] for r in today.rows}
    assert by_holder == {orgs["JS"].name: 800, orgs["JS-NJ"].name: 198}
    assert today.by_level == {"4": 998}
    # a past date is not answered with today's stock
    past = sources.blank_stock(orgs["JS"], timezone.localdate() - datetime.timedelta(days=1))
    assert not past.available and "current stock only" in past.reason_en
