"""Helpers shared by the blank services: serial format, runs of numbers, permission checks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from skillcert.core.errors import NotPermitted
from skillcert.orgs.scoping import has_permission

SERIAL_RE = re.compile(r"^([A-Z]{1,4})(\d{8})$")
NUMBER_WIDTH = 8
MAX_NUMBER = 99_999_999


def format_serial(series: str, number: int) -> str:
    return f"{series}{number:0{NUMBER_WIDTH}d}"


def parse_serial(serial: str) -> tuple[str, int]:
    """`JS00012345` → ("JS", 12345); raises ValueError for anything else."""
    m = SERIAL_RE.match(serial.strip().upper())
    if not m:
        raise ValueError(serial)
    return m.group(1), int(m.group(2))


def runs(pairs: Iterable[tuple[str, int]]) -> list[tuple[str, int, int]]:
    """Consecutive (series, number) pairs folded into (series, first, last) runs."""
    out: list[tuple[str, int, int]] = []
    for series, number in sorted(pairs):
        if out and out[-1][0] == series and out[-1][2] == number - 1:
            out[-1] = (series, out[-1][1], number)
        else:
            out.append((series, number, number))
    return out


def require(actor: Any, permission: str, org: Any) -> None:
    """A user acts only with the permission at `org` or above; `None` is the system actor."""
    if actor is not None and not has_permission(actor, permission, org):
        raise NotPermitted(
            "blanks.not_permitted",
            f"无权在{org}执行此操作（需要 {permission}）",
            f"Not permitted at {org} (needs {permission})",
        )


def user_or_none(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
