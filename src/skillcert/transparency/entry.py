"""The log entry (leaf content) of one published change (issue 19 item 1; X2, X7).

Canonical JSON, UTF-8, keys sorted, no whitespace (docs/formats/transparency-log.md §2)::

    {"certificate":"<number>","event":"issued","key_id":"<16 hex or empty>","record_sm3":"<64 hex>",
     "release":<int>,"v":1,"version":<int>}

No name and no ID number: the record hash commits to the signed record (certificate-data.md), which
itself carries only a salted commitment to the ID number. The exact bytes are what is hashed (leaf hash
``SHA-256(0x00 || entry)``); :func:`parse_entry` refuses anything that is not exactly canonical.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

ENTRY_VERSION = 1
EVENTS = ("issued", "reissued", "corrected", "revoked", "score_issued")
_NUMBER = re.compile(r"[\x21-\x7e]{1,32}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_ID = re.compile(r"(?:[0-9a-f]{16})?")
_KEYS = ("certificate", "event", "key_id", "record_sm3", "release", "v", "version")


class EntryError(ValueError):
    pass


@dataclass(frozen=True)
class Entry:
    certificate: str
    event: str
    version: int
    record_sm3: str
    key_id: str
    release: int

    def __post_init__(self) -> None:
        for name in ("certificate", "event", "record_sm3", "key_id"):
            if not isinstance(getattr(self, name), str):
                raise EntryError(f"{name} must be a string")
        if not _NUMBER.fullmatch(self.certificate):
            raise EntryError("certificate must be 1-32 printable ASCII characters")
        if self.event not in EVENTS:
            raise EntryError(f"event must be one of {', '.join(EVENTS)}")
        if type(self.version) is not int or self.version < 1:
            raise EntryError("version must be a positive integer")
        if not _HEX64.fullmatch(self.record_sm3):
            raise EntryError("record_sm3 must be 64 lower-case hex digits")
        if not _KEY_ID.fullmatch(self.key_id):
            raise EntryError("key_id must be 16 lower-case hex digits or empty")
        if type(self.release) is not int or self.release < 1:
            raise EntryError("release must be a positive integer")

    def as_dict(self) -> dict[str, Any]:
        return {
            "certificate": self.certificate,
            "event": self.event,
            "key_id": self.key_id,
            "record_sm3": self.record_sm3,
            "release": self.release,
            "v": ENTRY_VERSION,
            "version": self.version,
        }

    def encode(self) -> bytes:
        return json.dumps(self.as_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def parse_entry(data: bytes) -> Entry:
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise EntryError("an entry is UTF-8 JSON") from None
    if not isinstance(obj, dict) or tuple(sorted(obj)) != _KEYS or obj.get("v") != ENTRY_VERSION:
        raise EntryError("an entry has exactly the keys of version 1")
    entry = Entry(
        certificate=obj["certificate"],
        event=obj["event"],
        version=obj["version"],
        record_sm3=obj["record_sm3"],
        key_id=obj["key_id"],
        release=obj["release"],
    )
    if entry.encode() != data:
        raise EntryError("the entry is not in canonical form")
    return entry
