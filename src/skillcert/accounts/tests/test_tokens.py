"""API tokens (issue 13 item 8, R3.9): only a hash is stored, tokens expire, can be listed (prefix
only) and revoked by their user or an administrator, and are refused for locked or disabled accounts;
DRF's plain-text keys are migrated to hashes."""

from __future__ import annotations

import datetime
import hashlib
import types
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from skillcert.accounts.models import ApiToken
from skillcert.accounts.services import login as login_service
from skillcert.accounts.services import tokens
from skillcert.audit.models import AuditEntry
from skillcert.core.demo import demo_password

pytestmark = pytest.mark.django_db


def _client(key: str) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return c


def _obtain(username: str = "nj003", **extra: Any) -> dict[str, Any]:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": demo_password(), **extra}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_the_database_holds_no_key_in_plain_text(demo: dict[str, Any]) -> None:
    body = _obtain(label="payroll sync")
    key = body["token"]
    assert len(key) >= 43 and body["prefix"] == key[:8]
    assert _client(key).get("/api/v1/me/").status_code == 200
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM accounts_apitoken")
        rows = cur.fetchall()
    assert len(rows) == 1
    cells = [str(cell) for cell in rows[0]]
    assert not any(key in cell for cell in cells)
    assert not any(key[8:20] in cell for cell in cells)  # not even the secret part's beginning
    assert hashlib.sha256(key.encode()).hexdigest() in cells
    token = ApiToken.objects.get()
    assert token.label == "payroll sync" and token.user == demo["users"]["nj003"]
    issued = AuditEntry.objects.get(action="accounts.token_issued")
    assert (issued.data or {})["prefix"] == key[:8] and key not in str(issued.data)


def test_each_request_for_a_token_issues_a_new_one_and_the_oldest_are_superseded(
    demo: dict[str, Any], settings: Any
) -> None:
    settings.SKILLCERT_API_TOKENS_PER_USER = 3
    keys = [_obtain()["token"] for _ in range(4)]
    assert len(set(keys)) == 4
    assert _client(keys[0]).get("/api/v1/me/").json()["code"] == "accounts.token.revoked"
    assert all(_client(k).get("/api/v1/me/").status_code == 200 for k in keys[1:])
    assert ApiToken.objects.get(prefix=keys[0][:8]).revoke_reason == "superseded"


def test_an_expired_token_is_refused_naming_why(demo: dict[str, Any], settings: Any) -> None:
    settings.SKILLCERT_API_TOKEN_DAYS = 2
    token, key = tokens.issue_api_token(demo["users"]["nj003"], label="short")
    assert token.expires_at - token.created == datetime.timedelta(days=2)
    assert _client(key).get("/api/v1/me/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    refused = _client(key).get("/api/v1/me/")
    assert refused.status_code == 401
    problem = refused.json()
    assert problem["code"] == "accounts.token.expired"
    assert "过期" in problem["message"]["zh"] and "expired" in problem["message"]["en"]
    assert key[:8] in problem["message"]["en"]


def test_a_revoked_token_is_refused(demo: dict[str, Any]) -> None:
    key = _obtain()["token"]
    me = _client(key)
    listed = me.get("/api/v1/auth/tokens/").json()["results"]
    assert [t["prefix"] for t in listed] == [key[:8]]
    assert me.delete(f"/api/v1/auth/tokens/{listed[0]['id']}/").status_code == 204
    refused = me.get("/api/v1/me/")
    assert refused.status_code == 401 and refused.json()["code"] == "accounts.token.revoked"
    row = ApiToken.objects.get()
    assert row.revoked_by == demo["users"]["nj003"] and row.revoke_reason == "user"
    assert AuditEntry.objects.filter(action="accounts.token_revoked", object_id=str(row.pk)).exists()


def test_a_locked_accounts_token_is_refused(client: Any, demo: dict[str, Any]) -> None:
    key = _obtain()["token"]
    for _ in range(5):
        login_service.record_failure("nj003", "10.9.9.9")
    refused = _client(key).get("/api/v1/me/")
    assert refused.status_code == 401 and refused.json()["code"] == "accounts.token.account_locked"


def test_an_inactive_users_token_is_refused(demo: dict[str, Any]) -> None:
    user = demo["users"]["nj003"]
    _, key = tokens.issue_api_token(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    refused = _client(key).get("/api/v1/me/")
    assert refused.status_code == 401 and refused.json()["code"] == "accounts.token.user_inactive"


def test_unknown_key_is_refused() -> None:
    refused = _client("x" * 43).get("/api/v1/me/")
    assert refused.status_code == 401 and refused.json()["code"] == "auth.failed"


def test_the_list_shows_prefixes_only_and_administrators_revoke_others(demo: dict[str, Any]) -> None:
    station, key = tokens.issue_api_token(demo["users"]["nj003"], label="station scanner")
    _, other_key = tokens.issue_api_token(demo["users"]["nj005"], label="other station")
    mine = _client(key).get("/api/v1/auth/tokens/")
    body = mine.content.decode()
    assert key not in body and key[8:] not in body and "digest" not in body
    rows = mine.json()["results"]
    assert {r["user"] for r in rows} == {"nj003"}
    assert set(rows[0]) >= {"prefix", "label", "created", "expires_at", "last_used_at", "active"}
    assert "token" not in rows[0] and "key" not in rows[0]
    # Another station's token: invisible, so not revocable (404 like a missing one).
    hidden = ApiToken.objects.get(user=demo["users"]["nj005"])
    assert _client(key).delete(f"/api/v1/auth/tokens/{hidden.pk}/").status_code == 404
    assert _client(other_key).get("/api/v1/me/").status_code == 200

    admin = APIClient()
    admin.force_authenticate(demo["users"]["sysadmin"])
    seen = admin.get("/api/v1/auth/tokens/", {"user": "nj003"}).json()["results"]
    assert [r["prefix"] for r in seen] == [key[:8]]
    assert admin.delete(f"/api/v1/auth/tokens/{station.pk}/").status_code == 204
    station.refresh_from_db()
    assert station.revoked_by == demo["users"]["sysadmin"] and station.revoke_reason == "administrator"
    assert _client(key).get("/api/v1/me/").json()["code"] == "accounts.token.revoked"
    assert admin.get("/api/v1/auth/tokens/", {"user": "nj003", "active": "true"}).json()["results"] == []


def test_use_is_recorded(demo: dict[str, Any]) -> None:
    token, key = tokens.issue_api_token(demo["users"]["nj003"])
    assert token.last_used_at is None
    _client(key).get("/api/v1/me/")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_password_set_anywhere_revokes_the_tokens(demo: dict[str, Any]) -> None:
    """The Django admin and the shell set passwords without our page: the hook revokes all the same."""
    user = demo["users"]["nj005"]
    _, key = tokens.issue_api_token(user)
    user.set_password("amber-quartz-willow-fjord-58")
    user.save()
    assert _client(key).get("/api/v1/me/").json()["code"] == "accounts.token.revoked"
    assert ApiToken.objects.get(user=user).revoke_reason == "password_changed"


def test_back_office_page_issues_lists_and_revokes(login: Any, demo: dict[str, Any]) -> None:
    client = login("nj003")
    page = client.post("/manage/account/tokens/", {"label": "attendance kiosk"})
    html = page.content.decode()
    token = ApiToken.objects.get(user=demo["users"]["nj003"])
    assert page.status_code == 200 and 'class="token-key"' in html
    key = html.split('class="token-key">')[1].split("<")[0]
    assert key.startswith(token.prefix) and hashlib.sha256(key.encode()).hexdigest() == token.digest
    assert _client(key).get("/api/v1/me/").status_code == 200
    again = client.get("/manage/account/tokens/").content.decode()
    assert key not in again and f"{token.prefix}…" in again and "attendance kiosk" in again
    assert "API令牌" in again and "只保存令牌的散列值" in again  # the page speaks Chinese (X3)
    assert client.post(f"/manage/account/tokens/{token.pk}/revoke/").status_code == 302
    assert _client(key).get("/api/v1/me/").status_code == 401
    # Somebody else's token is not reachable from a station operator's page.
    _, other = tokens.issue_api_token(demo["users"]["nj005"])
    foreign = ApiToken.objects.get(user=demo["users"]["nj005"])
    assert client.post(f"/manage/account/tokens/{foreign.pk}/revoke/").status_code == 404
    assert _client(other).get("/api/v1/me/").status_code == 200


def test_drf_plain_text_tokens_are_migrated_to_hashes(demo: dict[str, Any]) -> None:
    """Keys issued by DRF's authtoken before this change keep working until expiry; the plain-text
    table is dropped. (The table is made here as DRF made it.)"""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("skillcert.accounts.migrations.0003_api_tokens")
    user = demo["users"]["nj003"]
    old_key = "3f2a" * 10  # a DRF key: 40 hex digits
    created = timezone.now() - datetime.timedelta(days=400)
    with connection.cursor() as cur:
        stamp = "timestamp with time zone" if connection.vendor == "postgresql" else "datetime"
        cur.execute(
            f'CREATE TABLE authtoken_token ("key" varchar(40) PRIMARY KEY, created {stamp}, user_id integer)'
        )
        value = created if connection.vendor == "postgresql" else created.strftime("%Y-%m-%d %H:%M:%S.%f")
        cur.execute(
            'INSERT INTO authtoken_token ("key", created, user_id) VALUES (%s, %s, %s)',
            [old_key, value, user.pk],
        )
    editor = types.SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
    migration.import_drf_tokens(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    token = ApiToken.objects.get(user=user)
    assert token.prefix == old_key[:8] and old_key not in token.digest
    assert abs((token.created - created).total_seconds()) < 1
    assert token.expires_at > timezone.now() + datetime.timedelta(days=29)
    assert _client(old_key).get("/api/v1/me/").status_code == 200
