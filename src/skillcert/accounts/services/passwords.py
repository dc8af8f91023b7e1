"""Password changes (R3.9): the policy of AUTH_PASSWORD_VALIDATORS (length, common passwords, character
classes, not the username, not one of the last five), the forced periodic change of administrators,
and an administrator's "must change at next log-in". A change revokes the user's API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction

from skillcert.accounts.models import AccountSecurity
from skillcert.accounts.services import home_organisation
from skillcert.audit.services import log_action
from skillcert.core.errors import FieldError, NotPermitted, ValidationFailed
from skillcert.orgs.scoping import has_permission


def _bilingual(message: str) -> tuple[str, str]:
    if " / " in message:
        zh, _, en = message.partition(" / ")
        return zh, en
    return message, message


def policy_errors(password: str, user: Any, field: str = "new_password") -> list[FieldError]:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        out = []
        for err in exc.error_list:
            message = err.message % err.params if err.params else str(err.message)
            zh, en = _bilingual(str(message))
            code = (
                err.code if err.code and err.code.startswith("accounts.") else f"accounts.password.{err.code}"
            )
            out.append(FieldError(field, code, zh, en))
        return out
    return []


def change_password(user: Any, *, old_password: str, new_password: str, new_password2: str) -> None:
    errors: list[FieldError] = []
    if not user.check_password(old_password or ""):
        errors.append(
            FieldError(
                "old_password",
                "accounts.password.old_wrong",
                "当前密码不正确",
                "The current password is wrong",
            )
        )
    if (new_password or "") != (new_password2 or ""):
        errors.append(
            FieldError(
                "new_password2",
                "accounts.password.mismatch",
                "两次输入的新密码不一致",
                "The new passwords differ",
            )
        )
    if not errors:
        errors = policy_errors(new_password or "", user)
    if errors:
        raise ValidationFailed.of(errors, record=user.get_username())
    from skillcert.accounts.services.tokens import revoke_user_tokens

    with transaction.atomic():
        rotated = revoke_user_tokens(user, reason="password_changed", actor=user)
        user.set_password(new_password)
        user.save(update_fields=["password"])  # the history validator records hash and time
        log_action(
            "accounts.password_changed",
            user,
            actor=user,
            organisation=home_organisation(user),
            data={"tokens_rotated": rotated},
        )


def require_change(user: Any, *, actor: Any) -> None:
    """An administrator makes the user choose a new password at the next request."""
    org = home_organisation(user)
    if org is None or not has_permission(actor, "accounts.security", org):
        raise NotPermitted()
    with transaction.atomic():
        AccountSecurity.objects.update_or_create(user=user, defaults={"must_change_password": True})
        log_action("accounts.password_change_required", user, actor=actor, organisation=org)
