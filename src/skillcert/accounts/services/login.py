"""Log-in with lock-out (R3.9): failed attempts are counted per account and per client address in a
sliding window; reaching the limit locks the account (or the address) for a while or until an
administrator unlocks it. Unknown usernames are counted and locked exactly like real ones, so the
answers do not reveal which accounts exist. Passwords are never recorded."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from skillcert.accounts import policy
from skillcert.accounts.models import Lockout, LoginAttempt
from skillcert.accounts.services import home_organisation, safe_username
from skillcert.audit.services import log_action
from skillcert.core.errors import NotPermitted, SkillcertError
from skillcert.orgs.scoping import has_permission


class LoginFailed(SkillcertError):
    def __init__(self) -> None:
        super().__init__(
            "accounts.login.failed",
            "用户名或密码错误",
            "Wrong username or password",
            [],
            400,
        )


class TotpFailed(SkillcertError):
    def __init__(self) -> None:
        super().__init__(
            "accounts.totp.wrong",
            "动态验证码错误或已使用",
            "The one-time code is wrong or already used",
            [],
            400,
        )


class AccountLocked(SkillcertError):
    def __init__(self, until: datetime.datetime, kind: str) -> None:
        local = timezone.localtime(until).strftime("%Y-%m-%d %H:%M")
        if kind == Lockout.Kind.ADDRESS:
            zh = f"本机登录失败次数过多，已暂停登录至{local}；如需提前解除请联系系统管理员"
            en = (
                f"Too many failed log-ins from this address: log-in is paused until {local}, "
                "or ask an administrator"
            )
        else:
            zh = f"该账户登录失败次数过多，已锁定至{local}；如需提前解锁请联系系统管理员"
            en = (
                f"Too many failed log-ins: the account is locked until {local}, "
                "or ask an administrator to unlock it"
            )
        super().__init__("accounts.login.locked", zh, en, [], 429)
        self.until = until


def _key(username: str) -> str:
    return safe_username(username).lower()


def active_lockout(username: str, address: str) -> Lockout | None:
    now = timezone.now()
    q = Lockout.objects.filter(released_at__isnull=True, locked_until__gt=now)
    found = q.filter(kind=Lockout.Kind.ACCOUNT, key=_key(username)).first()
    if found is None and address:
        found = q.filter(kind=Lockout.Kind.ADDRESS, key=address[:150]).first()
    return found


def check_not_locked(username: str, address: str) -> None:
    lock = active_lockout(username, address)
    if lock is not None:
        raise AccountLocked(lock.locked_until, lock.kind)


def _since(kind: str, key: str, field: str) -> datetime.datetime:
    """Failures count from the window start, the last success and the last lock-out (or its release)."""
    now = timezone.now()
    since = now - policy.lockout_window()
    last_lock = Lockout.objects.filter(kind=kind, key=key).aggregate(a=Max("locked_at"), r=Max("released_at"))
    for moment in (last_lock["a"], last_lock["r"]):
        if moment and moment > since:
            since = moment
    last_ok = LoginAttempt.objects.filter(**{field: key}, success=True).aggregate(m=Max("at"))["m"]
    if last_ok and last_ok > since:
        since = last_ok
    return since


def _user_for(username: str) -> Any:
    return get_user_model().objects.filter(username=str(username or "").strip()[:150]).first()


def record_failure(username: str, address: str, *, stage: str = "password") -> None:
    """Record a failed attempt and lock the account and/or the address when the limit is reached."""
    key = _key(username)
    user = _user_for(username)
    with transaction.atomic():
        LoginAttempt.objects.create(username=key, client_address=address[:64], success=False, stage=stage)
        if user is not None:
            log_action(
                "accounts.login_failed",
                user,
                actor=None,
                organisation=home_organisation(user),
                data={"username": key, "address": address[:64], "stage": stage},
            )
        now = timezone.now()
        checks = [(Lockout.Kind.ACCOUNT, key, "username", policy.lockout_failures())]
        if address:
            checks.append(
                (Lockout.Kind.ADDRESS, address[:64], "client_address", policy.lockout_address_failures())
            )
        for kind, k, field, limit in checks:
            if Lockout.objects.filter(
                kind=kind, key=k, released_at__isnull=True, locked_until__gt=now
            ).exists():
                continue
            failures = LoginAttempt.objects.filter(
                **{field: k}, success=False, at__gte=_since(kind, k, field)
            ).count()
            if failures >= limit:
                lock = Lockout.objects.create(
                    kind=kind,
                    key=k,
                    user=user if kind == Lockout.Kind.ACCOUNT else None,
                    locked_until=now + policy.lockout_duration(),
                    failures=failures,
                )
                log_action(
                    "accounts.locked",
                    lock,
                    actor=None,
                    organisation=home_organisation(user) if kind == Lockout.Kind.ACCOUNT else None,
                    data={"kind": kind, "key": k, "failures": failures, "until": lock.locked_until},
                )


def record_success(user: Any, address: str, *, stage: str = "password") -> None:
    with transaction.atomic():
        LoginAttempt.objects.create(
            username=_key(user.get_username()), client_address=address[:64], success=True, stage=stage
        )
        log_action(
            "accounts.login",
            user,
            actor=user,
            organisation=home_organisation(user),
            data={"address": address[:64], "stage": stage},
        )


def check_password_step(request: Any, username: str, password: str, address: str) -> Any:
    """The first step: refuses while locked; otherwise the user, or LoginFailed (and a recorded failure).
    A correct password does not count as a success yet when a TOTP step follows."""
    check_not_locked(username, address)
    user = authenticate(request, username=str(username or "").strip(), password=password or "")
    if user is None:
        record_failure(username, address)
        check_not_locked(username, address)  # this failure may have locked it: say so at once
        raise LoginFailed()
    return user


def check_totp_step(user: Any, code: str, address: str) -> None:
    from skillcert.accounts.services.totp import verify_code

    check_not_locked(user.get_username(), address)
    if not verify_code(user, code):
        record_failure(user.get_username(), address, stage="totp")
        check_not_locked(user.get_username(), address)
        raise TotpFailed()


# --- administrator unlock --------------------------------------------------------------------------


def lockouts_visible_to(user: Any) -> Any:
    """Active lock-outs an administrator may see: accounts with a role in their subtree, and client
    addresses (which name no person) for anyone holding accounts.security."""
    from django.db.models import Q

    from skillcert.orgs.scoping import org_filter

    if not has_permission(user, "accounts.security"):
        return Lockout.objects.none()
    now = timezone.now()
    scoped_users = get_user_model().objects.filter(
        org_filter(user, "memberships__organisation", "accounts.security")
    )
    return (
        Lockout.objects.filter(released_at__isnull=True, locked_until__gt=now)
        .filter(
            Q(kind=Lockout.Kind.ADDRESS) | Q(user__in=scoped_users) | Q(kind=Lockout.Kind.ACCOUNT, user=None)
        )
        .select_related("user")
    )


def unlock(lockout: Lockout, *, actor: Any) -> Lockout:
    """Release a lock-out early (accounts.security over the account's organisation)."""
    with transaction.atomic():
        lock = Lockout.objects.select_for_update().get(pk=lockout.pk)
        if not lockouts_visible_to(actor).filter(pk=lock.pk).exists():
            raise NotPermitted()
        lock.released_at = timezone.now()
        lock.released_by = actor
        lock.save(update_fields=["released_at", "released_by"])
        log_action(
            "accounts.unlocked",
            lock,
            actor=actor,
            organisation=home_organisation(lock.user) if lock.user else home_organisation(actor),
            data={"kind": lock.kind, "key": lock.key},
        )
    return lock
