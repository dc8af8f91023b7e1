"""TOTP two-factor (RFC 6238 via pyotp: SHA-1, 6 digits, 30-second steps, ±1 step of clock drift).

Enrolment: `begin_enrolment` makes a fresh secret (kept encrypted, not yet active) and the
otpauth:// URI shown as a QR code; `confirm_enrolment` activates it once the user types a valid code.
A code is accepted once only: the last accepted time step is remembered, so a code seen over
someone's shoulder cannot be replayed. Enrolling (or resetting) revokes the user's API tokens."""

from __future__ import annotations

import io
from typing import Any

import pyotp
import segno
from django.db import transaction
from django.utils import timezone

from skillcert.accounts.models import AccountSecurity
from skillcert.accounts.services import home_organisation
from skillcert.accounts.services.tokens import revoke_user_tokens
from skillcert.audit.services import log_action
from skillcert.core.errors import Conflict, NotPermitted, SkillcertError
from skillcert.orgs.scoping import has_permission
from skillcert.people.protect import decrypt, encrypt

ISSUER = "skillcert"
STEP = 30
DRIFT_STEPS = 1


def _secret(sec: AccountSecurity) -> str:
    return decrypt(sec.totp_secret) if sec.totp_secret else ""


def provisioning_uri(user: Any, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.get_username(), issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    out = io.BytesIO()
    segno.make(uri, error="m", boost_error=False).save(out, kind="svg", scale=4, border=2, xmldecl=False)
    return out.getvalue().decode()


def begin_enrolment(user: Any) -> str:
    """A new pending secret (replacing any unconfirmed one); returns the otpauth URI. An enrolled user
    cannot start again: a lost authenticator is reset by an administrator (`reset`)."""
    secret = pyotp.random_base32()
    with transaction.atomic():
        sec, _ = AccountSecurity.objects.select_for_update().get_or_create(user=user)
        if sec.totp_enrolled:
            raise Conflict(
                "accounts.totp.already_enrolled",
                "已绑定验证器；如已遗失，请联系系统管理员重置",
                "An authenticator is already enrolled; if it is lost, ask an administrator to reset it",
            )
        sec.totp_secret = encrypt(secret)
        sec.totp_confirmed_at = None
        sec.totp_last_step = 0
        sec.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
    return provisioning_uri(user, secret)


def pending_secret(user: Any) -> str:
    sec = AccountSecurity.objects.filter(user=user).first()
    if sec is None or not sec.totp_secret or sec.totp_enrolled:
        return ""
    return _secret(sec)


def _match_step(secret: str, code: str) -> int | None:
    text = "".join(ch for ch in str(code or "") if ch.isdigit())
    if len(text) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(timezone.now().timestamp()) // STEP
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), text):
            return step
    return None


class EnrolmentFailed(SkillcertError):
    def __init__(self) -> None:
        super().__init__(
            "accounts.totp.enrol_wrong",
            "验证码不正确，请用验证器应用扫描二维码后输入当前显示的6位数字",
            "Wrong code: scan the QR code with an authenticator app and type the 6 digits it shows now",
            [],
            400,
        )


def confirm_enrolment(user: Any, code: str) -> AccountSecurity:
    with transaction.atomic():
        sec, _ = AccountSecurity.objects.select_for_update().get_or_create(user=user)
        if sec.totp_enrolled or not sec.totp_secret:
            raise EnrolmentFailed()
        step = _match_step(_secret(sec), code)
        if step is None:
            raise EnrolmentFailed()
        sec.totp_confirmed_at = timezone.now()
        sec.totp_last_step = step
        sec.save(update_fields=["totp_confirmed_at", "totp_last_step"])
        rotated = revoke_user_tokens(user, reason="totp_enrolled", actor=user)
        log_action(
            "accounts.totp_enrolled",
            user,
            actor=user,
            organisation=home_organisation(user),
            data={"tokens_rotated": rotated},
        )
    return sec


def verify_code(user: Any, code: str) -> bool:
    """Check a log-in code against the active secret; each time step is accepted once only."""
    with transaction.atomic():
        sec = AccountSecurity.objects.select_for_update().filter(user=user).first()
        if sec is None or not sec.totp_enrolled:
            return False
        step = _match_step(_secret(sec), code)
        if step is None or step <= sec.totp_last_step:
            return False
        sec.totp_last_step = step
        sec.save(update_fields=["totp_last_step"])
    return True


def reset(user: Any, *, actor: Any) -> None:
    """An administrator removes a lost authenticator: the user enrols again at the next log-in."""
    org = home_organisation(user)
    if org is None or not has_permission(actor, "accounts.security", org):
        raise NotPermitted()
    with transaction.atomic():
        AccountSecurity.objects.update_or_create(
            user=user, defaults={"totp_secret": "", "totp_confirmed_at": None, "totp_last_step": 0}
        )
        rotated = revoke_user_tokens(user, reason="totp_reset", actor=actor)
        log_action(
            "accounts.totp_reset", user, actor=actor, organisation=org, data={"tokens_rotated": rotated}
        )
