"""API token authentication with the account rules (R3.9, issue 13 item 8). Decision (docs/accounts.md):

- tokens are `accounts.ApiToken` rows holding only the SHA-256 of the key (services/tokens.py); the
  header stays `Authorization: Token <key>`;
- a token is obtained at /api/v1/auth/token/ (accounts.api.obtain_token): lock-out applies, and a
  user who needs TOTP must send the current code as `otp`; a user whose role requires TOTP but who
  has not enrolled gets no token (enrol in the back office first);
- here every request is checked again, each refusal a 401 problem naming the reason: unknown key,
  revoked, expired, user inactive, account locked out, token older than the last lock-down, token
  created before the user's TOTP enrolment, password expired. A token issued by
  `issue_api_token` outside the endpoint (shell, tests) is an administrator's deliberate act, e.g. for
  a system integration account, and is not refused for lack of TOTP;
- changing the password, enrolling or resetting TOTP and a lock-down revoke tokens."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework.authentication import TokenAuthentication as DrfTokenAuthentication

from skillcert.accounts import policy
from skillcert.accounts.models import AccountSecurity, ApiToken, LockdownState
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


def check_token_state(token: ApiToken) -> None:
    """The token's own state and its user's: revoked, expired, inactive, locked out."""
    from skillcert.accounts.services.login import active_lockout

    if token.revoked_at is not None:
        why = f"（{token.revoke_reason}）" if token.revoke_reason else ""
        why_en = f" ({token.revoke_reason})" if token.revoke_reason else ""
        raise TokenRefused(
            "accounts.token.revoked",
            f"令牌{token.prefix}…已作废{why}，请重新获取",
            f"The token {token.prefix}… was revoked{why_en}: obtain a new one",
        )
    if token.expires_at <= timezone.now():
        local = timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")
        raise TokenRefused(
            "accounts.token.expired",
            f"令牌{token.prefix}…已于{local}过期，请重新获取",
            f"The token {token.prefix}… expired at {local}: obtain a new one",
        )
    user = token.user
    if not user.is_active:
        raise TokenRefused(
            "accounts.token.user_inactive",
            "该账户已停用，令牌不能使用",
            "The account is disabled: its tokens do not work",
        )
    lock = active_lockout(user.get_username(), "")
    if lock is not None:
        local = timezone.localtime(lock.locked_until).strftime("%Y-%m-%d %H:%M")
        raise TokenRefused(
            "accounts.token.account_locked",
            f"该账户因登录失败次数过多已锁定至{local}，锁定期间令牌不能使用",
            f"The account is locked after failed log-ins until {local}: its tokens do not work meanwhile",
        )


class TokenAuthentication(DrfTokenAuthentication):
    """DRF's header parsing (`Token <key>`), our token table and rules."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        from rest_framework import exceptions

        from skillcert.accounts.services.tokens import find, touch

        token = find(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        check_token_state(token)
        check_token(token.user, token)
        touch(token)
        return token.user, token
