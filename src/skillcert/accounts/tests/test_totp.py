"""TOTP two-factor (R3.9): required for network administrators and leaders at the back-office log-in
and for API tokens; enrolment by QR with a real pyotp code; each code once only."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
import zxingcpp
from PIL import Image
from rest_framework.test import APIClient

from skillcert.accounts.models import AccountSecurity
from skillcert.accounts.services import totp
from skillcert.accounts.tests.helpers import code_for, enrol_via_http, post_login
from skillcert.audit.models import AuditEntry
from skillcert.core.demo import demo_password

pytestmark = pytest.mark.django_db


def test_leader_enrols_at_first_login_then_needs_a_code(client: Any, demo: dict[str, Any]) -> None:
    user = demo["users"]["js_leader"]  # centre leader + network administrator
    first = post_login(client, "js_leader", demo_password())
    assert first.status_code == 302 and first["Location"] == "/manage/account/two-factor/enrol/"
    assert "_auth_user_id" not in client.session  # not logged in after the password alone
    assert client.get("/manage/").status_code == 302

    secret = enrol_via_http(client, user)
    wrong = client.post("/manage/account/two-factor/enrol/", {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    enrol_code = code_for(secret)
    done = client.post("/manage/account/two-factor/enrol/", {"code": enrol_code})
    assert done.status_code == 302 and done["Location"] == "/manage/"
    assert client.get("/manage/").status_code == 200
    sec = AccountSecurity.objects.get(user=user)
    assert sec.totp_enrolled and sec.totp_secret and secret not in sec.totp_secret  # encrypted at rest
    assert AuditEntry.objects.filter(action="accounts.totp_enrolled").exists()

    client.post("/manage/logout/")
    second = post_login(client, "js_leader", demo_password())
    assert second["Location"] == "/manage/account/two-factor/"
    bad = client.post("/manage/account/two-factor/", {"code": "123456"})
    assert bad.status_code == 200 and "动态验证码错误" in bad.content.decode()
    # The code already used for the enrolment cannot be replayed; the next step's code works.
    # Codes are taken from the recorded step, not the clock, so a 30-second boundary passing on a busy
    # machine cannot turn the replay into a fresh code.
    replay = client.post("/manage/account/two-factor/", {"code": enrol_code})
    assert "_auth_user_id" not in client.session, replay
    next_code = pyotp.TOTP(secret).generate_otp(sec.totp_last_step + 1)
    ok = client.post("/manage/account/two-factor/", {"code": next_code})
    assert ok.status_code == 302 and client.get("/manage/").status_code == 200


def test_wrong_codes_count_towards_the_lockout(client: Any, demo: dict[str, Any]) -> None:
    user = demo["users"]["js_leader"]
    post_login(client, "js_leader", demo_password())
    secret = enrol_via_http(client, user)
    totp.confirm_enrolment(user, code_for(secret))
    client.logout()
    post_login(client, "js_leader", demo_password())
    statuses = [client.post("/manage/account/two-factor/", {"code": "000000"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    late = client.post("/manage/account/two-factor/", {"code": code_for(secret, 1)})
    assert late.status_code == 429 and "_auth_user_id" not in client.session


def test_station_operator_has_no_second_step_unless_enrolled(client: Any, demo: dict[str, Any]) -> None:
    assert post_login(client, "nj003", demo_password())["Location"] == "/manage/"


def test_api_token_needs_the_code(demo: dict[str, Any]) -> None:
    """Decision: a user who needs TOTP gets an API token only with the current code in `otp`, and only
    after enrolling in the back office; enrolling deletes tokens made before."""
    user = demo["users"]["js_leader"]
    c = APIClient()
    body = {"username": "js_leader", "password": demo_password()}
    first = c.post("/api/v1/auth/token/", body, format="json")
    assert first.status_code == 403 and first.json()["code"] == "accounts.totp.enrol_first"

    secret = totp.pending_secret(user) or _begin(user)
    totp.confirm_enrolment(user, code_for(secret))
    missing = c.post("/api/v1/auth/token/", body, format="json")
    assert missing.status_code == 400 and missing.json()["code"] == "accounts.totp.code_required"
    ok = c.post("/api/v1/auth/token/", {**body, "otp": code_for(secret, 1)}, format="json")
    assert ok.status_code == 200
    key = ok.json()["token"]
    c.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert c.get("/api/v1/me/").status_code == 200


def _begin(user: Any) -> str:
    totp.begin_enrolment(user)
    return totp.pending_secret(user)


def test_old_token_is_refused_after_enrolment(api: Any, demo: dict[str, Any]) -> None:
    user = demo["users"]["nj003"]
    old = api("nj003")
    assert old.get("/api/v1/me/").status_code == 200
    secret = _begin(user)
    totp.confirm_enrolment(user, code_for(secret))
    assert old.get("/api/v1/me/").status_code == 401


def test_enrolment_qr_is_a_readable_otpauth_uri(demo: dict[str, Any], tmp_path: Any) -> None:
    """The QR shown at enrolment decodes (zxing-cpp) to the otpauth URI of the pending secret."""
    import io

    import segno

    user = demo["users"]["nj003"]
    uri = totp.begin_enrolment(user)
    secret = totp.pending_secret(user)
    assert uri.startswith("otpauth://totp/skillcert:nj003?") and f"secret={secret}" in uri
    assert "<svg" in totp.qr_svg(uri)
    out = io.BytesIO()
    segno.make(uri, error="m", boost_error=False).save(out, kind="png", scale=6, border=4)
    out.seek(0)
    decoded = zxingcpp.read_barcodes(Image.open(out))
    assert [d.text for d in decoded] == [uri]


def test_admin_resets_a_lost_authenticator(login: Any, demo: dict[str, Any]) -> None:
    user = demo["users"]["js_leader"]
    secret = _begin(user)
    totp.confirm_enrolment(user, code_for(secret))
    admin = login("sysadmin")
    assert admin.post(f"/manage/account/security/users/{user.pk}/reset-totp/").status_code == 302
    assert not AccountSecurity.objects.get(user=user).totp_enrolled
    assert AuditEntry.objects.filter(action="accounts.totp_reset").exists()
