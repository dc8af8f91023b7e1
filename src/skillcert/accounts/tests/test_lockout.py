"""Lock-out after repeated failed log-ins, per account and per client address, with an administrator
unlock and audit entries that hold neither passwords nor full ID numbers (R3.9, X2, X7)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from skillcert.accounts.models import Lockout, LoginAttempt
from skillcert.accounts.tests.helpers import post_login
from skillcert.audit.models import AuditEntry
from skillcert.core.demo import demo_password

pytestmark = pytest.mark.django_db


def test_five_wrong_passwords_lock_the_account_until_unlocked(
    client: Any, login: Any, demo: dict[str, Any]
) -> None:
    for i in range(4):
        r = post_login(client, "nj003", f"wrong-{i}")
        assert r.status_code == 200 and "用户名或密码错误" in r.content.decode()
    fifth = post_login(client, "nj003", "wrong-4")
    assert fifth.status_code == 429
    text = fifth.content.decode()
    assert "已锁定" in text and "locked until" in text
    # Even the right password is refused now, from any address.
    again = post_login(client, "nj003", demo_password(), address="10.9.9.9")
    assert again.status_code == 429 and "_auth_user_id" not in client.session
    lock = Lockout.objects.get(kind=Lockout.Kind.ACCOUNT, key="nj003")
    assert lock.failures == 5 and lock.user == demo["users"]["nj003"]

    entries = AuditEntry.objects.filter(action__startswith="accounts.")
    assert entries.filter(action="accounts.login_failed").count() == 5
    assert entries.filter(action="accounts.locked").count() == 1
    dump = json.dumps([e.data for e in entries], ensure_ascii=False)
    assert "wrong-" not in dump and demo_password() not in dump

    # The system administrator unlocks it from the security page.
    admin = login("sysadmin")
    page = admin.get("/manage/account/security/").content.decode()
    assert "nj003" in page
    assert admin.post(f"/manage/account/security/lockouts/{lock.pk}/unlock/").status_code == 302
    assert AuditEntry.objects.filter(action="accounts.unlocked").exists()
    client.logout()
    assert post_login(client, "nj003", demo_password()).status_code == 302


def test_unknown_usernames_lock_the_same_way_and_ids_are_masked(client: Any, demo: dict[str, Any]) -> None:
    """No account enumeration: an unknown name answers and locks exactly like a real one; an ID number
    typed as the username is kept only masked (X7)."""
    real = [post_login(client, "nj005", "x", address=f"10.1.0.{i}").status_code for i in range(5)]
    ghost = [post_login(client, "nobody-here", "x", address=f"10.2.0.{i}").status_code for i in range(5)]
    assert real == ghost == [200, 200, 200, 200, 429]
    post_login(client, "110105199001011234", "x", address="10.3.0.1")
    assert not LoginAttempt.objects.filter(username__contains="199001011234").exists()
    assert LoginAttempt.objects.filter(username="110***********1234").exists()


def test_many_failures_from_one_address_lock_the_address(
    client: Any, demo: dict[str, Any], settings: Any
) -> None:
    settings.ACCOUNTS_LOCKOUT_ADDRESS_FAILURES = 6
    for i in range(6):
        post_login(client, f"guess{i}", "x", address="10.7.7.7")
    r = post_login(client, "nj003", demo_password(), address="10.7.7.7")
    assert r.status_code == 429 and "本机登录失败次数过多" in r.content.decode()
    # Another address is not affected.
    assert post_login(client, "nj003", demo_password(), address="10.7.7.8").status_code == 302


def test_success_resets_the_count(client: Any, demo: dict[str, Any]) -> None:
    for _ in range(4):
        post_login(client, "nj003", "bad")
    assert post_login(client, "nj003", demo_password()).status_code == 302
    client.logout()
    for _ in range(4):
        assert post_login(client, "nj003", "bad").status_code == 200
    assert not Lockout.objects.exists()


def test_token_endpoint_counts_towards_the_lockout(demo: dict[str, Any]) -> None:
    from rest_framework.test import APIClient

    c = APIClient()
    for _ in range(4):
        r = c.post("/api/v1/auth/token/", {"username": "nj003", "password": "bad"}, format="json")
        assert r.status_code == 400 and r.json()["code"] == "accounts.login.failed"
    r = c.post("/api/v1/auth/token/", {"username": "nj003", "password": "bad"}, format="json")
    assert r.status_code == 429 and r.json()["code"] == "accounts.login.locked"
    ok = c.post("/api/v1/auth/token/", {"username": "nj003", "password": demo_password()}, format="json")
    assert ok.status_code == 429


def test_lockout_api_lists_and_unlocks(client: Any, api: Any, demo: dict[str, Any]) -> None:
    station = api("nj003")
    for _ in range(5):
        post_login(client, "nj003", "bad")
    # While the account is locked its tokens do not work either (issue 13 item 8).
    locked = station.get("/api/v1/accounts/lockouts/")
    assert locked.status_code == 401 and locked.json()["code"] == "accounts.token.account_locked"
    admin = api("sysadmin")
    rows = admin.get("/api/v1/accounts/lockouts/").json()["results"]
    assert [r["key"] for r in rows] == ["nj003"]
    done = admin.post(f"/api/v1/accounts/lockouts/{rows[0]['id']}/unlock/")
    assert done.status_code == 200
    assert admin.get("/api/v1/accounts/lockouts/").json()["results"] == []
    assert station.get("/api/v1/accounts/lockouts/").status_code == 403  # authenticated again, not permitted


def test_django_admin_login_goes_through_the_guarded_login(client: Any, demo: dict[str, Any]) -> None:
    r = client.get("/admin/login/?next=/admin/")
    assert r.status_code == 302 and r["Location"] == "/manage/login/?next=/admin/"


def test_lockouts_are_scoped_to_the_administrators_tree(client: Any, demo: dict[str, Any]) -> None:
    """X1: the machinery industry centre's leader neither sees nor unlocks a Nanjing operator's lock."""
    from skillcert.accounts.services import login as login_service
    from skillcert.core.errors import NotPermitted

    for _ in range(5):
        post_login(client, "nj003", "bad")
    lock = Lockout.objects.get(key="nj003")
    assert list(login_service.lockouts_visible_to(demo["users"]["js_leader"])) == [lock]
    assert list(login_service.lockouts_visible_to(demo["users"]["jx_leader"])) == []
    assert list(login_service.lockouts_visible_to(demo["users"]["nj003"])) == []
    with pytest.raises(NotPermitted):
        login_service.unlock(lock, actor=demo["users"]["jx_leader"])
    lock.refresh_from_db()
    assert lock.released_at is None
