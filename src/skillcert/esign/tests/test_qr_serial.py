"""QR payload version 2: the blank serial (流水码) of the printed insert is signed into the code
(R0.2, R1.6; docs/formats/qr-payload.md §2a). Version 1 codes keep verifying unchanged."""

from __future__ import annotations

import base64
import datetime
from typing import Any

import pytest

from skillcert.esign import qr, sm2

BASE = "https://verify.skillcert.example/q/"
FIELDS: dict[str, Any] = {
    "number": "2610012003400001",
    "name": "王小明",
    "level": 4,
    "occupation_code": "6-18-01-01",
    "issued_on": "2026-11-25",
}
KEYS = sm2.generate_keypair()
KID = sm2.key_id(KEYS.public_key)
PUBLIC = {KID: KEYS.public_key}


def test_v2_round_trip_and_layout() -> None:
    """An independent re-implementation of the version 2 layout and signed message in the document."""
    text = qr.make_payload(FIELDS, KID, KEYS.private_key, BASE, blank_serial="JS00012345")
    p = qr.parse_payload(text)
    assert p.version == 2 and p.blank_serial == "JS00012345" and p.number == FIELDS["number"]
    verdict = qr.verify_payload(text, PUBLIC, holder_name="王小明")
    assert verdict.state == "valid" and verdict.payload == p

    prefix, encoded = text.rsplit("/", 1)
    prefix += "/"
    data = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
    number = FIELDS["number"].encode()
    digest = sm2.sm3(b"SKILLCERT:NAME:V1\x00" + number + b"\x00" + "王小明".encode())[:8]
    days = (datetime.date(2026, 11, 25) - datetime.date(1970, 1, 1)).days
    body = bytes([2, len(number)]) + number + digest + bytes([4, 10]) + b"6-18-01-01"
    body += days.to_bytes(2, "big") + bytes([10]) + b"JS00012345" + bytes.fromhex(KID)
    assert data[:-64] == body and len(data) == 86 + 16 + 10 + 1 + 10
    message = b"SKILLCERT:QR:V2\x00" + bytes([len(prefix)]) + prefix.encode() + body
    assert p.signed == message
    assert sm2.verify(KEYS.public_key, message, data[-64:])


def test_v1_unchanged_without_serial() -> None:
    text = qr.make_payload(FIELDS, KID, KEYS.private_key, BASE)
    p = qr.parse_payload(text)
    assert p.version == 1 and p.blank_serial is None
    assert p.signed.startswith(b"SKILLCERT:QR:V1\x00")
    assert qr.verify_payload(text, PUBLIC).state == "valid"


def test_serial_is_signed() -> None:
    """Swapping the serial (printing a genuine record on other stock) breaks the signature."""
    text = qr.make_payload(FIELDS, KID, KEYS.private_key, BASE, blank_serial="JS00012345")
    prefix, encoded = text.rsplit("/", 1)
    data = bytearray(qr.b32decode(encoded))
    at = data.index(b"JS00012345")
    data[at + 9] = ord("6")
    forged = f"{prefix}/{qr.b32encode(bytes(data))}"
    assert qr.parse_payload(forged).blank_serial == "JS00012346"
    verdict = qr.verify_payload(forged, PUBLIC)
    assert verdict.state == "invalid" and verdict.reason == "esign.qr.signature"
    # a version 1 code re-labelled as version 2 does not parse into a valid one either
    v1 = qr.make_payload(FIELDS, KID, KEYS.private_key, BASE)
    prefix, encoded = v1.rsplit("/", 1)
    relabelled = bytearray(qr.b32decode(encoded))
    relabelled[0] = 2
    assert qr.verify_payload(f"{prefix}/{qr.b32encode(bytes(relabelled))}", PUBLIC).state == "invalid"


@pytest.mark.parametrize("serial", ["", "js00012345", "JS-0001", "A" * 13])
def test_bad_serials_refused(serial: str) -> None:
    with pytest.raises(qr.PayloadError) as info:
        qr.make_payload(FIELDS, KID, KEYS.private_key, BASE, blank_serial=serial)
    assert info.value.code == "esign.qr.serial"


def test_worst_case_v2_fits_version_10_m() -> None:
    """Number 32, occupation code 20, serial 12, prefix 64: 151 bytes → 242 base32 characters; 306 ≤ 311."""
    worst = dict(FIELDS, number="Z" * qr.MAX_NUMBER, occupation_code="9" * qr.MAX_OCCUPATION)
    prefix = "HTTPS://" + "V" * (qr.MAX_PREFIX - 9) + "/"
    text = qr.make_payload(worst, KID, KEYS.private_key, prefix, blank_serial="ABCD12345678")
    assert len(qr.b32decode(text.rsplit("/", 1)[1])) == qr.MAX_PAYLOAD_BYTES_V2 == 151
    assert len(text) == 64 + 242
    code = qr.make_qr(text)
    assert code.mode == "alphanumeric" and code.version == 10 and code.error == "M"
