"""Password policy, history and forced periodic change (R3.9)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from skillcert.accounts.models import AccountSecurity, ApiToken, PasswordHistory
from skillcert.accounts.services import passwords
from skillcert.accounts.tests.helpers import GOOD, post_login
from skillcert.audit.models import AuditEntry
from skillcert.core.demo import demo_password
from skillcert.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def _codes(password: str, user: Any) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {str(e.code) for e in exc.error_list}
    return set()


def test_policy_character_classes_username_and_bilingual_messages(demo: dict[str, Any]) -> None:
    """R3.9: at least 3 character classes, not containing the username; messages in zh and en."""
    user = demo["users"]["nj_admin"]
    assert "accounts.password.character_classes" in _codes("alllowercaseletters", user)
    assert "accounts.password.contains_username" in _codes("Xx9!nj_admin-2026", user)
    assert _codes(GOOD, user) == set()
    try:
        validate_password("alllowercaseletters", user)
    except ValidationError as exc:
        text = " ".join(exc.messages)
        assert "至少包含" in text and "at least 3" in text


def test_history_refuses_the_last_five(demo: dict[str, Any]) -> None:
    """R3.9: no reuse of the last 5 passwords; the sixth oldest may come back."""
    user = demo["users"]["nj_admin"]
    old = demo_password()
    chosen = [f"Kx7#river-{i}-Stone" for i in range(6)]
    for new in chosen:
        passwords.change_password(user, old_password=old, new_password=new, new_password2=new)
        user.refresh_from_db()
        old = new
    assert PasswordHistory.objects.filter(user=user).count() == 5
    for reused in chosen[1:]:
        with pytest.raises(ValidationFailed) as err:
            passwords.change_password(user, old_password=old, new_password=reused, new_password2=reused)
        assert err.value.code == "accounts.password.reused"
        assert "最近5次" in err.value.message_zh and "last 5" in err.value.message_en
    passwords.change_password(user, old_password=old, new_password=chosen[0], new_password2=chosen[0])


def test_expired_administrator_is_sent_to_change_password(
    client: Any, api: Any, demo: dict[str, Any]
) -> None:
    """R3.9: an administrator (cert_admin) whose password is older than 90 days must change it before
    anything else — pages redirect, session API calls and the API token answer a problem; the change
    itself follows the policy, rotates the token and is audited."""
    user = demo["users"]["nj_admin"]
    token_client = api("nj_admin")
    assert token_client.get("/api/v1/me/").status_code == 200
    AccountSecurity.objects.update_or_create(
        user=user, defaults={"password_changed_at": timezone.now() - datetime.timedelta(days=91)}
    )
    assert post_login(client, "nj_admin", demo_password()).status_code == 302
    response = client.get("/manage/people/")
    assert response.status_code == 302
    assert response["Location"].startswith("/manage/account/password/?next=/manage/people/")
    problem = client.get("/api/v1/people/")
    assert problem.status_code == 403 and problem.json()["code"] == "accounts.password.expired"
    refused = token_client.get("/api/v1/me/")
    assert refused.status_code == 401 and refused.json()["code"] == "accounts.password.expired"
    page = client.get("/manage/account/password/")
    assert page.status_code == 200 and "password-expired" in page.content.decode()

    bad = client.post(
        "/manage/account/password/",
        {
            "old_password": demo_password(),
            "new_password": "nj_admin-Secret9",
            "new_password2": "nj_admin-Secret9",
        },
    )
    assert bad.status_code == 200 and "密码不能包含用户名" in bad.content.decode()
    same = client.post(
        "/manage/account/password/",
        {"old_password": demo_password(), "new_password": demo_password(), "new_password2": demo_password()},
    )
    assert "不能重复使用" in same.content.decode()
    ok = client.post(
        "/manage/account/password/",
        {
            "old_password": demo_password(),
            "new_password": GOOD,
            "new_password2": GOOD,
            "next": "/manage/people/",
        },
    )
    assert ok.status_code == 302 and ok["Location"] == "/manage/people/"
    assert client.get("/manage/people/").status_code == 200  # the session survived the change
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()  # revoked
    assert set(ApiToken.objects.filter(user=user).values_list("revoke_reason", flat=True)) == {
        "password_changed"
    }
    entry = AuditEntry.objects.filter(action="accounts.password_changed").get()
    assert GOOD not in str(entry.data) and entry.organisation is not None
    assert (entry.data or {})["tokens_rotated"] == 1


def test_non_administrators_do_not_expire(client: Any, demo: dict[str, Any]) -> None:
    user = demo["users"]["nj003"]  # station operator
    AccountSecurity.objects.update_or_create(
        user=user, defaults={"password_changed_at": timezone.now() - datetime.timedelta(days=400)}
    )
    assert post_login(client, "nj003", demo_password()).status_code == 302
    assert client.get("/manage/people/").status_code == 200


def test_administrator_can_require_a_new_password(login: Any, demo: dict[str, Any]) -> None:
    admin = login("sysadmin")
    target = demo["users"]["nj003"]
    response = admin.post(f"/manage/account/security/users/{target.pk}/require-password-change/")
    assert response.status_code == 302
    assert AccountSecurity.objects.get(user=target).must_change_password
    assert AuditEntry.objects.filter(
        action="accounts.password_change_required", object_id=str(target.pk)
    ).exists()
