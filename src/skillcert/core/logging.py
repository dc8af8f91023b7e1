"""A logging filter that masks anything shaped like a resident ID number (X7)."""

from __future__ import annotations

import logging
import re

_ID_LIKE = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
_ID15_LIKE = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{6}([0-9]{3})(?![0-9])")


def mask_id_numbers(text: str) -> str:
    text = _ID_LIKE.sub(lambda m: m.group(1)[:3] + "*" * 11 + m.group(2)[-4:], text)
    return _ID15_LIKE.sub(lambda m: m.group(1)[:3] + "*" * 9 + m.group(2), text)


class MaskIdNumbersFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_id_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
