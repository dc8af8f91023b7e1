"""Person names: one normal form for Chinese, minority and foreign names (R0.4, X6).

- NFC, never NFKC: NFKC would rewrite rare characters that certificates must print exactly.
- Whitespace (including U+3000 and NBSP) is trimmed and collapsed to single spaces.
- The separator dot of minority and transliterated foreign names (阿卜杜拉·艾买提) has many look-alikes in
  the wild; all become U+00B7 "·", with no spaces around it. A full stop between two Chinese characters is
  taken as the same dot.
- Full-width Latin letters, hyphens and apostrophes typed in a Chinese input method become ASCII; the
  curly apostrophe becomes "'".
- Allowed: CJK ideographs of every block including the supplementary planes (𠮷), 〇 and 々, ideographic
  variation selectors after an ideograph, Latin letters with diacritics, spaces, hyphens and apostrophes.

This module imports nothing from Django.
"""

from __future__ import annotations

import re
import unicodedata

from skillcert.core.errors import ValidationFailed, field_error

MAX_LENGTH = 50
DOT = "\u00b7"

_DOT_VARIANTS = "\u2022\u2027\u30fb\uff65\u2219\u22c5\uff0e"
_APOSTROPHES = "\u2019\u02bc\uff07"
_HYPHENS = "\u2010\u2011\uff0d"
_INVISIBLE = "\u200b\u2060\ufeff"  # zero-width space, word joiner, BOM: pasted along, never meant
_DOT_MAP = str.maketrans(
    {
        **dict.fromkeys(_DOT_VARIANTS, DOT),
        **dict.fromkeys(_APOSTROPHES, "'"),
        **dict.fromkeys(_HYPHENS, "-"),
        **dict.fromkeys(_INVISIBLE, None),
    }
)
# Full-width Latin letters (Ａ-Ｚ, ａ-ｚ) -> ASCII.
_WIDTH_MAP = str.maketrans(
    {chr(cp): chr(cp - 0xFEE0) for cp in [*range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
)

_CJK_RANGES = (
    (0x3005, 0x3005),  # 々 ideographic iteration mark
    (0x3007, 0x3007),  # 〇 ideographic number zero
    (0x3400, 0x4DBF),  # Extension A
    (0x4E00, 0x9FFF),  # Unified Ideographs
    (0xF900, 0xFAFF),  # Compatibility Ideographs (NFC maps most to unified ones; 12 are unified themselves)
    (0x20000, 0x2A6DF),  # Extension B
    (0x2A700, 0x2EE5F),  # Extensions C, D, E, F, I
    (0x2F800, 0x2FA1F),  # Compatibility Ideographs Supplement
    (0x30000, 0x323AF),  # Extensions G, H
)
_CJK_CLASS = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _CJK_RANGES)
_CJK_FULL_STOP = re.compile(f"(?<=[{_CJK_CLASS}]) ?\\. ?(?=[{_CJK_CLASS}])")
_SPACED_DOT = re.compile(f" ?{DOT} ?")
_WHITESPACE = re.compile(r"\s+")

_NAME_ZH = "姓名"
_NAME_EN = "name"
_ALLOWED_ZH = "（姓名只能包含汉字、字母、空格、间隔号“·”、连字符“-”和撇号“'”）"
_ALLOWED_EN = (
    " (a name may contain Chinese characters, letters, spaces, the dot '·', hyphens and apostrophes)"
)


def _is_cjk(ch: str) -> bool:
    if len(ch) != 1:
        return False
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def _is_latin_letter(ch: str) -> bool:
    if len(ch) != 1:
        return False
    return unicodedata.category(ch).startswith("L") and unicodedata.name(ch, "").startswith("LATIN ")


def _is_variation_selector(ch: str) -> bool:
    cp = ord(ch)
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def _show(ch: str) -> str:
    if (
        ch.isprintable()
        and not ch.isspace()
        and not unicodedata.combining(ch)
        and not _is_variation_selector(ch)
    ):
        return ch
    return f"U+{ord(ch):04X}"


def _bad_character(record: str | None, field: str, ch: str) -> ValidationFailed:
    return field_error(
        record,
        field,
        "people.name.characters",
        f"{_NAME_ZH}含有不允许的字符“{_show(ch)}”{_ALLOWED_ZH}",
        f"The {_NAME_EN} contains a character that is not allowed: '{_show(ch)}'{_ALLOWED_EN}",
    )


def normalise_name(raw: str | None, *, field: str = "name", record: str | None = None) -> str:
    """The normal form of a person's name; raises ValidationFailed (and nothing else) if it is not a name."""
    text = "" if raw is None else raw if isinstance(raw, str) else str(raw)
    text = unicodedata.normalize("NFC", text).translate(_DOT_MAP).translate(_WIDTH_MAP)
    text = _WHITESPACE.sub(" ", text).strip()
    if not text:
        raise field_error(
            record, field, "people.name.empty", f"{_NAME_ZH}不能为空", f"The {_NAME_EN} is empty"
        )
    text = _CJK_FULL_STOP.sub(DOT, text)
    text = _SPACED_DOT.sub(DOT, text)

    previous = ""
    for ch in text:
        if _is_cjk(ch) or _is_latin_letter(ch) or ch in " -'" + DOT:
            pass
        elif unicodedata.combining(ch) and _is_latin_letter(previous):
            ch = previous  # a diacritic with no precomposed form: it belongs to the letter before it
        elif _is_variation_selector(ch) and _is_cjk(previous):
            ch = previous  # an ideographic variation sequence selects a glyph of the ideograph before it
        else:
            raise _bad_character(record, field, ch)
        previous = ch

    if text.startswith(DOT) or text.endswith(DOT):
        raise field_error(
            record,
            field,
            "people.name.characters",
            f"{_NAME_ZH}的开头或结尾不能是间隔号“·”",
            f"The {_NAME_EN} cannot start or end with the dot '·'",
        )
    if DOT * 2 in text:
        raise field_error(
            record,
            field,
            "people.name.characters",
            f"{_NAME_ZH}中不能有连续的间隔号“··”",
            f"The {_NAME_EN} cannot contain two dots '··' in a row",
        )
    if not any(_is_cjk(ch) or _is_latin_letter(ch) for ch in text):
        raise field_error(
            record,
            field,
            "people.name.characters",
            f"{_NAME_ZH}中没有汉字或字母",
            f"The {_NAME_EN} contains no Chinese characters or letters",
        )
    if len(text) > MAX_LENGTH:
        raise field_error(
            record,
            field,
            "people.name.length",
            f"{_NAME_ZH}过长：共{len(text)}个字符，最多{MAX_LENGTH}个",
            f"The {_NAME_EN} is too long: {len(text)} characters, at most {MAX_LENGTH}",
        )
    return text
