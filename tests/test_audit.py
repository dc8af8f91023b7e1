"""X2: every change leaves an append-only audit row — from the web, the API, commands and jobs."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from skillcert.audit.models import AppendOnlyError, AuditEntry
from skillcert.people.models import Person

pytestmark = pytest.mark.django_db


def test_x2_management_command_change_leaves_cli_audit_row(demo: dict[str, Any]) -> None:
    before = AuditEntry.objects.count()
    call_command("catalogs", "load")  # nothing new: the catalogs were loaded with the test database
    assert AuditEntry.objects.count() == before
    from skillcert.catalog.models import CalendarDay

    assert CalendarDay.objects.filter(date="2026-10-01").delete()[0] == 1
    call_command("catalogs", "load", "--holidays-only")
    rows = AuditEntry.objects.filter(action="catalog.loaded").order_by("-id")
    assert rows.count() >= 1
    assert rows[0].channel == "cli"
    assert rows[0].actor_label.startswith("cli:")
    assert rows[0].request_id


def test_x2_demo_command_audits_as_named_user(demo: dict[str, Any]) -> None:
    Person.objects.filter(name="张伟").delete()
    call_command("demo", "--as", "sysadmin")
    entry = AuditEntry.objects.filter(action="people.person.registered").order_by("-id").first()
    assert entry is not None
    assert entry.channel == "cli"
    assert entry.actor == demo["users"]["sysadmin"]
    assert entry.object_repr.startswith("张伟")
    # the full ID number is in no audit row (X7)
    number = Person.objects.get(name="张伟").document_number()
    assert not AuditEntry.objects.filter(after__icontains=number[6:14] + number[14:]).exists()


def test_x2_api_change_is_audited_with_before_and_after(api: Any, demo: dict[str, Any]) -> None:
    person = Person.objects.filter(organisation=demo["orgs"]["ST-10012003"]).first()
    assert person is not None
    response = api("nj003").patch(
        f"/api/v1/people/{person.pk}/",
        {"phone": "13700001111"},
        format="json",
        HTTP_X_REQUEST_ID="req-test-42",
    )
    assert response.status_code == 200, response.content
    assert response["X-Request-ID"] == "req-test-42"
    entry = AuditEntry.objects.filter(action="people.person.updated", object_id=str(person.pk)).get()
    assert entry.actor == demo["users"]["nj003"]
    assert entry.channel == "api"
    assert entry.request_id == "req-test-42"
    assert entry.after == {"phone": "13700001111"}
    assert entry.before == {"phone": person.phone}
    assert entry.organisation == person.organisation


def test_x2_web_change_is_audited(login: Any, demo: dict[str, Any]) -> None:
    client = login("js_leader")
    station = demo["orgs"]["ST-10012005"]
    response = client.post(
        f"/manage/organisations/{station.pk}/", {"status": "suspended", "reason": "检查发现问题"}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="orgs.accreditation.changed", object_id=str(station.pk))
    assert entry.channel == "web"
    assert entry.actor == demo["users"]["js_leader"]
    assert entry.before == {"accreditation": "active", "accreditation_reason": ""}
    assert entry.after == {"accreditation": "suspended", "accreditation_reason": "检查发现问题"}


def test_x2_audit_rows_cannot_be_changed_or_deleted_through_the_orm(demo: dict[str, Any]) -> None:
    entry = AuditEntry.objects.first()
    assert entry is not None
    entry.action = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()


def test_x2_database_refuses_update_of_audit_rows(demo: dict[str, Any]) -> None:
    entry = AuditEntry.objects.first()
    assert entry is not None
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'rewritten' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action != "rewritten"


def test_x2_database_refuses_delete_of_audit_rows_on_postgresql(demo: dict[str, Any]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row-level DELETE refusal is PostgreSQL-only (docs/decisions/0002-audit-append-only.md)")
    entry = AuditEntry.objects.first()
    assert entry is not None
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_x2_audit_is_browsable_within_scope(api: Any, login: Any, demo: dict[str, Any]) -> None:
    # a provincial auditor sees Jiangsu rows, not the machinery industry's
    rows = api("js_auditor").get("/api/v1/audit/?page_size=500").json()["results"]
    orgs = {r["organisation"] for r in rows}
    assert demo["orgs"]["ST-10012003"].pk in orgs
    assert demo["orgs"]["ST-49003018"].pk not in orgs
    # a station operator has no audit.view role
    assert api("nj003").get("/api/v1/audit/").json()["count"] == 0
    assert login("nj003").get("/manage/audit/").status_code == 403
    page = login("js_auditor").get("/manage/audit/").content.decode()
    assert "people.person.registered" in page


def test_x2_audit_api_is_read_only(api: Any, demo: dict[str, Any]) -> None:
    entry = AuditEntry.objects.filter(organisation=demo["orgs"]["JS"]).first()
    assert entry is not None
    client = api("js_auditor")
    assert client.delete(f"/api/v1/audit/{entry.pk}/").status_code == 405
    assert client.patch(f"/api/v1/audit/{entry.pk}/", {"action": "x"}, format="json").status_code == 405


@pytest.mark.django_db
def test_x7_snapshots_never_carry_secrets_even_when_asked(demo: dict[str, Any]) -> None:
    """A snapshot of any model leaves out encrypted numbers and keys, keyed hashes, passwords and TOTP
    secrets, even when the caller lists every field (issue 13: the same class as the event cipher)."""
    from django.apps import apps

    from skillcert.audit.services import is_secret_field, snapshot

    secret_models = []
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields]
        secrets = [n for n in names if is_secret_field(n)]
        if secrets:
            secret_models.append(model)
            row = model()
            taken = snapshot(row, fields=names)
            assert not set(secrets) & set(taken), (model, secrets)
    labels = {m._meta.label for m in secret_models}
    assert {"people.Person", "certificates.Certificate", "esign.IssuerKey"} <= labels
    from skillcert.people.models import Person

    person = Person.objects.first()
    assert person is not None and person.document_cipher
    assert "document_cipher" not in snapshot(person) and "document_hash" not in snapshot(person)
