"""The credential-leak action (R3.9: lock-down and preserved evidence; X2 immutable records)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction

from skillcert.accounts.models import (
    AccountSecurity,
    ApiToken,
    ImmutableError,
    LockdownState,
    SecurityIncident,
)
from skillcert.accounts.services import lockdown, tokens
from skillcert.accounts.tests.helpers import post_login
from skillcert.audit.models import AuditEntry
from skillcert.core.demo import demo_password
from skillcert.core.errors import NotPermitted
from skillcert.publication.services import freeze as publication_freeze

pytestmark = pytest.mark.django_db

LOG = b"2026-11-25 03:14 sshd: accepted password for nj_admin from 203.0.113.9\n"


def test_leak_action_freezes_ends_sessions_rotates_tokens_and_keeps_evidence(
    client: Any, login: Any, api: Any, demo: dict[str, Any], django_user_model: Any
) -> None:
    from django.test import Client

    other = Client()
    assert post_login(other, "nj003", demo_password()).status_code == 302
    assert other.get("/manage/").status_code == 200
    token_client = api("nj_admin")
    assert token_client.get("/api/v1/me/").status_code == 200
    assert not LockdownState.publishing_frozen()

    admin = Client()
    assert post_login(admin, "sysadmin", demo_password()).status_code == 302
    response = admin.post(
        "/manage/account/security/leak/",
        {
            "description": "Password list of the Nanjing centre found on a public paste site",
            "expire_passwords": "on",
            "files": [SimpleUploadedFile("paste.txt", LOG, content_type="text/plain")],
        },
    )
    assert response.status_code == 302
    incident = SecurityIncident.objects.get()
    assert incident.reported_by == demo["users"]["sysadmin"]
    assert incident.sessions_ended >= 2 and incident.tokens_rotated >= 1
    # Publishing frozen; every session and token gone; everyone must choose a new password.
    assert LockdownState.publishing_frozen() and lockdown.publishing_frozen()
    assert publication_freeze.publishing_frozen()  # the publication chain refuses to publish (R3.9)
    assert Session.objects.count() == 0 and not tokens.active_tokens().exists()
    assert set(ApiToken.objects.values_list("revoke_reason", flat=True)) == {"lockdown"}
    assert other.get("/manage/").status_code == 302
    assert token_client.get("/api/v1/me/").status_code == 401
    assert (
        AccountSecurity.objects.filter(must_change_password=True).count() == django_user_model.objects.count()
    )
    # Evidence: the stored file has the SHA-256 of what was uploaded.
    evidence = incident.evidence.get()
    assert evidence.sha256 == hashlib.sha256(LOG).hexdigest() and evidence.size == len(LOG)
    assert lockdown.verify_evidence(evidence)
    # Immutable in the model...
    incident.description = "nothing happened"
    with pytest.raises(ImmutableError):
        incident.save()
    with pytest.raises(ImmutableError):
        evidence.delete()
    # ... and in the database.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE accounts_securityincident SET description = 'x'")
    actions = set(AuditEntry.objects.filter(action__startswith="accounts.").values_list("action", flat=True))
    assert {"accounts.credential_leak", "accounts.evidence_added"} <= actions

    # The reporter logs in again (new password required), sees the incident and downloads the file.
    assert post_login(admin, "sysadmin", demo_password()).status_code == 302
    assert admin.get("/manage/").status_code == 302  # must change the password first
    AccountSecurity.objects.filter(user=demo["users"]["sysadmin"]).update(must_change_password=False)
    page = admin.get(f"/manage/account/incidents/{incident.pk}/").content.decode()
    assert incident.reference in page and evidence.sha256 in page
    download = admin.get(f"/manage/account/incidents/{incident.pk}/evidence/{evidence.pk}/")
    assert b"".join(download.streaming_content) == LOG  # type: ignore[attr-defined]
    more = admin.post(
        f"/manage/account/incidents/{incident.pk}/",
        {"file": SimpleUploadedFile("firewall.log", b"deny 203.0.113.9\n"), "note": "firewall"},
    )
    assert more.status_code == 302 and incident.evidence.count() == 2

    # Lifting unfreezes publishing; the incident stays.
    assert admin.post("/manage/account/security/lift/", {"reason": "passwords rotated"}).status_code == 302
    assert not LockdownState.publishing_frozen()
    assert not publication_freeze.publishing_frozen()
    assert SecurityIncident.objects.count() == 1


def test_only_the_top_may_lock_down(login: Any, demo: dict[str, Any]) -> None:
    """js_leader holds accounts.security at the province only: a platform-wide action is refused."""
    with pytest.raises(NotPermitted):
        lockdown.report_leak(actor=demo["users"]["js_leader"], description="x")
    assert login("js_leader").post("/manage/account/security/leak/", {"description": "x"}).status_code == 403
    assert not LockdownState.publishing_frozen()


def test_leak_through_the_api(api: Any, demo: dict[str, Any]) -> None:
    assert api("nj003").post("/api/v1/accounts/incidents/", {"description": "x"}).status_code == 403
    client = api("sysadmin")
    r = client.post(
        "/api/v1/accounts/incidents/",
        {"description": "token leaked in a CI log", "files": [SimpleUploadedFile("ci.log", b"Token abc")]},
        format="multipart",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["evidence"][0]["sha256"] == hashlib.sha256(b"Token abc").hexdigest()
    assert body["evidence"][0]["intact"] is True
    # The caller's own token was rotated too.
    assert client.get("/api/v1/accounts/lockdown/").status_code == 401
    fresh = api("sysadmin")
    refused = fresh.get("/api/v1/accounts/lockdown/")  # a new token, but the password must change first
    assert refused.status_code == 401 and refused.json()["code"] == "accounts.password.expired"
    AccountSecurity.objects.filter(user=demo["users"]["sysadmin"]).update(must_change_password=False)
    state = fresh.get("/api/v1/accounts/lockdown/").json()
    assert state["frozen"] is True and state["incident"] == body["reference"]
    lifted = fresh.post("/api/v1/accounts/lockdown/", {"reason": "rotated"}, format="json")
    assert lifted.status_code == 200 and lifted.json()["frozen"] is False
    again = fresh.post("/api/v1/accounts/lockdown/", {"reason": "rotated"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "accounts.lockdown.not_frozen"
