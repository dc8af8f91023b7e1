"""Organisation tree rules: kinds and parents, institution codes (PP CC T NNN), accreditation (R4.7),
the administrator register (R1.9) and roll-out settings (R0.6)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from skillcert.core.errors import NotPermitted, ValidationFailed
from skillcert.orgs import services
from skillcert.orgs.choices import OrgKind, RolloutFeature
from skillcert.orgs.models import AdministratorEntry, Organisation

pytestmark = pytest.mark.django_db


def _codes(exc: ValidationFailed) -> set[str]:
    return {e.code for e in exc.errors}


def test_station_institution_code_must_match_province_and_city(demo: dict[str, Any]) -> None:
    nanjing = demo["orgs"]["JS-NJ"]
    with pytest.raises(ValidationFailed) as exc:
        services.create_organisation(
            actor=None,
            parent=nanjing,
            code="ST-X",
            name="错码站",
            kind=OrgKind.STATION,
            institution_code="32012007",
        )
    assert _codes(exc.value) == {"orgs.institution_code.prefix"}
    assert "10" in exc.value.errors[0].message_zh and "32" in exc.value.errors[0].message_en
    with pytest.raises(ValidationFailed) as exc:
        services.create_organisation(
            actor=None,
            parent=nanjing,
            code="ST-X",
            name="错市站",
            kind=OrgKind.STATION,
            institution_code="10052007",
        )
    assert _codes(exc.value) == {"orgs.institution_code.city"}
    with pytest.raises(ValidationFailed) as exc:
        services.create_organisation(
            actor=None,
            parent=nanjing,
            code="ST-X",
            name="错型站",
            kind=OrgKind.STATION,
            institution_code="10017007",
        )
    assert _codes(exc.value) == {"orgs.institution_code.type"}
    with pytest.raises(ValidationFailed) as exc:
        services.create_organisation(
            actor=None,
            parent=nanjing,
            code="ST-X",
            name="短码站",
            kind=OrgKind.STATION,
            institution_code="1001200",
        )
    assert _codes(exc.value) == {"orgs.institution_code.format"}
    station = services.create_organisation(
        actor=None,
        parent=nanjing,
        code="ST-10012007",
        name="好站",
        kind=OrgKind.STATION,
        institution_code="10012007",
    )
    assert station.institution_type == "2"
    assert station.path == f"{nanjing.path}{station.pk}/"
    assert station.depth == nanjing.depth + 1
    assert not Organisation.objects.filter(code="ST-X").exists()


def test_industry_station_carries_industry_code_49(demo: dict[str, Any]) -> None:
    """R4.3: industry stations are coded under the industry's code from the national centre's table."""
    branch = demo["orgs"]["IND-49-JS"]
    with pytest.raises(ValidationFailed) as exc:
        services.create_organisation(
            actor=None,
            parent=branch,
            code="ST-Y",
            name="行业站",
            kind=OrgKind.STATION,
            institution_code="10003019",
        )
    assert _codes(exc.value) == {"orgs.institution_code.prefix"}
    ok = services.create_organisation(
        actor=None,
        parent=branch,
        code="ST-49003019",
        name="行业站",
        kind=OrgKind.STATION,
        institution_code="49003019",
    )
    assert ok.nearest(OrgKind.INDUSTRY) == demo["orgs"]["IND-49"]


def test_kind_and_parent_rules(demo: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.create_organisation(
            actor=None, parent=demo["orgs"]["ST-10012003"], code="C", name="站下城市", kind=OrgKind.CITY
        )
    assert _codes(exc.value) == {"orgs.parent.kind"}
    with pytest.raises(ValidationFailed) as exc:
        services.create_organisation(
            actor=None, parent=None, code="N2", name="第二个部中心", kind=OrgKind.NATIONAL
        )
    assert _codes(exc.value) == {"orgs.national.unique"}
    with pytest.raises(ValidationFailed) as exc:
        services.create_organisation(
            actor=None, parent=demo["orgs"]["OSTA"], code="I", name="无代码行业", kind=OrgKind.INDUSTRY
        )
    assert _codes(exc.value) == {"orgs.industry_code.required"}
    with pytest.raises(ValidationFailed) as exc:
        services.create_organisation(
            actor=None, parent=demo["orgs"]["JS"], code="JS", name="重复", kind=OrgKind.CITY
        )
    assert _codes(exc.value) == {"orgs.code.duplicate"}


def test_only_users_with_orgs_change_in_scope_may_create(demo: dict[str, Any]) -> None:
    with pytest.raises(NotPermitted):
        services.create_organisation(
            actor=demo["users"]["nj003"],
            parent=demo["orgs"]["JS-NJ"],
            code="S",
            name="站员建站",
            kind=OrgKind.STATION,
            institution_code="10012009",
        )
    with pytest.raises(NotPermitted):  # a provincial leader of Jiangsu, not of the machinery industry
        services.create_organisation(
            actor=demo["users"]["js_leader"],
            parent=demo["orgs"]["IND-49-JS"],
            code="S",
            name="越权",
            kind=OrgKind.STATION,
            institution_code="49003020",
        )
    created = services.create_organisation(
        actor=demo["users"]["js_leader"],
        parent=demo["orgs"]["JS-NJ"],
        code="ST-10012009",
        name="新站",
        kind=OrgKind.STATION,
        institution_code="10012009",
    )
    assert created.pk


def test_r4_7_accreditation_suspend_restore_revoke(demo: dict[str, Any]) -> None:
    station = demo["orgs"]["ST-10012005"]
    leader = demo["users"]["js_leader"]
    assert services.can_run_sessions(station)
    with pytest.raises(ValidationFailed) as exc:
        services.set_accreditation(station, "suspended", " ", actor=leader)
    assert _codes(exc.value) == {"orgs.accreditation.reason_required"}
    station = services.set_accreditation(station, "suspended", "年检不合格", actor=leader)
    assert not services.can_run_sessions(station)
    station = services.set_accreditation(station, "active", "", actor=leader)
    assert services.can_run_sessions(station)
    station = services.set_accreditation(station, "revoked", "严重违规", actor=leader)
    with pytest.raises(ValidationFailed) as exc:
        services.set_accreditation(station, "active", "", actor=leader)
    assert _codes(exc.value) == {"orgs.accreditation.revoked"}
    with pytest.raises(NotPermitted):  # a station cannot change its own accreditation
        services.set_accreditation(
            demo["orgs"]["ST-10012003"], "suspended", "x", actor=demo["users"]["nj003"]
        )


def test_r4_7_accreditation_via_api(api: Any, demo: dict[str, Any]) -> None:
    station = demo["orgs"]["ST-10052001"]
    response = api("js_leader").post(
        f"/api/v1/organisations/{station.pk}/accreditation/",
        {"status": "suspended", "reason": "停业整顿"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["accreditation"] == "suspended"
    response = api("sz001").post(
        f"/api/v1/organisations/{station.pk}/accreditation/",
        {"status": "active", "reason": ""},
        format="json",
    )
    assert response.status_code == 403


def test_r1_9_administrator_register_keeps_history(demo: dict[str, Any]) -> None:
    city = demo["orgs"]["JS-NJ"]
    first = AdministratorEntry.objects.get(organisation=city, duty="coding", until__isnull=True)
    new = services.register_administrator(
        city,
        actor=demo["users"]["nj_admin"],
        duty="coding",
        responsible_person="赵主任",
        administrator="新管理员",
        phone="025-88886666",
        email="coding@nj.example.cn",
        since=datetime.date(2026, 11, 1),
    )
    first.refresh_from_db()
    assert first.until == datetime.date(2026, 11, 1)
    assert new.until is None
    with pytest.raises(ValidationFailed) as exc:
        services.register_administrator(
            city,
            actor=None,
            duty="coding",
            responsible_person="",
            administrator="x",
            phone="abc",
            email="not-an-email",
        )
    assert _codes(exc.value) == {
        "orgs.admin.responsible_person.required",
        "orgs.admin.phone",
        "orgs.admin.email",
    }
    assert all(e.record == "JS-NJ/coding" for e in exc.value.errors)


def test_r0_6_rollout_pilot_before_the_rest(demo: dict[str, Any]) -> None:
    """Nanjing pilots integrated printing from 2026-03-01, the rest of Jiangsu follows on 2026-07-01."""
    nj_station = demo["orgs"]["ST-10012003"]
    sz_station = demo["orgs"]["ST-10052001"]
    feature = RolloutFeature.INTEGRATED_PRINTING
    assert services.feature_active(nj_station, feature, datetime.date(2026, 3, 1))
    assert not services.feature_active(nj_station, feature, datetime.date(2026, 2, 28))
    assert not services.feature_active(sz_station, feature, datetime.date(2026, 6, 30))
    assert services.feature_active(sz_station, feature, datetime.date(2026, 7, 1))
    assert not services.feature_active(demo["orgs"]["ST-49003018"], feature, datetime.date(2030, 1, 1))
    services.set_rollout(
        demo["orgs"]["JS"], feature, datetime.date(2026, 6, 1), actor=demo["users"]["js_leader"]
    )
    assert services.feature_active(sz_station, feature, datetime.date(2026, 6, 1))


def test_organisation_list_filters_and_xlsx_export(login: Any, demo: dict[str, Any], tmp_path: Any) -> None:
    from openpyxl import load_workbook

    client = login("js_leader")
    page = client.get("/manage/organisations/?kind=station").content.decode()
    body = page.split("<tbody>")[1]
    assert "10012003" in body and ">JS-NJ<" not in body and ">ST-10052001<" in body
    response = client.get("/manage/organisations/?kind=station&export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    path = tmp_path / "orgs.xlsx"
    path.write_bytes(response.content)
    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "代码 Code"
    assert {r[6] for r in rows[1:]} == {"10012003", "10012005", "10052001"}


def test_r3_9_create_user_applies_the_password_policy(demo: dict[str, Any], django_user_model: Any) -> None:
    """An account made by the service gets the same password policy as a password change: a weak one
    is refused naming the field, and nothing is written."""
    admin, nanjing = demo["users"]["sysadmin"], demo["orgs"]["JS-NJ"]
    before = django_user_model.objects.count()
    for weak, code in (("short1A", "accounts.password.password_too_short"), ("1234567890123", None)):
        with pytest.raises(ValidationFailed) as exc:
            services.create_user("wangwu", weak, actor=admin, org=nanjing)
        assert all(e.field == "password" and e.record == "wangwu" for e in exc.value.errors)
        assert code is None or code in _codes(exc.value)
    assert django_user_model.objects.count() == before
    user = services.create_user("wangwu", "Nanjing-Station-2026", actor=admin, org=nanjing)
    assert user.check_password("Nanjing-Station-2026")
    assert services.create_user("zhaoliu", None, actor=admin).has_usable_password() is False
