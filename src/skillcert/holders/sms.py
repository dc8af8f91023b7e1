"""Sending SMS codes behind an interface (issue 5 item 6). The sender is chosen by the dotted path in
``settings.SKILLCERT_SMS_SENDER``; the default only writes to the log, with the phone masked (X7)."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("skillcert.holders.sms")

DEFAULT_SENDER = "skillcert.holders.sms.LoggingSmsSender"


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


def mask_phone(phone: str) -> str:
    """138****5678: the first 3 and the last 4 digits (X7)."""
    digits = (phone or "").strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


class LoggingSmsSender:
    """The default: records that a message was sent, never the full phone number (X7). The text (the
    code) is not logged either."""

    def send(self, phone: str, text: str) -> None:
        log.info("sms to %s (%d characters)", mask_phone(phone), len(text))


class MemorySmsSender:
    """Test double: collects (phone, text) pairs in the class-level ``outbox``."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        type(self).outbox.append((phone, text))
        log.info("sms to %s (memory)", mask_phone(phone))


@lru_cache(maxsize=8)
def _load(path: str) -> type:
    return import_string(path)


def get_sender() -> SmsSender:
    path = str(getattr(settings, "SKILLCERT_SMS_SENDER", DEFAULT_SENDER) or DEFAULT_SENDER)
    sender: SmsSender = _load(path)()
    return sender
