"""Identity documents: the Chinese resident ID number (GB 11643-1999) and the other accepted documents (R0.4).

`parse_resident_id` normalises what people actually type or paste (full-width digits, spaces, hyphens,
lower-case x), converts 15-digit legacy numbers to 18 digits, and checks the characters, the length, the
birth date, the region code and the ISO 7064 MOD 11-2 check character. Every rejection is a
`ValidationFailed` with a stable code and a bilingual message that names the field and says what is wrong
(X6) - without ever repeating the full number (X7): at most the region code or the birth date is quoted.

The region code is looked up in python-stdnum's `cn/loc` database directly rather than through
`stdnum.cn.ric`, because `stdnum.cn.ric` raises `KeyError` for codes whose province is known but whose
county is not (e.g. 119901), and it rejects a code when the person was born outside the years the code was
in use (e.g. 650102 for anyone born before 1983) - but the region code records where the card was first
issued, so abolished and later-created codes are both legitimate for any birth year.

This module imports nothing from Django, so it can be used (and tested) without settings or a database.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

from skillcert.core.errors import ValidationFailed, field_error

# --- resident ID ----------------------------------------------------------------------------------

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_DIGITS = frozenset("0123456789")
_EARLIEST_BIRTH = datetime.date(1900, 1, 1)

# Dashes people type between groups of digits (after NFKC, which already folds U+FF0D and U+FE63 to "-").
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212")
# Invisible characters that ride along when numbers are pasted from web pages and spreadsheets.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")

_ID_ZH = "身份证号码"
_ID_EN = "ID number"


@dataclass(frozen=True)
class ResidentId:
    number: str  # normalised 18 characters, upper-case X
    region_code: str  # first 6 digits
    region_name: str  # e.g. "北京市 东城区"
    birth_date: datetime.date
    gender: str  # "M" (odd 17th digit) or "F"
    converted_from_15: bool


def check_character(body: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits of an ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _show(ch: str) -> str:
    """A character as it can safely be quoted in a message (invisible ones by code point)."""
    if ch.isprintable() and not ch.isspace() and not unicodedata.combining(ch):
        return ch
    return f"U+{ord(ch):04X}"


def _clean_id(raw: object) -> str:
    if raw is None:
        return ""
    text = unicodedata.normalize("NFKC", raw if isinstance(raw, str) else str(raw))
    kept = (ch for ch in text if not ch.isspace() and ch not in _DASHES and ch not in _INVISIBLE)
    return "".join(kept).upper()


def _fail(record: str | None, field: str, code: str, zh: str, en: str) -> ValidationFailed:
    return field_error(record, field, code, zh, en)


# --- region database ------------------------------------------------------------------------------

_MARKER = re.compile(r"^\[(\d{4})?-(\d{4})?\](.*)$")
# Prefecture-level placeholders that add nothing to a name ("北京市 市辖区 东城区" -> "北京市 东城区").
_PLACEHOLDERS = frozenset({"市辖区", "县", "市"})


def _pick_name(value: str, year: int | None) -> str:
    """One name out of a cn/loc value such as "[1983-1989]南头区办事处,[1990-]南山区".

    The name in use in `year` if there is one; otherwise the latest name that had come into use by then,
    or failing that the earliest name. Historical markers are stripped.
    """
    spans: list[tuple[int, int, str]] = []
    for part in value.split(","):
        match = _MARKER.match(part)
        if match:
            start, end, name = match.groups()
            spans.append((int(start or 0), int(end or 9999), name.strip()))
        else:
            spans.append((0, 9999, part.strip()))
    if year is not None:
        for start, end, name in spans:
            if start <= year <= end:
                return name
        started = [name for start, _end, name in spans if start <= year]
        if started:
            return started[-1]
        return spans[0][2]
    return spans[-1][2]


def _loc_info(code: str) -> tuple[str | None, str | None]:
    """(province value, county value) from stdnum's cn/loc for a 6-digit code; None where unknown."""
    try:
        from stdnum import numdb

        parts = numdb.get("cn/loc").info(code)
    except Exception:  # a broken or missing database must surface as "unknown region", never as a crash
        return None, None
    province = county = None
    if len(parts) >= 1 and isinstance(parts[0][1], dict):
        province = parts[0][1].get("province")
    if province is not None and len(parts) >= 2 and isinstance(parts[1][1], dict):
        county = parts[1][1].get("county")
    return province, county


def region_name(code: str, year: int | None = None) -> str | None:
    """The place name for a 6-digit region code ("北京市 东城区"), or None if the code is unknown.

    `year` chooses among the names a code has carried (440305 was 南头区办事处 until 1989, then 南山区);
    without it the latest name is used.
    """
    if len(code) != 6 or not set(code) <= _DIGITS:
        return None
    province, county = _loc_info(code)
    if province is None or county is None:
        return None
    # The XX0000 entry spells the province the way the county names do (simplified 香港特别行政区).
    _p, province_entry = _loc_info(code[:2] + "0000")
    names = [_pick_name(province_entry or province, year)]
    if code[2:] != "0000":
        if code[4:] != "00":
            _p, prefecture = _loc_info(code[:4] + "00")
            if prefecture:
                name = _pick_name(prefecture, year)
                if name and name not in _PLACEHOLDERS and "直辖" not in name:
                    names.append(name)
        name = _pick_name(county, year)
        if name and name != names[-1]:
            names.append(name)
    return " ".join(names)


# --- parsing --------------------------------------------------------------------------------------


def parse_resident_id(
    raw: str | None,
    *,
    field: str = "document_number",
    record: str | None = None,
    today: datetime.date | None = None,
) -> ResidentId:
    """Validate and normalise a resident ID number (15 or 18 characters); raises only ValidationFailed."""
    number = _clean_id(raw)
    if not number:
        raise _fail(record, field, "people.id_number.empty", f"{_ID_ZH}不能为空", f"The {_ID_EN} is empty")

    for ch in number:
        if ch not in _DIGITS and ch != "X":
            raise _fail(
                record,
                field,
                "people.id_number.characters",
                f"{_ID_ZH}含有不允许的字符“{_show(ch)}”（只能是数字，最后一位可以是X）",
                f"The {_ID_EN} contains a character that is not allowed: '{_show(ch)}' "
                "(only digits, and X as the last character)",
            )
    if "X" in number[:-1]:
        raise _fail(
            record,
            field,
            "people.id_number.characters",
            f"{_ID_ZH}中的X只能出现在最后一位",
            f"In an {_ID_EN}, X may only be the last character",
        )
    if len(number) not in (15, 18):
        raise _fail(
            record,
            field,
            "people.id_number.length",
            f"{_ID_ZH}应为18位（旧证为15位），实际为{len(number)}位",
            f"The {_ID_EN} must have 18 characters (15 on old cards) but has {len(number)}",
        )
    converted = len(number) == 15
    if converted and number.endswith("X"):
        raise _fail(
            record,
            field,
            "people.id_number.characters",
            f"15位的{_ID_ZH}只能由数字组成，不能含有X",
            f"A 15-digit {_ID_EN} consists of digits only and cannot contain X",
        )
    body = number[:6] + "19" + number[6:] if converted else number[:17]

    birth_text = f"{body[6:10]}-{body[10:12]}-{body[12:14]}"
    try:
        birth = datetime.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        raise _fail(
            record,
            field,
            "people.id_number.birth_date",
            f"{_ID_ZH}中的出生日期“{birth_text}”不是有效日期",
            f"The birth date in the {_ID_EN}, {birth_text}, is not a real date",
        ) from None
    if birth < _EARLIEST_BIRTH:
        raise _fail(
            record,
            field,
            "people.id_number.birth_date",
            f"{_ID_ZH}中的出生日期“{birth_text}”早于1900年1月1日",
            f"The birth date in the {_ID_EN}, {birth_text}, is before 1900-01-01",
        )
    if birth > (today or datetime.date.today()):
        raise _fail(
            record,
            field,
            "people.id_number.future_birth",
            f"{_ID_ZH}中的出生日期“{birth_text}”晚于今天",
            f"The birth date in the {_ID_EN}, {birth_text}, is in the future",
        )

    region = body[:6]
    place = region_name(region, birth.year)
    if place is None:
        province, _county = _loc_info(region)
        if province is None:
            zh = f"{_ID_ZH}前6位的地区码“{region}”无效：省级代码“{region[:2]}”不存在"
            en = (
                f"The region code {region} (first 6 digits of the {_ID_EN}) is invalid: "
                f"there is no province {region[:2]}"
            )
        else:
            zh = f"{_ID_ZH}前6位的地区码“{region}”不存在"
            en = f"The region code {region} (first 6 digits of the {_ID_EN}) does not exist"
        raise _fail(record, field, "people.id_number.region", zh, en)

    check = check_character(body)
    if converted:
        number = body + check
    elif number[17] != check:
        raise _fail(
            record,
            field,
            "people.id_number.checksum",
            f"{_ID_ZH}的校验位（最后一位）不正确，请核对号码",
            f"The check digit (last character) of the {_ID_EN} is wrong; please check the number",
        )
    return ResidentId(
        number=number,
        region_code=region,
        region_name=place,
        birth_date=birth,
        gender="M" if int(number[16]) % 2 else "F",
        converted_from_15=converted,
    )


# --- other documents ------------------------------------------------------------------------------

# type -> (pattern, Chinese name, English name, Chinese format hint, English format hint)
_DOCUMENTS: dict[str, tuple[tuple[re.Pattern[str], ...], str, str, str, str]] = {
    "hk_macao": (
        (re.compile(r"[HM][0-9]{8}(?:[0-9]{2})?", re.ASCII),),
        "港澳居民来往内地通行证",
        "Mainland Travel Permit for Hong Kong and Macao Residents",
        "H或M加8位或10位数字",
        "H or M followed by 8 or 10 digits",
    ),
    "taiwan": (
        (re.compile(r"[0-9]{8}(?:[0-9]{2})?", re.ASCII),),
        "台湾居民来往大陆通行证",
        "Mainland Travel Permit for Taiwan Residents",
        "8位或10位数字",
        "8 or 10 digits",
    ),
    "passport": (
        (re.compile(r"[A-Z0-9]{5,17}", re.ASCII),),
        "护照",
        "passport",
        "5至17位字母或数字",
        "5 to 17 letters or digits",
    ),
    "foreign_pr": (
        (re.compile(r"[A-Z]{3}[0-9]{12}", re.ASCII), re.compile(r"9[0-9]{16}[0-9X]", re.ASCII)),
        "外国人永久居留身份证",
        "Foreign Permanent Resident ID Card",
        "旧版为3位字母加12位数字，2023版为以9开头的18位",
        "3 letters and 12 digits (old card), or 18 characters starting with 9 (2023 card)",
    ),
}


def normalise_document(
    document_type: str,
    raw: str | None,
    *,
    field: str = "document_number",
    record: str | None = None,
    today: datetime.date | None = None,
) -> str:
    """The normalised number of any accepted identity document; raises only ValidationFailed."""
    if document_type == "resident_id":
        return parse_resident_id(raw, field=field, record=record, today=today).number
    spec = _DOCUMENTS.get(document_type) if isinstance(document_type, str) else None
    if spec is None:
        shown = "".join(_show(ch) for ch in str(document_type)[:40])
        raise _fail(
            record,
            "document_type",
            "people.document_type.invalid",
            f"证件类型“{shown}”无效（可选：居民身份证、港澳居民来往内地通行证、台湾居民来往大陆通行证、护照、"
            "外国人永久居留身份证）",
            f"Unknown document type '{shown}' "
            "(accepted: resident_id, hk_macao, taiwan, passport, foreign_pr)",
        )
    patterns, name_zh, name_en, hint_zh, hint_en = spec
    text = "" if raw is None else unicodedata.normalize("NFKC", raw if isinstance(raw, str) else str(raw))
    number = "".join(ch for ch in text if not ch.isspace() and ch not in _INVISIBLE).upper()
    if not number:
        raise _fail(
            record,
            field,
            "people.document_number.empty",
            f"证件号码不能为空（{name_zh}）",
            f"The document number ({name_en}) is empty",
        )
    if not any(pattern.fullmatch(number) for pattern in patterns):
        raise _fail(
            record,
            field,
            "people.document_number.format",
            f"证件号码不符合{name_zh}的格式（{hint_zh}）",
            f"The document number does not match the format of a {name_en} ({hint_en})",
        )
    return number
