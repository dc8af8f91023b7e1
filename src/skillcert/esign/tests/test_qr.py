"""The compact signed QR payload (issue 5 item 3; R2.3 anti-forgery QR, R3.1 public query, X7 privacy:
the QR carries a digest of the name, never the ID number; docs/formats/qr-payload.md)."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skillcert.esign import qr, sm2

BASE = "https://verify.skillcert.example/q/"
FIELDS: dict[str, Any] = {
    "number": "Y00003100000123300001Z",  # 22 characters (skill22)
    "name": "吉𠮷祥",
    "level": 5,
    "occupation_code": "6-18-01-01",
    "issued_on": "2025-06-30",
}
KEYS = sm2.generate_keypair()
KID = sm2.key_id(KEYS.public_key)
PUBLIC = {KID: KEYS.public_key}
TEXT = qr.make_payload(FIELDS, KID, KEYS.private_key, BASE)
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def test_round_trip() -> None:
    assert TEXT.startswith("HTTPS://VERIFY.SKILLCERT.EXAMPLE/Q/")
    assert all(c in ALNUM for c in TEXT)  # the whole text is in the QR alphanumeric mode
    p = qr.parse_payload(TEXT)
    assert (p.number, p.level, p.occupation_code, p.issued_on, p.key_id) == (
        FIELDS["number"],
        5,
        "6-18-01-01",
        datetime.date(2025, 6, 30),
        KID,
    )
    assert p.name_digest == qr.name_digest(FIELDS["number"], "吉𠮷祥")
    verdict = qr.verify_payload(TEXT, PUBLIC, holder_name="吉𠮷祥")
    assert verdict.state == "valid" and verdict.name_checked and verdict.payload == p
    unchecked = qr.verify_payload(TEXT, PUBLIC, holder_name=None)
    assert unchecked.state == "valid" and not unchecked.name_checked


def test_layout_matches_the_document() -> None:
    """An independent re-implementation of the layout in docs/formats/qr-payload.md."""
    prefix, encoded = TEXT.rsplit("/", 1)
    prefix += "/"
    import base64

    data = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
    number = FIELDS["number"].encode()
    digest = sm2.sm3(b"SKILLCERT:NAME:V1\x00" + number + b"\x00" + "吉𠮷祥".encode())[:8]
    days = (datetime.date(2025, 6, 30) - datetime.date(1970, 1, 1)).days
    body = bytes([1, 22]) + number + digest + bytes([5, 10]) + b"6-18-01-01" + days.to_bytes(2, "big")
    body += bytes.fromhex(KID)
    assert data[:-64] == body and len(data) == len(body) + 64
    message = b"SKILLCERT:QR:V1\x00" + bytes([len(prefix)]) + prefix.encode() + body
    assert sm2.verify(KEYS.public_key, message, data[-64:])


def test_name_normalisation() -> None:
    assert qr.verify_payload(TEXT, PUBLIC, holder_name=" 吉 𠮷祥\u3000").state == "valid"
    fields = dict(FIELDS, name="Jose\u0301 Smith")
    text = qr.make_payload(fields, KID, KEYS.private_key, BASE)
    assert qr.verify_payload(text, PUBLIC, holder_name="josé smith").state == "valid"
    # only ASCII letters are case-folded: É (U+00C9) stays distinct from é
    assert qr.verify_payload(text, PUBLIC, holder_name="JOSÉ SMITH").state == "invalid"
    fields = dict(FIELDS, name="阿卜杜拉·买买提")
    text = qr.make_payload(fields, KID, KEYS.private_key, BASE)
    assert qr.verify_payload(text, PUBLIC, holder_name="阿卜杜拉・买买提").state == "valid"


def test_wrong_name_fails() -> None:
    verdict = qr.verify_payload(TEXT, PUBLIC, holder_name="吉祥")
    assert verdict.state == "invalid" and verdict.reason == "esign.qr.name_mismatch"


def test_unknown_key_cannot_determine() -> None:
    other = sm2.generate_keypair()
    verdict = qr.verify_payload(TEXT, {sm2.key_id(other.public_key): other.public_key})
    assert verdict.state == "cannot_determine" and verdict.reason == "esign.qr.key_unknown"


def test_wrong_key_under_the_same_id_is_invalid() -> None:
    other = sm2.generate_keypair()
    verdict = qr.verify_payload(TEXT, {KID: other.public_key})
    assert verdict.state == "invalid" and verdict.reason == "esign.qr.signature"


def test_every_single_character_change_fails() -> None:
    """Every position of the text (URL prefix included: it is signed), each replaced by a character
    the QR alphanumeric mode could carry: never valid."""
    for pos, old in enumerate(TEXT):
        for new in ("A", "7", "Q", "/") if old not in "A7Q/" else ("B", "2", "Z", "."):
            changed = TEXT[:pos] + new + TEXT[pos + 1 :]
            verdict = qr.verify_payload(changed, PUBLIC, holder_name=None)
            assert verdict.state != "valid", (pos, new)


def test_every_single_byte_change_of_the_binary_payload_fails() -> None:
    prefix, encoded = TEXT.rsplit("/", 1)
    data = qr.b32decode(encoded)
    for pos in range(len(data)):
        for flip in (0x01, 0x80):
            changed = bytearray(data)
            changed[pos] ^= flip
            verdict = qr.verify_payload(f"{prefix}/{qr.b32encode(bytes(changed))}", PUBLIC)
            assert verdict.state != "valid", (pos, flip)


@settings(max_examples=300, deadline=None)
@given(pos=st.integers(min_value=0), char=st.sampled_from(ALNUM + "abcz=~"))
def test_any_substitution_fails(pos: int, char: str) -> None:
    pos %= len(TEXT)
    changed = TEXT[:pos] + char + TEXT[pos + 1 :]
    if changed != TEXT:
        assert qr.verify_payload(changed, PUBLIC).state != "valid"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("no-slash", "esign.qr.prefix"),
        ("https://x/" + TEXT.rsplit("/", 1)[1], "esign.qr.prefix"),
        (TEXT.rsplit("/", 1)[0] + "/", "esign.qr.truncated"),
        (
            TEXT.rsplit("/", 1)[0] + "/" + qr.b32encode(qr.b32decode(TEXT.rsplit("/", 1)[1])[:-5]),
            "esign.qr.truncated",
        ),
        (TEXT + "AA", "esign.qr.trailing_bytes"),
        (TEXT[:-1] + "1", "esign.qr.encoding"),
        (TEXT.lower(), "esign.qr.prefix"),
        ("HTTPS://V/Q/" + TEXT.rsplit("/", 1)[1].lower(), "esign.qr.encoding"),
    ],
)
def test_malformed_texts(text: str, reason: str) -> None:
    with pytest.raises(qr.PayloadError) as info:
        qr.parse_payload(text)
    assert info.value.code == reason
    verdict = qr.verify_payload(text, PUBLIC)
    assert verdict.state == "invalid" and verdict.reason == reason


def test_unknown_format_version_cannot_determine() -> None:
    prefix, encoded = TEXT.rsplit("/", 1)
    data = bytearray(qr.b32decode(encoded))
    data[0] = 3  # 1 and 2 are defined (2: with the blank serial)
    verdict = qr.verify_payload(f"{prefix}/{qr.b32encode(bytes(data))}", PUBLIC)
    assert verdict.state == "cannot_determine" and verdict.reason == "esign.qr.version_unsupported"


def test_worst_case_fits_version_10_m() -> None:
    """Largest number (32), occupation code (20) and URL prefix (64): 138 payload bytes → 221 base32
    characters; 285 alphanumeric characters ≤ 311, the capacity of version 10-M."""
    worst = dict(FIELDS, number="Z" * qr.MAX_NUMBER, occupation_code="9" * qr.MAX_OCCUPATION)
    prefix = "HTTPS://" + "V" * (qr.MAX_PREFIX - 9) + "/"
    text = qr.make_payload(worst, KID, KEYS.private_key, prefix)
    assert len(qr.b32decode(text.rsplit("/", 1)[1])) == qr.MAX_PAYLOAD_BYTES == 138
    assert len(text) == 64 + 221 == 285
    code = qr.make_qr(text)
    assert code.mode == "alphanumeric" and code.error == "M" and code.version == 10
    assert isinstance(code.version, int)
    # the worst case (22-character number, 10-character code, this URL) needs only version 9
    assert qr.make_qr(TEXT).version == 9
    with pytest.raises(qr.PayloadError):
        qr.make_payload(worst, KID, KEYS.private_key, prefix + "X/")


def test_png_decodes_with_zxing_to_the_exact_text() -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    png = qr.qr_png(TEXT, scale=4)
    assert png.startswith(b"\x89PNG")
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    assert [r.text for r in results] == [TEXT]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    svg = qr.qr_svg(TEXT)
    assert svg.startswith("<svg") and "</svg>" in svg
    verdict = qr.verify_payload(results[0].text, PUBLIC, holder_name="吉𠮷祥")
    assert verdict.state == "valid"
