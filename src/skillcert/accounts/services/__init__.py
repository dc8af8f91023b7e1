"""Account hygiene use cases (R3.9): log-in with lock-out and TOTP, password changes, the lock-down."""

from __future__ import annotations

from typing import Any


def home_organisation(user: Any) -> Any:
    """The organisation an account's audit rows are filed under (so its auditors can see them)."""
    if user is None or getattr(user, "pk", None) is None:
        return None
    membership = user.memberships.select_related("organisation").order_by("organisation__path").first()
    return membership.organisation if membership else None


def safe_username(text: Any) -> str:
    """The username as typed, for records and audit: truncated, and masked if it looks like an ID
    number (people sometimes type theirs into the user field; X7)."""
    import re

    from skillcert.people.protect import mask

    value = str(text or "").strip()[:150]
    if re.fullmatch(r"\d{15}|\d{17}[\dXx]", value):
        return mask(value)
    return value
