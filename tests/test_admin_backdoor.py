"""The Django admin is no back door (issue 13 item 5; X1, X2, R3.9): the organisation tree, people and
the administrator register are read-only there (the audited ways are the back office and the API);
roles and roll-out settings go through the orgs services with audit; users' changes are audited; no
token keys are shown; and an organisation without a well-formed path cannot exist in the database."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from skillcert.audit.models import AuditEntry
from skillcert.orgs.models import AdministratorEntry, Membership, Organisation, RolloutSetting
from skillcert.orgs.scoping import has_permission, org_filter, scope_paths
from skillcert.people.models import Person

pytestmark = pytest.mark.django_db


def test_organisation_add_through_the_admin_is_refused(login: Any, demo: dict[str, Any]) -> None:
    """The finding: an organisation added in the admin kept path "" and a membership at it reached the
    whole country. Adding is refused (403) and nothing is written."""
    admin = login("sysadmin")
    before = Organisation.objects.count()
    assert admin.get("/admin/orgs/organisation/add/").status_code == 403
    response = admin.post(
        "/admin/orgs/organisation/add/",
        {"code": "ROGUE", "name": "后门机构", "kind": "province", "accreditation": "active", "active": "on"},
    )
    assert response.status_code == 403
    assert Organisation.objects.count() == before and not Organisation.objects.filter(code="ROGUE").exists()


@pytest.mark.parametrize(
    ("model", "url", "post"),
    [
        (Organisation, "orgs/organisation", {"name": "改名", "kind": "national", "accreditation": "revoked"}),
        (AdministratorEntry, "orgs/administratorentry", {"administrator": "冒名", "phone": "025-1"}),
        (Person, "people/person", {"name": "改名"}),
    ],
)
def test_change_pages_are_read_only(
    login: Any, demo: dict[str, Any], model: Any, url: str, post: dict[str, str]
) -> None:
    admin = login("sysadmin")
    obj = model.objects.order_by("pk").first()
    assert obj is not None, model
    before = {name: getattr(obj, name) for name in post}
    page = admin.get(f"/admin/{url}/{obj.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in post:
        assert f'name="{name}"' not in html  # shown, not editable
    assert 'name="_save"' not in html
    assert admin.post(f"/admin/{url}/{obj.pk}/change/", post).status_code == 403
    obj.refresh_from_db()
    assert {name: getattr(obj, name) for name in post} == before
    assert admin.post(f"/admin/{url}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()
    assert admin.get(f"/admin/{url}/add/").status_code == 403


def test_roles_granted_and_revoked_in_the_admin_go_through_the_services(
    login: Any, demo: dict[str, Any]
) -> None:
    admin = login("sysadmin")
    user, org = demo["users"]["nj003"], demo["orgs"]["JS-NJ"]
    response = admin.post(
        "/admin/orgs/membership/add/", {"user": user.pk, "organisation": org.pk, "role": "auditor"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=user, organisation=org, role="auditor")
    granted = AuditEntry.objects.get(action="orgs.role.granted", object_id=str(membership.pk))
    assert granted.actor == demo["users"]["sysadmin"] and granted.organisation == org

    # A membership cannot be edited in place (that would move a role without a trace).
    page = admin.get(f"/admin/orgs/membership/{membership.pk}/change/").content.decode()
    assert 'name="role"' not in page
    assert (
        admin.post(f"/admin/orgs/membership/{membership.pk}/change/", {"role": "sysadmin"}).status_code == 403
    )
    membership.refresh_from_db()
    assert membership.role == "auditor"

    done = admin.post(f"/admin/orgs/membership/{membership.pk}/delete/", {"post": "yes"})
    assert done.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEntry.objects.filter(action="orgs.role.revoked", object_id=str(membership.pk)).exists()


def test_bulk_delete_of_memberships_is_audited_per_row(login: Any, demo: dict[str, Any]) -> None:
    admin = login("sysadmin")
    rows = list(Membership.objects.filter(organisation=demo["orgs"]["ST-10012003"]))
    assert rows
    response = admin.post(
        "/admin/orgs/membership/",
        {"action": "delete_selected", "_selected_action": [m.pk for m in rows], "post": "yes"},
    )
    assert response.status_code == 302
    revoked = set(AuditEntry.objects.filter(action="orgs.role.revoked").values_list("object_id", flat=True))
    assert revoked == {str(m.pk) for m in rows}


def test_a_role_outside_the_admins_scope_is_refused(login: Any, demo: dict[str, Any]) -> None:
    """The admin adds what the service allows, no more: orgs.members at the organisation."""
    from skillcert.orgs import services

    nation = demo["orgs"]["JS"]
    admin_user = demo["users"]["sysadmin"]
    limited = services.create_user("nj_sys", None, actor=None, org=demo["orgs"]["JS-NJ"], roles=("sysadmin",))
    limited.is_staff = limited.is_superuser = True
    limited.save()
    client = login("sysadmin")
    client.force_login(limited)
    response = client.post(
        "/admin/orgs/membership/add/", {"user": admin_user.pk, "organisation": nation.pk, "role": "auditor"}
    )
    assert response.status_code == 200 and "orgs.members" in response.content.decode()
    assert not Membership.objects.filter(organisation=nation, role="auditor", user=admin_user).exists()


def test_rollout_settings_in_the_admin_are_audited(login: Any, demo: dict[str, Any]) -> None:
    admin = login("sysadmin")
    org = demo["orgs"]["JS-SZ"]
    response = admin.post(
        "/admin/orgs/rolloutsetting/add/",
        {"organisation": org.pk, "feature": "e_certificate", "effective_from": "2026-09-01", "note": "pilot"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    setting = RolloutSetting.objects.get(organisation=org, feature="e_certificate")
    entry = AuditEntry.objects.get(action="orgs.rollout.set", object_id=str(setting.pk))
    assert entry.after == {"effective_from": "2026-09-01", "note": "pilot"}
    assert admin.post(f"/admin/orgs/rolloutsetting/{setting.pk}/delete/", {"post": "yes"}).status_code == 403


def test_user_changes_in_the_admin_are_audited(login: Any, demo: dict[str, Any]) -> None:
    admin = login("sysadmin")
    user = demo["users"]["nj003"]
    page = admin.get(f"/admin/auth/user/{user.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in {"password", "last_login"}}
    data.update(
        {
            "username": user.username,
            "is_active": "",
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "groups": [],
            "user_permissions": [],
        }
    )
    data.pop("is_active")
    data.pop("date_joined", None)
    response = admin.post(f"/admin/auth/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert user.is_active is False
    entry = AuditEntry.objects.get(action="auth.user.changed", object_id=str(user.pk))
    assert entry.before == {"is_active": True} and entry.after == {"is_active": False}
    assert "password" not in str(entry.data) + str(entry.before) + str(entry.after)


def test_no_token_or_group_admin(login: Any, demo: dict[str, Any]) -> None:
    """DRF's token admin showed every key in clear; Django groups grant nothing here (roles do)."""
    admin = login("sysadmin")
    index = admin.get("/admin/").content.decode()
    assert "authtoken" not in index and "/admin/auth/group/" not in index
    assert admin.get("/admin/authtoken/tokenproxy/").status_code == 404
    assert admin.get("/admin/auth/group/").status_code == 404


@pytest.mark.parametrize("path", ["", "/", "1/", "/1", "/1//4/", "//"])
def test_an_organisation_needs_a_well_formed_path_in_the_database(path: str, demo: dict[str, Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(code=f"BAD{len(path)}", name="坏路径", kind="province", path=path)
    js = demo["orgs"]["JS"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.filter(pk=js.pk).update(path=path)


def test_the_service_still_builds_paths(demo: dict[str, Any]) -> None:
    from skillcert.orgs import services

    parent = demo["orgs"]["JS-NJ"]
    org = services.create_organisation(
        actor=demo["users"]["sysadmin"], parent=parent, code="JS-NJ-X", name="测试", kind="city_hr"
    )
    assert org.path == f"{parent.path}{org.pk}/" and org.depth == parent.depth + 1
    assert Organisation.objects.get(pk=org.pk).path == org.path


def test_scoping_ignores_an_empty_path(demo: dict[str, Any]) -> None:
    """Defence in depth: were a membership's organisation ever to have path "", it grants nothing."""
    user = demo["users"]["nj003"]
    user._skillcert_memberships = [("", "sysadmin")]
    assert scope_paths(user) == [] and scope_paths(user, "orgs.change") == []
    assert not has_permission(user, "orgs.change") and not has_permission(
        user, "orgs.change", demo["orgs"]["JS"]
    )
    assert Organisation.objects.filter(org_filter(user, None)).count() == 0
    blank = Organisation(path="")
    assert not has_permission(demo["users"]["sysadmin"], "orgs.change", blank)
    assert not demo["orgs"]["JS"].is_within(blank)


def test_the_migration_repairs_malformed_paths_before_adding_the_constraint(demo: dict[str, Any]) -> None:
    """Rows written by the old admin (path "") are rebuilt from the parent chain, so the migration
    applies on a real database. The check is switched off inside this test's transaction only."""
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("skillcert.orgs.migrations.0003_organisation_path_well_formed")
    station, city = demo["orgs"]["ST-10012003"], demo["orgs"]["JS-NJ"]
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA ignore_check_constraints = ON")
        else:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks block the ALTER
            cur.execute("ALTER TABLE orgs_organisation DROP CONSTRAINT org_path_well_formed")
        try:
            Organisation.objects.filter(pk__in=[station.pk, city.pk]).update(path="", depth=0)
            migration.rebuild_paths(apps, None)
        finally:
            if connection.vendor == "sqlite":
                cur.execute("PRAGMA ignore_check_constraints = OFF")
    js = demo["orgs"]["JS"]
    city.refresh_from_db()
    station.refresh_from_db()
    assert city.path == f"{js.path}{city.pk}/" and city.depth == js.depth + 1
    assert station.path == f"{city.path}{station.pk}/" and station.depth == city.depth + 1


def test_a_password_set_in_the_admin_follows_the_policy_is_audited_and_revokes_tokens(
    login: Any, demo: dict[str, Any]
) -> None:
    from skillcert.accounts.models import ApiToken
    from skillcert.accounts.services.tokens import issue_api_token

    admin = login("sysadmin")
    user = demo["users"]["nj003"]
    token, _ = issue_api_token(user, label="kiosk")
    url = f"/admin/auth/user/{user.pk}/password/"
    weak = admin.post(
        url, {"password1": "Jiangsu2026!", "password2": "Jiangsu2026!", "usable_password": "true"}
    )
    assert weak.status_code == 200 and "密码太容易被猜到" in weak.content.decode()
    phrase = "orchid-lantern-basil-fjord-37"
    done = admin.post(url, {"password1": phrase, "password2": phrase, "usable_password": "true"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(phrase)
    assert AuditEntry.objects.filter(action="auth.user.password_set", object_id=str(user.pk)).exists()
    assert ApiToken.objects.get(pk=token.pk).revoke_reason == "password_changed"
