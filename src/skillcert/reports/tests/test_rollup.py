"""The report figures (R1.1, R4.6): counted in SQL, rolled up the organisation tree by path prefix, and
consistent — stations add up to their city, cities to the province — on generated data."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from skillcert.appraisal.models import Enrolment
from skillcert.certificates.choices import EventKind
from skillcert.certificates.models import Certificate
from skillcert.reports import periods, sources
from skillcert.reports.services.build import build_report
from skillcert.reports.tests.factories import appraisal, event, random_register

Q2 = periods.parse("2026Q2")  # 2026-03-01 … 2026-05-31
METRICS = ("enrolled", "sat", "qualified", "issued", "reissued", "revoked")


def _strip(m: dict[str, Any]) -> dict[str, int]:
    return {k: m[k] for k in METRICS}


def _sum(items: list[dict[str, Any]]) -> dict[str, int]:
    return {k: sum(m[k] for m in items) for k in METRICS}


@pytest.mark.django_db
def test_cities_add_up_to_the_province(demo: dict[str, Any]) -> None:
    """R1.1, X1: on random data at every station, each city's report total is the sum of its stations'
    rows, the province's unit rows are the cities' totals, the province total is their sum, and both
    tables (by level, by occupation) give the same total; everything matches a direct count."""
    orgs = demo["orgs"]
    day = datetime.date(2026, 4, 15)
    issued = random_register(orgs, day)
    certs = list(Certificate.objects.filter(organisation__path__startswith=orgs["JS"].path))
    for cert in certs[:3]:
        event(cert, EventKind.REVOKED)
    for cert in certs[3:5]:
        event(cert, EventKind.REISSUED)
    at = datetime.datetime(2026, 4, 20, 10, tzinfo=datetime.UTC)
    from skillcert.certificates.models import CertificateEvent

    CertificateEvent.objects.filter(kind__in=["revoked", "reissued"]).update(at=at)

    province = build_report(orgs["JS"], Q2, actor=None)
    cities = {code: build_report(orgs[code], Q2, actor=None) for code in ("JS-NJ", "JS-SZ")}

    for report in [province, *cities.values()]:
        total = _strip(report["overall"]["total"])
        assert _sum(report["overall"]["by_level"]) == total
        assert _sum([u["total"] for u in report["overall"]["by_unit"]]) == total
        assert _sum(report["occupation"]["rows"]) == total
        assert _strip(report["occupation"]["total"]) == total
        for unit in report["overall"]["by_unit"]:
            assert _sum(list(unit["by_level"].values())) == _strip(unit["total"])

    units = {u["code"]: u for u in province["overall"]["by_unit"]}
    assert set(units) == {"JS-NJ", "JS-SZ"}  # issuing authority is not a unit
    for code, report in cities.items():
        assert _strip(units[code]["total"]) == _strip(report["overall"]["total"])
        assert {u["code"] for u in report["overall"]["by_unit"]} <= {
            o.code for o in orgs.values() if o.parent_id == orgs[code].pk and o.kind == "station"
        }
    assert _strip(province["overall"]["total"]) == _sum([c["overall"]["total"] for c in cities.values()])

    js = orgs["JS"].path
    enrolments = Enrolment.objects.filter(session__organisation__path__startswith=js)
    assert (
        province["overall"]["total"]["issued"]
        == Certificate.objects.filter(organisation__path__startswith=js).count()
    )
    assert province["overall"]["total"]["enrolled"] == enrolments.count()
    assert province["overall"]["total"]["qualified"] == enrolments.filter(result="pass").count()
    assert province["overall"]["total"]["sat"] == enrolments.filter(result__in=["pass", "fail"]).count()
    assert province["overall"]["total"]["revoked"] == 3
    assert province["overall"]["total"]["reissued"] == 2
    # The national centre's report includes the industry station too.
    national = build_report(orgs["OSTA"], Q2, actor=None)
    assert national["overall"]["total"]["issued"] == issued
    assert {u["code"] for u in national["overall"]["by_unit"]} == {"JS", "IND-49"}


@pytest.mark.django_db
def test_period_boundaries_in_the_figures(demo: dict[str, Any]) -> None:
    """R1.1: a certificate issued on 1 December is in the next year's Q1, one of 30 November in Q4;
    the last day of February is in Q1 and 1 March in Q2; events count by their date too."""
    station = demo["orgs"]["ST-10012003"]
    city = demo["orgs"]["JS-NJ"]
    for day in (
        datetime.date(2025, 11, 30),
        datetime.date(2025, 12, 1),
        datetime.date(2026, 2, 28),
        datetime.date(2026, 3, 1),
    ):
        appraisal(station, day, {("6-18-01-01", 4): (1, 0, 0)})

    def issued(code: str) -> int:
        return int(build_report(city, periods.parse(code), actor=None)["overall"]["total"]["issued"])

    assert issued("2025Q4") == 1
    assert issued("2026Q1") == 2
    assert issued("2026Q2") == 1
    assert issued("2026Y") == 3  # Dec 2025 … Nov 2026
    assert issued("2026H1") == 2  # Jan–Jun 2026
    assert issued("2025A") == 2


@pytest.mark.django_db
def test_own_rows_and_levels(demo: dict[str, Any]) -> None:
    """A city's own certificates (issued at the city itself) form a 本级 row; level rows carry names."""
    city = demo["orgs"]["JS-NJ"]
    appraisal(city, datetime.date(2026, 4, 1), {("6-18-01-01", 3): (2, 1, 1)})
    appraisal(demo["orgs"]["ST-10012005"], datetime.date(2026, 4, 1), {("6-18-01-02", 5): (4, 0, 0)})
    report = build_report(city, Q2, actor=None)
    own = [u for u in report["overall"]["by_unit"] if u["own"]]
    assert len(own) == 1 and own[0]["total"]["issued"] == 2 and own[0]["total"]["enrolled"] == 4
    assert own[0]["total"]["pass_rate"] == pytest.approx(2 / 3, abs=1e-4)
    levels = {r["level"]: r for r in report["overall"]["by_level"]}
    assert levels[3]["issued"] == 2 and levels[5]["issued"] == 4 and levels[1]["issued"] == 0
    assert levels[1]["pass_rate"] is None  # nobody appraised: no rate rather than 0 %
    rows = {(r["code"], r["level"]): r for r in report["occupation"]["rows"]}
    assert rows[("6-18-01-02", 5)]["name"] == "铣工" and rows[("6-18-01-02", 5)]["issued"] == 4


@pytest.mark.django_db
def test_blank_ledger_sections_are_honest(demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """R1.6: without the blanks app the destroyed-serials and stock sections say "not available" — never
    zero; with the app installed but not wired they say so; wired, they carry the ledger's rows."""
    city = demo["orgs"]["JS-NJ"]
    with monkeypatch.context() as without_blanks:
        without_blanks.setattr(sources.apps, "is_installed", lambda name: name != sources.BLANKS_APP)
        report = build_report(city, Q2, actor=None)
    assert report["destroyed"]["available"] is False
    assert "不可用" in report["destroyed"]["reason_zh"] and report["destroyed"]["rows"] == []
    assert report["stock"]["available"] is False

    # Installed and wired (blanks/reporting.py): the destroyed serials are available; the stock on a
    # past period end is not (the ledger keeps current stock only).
    report = build_report(city, Q2, actor=None)
    assert report["destroyed"]["available"] is True and report["destroyed"]["rows"] == []
    assert report["stock"]["available"] is False and "current stock only" in report["stock"]["reason_en"]

    monkeypatch.setattr(sources.apps, "is_installed", lambda name: True)
    monkeypatch.setattr(sources, "HOOK_MODULE", "skillcert.reports.tests.no_such_module")
    section = sources.destroyed_serials(city, Q2.start, Q2.end)
    assert not section.available and "not wired" in section.reason_en

    monkeypatch.setattr(sources, "HOOK_MODULE", "skillcert.reports.tests.fake_ledger")
    report = build_report(city, Q2, actor=None)
    assert report["destroyed"]["available"] is True
    assert report["destroyed"]["by_level"] == {"5": 2, "4": 1}
    assert report["destroyed"]["rows"][0]["serial"] == "J000001"
    assert report["stock"]["total"] == 130
