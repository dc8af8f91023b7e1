"""Error constructors of the blank ledger (stable codes, Chinese + English)."""

from __future__ import annotations

from skillcert.core.errors import Conflict, SkillcertError, field_error


def stock_exhausted(holder: object, level: str) -> SkillcertError:
    return Conflict(
        "blanks.stock.exhausted",
        f"{holder}没有{level}级空白证书库存",
        f"{holder} has no blank certificates of level {level} in stock",
    )


def wrong_state(serial: str, state: str, action: str) -> SkillcertError:
    return Conflict(
        f"blanks.serial.{action}_not_allowed",
        f"流水码{serial}当前状态为{state}，不能执行{action}",
        f"Serial {serial} is {state}; {action} is not allowed",
    )


def invalid(record: str | None, field: str, code: str, zh: str, en: str) -> SkillcertError:
    return field_error(record, field, f"blanks.{code}", zh, en)
