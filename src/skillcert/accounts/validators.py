"""Password validators for AUTH_PASSWORD_VALIDATORS (R3.9), messages in Chinese and English.

- CharacterClassValidator: at least `min_classes` of lower-case, upper-case, digits and symbols.
- UsernameNotContainedValidator: the password must not contain the username (case-insensitive).
- PasswordHistoryValidator: no reuse of the last `size` passwords; its `password_changed` hook (called
  by Django whenever a user with a new password is saved) records the new hash and the change time.
"""

from __future__ import annotations

import string
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation or c == " " or not c.isalnum() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(
                "密码须至少包含小写字母、大写字母、数字、符号中的%(n)d类 / "
                "The password must mix at least %(n)d of: lower-case letters, upper-case letters, "
                "digits, symbols",
                code="accounts.password.character_classes",
                params={"n": self.min_classes},
            )

    def get_help_text(self) -> str:
        return (
            f"密码须至少包含小写字母、大写字母、数字、符号中的{self.min_classes}类 / "
            f"At least {self.min_classes} of: lower-case, upper-case, digits, symbols"
        )


class UsernameNotContainedValidator:
    def validate(self, password: str, user: Any = None) -> None:
        username = str(getattr(user, "username", "") or "").strip().lower()
        if len(username) >= 3 and username in password.lower():
            raise ValidationError(
                "密码不能包含用户名 / The password must not contain the username",
                code="accounts.password.contains_username",
            )

    def get_help_text(self) -> str:
        return "密码不能包含用户名 / The password must not contain the username"


class PasswordHistoryValidator:
    def __init__(self, size: int | None = None) -> None:
        self._size = size

    @property
    def size(self) -> int:
        from skillcert.accounts.policy import history_size

        return self._size if self._size is not None else history_size()

    def _recent(self, user: Any) -> list[str]:
        from skillcert.accounts.models import PasswordHistory

        hashes = list(
            PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[: self.size]
        )
        current = getattr(user, "password", "")
        if current and current not in hashes:
            hashes = [current, *hashes][: self.size]
        return hashes

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None:
            return
        from django.contrib.auth import get_user_model

        stored = get_user_model().objects.filter(pk=user.pk).first()
        if stored is None:
            return
        for encoded in self._recent(stored):
            if encoded and check_password(password, encoded):
                raise ValidationError(
                    "不能重复使用最近%(n)d次用过的密码 / The password must differ from the last %(n)d",
                    code="accounts.password.reused",
                    params={"n": self.size},
                )

    def password_changed(self, password: str, user: Any = None) -> None:
        from skillcert.accounts.models import AccountSecurity, PasswordHistory

        if user is None or getattr(user, "pk", None) is None or not user.password:
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        keep = list(
            PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[: max(self.size, 1)]
        )
        PasswordHistory.objects.filter(user=user).exclude(pk__in=keep).delete()
        AccountSecurity.objects.update_or_create(
            user=user, defaults={"password_changed_at": timezone.now(), "must_change_password": False}
        )

    def get_help_text(self) -> str:
        return f"不能重复使用最近{self.size}次用过的密码 / Not one of your last {self.size} passwords"
