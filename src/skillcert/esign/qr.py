"""The compact signed QR payload of a certificate (issue 5 item 3; R2.3, R3.1, X7).

Specified in ``docs/formats/qr-payload.md``; this module is the reference implementation. The QR text is
``PREFIX || BASE32(payload)``: an upper-case verification URL prefix ending in ``/`` and the RFC 4648
base32 (no padding) of a binary payload, so the whole text is in the QR alphanumeric mode. The payload
carries the number, an 8-byte digest of the holder's name, the level, the occupation code, the issue
date, the key ID and a 64-byte SM2-with-SM3 signature over the domain prefix, the URL prefix and every
payload byte before the signature. Version 2 (printed inserts) adds the blank serial (流水码) of the
paper the code is printed on, so a genuine record printed on stolen or destroyed stock can be told
apart online; version 1 codes (e-certificates) are made and verified as before. Verification is
offline, with the public key alone, and answers valid / invalid (reason) / cannot_determine (reason).
Revocation is not in the payload: a verifier that must say whether the certificate is still valid
checks the signed revocation list as well.
"""

from __future__ import annotations

import base64
import datetime
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import segno

from skillcert.core.errors import SkillcertError
from skillcert.esign import sm2

FORMAT_VERSION = 1
FORMAT_VERSION_SERIAL = 2  # version 1 + the blank serial the code is printed on
SIGNING_PREFIX = b"SKILLCERT:QR:V1\x00"
SIGNING_PREFIX_V2 = b"SKILLCERT:QR:V2\x00"
MAX_SERIAL = 12
NAME_DIGEST_PREFIX = b"SKILLCERT:NAME:V1\x00"
NAME_DIGEST_LENGTH = 8
KEY_ID_LENGTH = 8  # bytes (16 hex characters)
SIGNATURE_LENGTH = 64
MAX_NUMBER = 32
MAX_OCCUPATION = 20
MAX_PREFIX = 64
MAX_QR_VERSION = 10
QR_ERROR = "M"
EPOCH = datetime.date(1970, 1, 1)
# Fixed bytes: version, 2 length bytes, name digest, level, date, key id, signature.
FIXED_BYTES = 1 + 1 + NAME_DIGEST_LENGTH + 1 + 1 + 2 + KEY_ID_LENGTH + SIGNATURE_LENGTH
MAX_PAYLOAD_BYTES = FIXED_BYTES + MAX_NUMBER + MAX_OCCUPATION
MAX_PAYLOAD_BYTES_V2 = MAX_PAYLOAD_BYTES + 1 + MAX_SERIAL

_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B32_CHARS = re.compile(r"[A-Z2-7]*")
_PREFIX = re.compile(r"[0-9A-Z$%*+\-./:]{1,64}")  # QR alphanumeric set less the space
_NUMBER = re.compile(r"[0-9A-Z]{1,32}")
_OCCUPATION = re.compile(r"[0-9A-Z\-]{1,20}")
_KEY_ID = re.compile(r"[0-9a-f]{16}")
_SERIAL = re.compile(r"[0-9A-Z]{1,12}")
_NAME_SPACE = re.compile("[\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_NAME_DOTS = str.maketrans({"\u2022": "\u00b7", "\u2027": "\u00b7", "\u30fb": "\u00b7", "\u2219": "\u00b7"})


class PayloadError(SkillcertError):
    """A QR text that is not a well-formed payload; ``code`` is the reason code (esign.qr.*)."""

    def __init__(self, reason: str, zh: str, en: str) -> None:
        super().__init__(f"esign.qr.{reason}", zh, en, [], 400)


@dataclass(frozen=True)
class Payload:
    prefix: str  # the URL prefix, e.g. "HTTPS://VERIFY.EXAMPLE/Q/"
    version: int
    number: str
    name_digest: bytes  # 8 bytes
    level: int  # 1..5
    occupation_code: str
    issued_on: datetime.date
    key_id: str  # 16 lower-case hex characters
    signature: bytes  # 64 bytes r||s
    signed: bytes  # the exact message the signature covers
    blank_serial: str | None = None  # version 2: the blank serial (流水码) the code is printed on


@dataclass(frozen=True)
class Verdict:
    state: Literal["valid", "invalid", "cannot_determine"]
    reason: str | None = None  # a reason code (esign.qr.*) unless valid
    payload: Payload | None = None
    name_checked: bool = False

    @classmethod
    def valid(cls, payload: Payload, name_checked: bool) -> Verdict:
        return cls("valid", None, payload, name_checked)

    @classmethod
    def invalid(cls, reason: str, payload: Payload | None = None) -> Verdict:
        return cls("invalid", reason, payload)

    @classmethod
    def cannot_determine(cls, reason: str, payload: Payload | None = None) -> Verdict:
        return cls("cannot_determine", reason, payload)


# --- name digest ------------------------------------------------------------------------------------


def normalise_name(name: str) -> str:
    """NFC; every White_Space character removed; the middle-dot variants • ‧ ・ ∙ mapped to · (U+00B7);
    ASCII a–z upper-cased. So "张 三" = "张三" and "John Smith" = "JOHNSMITH"."""
    text = _NAME_SPACE.sub("", unicodedata.normalize("NFC", name)).translate(_NAME_DOTS)
    return "".join(chr(ord(c) - 32) if "a" <= c <= "z" else c for c in text)


def name_digest(number: str, name: str) -> bytes:
    """First 8 bytes of SM3(NAME_DIGEST_PREFIX || number || 0x00 || UTF-8 normalise_name(name))."""
    data = NAME_DIGEST_PREFIX + number.encode("ascii") + b"\x00" + normalise_name(name).encode("utf-8")
    return sm2.sm3(data)[:NAME_DIGEST_LENGTH]


# --- base32 -----------------------------------------------------------------------------------------


def b32encode(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def b32decode(text: str) -> bytes:
    """Strict RFC 4648 base32 without padding: upper case only, unused trailing bits zero."""
    if not _B32_CHARS.fullmatch(text) or len(text) % 8 in (1, 3, 6):
        raise PayloadError("encoding", "不是有效的 Base32 文本", "not valid upper-case base32 text")
    data = base64.b32decode(text + "=" * (-len(text) % 8))
    if b32encode(data) != text:
        raise PayloadError("encoding", "Base32 末尾填充位非零", "base32 text has non-zero trailing bits")
    return data


# --- building ---------------------------------------------------------------------------------------


def _prefix(base_url: str) -> str:
    prefix = base_url.upper()
    if not prefix.endswith("/"):
        prefix += "/"
    if not _PREFIX.fullmatch(prefix):
        raise PayloadError(
            "prefix",
            "验证网址前缀须为至多 64 个 QR 字母数字字符",
            "the URL prefix must be at most 64 QR alphanumeric characters (0-9 A-Z $%*+-./:)",
        )
    return prefix


def _date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _body(
    prefix: str,
    number: str,
    digest: bytes,
    level: int,
    occupation: str,
    issued_on: datetime.date,
    key_id: str,
    blank_serial: str | None = None,
) -> tuple[bytes, bytes]:
    if not _NUMBER.fullmatch(number):
        raise PayloadError("number", "证书编号须为 1–32 位数字或大写字母", "number: 1-32 digits or capitals")
    if not _OCCUPATION.fullmatch(occupation):
        raise PayloadError("occupation", "职业编码格式错误", "occupation code: 1-20 of 0-9 A-Z -")
    if not 1 <= level <= 5:
        raise PayloadError("level", "等级须为 1–5", "level must be 1 to 5")
    days = (issued_on - EPOCH).days
    if not 0 <= days <= 0xFFFF:
        raise PayloadError("date", "发证日期超出范围", "issue date out of range (1970-01-01..2149-06-06)")
    if not _KEY_ID.fullmatch(key_id):
        raise PayloadError("key_id", "密钥标识须为 16 位小写十六进制", "key id must be 16 lower-case hex")
    serial = b""
    if blank_serial is not None:
        if not _SERIAL.fullmatch(blank_serial):
            raise PayloadError(
                "serial", "空白证书流水码须为 1–12 位数字或大写字母", "blank serial: 1-12 digits or capitals"
            )
        serial = bytes([len(blank_serial)]) + blank_serial.encode("ascii")
    body = (
        bytes([FORMAT_VERSION if blank_serial is None else FORMAT_VERSION_SERIAL, len(number)])
        + number.encode("ascii")
        + digest
        + bytes([level, len(occupation)])
        + occupation.encode("ascii")
        + days.to_bytes(2, "big")
        + serial
        + bytes.fromhex(key_id)
    )
    prefix_bytes = prefix.encode("ascii")
    domain = SIGNING_PREFIX if blank_serial is None else SIGNING_PREFIX_V2
    return body, domain + bytes([len(prefix_bytes)]) + prefix_bytes + body


def make_payload(
    cert_fields: Mapping[str, Any],
    key_id: str,
    private_key: bytes,
    base_url: str,
    *,
    blank_serial: str | None = None,
) -> str:
    """The QR text for a certificate. ``cert_fields`` has number, name, level (1–5), occupation_code
    and issued_on (a date or YYYY-MM-DD) — a canonical record or a certificate's frozen data will do.
    With ``blank_serial`` (a printed insert) the payload is version 2 and signs that serial too."""
    prefix = _prefix(base_url)
    number = str(cert_fields["number"])
    body, message = _body(
        prefix,
        number,
        name_digest(number, str(cert_fields["name"])),
        int(cert_fields["level"]),
        str(cert_fields["occupation_code"]),
        _date(cert_fields["issued_on"]),
        key_id,
        blank_serial,
    )
    return prefix + b32encode(body + sm2.sign(private_key, message))


# --- parsing and verifying --------------------------------------------------------------------------


def parse_payload(text: str) -> Payload:
    """The payload of a QR text; PayloadError (code esign.qr.*) when it is malformed."""
    cut = text.rfind("/")
    if cut < 0:
        raise PayloadError("prefix", "缺少验证网址前缀", "the text has no URL prefix ending in /")
    prefix, encoded = text[: cut + 1], text[cut + 1 :]
    if not _PREFIX.fullmatch(prefix):
        raise PayloadError("prefix", "验证网址前缀格式错误", "malformed URL prefix")
    data = b32decode(encoded)
    if not data:
        raise PayloadError("truncated", "载荷不完整", "the payload is truncated")
    if data[0] not in (FORMAT_VERSION, FORMAT_VERSION_SERIAL):
        raise PayloadError(
            "version_unsupported", "不支持的载荷版本", f"unsupported payload version {data[0]}"
        )
    pos = 1

    def take(n: int) -> bytes:
        nonlocal pos
        if pos + n > len(data):
            raise PayloadError("truncated", "载荷不完整", "the payload is truncated")
        chunk = data[pos : pos + n]
        pos += n
        return chunk

    try:
        number = take(take(1)[0]).decode("ascii")
        digest = take(NAME_DIGEST_LENGTH)
        level = take(1)[0]
        occupation = take(take(1)[0]).decode("ascii")
        days = int.from_bytes(take(2), "big")
        serial = take(take(1)[0]).decode("ascii") if data[0] == FORMAT_VERSION_SERIAL else None
    except UnicodeDecodeError:
        raise PayloadError("field", "载荷字段含非 ASCII 字节", "a payload text field is not ASCII") from None
    key_id = take(KEY_ID_LENGTH).hex()
    signature = take(SIGNATURE_LENGTH)
    if pos != len(data):
        raise PayloadError("trailing_bytes", "载荷末尾有多余字节", "the payload has trailing bytes")
    issued_on = EPOCH + datetime.timedelta(days=days)
    body, message = _body(prefix, number, digest, level, occupation, issued_on, key_id, serial)
    assert body == data[:-SIGNATURE_LENGTH]
    return Payload(
        prefix, data[0], number, digest, level, occupation, issued_on, key_id, signature, message, serial
    )


def verify_payload(text: str, public_keys: Mapping[str, bytes], *, holder_name: str | None = None) -> Verdict:
    """Offline check of a QR text against published public keys (key id → 65-byte public key).
    With ``holder_name`` the name digest is checked too (name_checked=True in a valid verdict)."""
    try:
        payload = parse_payload(text)
    except PayloadError as exc:
        if exc.code == "esign.qr.version_unsupported":
            return Verdict.cannot_determine(exc.code)
        return Verdict.invalid(exc.code)
    public_key = public_keys.get(payload.key_id)
    if public_key is None:
        return Verdict.cannot_determine("esign.qr.key_unknown", payload)
    if not sm2.verify(public_key, payload.signed, payload.signature):
        return Verdict.invalid("esign.qr.signature", payload)
    if holder_name is not None and name_digest(payload.number, holder_name) != payload.name_digest:
        return Verdict.invalid("esign.qr.name_mismatch", payload)
    return Verdict.valid(payload, holder_name is not None)


# --- rendering --------------------------------------------------------------------------------------


def make_qr(text: str) -> segno.QRCode:
    """The QR code of a payload text: level M, no error-correction boost, version ≤ 10."""
    qr = segno.make_qr(text, error=QR_ERROR.lower(), boost_error=False)
    assert qr.error == QR_ERROR, qr.error
    assert isinstance(qr.version, int) and qr.version <= MAX_QR_VERSION, qr.version
    return qr


def qr_svg(text: str, scale: float = 1) -> str:
    buf = io.BytesIO()
    make_qr(text).save(buf, kind="svg", scale=scale, xmldecl=False)
    return buf.getvalue().decode("utf-8")


def qr_png(text: str, scale: int = 4) -> bytes:
    buf = io.BytesIO()
    make_qr(text).save(buf, kind="png", scale=scale)
    return buf.getvalue()
