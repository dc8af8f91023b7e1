"""Person-name normalisation (R0.4) with clear errors that name the field (X6). Pure unit tests."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skillcert.core.errors import ValidationFailed
from skillcert.people.names import normalise_name

DOT = "\u00b7"
ABDULLAH = f"阿卜杜拉{DOT}艾买提"

ACCEPTED: list[tuple[str, str]] = [
    # (raw, normalised)
    (ABDULLAH, ABDULLAH),
    ("阿卜杜拉•艾买提", ABDULLAH),  # U+2022 bullet
    ("阿卜杜拉・艾买提", ABDULLAH),  # U+30FB katakana middle dot
    ("阿卜杜拉 · 艾买提", ABDULLAH),
    ("阿卜杜拉‧艾买提", ABDULLAH),  # U+2027 hyphenation point
    ("阿卜杜拉･艾买提", ABDULLAH),  # U+FF65 half-width katakana middle dot
    ("阿卜杜拉∙艾买提", ABDULLAH),  # U+2219 bullet operator
    ("阿卜杜拉⋅艾买提", ABDULLAH),  # U+22C5 dot operator
    ("阿卜杜拉．艾买提", ABDULLAH),  # U+FF0E full-width full stop
    ("阿卜杜拉.艾买提", ABDULLAH),  # ASCII full stop between Chinese characters
    ("阿卜杜拉 . 艾买提", ABDULLAH),
    ("阿卜杜拉\u3000・\u3000艾买提", ABDULLAH),
    ("𠮷野家", "𠮷野家"),
    ("  张三  ", "张三"),
    ("\u3000张三\t", "张三"),
    ("王  小\u00a0\u00a0明", "王 小 明"),
    ("李〇", "李〇"),
    ("佐々木", "佐々木"),
    ("Jean-Luc O'Neil", "Jean-Luc O'Neil"),
    ("Jean-Luc O’Neil", "Jean-Luc O'Neil"),  # curly apostrophe -> ASCII
    ("José", "José"),
    ("Jose\u0301", "José"),  # decomposed -> NFC
    ("Zoë Łukasz Ørsted", "Zoë Łukasz Ørsted"),
    ("Ｊｏｈｎ Ｓｍｉｔｈ", "John Smith"),  # full-width letters from a Chinese input method
    ("玛丽·Smith", f"玛丽{DOT}Smith"),
    ("张\u200b三", "张三"),  # zero-width space pasted from a web page
    ("葛\U000e0100", "葛\U000e0100"),  # ideographic variation sequence kept
    (
        "\U00030000\U0002a700\U0002b740\U0002b820\U0002ceb0\U00020000",
        "\U00030000\U0002a700\U0002b740\U0002b820\U0002ceb0\U00020000",
    ),
    ("龘" * 50, "龘" * 50),
]


@pytest.mark.parametrize(("raw", "expected"), ACCEPTED)
def test_r0_4_names_accepted(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


def test_r0_4_supplementary_plane_kept_exactly() -> None:
    name = normalise_name("𠮷野家")
    assert name == "\U00020bb7野家"
    assert len(name) == 3


def test_r0_4_nfc_not_nfkc() -> None:
    name = normalise_name("José")
    assert name == unicodedata.normalize("NFC", "José")
    assert len(name) == 4


REJECTED: list[tuple[str | None, str, str | None]] = [
    # (raw, code, the character the message must name)
    ("", "people.name.empty", None),
    ("   ", "people.name.empty", None),
    ("\u3000\t\n", "people.name.empty", None),
    (None, "people.name.empty", None),
    ("张3", "people.name.characters", "3"),
    ("张😀", "people.name.characters", "😀"),
    ("张三!", "people.name.characters", "!"),
    ("张三。", "people.name.characters", "。"),
    ("J. Smith", "people.name.characters", "."),
    ("张_三", "people.name.characters", "_"),
    ("张\x07三", "people.name.characters", "U+0007"),
    ("Иван", "people.name.characters", "И"),
    ("\u0301张三", "people.name.characters", "U+0301"),
    ("·张三", "people.name.characters", None),
    ("张三·", "people.name.characters", None),
    ("・张三", "people.name.characters", None),
    ("张··三", "people.name.characters", None),
    ("张 · · 三", "people.name.characters", None),
    ("-", "people.name.characters", None),
    ("龘" * 51, "people.name.length", None),
    ("a" * 51, "people.name.length", None),
    ("𠮷" * 51, "people.name.length", None),
]


@pytest.mark.parametrize(("raw", "code", "culprit"), REJECTED)
def test_x6_names_rejected_with_clear_message(raw: str | None, code: str, culprit: str | None) -> None:
    """X6: stable code, message in both languages naming the field (and the offending character)."""
    with pytest.raises(ValidationFailed) as caught:
        normalise_name(raw, record="row 4")
    [error] = caught.value.errors
    assert (error.code, error.field, error.record) == (code, "name", "row 4")
    assert "姓名" in error.message_zh
    assert "name" in error.message_en
    if culprit is not None:
        assert f"“{culprit}”" in error.message_zh
        assert f"'{culprit}'" in error.message_en


def test_x6_digit_message_wording() -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalise_name("张3")
    error = caught.value.errors[0]
    assert "含有不允许的字符“3”" in error.message_zh
    assert "contains a character that is not allowed: '3'" in error.message_en


def test_x6_length_is_counted_in_code_points() -> None:
    assert normalise_name("𠮷" * 50) == "𠮷" * 50
    with pytest.raises(ValidationFailed) as caught:
        normalise_name("𠮷" * 51)
    assert "51" in caught.value.errors[0].message_zh and "50" in caught.value.errors[0].message_en


def test_x6_custom_field_name() -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalise_name("", field="holder_name")
    assert caught.value.errors[0].field == "holder_name"


@given(st.text(max_size=60))
def test_r0_4_property_only_validation_failed_and_idempotent(raw: str) -> None:
    try:
        name = normalise_name(raw)
    except ValidationFailed as exc:
        assert exc.code.startswith("people.name.")
        return
    assert name == name.strip() and "  " not in name
    assert 0 < len(name) <= 50
    assert unicodedata.is_normalized("NFC", name)
    assert not name.startswith(DOT) and not name.endswith(DOT) and DOT * 2 not in name
    assert normalise_name(name) == name


@given(
    st.lists(
        st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=6),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from(["·", "•", "・", "．", ".", " · ", "‧"]),
)
def test_r0_4_property_dot_variants_all_become_u00b7(parts: list[str], separator: str) -> None:
    assert normalise_name(separator.join(parts)) == DOT.join(parts)
