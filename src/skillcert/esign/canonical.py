"""The canonical, signed record of a certificate (issue 5 item 2; R2.1, R2.3, X7).

Specified in ``docs/formats/certificate-data.md``; this module is the reference implementation. The
record is a flat JSON object of the fields in ``FIELDS``; its canonical bytes are JSON with the keys
sorted, no insignificant whitespace, UTF-8 without escaping of non-ASCII (a subset of RFC 8785 JCS:
every value is a string, ``true`` or the integer 1). The signature is SM2-with-SM3 (ID
``1234567812345678``) over ``SIGNING_PREFIX || canonical bytes``.

The full ID number is never in the record (X7): it is replaced by ``id_commitment``, the hex SM3 of a
per-certificate random salt and ``document_type:number``; the public sees only the commitment and the
masked number, the holder (who is given the salt) can prove the number.
"""

from __future__ import annotations

import datetime
import json
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from skillcert.core.errors import field_error
from skillcert.esign import sm2

RECORD_VERSION = 1
SIGNING_PREFIX = b"SKILLCERT:CERTIFICATE-DATA:V1\x00"
ID_COMMITMENT_PREFIX = b"SKILLCERT:ID:V1\x00"
ID_SALT_LENGTH = 16

# Unicode White_Space (stripped at both ends of every string).
WHITE_SPACE = (
    "\u0009\u000a\u000b\u000c\u000d\u0020\u0085\u00a0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)

STRING_FIELDS = (
    "number",
    "kind",
    "licence_id",
    "name",
    "gender",
    "birth_date",
    "education",
    "document_type",
    "id_number_masked",
    "id_commitment",
    "photo_sm3",
    "occupation_code",
    "occupation_edition",
    "occupation",
    "work_type",
    "level",
    "level_name",
    "theory",
    "practical",
    "comprehensive",
    "evaluation",
    "issued_on",
    "issuing_authority",
    "issuing_authority_uscc",
    "scope_of_use",
    "reissued_on",
)
FLAG_FIELDS = ("self_evaluated", "reissue")
REQUIRED = (
    "number",
    "kind",
    "licence_id",
    "name",
    "occupation_code",
    "occupation",
    "level",
    "issued_on",
    "issuing_authority",
)
FIELDS = ("v", *STRING_FIELDS, *FLAG_FIELDS)
DATE_FIELDS = ("birth_date", "issued_on", "reissued_on")
SCORE_FIELDS = ("theory", "practical", "comprehensive")
KINDS = ("qualification", "skill_level", "score")

_ASCII_FIELDS = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no space
_ASCII_KEYS = ("number", "kind", "licence_id", "document_type", "occupation_code", "issuing_authority_uscc")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SCORE = re.compile(r"(0|[1-9]\d{0,2})\.\d")
_LEVEL = re.compile(r"[1-5]")
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")


def _bad(field: str, code: str, zh: str, en: str) -> Exception:
    return field_error("certificate-data", field, f"esign.record.{code}", zh, en)


def normalise_text(value: str, field: str = "value") -> str:
    """NFC, White_Space stripped at both ends; control characters (Cc) and lone surrogates refused."""
    text = unicodedata.normalize("NFC", value).strip(WHITE_SPACE)
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cs"):
            raise _bad(
                field,
                "control_character",
                f"{field} 含控制字符 U+{ord(ch):04X}",
                f"{field} contains the control character U+{ord(ch):04X}",
            )
    return text


def id_commitment(document_type: str, id_number: str, salt: bytes) -> str:
    """Hex SM3(ID_COMMITMENT_PREFIX || salt || UTF-8 "document_type:ID number"); both parts normalised
    like any string, the number's ASCII a-z upper-cased. The salt (16 random bytes per certificate) is
    never published."""
    if len(salt) != ID_SALT_LENGTH:
        raise _bad("id_salt", "id_salt", "盐值须为 16 字节", "the ID salt must be 16 bytes")
    number = normalise_text(id_number, "id_number").translate(_ASCII_UPPER)
    text = f"{normalise_text(document_type, 'document_type')}:{number}"
    return sm2.sm3(ID_COMMITMENT_PREFIX + salt + text.encode("utf-8")).hex()


def _score(field: str, value: Any) -> str:
    if isinstance(value, bool):
        raise _bad(field, "score", f"{field} 不是分数", f"{field} is not a score")
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip(WHITE_SPACE))
    except InvalidOperation:
        raise _bad(field, "score", f"{field} 不是分数", f"{field} is not a score") from None
    one = number.quantize(Decimal("0.1"))
    if not number.is_finite() or one != number or not Decimal(0) <= one <= Decimal(100):
        raise _bad(
            field,
            "score",
            f"{field} 须为 0–100 之间、至多一位小数的分数",
            f"{field} must be a score from 0 to 100 with at most one decimal",
        )
    text = f"{one:.1f}"
    return "0.0" if text == "-0.0" else text


def _date(field: str, value: Any) -> str:
    if isinstance(value, datetime.datetime):
        raise _bad(field, "date", f"{field} 须为日期", f"{field} must be a date, not a date-time")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = normalise_text(str(value), field)
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        datetime.date.fromisoformat(text)
    except ValueError:
        raise _bad(
            field, "date", f"{field} 须为 YYYY-MM-DD 日期", f"{field} must be a YYYY-MM-DD date"
        ) from None
    return text


def canonical_record(certificate_like: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical record (docs/formats/certificate-data.md) from a mapping such as a certificate's
    frozen ``data`` plus ``number``, ``kind``, ``licence_id``, ``issuing_authority_uscc`` and either
    ``id_commitment`` or ``id_number`` + ``id_salt`` (bytes). Unknown keys are ignored; ``None``,
    empty strings and ``False`` flags are omitted. Raises ValidationFailed on a value that breaks a
    rule. Idempotent: canonical_record(canonical_record(x)) == canonical_record(x)."""
    src = dict(certificate_like)
    if "v" in src and src["v"] != RECORD_VERSION:
        raise _bad("v", "version", "不支持的记录版本", "unsupported record version")
    if src.get("id_number") and not src.get("id_commitment"):
        salt = src.get("id_salt")
        if not isinstance(salt, bytes | bytearray):
            raise _bad("id_salt", "id_salt", "缺少盐值", "id_number needs id_salt (16 bytes)")
        src["id_commitment"] = id_commitment(
            str(src.get("document_type") or ""), src["id_number"], bytes(salt)
        )
    if isinstance(src.get("level"), int) and not isinstance(src.get("level"), bool):
        src["level"] = str(src["level"])

    record: dict[str, Any] = {"v": RECORD_VERSION}
    for key in STRING_FIELDS:
        value = src.get(key)
        if value is None:
            continue
        if key in SCORE_FIELDS:
            if isinstance(value, str) and not value.strip(WHITE_SPACE):
                continue
            text = _score(key, value)
        elif key in DATE_FIELDS:
            text = _date(key, value)
        else:
            if not isinstance(value, str):
                raise _bad(key, "type", f"{key} 须为字符串", f"{key} must be a string")
            text = normalise_text(value, key)
        if text:
            record[key] = text
    for key in FLAG_FIELDS:
        value = src.get(key)
        if value is None or value is False:
            continue
        if value is not True:
            raise _bad(key, "type", f"{key} 须为布尔值", f"{key} must be true or false")
        record[key] = True
    _check(record)
    return record


def _check(record: Mapping[str, Any]) -> None:
    for key in REQUIRED:
        if key not in record:
            raise _bad(key, "required", f"缺少必填字段 {key}", f"the field {key} is required")
    for key in _ASCII_KEYS:
        if key in record and not _ASCII_FIELDS.fullmatch(record[key]):
            raise _bad(
                key, "ascii", f"{key} 须为可打印 ASCII", f"{key} must be printable ASCII without spaces"
            )
    if record["kind"] not in KINDS:
        raise _bad("kind", "kind", "未知证书类别", f"kind must be one of {', '.join(KINDS)}")
    if not _LEVEL.fullmatch(record["level"]):
        raise _bad("level", "level", "等级须为 1–5", "level must be a digit from 1 to 5")
    for key in ("id_commitment", "photo_sm3"):
        if key in record and not _HEX64.fullmatch(record[key]):
            raise _bad(key, "hex", f"{key} 须为 64 位小写十六进制", f"{key} must be 64 lower-case hex digits")
    if "issuing_authority_uscc" in record and not _USCC.fullmatch(record["issuing_authority_uscc"]):
        raise _bad("issuing_authority_uscc", "uscc", "统一社会信用代码格式错误", "malformed USCC")
    for key in SCORE_FIELDS:
        if key in record and not _SCORE.fullmatch(record[key]):
            raise _bad(key, "score", f"{key} 格式错误", f"{key} must look like 85.0")
    if record.get("reissued_on") and not record.get("reissue"):
        raise _bad(
            "reissued_on", "reissue", "补发日期须与补发标记同时出现", "reissued_on needs reissue: true"
        )


def canonical_bytes(record: Mapping[str, Any]) -> bytes:
    """UTF-8 JSON, keys sorted, separators ``,`` and ``:``, non-ASCII unescaped. The record is
    re-canonicalised first, so any mapping with the same content gives the same bytes."""
    canon = canonical_record(record)
    text = json.dumps(canon, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8")


def signed_message(record: Mapping[str, Any]) -> bytes:
    """The exact bytes given to SM2-with-SM3: SIGNING_PREFIX || canonical_bytes(record)."""
    return SIGNING_PREFIX + canonical_bytes(record)


def sign_record(record: Mapping[str, Any], private_key: bytes) -> bytes:
    """SM2-with-SM3 signature (ID 1234567812345678) as 64 bytes r||s."""
    return sm2.sign(private_key, signed_message(record))


def verify_record(record: Mapping[str, Any], public_key: bytes, signature: bytes) -> bool:
    """True only if ``signature`` signs this record's canonical bytes; a record that is not canonical-
    isable (a broken rule) is False, never an exception."""
    try:
        message = signed_message(record)
    except Exception:  # a verifier answers False on a malformed record
        return False
    return sm2.verify(public_key, message, signature)


def parse_canonical(data: bytes) -> dict[str, Any]:
    """The record from canonical bytes; refuses bytes that are not exactly canonical."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _bad("record", "json", "不是有效的 JSON", "not valid UTF-8 JSON") from None
    if not isinstance(obj, dict) or set(obj) - set(FIELDS):
        raise _bad("record", "fields", "记录含未知字段", "the record has unknown fields")
    record = canonical_record(obj)
    if canonical_bytes(record) != data or record != obj:
        raise _bad("record", "not_canonical", "记录不是规范编码", "the bytes are not in canonical form")
    return record
