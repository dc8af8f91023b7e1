"""API tokens (issue 13 item 8, R3.9): issue, look up, list, revoke.

A key is `secrets.token_urlsafe(32)` (256 random bits, 43 characters); the database keeps its
SHA-256 and the first `PREFIX_LENGTH` characters. A salted slow hash (as for passwords) buys nothing
for a random 256-bit key and would cost a hash per request. Clients keep sending
`Authorization: Token <key>`.

Each token expires `SKILLCERT_API_TOKEN_DAYS` (30) after issue. A user holds at most
`SKILLCERT_API_TOKENS_PER_USER` (10) active tokens; issuing one more revokes the oldest, so a script
that obtains a token per run does not pile them up. Issue and revoke are audited (never the key);
bulk revocations (password change, TOTP enrolment or reset, lock-down) are counted in the audit row of
the action that caused them."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from skillcert.accounts.models import ApiToken
from skillcert.accounts.services import home_organisation
from skillcert.audit.services import log_action
from skillcert.core.errors import NotPermitted, field_error
from skillcert.orgs.scoping import has_permission, org_filter

PREFIX_LENGTH = 8
KEY_BYTES = 32


def token_days() -> int:
    return int(getattr(settings, "SKILLCERT_API_TOKEN_DAYS", 30))


def tokens_per_user() -> int:
    return int(getattr(settings, "SKILLCERT_API_TOKENS_PER_USER", 10))


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def active_tokens(now: datetime.datetime | None = None) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


def issue_api_token(
    user: Any, *, label: str = "", actor: Any = None, days: int | None = None
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the record and the key, which is shown this once only."""
    label = (label or "").strip()[:100]
    lifetime = token_days() if days is None else days
    if lifetime < 1:
        raise field_error(
            user.get_username(), "days", "accounts.token.days", "有效期至少1天", "A token lives 1 day or more"
        )
    key = secrets.token_urlsafe(KEY_BYTES)
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            prefix=key[:PREFIX_LENGTH],
            digest=digest_of(key),
            label=label,
            created=now,
            expires_at=now + datetime.timedelta(days=lifetime),
        )
        keep = tokens_per_user()
        surplus = list(active_tokens(now).filter(user=user).order_by("-created", "-id")[keep:])
        for old in surplus:
            _revoke(old, actor=None, reason="superseded", now=now)
        log_action(
            "accounts.token_issued",
            token,
            actor=actor if actor is not None else user,
            organisation=home_organisation(user),
            data={
                "user": user.get_username(),
                "prefix": token.prefix,
                "label": label,
                "expires_at": token.expires_at,
                "superseded": [t.prefix for t in surplus],
            },
        )
    return token, key


def find(key: str) -> ApiToken | None:
    """The token a presented key names (active or not), with its user."""
    if not key or len(key) > 200:
        return None
    return ApiToken.objects.select_related("user").filter(digest=digest_of(key)).first()


def touch(token: ApiToken, now: datetime.datetime | None = None) -> None:
    """Record use, at most once a minute per token (one write per API call would queue every request
    behind SQLite's single writer)."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def _revoke(token: ApiToken, *, actor: Any, reason: str, now: datetime.datetime) -> None:
    token.revoked_at = now
    token.revoked_by = actor if getattr(actor, "pk", None) is not None else None
    token.revoke_reason = reason[:40]
    token.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])


def may_manage(actor: Any, token: ApiToken) -> bool:
    """A token's own user, or an administrator (accounts.security) over the user's organisation."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if actor.pk == token.user_id:
        return True
    org = home_organisation(token.user)
    return org is not None and has_permission(actor, "accounts.security", org)


def revoke_token(token: ApiToken, *, actor: Any, reason: str = "") -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if not may_manage(actor, token):
            raise NotPermitted(
                "accounts.token.not_permitted",
                "只能作废自己的令牌，或持有accounts.security权限作废所辖用户的令牌",
                "Only the token's user, or accounts.security over that user, may revoke it",
            )
        if token.revoked_at is None:
            why = reason or ("user" if actor.pk == token.user_id else "administrator")
            _revoke(token, actor=actor, reason=why, now=timezone.now())
            log_action(
                "accounts.token_revoked",
                token,
                actor=actor,
                organisation=home_organisation(token.user),
                data={"user": token.user.get_username(), "prefix": token.prefix, "reason": why},
            )
    return token


def revoke_user_tokens(user: Any, *, reason: str, actor: Any = None) -> int:
    """Revoke every active token of a user (the caller's audit row records the count)."""
    return (
        active_tokens()
        .filter(user=user)
        .update(
            revoked_at=timezone.now(),
            revoked_by=actor if getattr(actor, "pk", None) is not None else None,
            revoke_reason=reason[:40],
        )
    )


def revoke_all_tokens(*, reason: str, actor: Any = None) -> int:
    """Every active token of everybody (the credential-leak lock-down)."""
    return active_tokens().update(
        revoked_at=timezone.now(),
        revoked_by=actor if getattr(actor, "pk", None) is not None else None,
        revoke_reason=reason[:40],
    )


def tokens_visible_to(actor: Any) -> QuerySet[ApiToken]:
    """The actor's own tokens, and with accounts.security those of users with a role in its subtree."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ApiToken.objects.none()
    q = Q(user=actor)
    if has_permission(actor, "accounts.security"):
        scoped = get_user_model().objects.filter(
            org_filter(actor, "memberships__organisation", "accounts.security")
        )
        q |= Q(user__in=scoped)
    return ApiToken.objects.filter(q).select_related("user", "revoked_by")
