"""Password validators for AUTH_PASSWORD_VALIDATORS (R3.9), messages in Chinese and English.

- GuessabilityValidator: a real strength estimate (zxcvbn, score 0–4, at least `min_score`) of the
  password without its surrounding whitespace, fed the user's own words; and no mostly-blank password.
- CharacterClassValidator: at least `min_classes` of lower-case, upper-case, digits and symbols.
- UsernameNotContainedValidator: the password must not contain the username (case-insensitive).
- PasswordHistoryValidator: no reuse of the last `size` passwords; its `password_changed` hook (called
  by Django whenever a user with a new password is saved) records the new hash and the change time and
  revokes the user's API tokens.
"""

from __future__ import annotations

import re
import string
import threading
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
        # A new password ends the tokens obtained with the old one, whichever way it was set (our
        # page revokes first and audits the count; the Django admin and the shell land here).
        from skillcert.accounts.services.tokens import revoke_user_tokens

        revoke_user_tokens(user, reason="password_changed")

    def get_help_text(self) -> str:
        return f"不能重复使用最近{self.size}次用过的密码 / Not one of your last {self.size} passwords"


# --- guessability (zxcvbn) --------------------------------------------------------------------------

# Words everybody here would try first, whatever the user's organisations: the product and the
# provincial-level divisions in pinyin (organisation names are fed per user on top).
COMMON_WORDS = [
    "skillcert",
    "zhiye",
    "jineng",
    "jianding",
    "zhengshu",
    "china",
    "zhongguo",
    "beijing",
    "tianjin",
    "hebei",
    "shanxi",
    "neimenggu",
    "liaoning",
    "jilin",
    "heilongjiang",
    "shanghai",
    "jiangsu",
    "zhejiang",
    "anhui",
    "fujian",
    "jiangxi",
    "shandong",
    "henan",
    "hubei",
    "hunan",
    "guangdong",
    "guangxi",
    "hainan",
    "chongqing",
    "sichuan",
    "guizhou",
    "yunnan",
    "xizang",
    "shaanxi",
    "gansu",
    "qinghai",
    "ningxia",
    "xinjiang",
    "taiwan",
    "xianggang",
    "hongkong",
    "aomen",
    "macau",
]
_STOP_WORDS = {"and", "the", "for", "of", "no"}

# zxcvbn's feedback (English, from its gettext domain which ships no Chinese) in Chinese.
FEEDBACK_ZH = {
    "Use a few words, avoid common phrases.": "用几个词组成，避免常见短语。",
    "No need for symbols, digits, or uppercase letters.": "不必非用符号、数字或大写字母。",
    "Add another word or two. Uncommon words are better.": "再加一两个词，不常见的词更好。",
    "Straight rows of keys are easy to guess.": "键盘上连成一行的按键很容易被猜到。",
    "Short keyboard patterns are easy to guess.": "短的键盘图案很容易被猜到。",
    "Use a longer keyboard pattern with more turns.": "键盘图案要更长、转折更多。",
    'Repeats like "aaa" are easy to guess.': "“aaa”这样的重复很容易被猜到。",
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': (
        "“abcabcabc”这样的重复只比“abc”难猜一点点。"
    ),
    "Avoid repeated words and characters.": "避免重复的词和字符。",
    'Sequences like "abc" or "6543" are easy to guess.': "“abc”或“6543”这样的序列很容易被猜到。",
    "Avoid sequences.": "避免序列。",
    "Recent years are easy to guess.": "近年的年份很容易被猜到。",
    "Avoid recent years.": "避免使用近年的年份。",
    "Avoid years that are associated with you.": "避免与您相关的年份。",
    "Dates are often easy to guess.": "日期往往很容易被猜到。",
    "Avoid dates and years that are associated with you.": "避免与您相关的日期和年份。",
    "This is a top-10 common password.": "这是最常用的10个密码之一。",
    "This is a top-100 common password.": "这是最常用的100个密码之一。",
    "This is a very common password.": "这是非常常见的密码。",
    "This is similar to a commonly used password.": "这与常用密码相似。",
    "A word by itself is easy to guess.": "单个词很容易被猜到。",
    "Names and surnames by themselves are easy to guess.": "单独的名字或姓氏很容易被猜到。",
    "Common names and surnames are easy to guess.": "常见的名字和姓氏很容易被猜到。",
    "Capitalization doesn't help very much.": "首字母大写帮助不大。",
    "All-uppercase is almost as easy to guess as all-lowercase.": "全部大写几乎和全部小写一样容易猜。",
    "Reversed words aren't much harder to guess.": "倒写的词并不难猜多少。",
    "Predictable substitutions like '@' instead of 'a' don't help very much.": (
        "用“@”代替“a”这类可预料的替换帮助不大。"
    ),
}

# zxcvbn keeps the user inputs of the current call in a module-level dictionary: one call at a time.
_ZXCVBN_LOCK = threading.Lock()
ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; the first 72 characters decide


def _words(*texts: Any) -> set[str]:
    out: set[str] = set()
    for text in texts:
        value = str(text or "").strip().lower()
        if not value:
            continue
        out.add(value)
        out.update(w for w in re.split(r"[^0-9a-z\u4e00-\u9fff]+", value) if len(w) >= 3)
    return out - _STOP_WORDS


def organisations_for_password(user: Any) -> list[Any]:
    """The user's organisations and those above them (province, city). An account being created has
    no memberships yet: `orgs.services.create_user` names the organisation in
    `user._skillcert_password_orgs`."""
    from skillcert.orgs.models import Organisation

    orgs = list(getattr(user, "_skillcert_password_orgs", ()) or ())
    if user is not None and getattr(user, "pk", None) is not None:
        orgs += [m.organisation for m in user.memberships.select_related("organisation")]
    ids: set[int] = set()
    for org in orgs:
        ids.update(int(p) for p in str(org.path or "").strip("/").split("/") if p.isdigit())
        if org.pk is not None:
            ids.add(org.pk)
    if not ids:
        return orgs
    return list(Organisation.objects.filter(pk__in=ids).select_related("region"))


def user_inputs(user: Any) -> list[str]:
    """What an attacker who knows whose account it is would try: the user's names and e-mail, the
    names and codes of their organisations and the regions of those, and the COMMON_WORDS."""
    words = set(COMMON_WORDS)
    if user is not None:
        email = str(getattr(user, "email", "") or "")
        words |= _words(
            getattr(user, "username", ""),
            getattr(user, "first_name", ""),
            getattr(user, "last_name", ""),
            email,
            email.partition("@")[0],
        )
        for org in organisations_for_password(user):
            region = getattr(org, "region", None)
            words |= _words(org.code, org.name, org.name_en, region.name if region else "")
    return sorted(words)


def strength(password: str, inputs: list[str]) -> dict[str, Any]:
    import zxcvbn

    with _ZXCVBN_LOCK:
        return dict(zxcvbn.zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=inputs))


class GuessabilityValidator:
    """Refuses a password whose zxcvbn score (0–4) is below `min_score`, computed on the password
    without surrounding whitespace and with the user's own words as a dictionary; refuses a password
    that is at least half whitespace. Django's CommonPasswordValidator stays beside it."""

    def __init__(self, min_score: int = 3) -> None:
        self.min_score = min_score

    def validate(self, password: str, user: Any = None) -> None:
        text = password or ""
        blanks = sum(1 for c in text if c.isspace())
        if not text.strip() or blanks * 2 >= len(text):
            raise ValidationError(
                "密码不能主要由空格组成 / The password must not be mostly spaces",
                code="accounts.password.whitespace",
            )
        result = strength(text.strip(), user_inputs(user))
        score = int(result["score"])
        if score >= self.min_score:
            return
        feedback = result.get("feedback") or {}
        hints = [h for h in [feedback.get("warning") or "", *(feedback.get("suggestions") or [])] if h]
        zh = "".join(FEEDBACK_ZH.get(h, "") for h in hints)
        en = " ".join(hints)
        raise ValidationError(
            f"密码太容易被猜到（强度{score}/4，至少须{self.min_score}）。{zh} / "
            f"The password is too easy to guess (strength {score} of 4, at least {self.min_score} "
            f"needed). {en}".rstrip(),
            code="accounts.password.too_guessable",
        )

    def get_help_text(self) -> str:
        return (
            "密码须难以猜测：可用几个不相关的词组成，不要用单位名称、地名、用户名或年份 / "
            "Hard to guess: a few unrelated words work; not your organisation, place names, username "
            "or years"
        )
