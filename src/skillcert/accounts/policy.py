"""Who is subject to which account rule (R3.9), and the settings with their defaults."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from skillcert.orgs.choices import Role

# Forced periodic password change (R3.9: "credentials ... changed periodically").
PASSWORD_EXPIRY_ROLES = frozenset({Role.SYSADMIN, Role.NETWORK_ADMIN, Role.CERT_ADMIN})
# TOTP two-factor is required for these; anyone else may enrol voluntarily (and is then asked too).
TOTP_ROLES = frozenset({Role.NETWORK_ADMIN, Role.CENTRE_LEADER, Role.LEADER_IN_CHARGE, Role.DEPARTMENT_HEAD})


def setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_age_days() -> int:
    return setting("ACCOUNTS_PASSWORD_MAX_AGE_DAYS", 90)


def history_size() -> int:
    return setting("ACCOUNTS_PASSWORD_HISTORY", 5)


def lockout_failures() -> int:
    return setting("ACCOUNTS_LOCKOUT_FAILURES", int(getattr(settings, "SKILLCERT_LOGIN_MAX_FAILURES", 5)))


def lockout_address_failures() -> int:
    return setting("ACCOUNTS_LOCKOUT_ADDRESS_FAILURES", 10)


def lockout_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=setting("ACCOUNTS_LOCKOUT_WINDOW_MINUTES", 15))


def lockout_duration() -> datetime.timedelta:
    return datetime.timedelta(minutes=setting("ACCOUNTS_LOCKOUT_MINUTES", 30))


def roles_of(user: Any) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return set()
    cached = getattr(user, "_accounts_roles", None)
    if cached is None:
        cached = set(user.memberships.values_list("role", flat=True))
        user._accounts_roles = cached
    return set(cached)


def password_expires(user: Any) -> bool:
    return bool(roles_of(user) & PASSWORD_EXPIRY_ROLES)


def totp_required(user: Any) -> bool:
    return bool(roles_of(user) & TOTP_ROLES)


def security_of(user: Any) -> Any:
    from skillcert.accounts.models import AccountSecurity

    sec, _ = AccountSecurity.objects.get_or_create(user=user)
    return sec


def password_changed_at(user: Any) -> datetime.datetime:
    from skillcert.accounts.models import AccountSecurity

    sec = AccountSecurity.objects.filter(user=user).first()
    if sec is not None and sec.password_changed_at is not None:
        return sec.password_changed_at
    return user.date_joined


def password_expired(user: Any, now: datetime.datetime | None = None) -> bool:
    """True when the user must change the password before doing anything else: an administrator whose
    password is older than the maximum age, or anyone marked by an administrator or a lock-down."""
    from skillcert.accounts.models import AccountSecurity

    sec = AccountSecurity.objects.filter(user=user).first()
    if sec is not None and sec.must_change_password:
        return True
    if not password_expires(user):
        return False
    now = now or timezone.now()
    return now - password_changed_at(user) > datetime.timedelta(days=max_age_days())


def needs_totp(user: Any) -> bool:
    """TOTP is asked at log-in of users whose role requires it and of anyone who enrolled."""
    from skillcert.accounts.models import AccountSecurity

    if totp_required(user):
        return True
    sec = AccountSecurity.objects.filter(user=user).first()
    return bool(sec and sec.totp_enrolled)
