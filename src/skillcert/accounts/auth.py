"""API token authentication with the account rules (R3.9). Decision (docs/accounts.md):

- a token is obtained only at /api/v1/auth/token/ (accounts.api.obtain_token): lock-out applies, and a
  user who needs TOTP must send the current code as `otp`; a user whose role requires TOTP but who
  has not enrolled gets no token (enrol in the back office first);
- here every request is checked again: a token older than the last lock-down, a token created before
  the user's TOTP enrolment, and a token of an administrator whose password has expired are refused
  with a problem naming the reason. Tokens made outside the endpoint (Django admin, shell) are an
  administrator's deliberate act, e.g. for a system integration account, and are not second-guessed;
- changing the password, enrolling or resetting TOTP and a lock-down delete (rotate) tokens."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import TokenAuthentication as DrfTokenAuthentication

from skillcert.accounts import policy
from skillcert.accounts.models import AccountSecurity, LockdownState
from skillcert.core.errors import SkillcertError


class TokenRefused(SkillcertError):
    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(code, zh, en, [], 401)


def check_token(user: Any, token: Any) -> None:
    state = LockdownState.objects.filter(pk=1).only("reauth_after").first()
    if state is not None and state.reauth_after is not None and token.created < state.reauth_after:
        raise TokenRefused(
            "accounts.token.revoked",
            "安全锁定后令牌已作废，请重新获取",
            "The token was revoked by a security lock-down: obtain a new one",
        )
    if policy.password_expired(user):
        raise TokenRefused(
            "accounts.password.expired",
            "密码已过期，请先在业务系统中修改密码",
            "Your password has expired: change it in the back office",
        )
    sec = AccountSecurity.objects.filter(user=user).first()
    confirmed = sec.totp_confirmed_at if sec is not None and sec.totp_enrolled else None
    if confirmed is not None and token.created < confirmed:
        raise TokenRefused(
            "accounts.totp.required",
            "该账户须使用双因素认证：请先绑定验证器，再凭动态验证码获取令牌",
            "This account needs two-factor authentication: enrol, then obtain a token with a code",
        )


class TokenAuthentication(DrfTokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        check_token(user, token)
        return user, token
