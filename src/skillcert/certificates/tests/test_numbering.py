"""Certificate numbers: both schemes round-trip, bad numbers are refused with a precise bilingual reason (X6),
and the industry-code rule of R4.3 (issue 4, item 1). Pure unit tests: no database."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import numdb

from skillcert.certificates.numbering import (
    GBT2260_PROVINCES,
    National16,
    Scheme,
    Skill22,
    check_issuer_area,
    next_sequence_capacity,
    parse_certificate_number,
)
from skillcert.core.errors import ValidationFailed

VALID16 = "2410012003400123"  # 2024, Jiangsu (10), Nanjing (01), local station 003, level 4, No. 123
VALID22 = "S000032123456245000123"  # social body, registered with the province, Jiangsu (32), 2024, level 5
MACHINERY16 = "2449003018200001"  # 2024, machinery industry (49), no city, industry station 018, level 2


def digits(width: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=width, max_size=width)


def failure(number: str, **kwargs: object) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        parse_certificate_number(number, **kwargs)  # type: ignore[arg-type]
    return caught.value


def codes(exc: ValidationFailed) -> list[str]:
    return [e.code for e in exc.errors]


# --- generated numbers ------------------------------------------------------------------------------

national16_values = st.builds(
    National16,
    year=st.integers(2000, 2099),
    area=st.integers(1, 99).map("{:02d}".format),
    city=digits(2),
    institution_type=st.sampled_from("01234"),
    institution=digits(3),
    level=st.integers(1, 5),
    sequence=st.integers(1, 99_999),
)
skill22_values = st.builds(
    Skill22,
    evaluator_kind=st.sampled_from("YS"),
    institution=digits(4),
    province=st.sampled_from(sorted(GBT2260_PROVINCES)),
    site=digits(6),
    year=st.integers(2000, 2099),
    level=st.integers(1, 5),
    sequence=st.integers(1, 999_999),
)
# Strings are assembled from their parts directly, not through format(), so the two directions are tested
# independently.
national16_strings = st.tuples(
    digits(2),
    digits(2).filter(lambda s: s != "00"),
    digits(2),
    st.sampled_from("01234"),
    digits(3),
    st.sampled_from("12345"),
    digits(5).filter(lambda s: s != "00000"),
).map("".join)
skill22_strings = st.tuples(
    st.sampled_from("YS"),
    digits(4),
    st.sampled_from(sorted(GBT2260_PROVINCES)),
    digits(6),
    digits(2),
    st.sampled_from("12345"),
    digits(6).filter(lambda s: s != "000000"),
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(national16_values)
def test_national16_value_round_trip(number: National16) -> None:
    text = number.format()
    assert len(text) == 16 and text.isdigit()
    assert parse_certificate_number(text) == number
    assert parse_certificate_number(text, scheme=Scheme.NATIONAL16) == number


@settings(max_examples=1000, deadline=None)
@given(national16_strings)
def test_national16_string_round_trip(text: str) -> None:
    parsed = parse_certificate_number(text)
    assert isinstance(parsed, National16)
    assert parsed.format() == text
    assert parsed.institution_code == text[2:10]


@settings(max_examples=1000, deadline=None)
@given(skill22_values)
def test_skill22_value_round_trip(number: Skill22) -> None:
    text = number.format()
    assert len(text) == 22
    assert parse_certificate_number(text) == number
    assert parse_certificate_number(text, scheme=Scheme.SKILL22) == number


@settings(max_examples=1000, deadline=None)
@given(skill22_strings)
def test_skill22_string_round_trip(text: str) -> None:
    parsed = parse_certificate_number(text)
    assert isinstance(parsed, Skill22)
    assert parsed.format() == text


FULL_WIDTH = str.maketrans("0123456789SY", "０１２３４５６７８９ＳＹ")


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(national16_strings, skill22_strings),
    st.lists(st.sampled_from([" ", "-", "\u3000", "－", "\u200b", "\t"]), min_size=1, max_size=6),
    st.data(),
    st.booleans(),
    st.booleans(),
)
def test_typing_noise_is_ignored(
    text: str, noise: list[str], data: st.DataObject, wide: bool, lower: bool
) -> None:
    """What people type or paste (X6): spaces, hyphens, full-width characters, lower case."""
    chars = list(text.translate(FULL_WIDTH) if wide else text)
    for sep in noise:
        chars.insert(data.draw(st.integers(0, len(chars))), sep)
    typed = "".join(chars)
    typed = typed.lower() if lower else typed
    assert parse_certificate_number(typed).format() == text


def test_parts_and_century_rule() -> None:
    """YY is always 20YY (design.md: years 2000–2099)."""
    number = parse_certificate_number(VALID16)
    assert number == National16(2024, "10", "01", "2", "003", 4, 123)
    assert number.institution_code == "10012003"  # the worked example of 《职业技能鉴定编码规则》
    assert str(number) == VALID16
    assert parse_certificate_number("0010012003400123").year == 2000
    assert parse_certificate_number("9910012003400123").year == 2099
    skill = parse_certificate_number(VALID22)
    assert skill == Skill22("S", "0000", "32", "123456", 2024, 5, 123)
    assert isinstance(skill, Skill22) and skill.registered_with_province


def test_accepted_spellings() -> None:
    assert parse_certificate_number("２４１００１２００３４００１２３") == parse_certificate_number(VALID16)
    assert parse_certificate_number(" 24-10-01-2-003-4-00123 ") == parse_certificate_number(VALID16)
    assert parse_certificate_number("2410 0120 0340 0123") == parse_certificate_number(VALID16)
    assert parse_certificate_number("ｓ0000 32 123456 24 5 000123") == parse_certificate_number(VALID22)


def test_provinces_are_the_34_of_gbt_2260_in_stdnum() -> None:
    db = numdb.get("cn/loc")
    stdnum_provinces = {f"{i:02d}" for i in range(100) if db.info(f"{i:02d}0000")[0][1].get("province")}
    assert set(GBT2260_PROVINCES) == stdnum_provinces
    assert len(GBT2260_PROVINCES) == 34


# --- bad numbers ------------------------------------------------------------------------------------

BAD = [
    # number, scheme, code, fragment of the Chinese message, fragment of the English message
    ("241001200340012", None, "length", "实为15位", "not 15"),
    ("24100120034001234", None, "length", "实为17位", "not 17"),
    ("241001200340012", Scheme.NATIONAL16, "length", "应为16位数字，实为15位", "must have 16 digits, not 15"),
    (
        "2410A12003400123",
        None,
        "characters",
        "第5–6位（地市代码）应为2位数字，实为“A1”",
        "Digits 5–6 (city code)",
    ),
    ("24100120O3400123", None, "characters", "第8–10位（机构序号）", "Digits 8–10 (institution number)"),
    ("2410012003X00123", None, "characters", "第11位（等级）应为数字，实为“X”", "Digit 11 (level) of the"),
    (
        "2410012003000123",
        None,
        "level",
        "第11位（等级）应为1–5，实为0",
        "Digit 11 (level) of the certificate number must be 1–5, not 0",
    ),
    (
        "2410012003600123",
        None,
        "level",
        "第11位（等级）应为1–5，实为6",
        "Digit 11 (level) of the certificate number must be 1–5, not 6",
    ),
    (
        "2410012003700123",
        None,
        "level",
        "第11位（等级）应为1–5，实为7",
        "Digit 11 (level) of the certificate number must be 1–5, not 7",
    ),
    ("2410015003400123", None, "institution_type", "第7位（机构类型）应为0–4", "Digit 7 (institution type)"),
    ("2410016003400123", None, "institution_type", "实为6", "not 6"),
    ("2410017003400123", None, "institution_type", "实为7", "not 7"),
    ("2410018003400123", None, "institution_type", "实为8", "not 8"),
    ("2410019003400123", None, "institution_type", "实为9", "not 9"),
    (
        "2410012003400000",
        None,
        "sequence",
        "第12–16位（顺序号）应为00001–99999，实为00000",
        "Digits 12–16 (sequence)",
    ),
    ("2400012003400123", None, "area", "第3–4位（省/行业代码）", "Digits 3–4 (province or industry code)"),
    (
        "X000032123456245000123",
        None,
        "scheme",
        "第1位（评价机构类别）应为Y（用人单位）或S",
        "Character 1 (evaluator kind)",
    ),
    ("1000032123456245000123", None, "scheme", "实为“1”", "not “1”"),
    (
        "X000032123456245000123",
        Scheme.SKILL22,
        "evaluator_kind",
        "第1位（评价机构类别）",
        "must be Y (employer)",
    ),
    (
        "S000099123456245000123",
        None,
        "province",
        "第6–7位（省份代码）应为GB/T 2260",
        "Digits 6–7 (province code)",
    ),
    (
        "S000010123456245000123",
        None,
        "province",
        "实为10",
        "not 10",
    ),  # the OSTA Jiangsu code is not GB/T 2260
    ("S000032123456240000123", None, "level", "第16位（等级）应为1–5，实为0", "Digit 16 (level)"),
    (
        "S000032123456245000000",
        None,
        "sequence",
        "第17–22位（顺序号）应为000001–999999",
        "Digits 17–22 (sequence)",
    ),
    (
        "S0000321234A6245000123",
        None,
        "characters",
        "第8–13位（考点代码）",
        "Digits 8–13 (evaluation site code)",
    ),
    ("S000032123456245000123", Scheme.NATIONAL16, "scheme", "此处应为16位", "16-digit national"),
    ("2410012003400123", Scheme.SKILL22, "scheme", "此处应为22位", "22-character skill-level"),
    (
        "24100120034001234567",
        Scheme.SKILL22,
        "length",
        "应为22位，实为20位",
        "must have 22 characters, not 20",
    ),
    ("", None, "empty", "证书编号为空", "is empty"),
    (" - ", None, "empty", "证书编号为空", "is empty"),
]


@pytest.mark.parametrize(("number", "scheme", "code", "zh", "en"), BAD)
def test_bad_numbers_are_refused_precisely(
    number: str, scheme: Scheme | None, code: str, zh: str, en: str
) -> None:
    """X6: exactly one error, with its stable code, naming the certificate number and the part in both
    languages."""
    exc = failure(number, scheme=scheme)
    assert codes(exc) == [f"certificates.number.{code}"]
    assert exc.code == f"certificates.number.{code}"
    err = exc.errors[0]
    assert err.field == "number"
    assert "证书编号" in err.message_zh and zh in err.message_zh, err.message_zh
    assert "certificate number" in err.message_en and en in err.message_en, err.message_en


def test_the_example_message_of_the_issue() -> None:
    err = failure("2410012003700123").errors[0]
    assert err.message_zh == "证书编号第11位（等级）应为1–5，实为7"
    assert err.message_en == "Digit 11 (level) of the certificate number must be 1–5, not 7"


def test_every_problem_is_reported_with_field_and_record() -> None:
    """X6: an import row gets all its problems at once, each naming the row and the field."""
    exc = failure("2400017003700000", field="cert_no", record="第3行")
    assert codes(exc) == [
        "certificates.number.area",
        "certificates.number.institution_type",
        "certificates.number.level",
        "certificates.number.sequence",
    ]
    assert exc.code == "validation.failed"
    assert all(e.field == "cert_no" and e.record == "第3行" for e in exc.errors)
    assert exc.message_zh.startswith("第3行：")
    problem = exc.as_problem()
    assert len(problem["errors"]) == 4 and problem["errors"][0]["record"] == "第3行"


def test_wrong_length_with_foreign_characters_reports_both() -> None:
    exc = failure("2410#0120034001")
    assert codes(exc) == ["certificates.number.length", "certificates.number.characters"]
    assert "第5位“#”" in exc.errors[1].message_zh and "“#” at 5" in exc.errors[1].message_en


def test_letters_in_several_parts_each_get_an_error() -> None:
    exc = failure("AB10012003X00123")
    assert codes(exc) == ["certificates.number.characters", "certificates.number.characters"]
    assert "第1–2位（年份）" in exc.errors[0].message_zh and "Digit 11 (level)" in exc.errors[1].message_en


# --- format() validates -----------------------------------------------------------------------------

GOOD16 = National16(2024, "10", "01", "2", "003", 4, 123)
GOOD22 = Skill22("S", "0000", "32", "123456", 2024, 5, 123)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"year": 1999}, "year"),
        ({"year": 2100}, "year"),
        ({"area": "00"}, "area"),
        ({"area": "1"}, "area"),
        ({"city": "1A"}, "city"),
        ({"institution_type": "5"}, "institution_type"),
        ({"institution": "03"}, "institution"),
        ({"level": 0}, "level"),
        ({"level": 7}, "level"),
        ({"level": True}, "level"),
        ({"sequence": 0}, "sequence"),
        ({"sequence": 100_000}, "sequence"),
    ],
)
def test_national16_format_refuses_out_of_range_fields(changes: dict[str, object], code: str) -> None:
    bad = National16(**{**GOOD16.__dict__, **changes})
    with pytest.raises(ValidationFailed) as caught:
        bad.format()
    assert codes(caught.value) == [f"certificates.number.{code}"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"evaluator_kind": "X"}, "evaluator_kind"),
        ({"evaluator_kind": "s"}, "evaluator_kind"),
        ({"institution": "000"}, "institution"),
        ({"province": "99"}, "province"),
        ({"site": "12345"}, "site"),
        ({"year": 1999}, "year"),
        ({"level": 6}, "level"),
        ({"sequence": 1_000_000}, "sequence"),
    ],
)
def test_skill22_format_refuses_out_of_range_fields(changes: dict[str, object], code: str) -> None:
    bad = Skill22(**{**GOOD22.__dict__, **changes})
    with pytest.raises(ValidationFailed) as caught:
        bad.format()
    assert codes(caught.value) == [f"certificates.number.{code}"]


def test_format_speaks_like_parse() -> None:
    with pytest.raises(ValidationFailed) as caught:
        National16(2024, "10", "01", "2", "003", 7, 123).format()
    assert caught.value.errors[0].message_zh == failure("2410012003700123").errors[0].message_zh


def test_sequence_capacity() -> None:
    assert next_sequence_capacity(Scheme.NATIONAL16) == 99_999
    assert next_sequence_capacity("skill22") == 999_999
    assert National16(2024, "10", "01", "2", "003", 4, 99_999).format().endswith("99999")
    assert Skill22("Y", "1234", "11", "000001", 2030, 1, 999_999).format().endswith("999999")


# --- R4.3: industry-specific occupations ------------------------------------------------------------


def industry(
    number: str, issuer: str, *, industry_occupation: bool, code: str | None
) -> ValidationFailed | None:
    parsed = parse_certificate_number(number, scheme=Scheme.NATIONAL16)
    assert isinstance(parsed, National16)
    try:
        check_issuer_area(parsed, issuer, industry_occupation=industry_occupation, industry_code=code)
    except ValidationFailed as exc:
        return exc
    return None


def test_r4_3_industry_number_for_industry_occupation_passes() -> None:
    """R4.3: the machinery centre (49) numbers its industry-specific occupations with 49."""
    assert industry(MACHINERY16, "49", industry_occupation=True, code="49") is None


def test_r4_3_province_number_for_industry_occupation_fails() -> None:
    """R4.3: a Jiangsu (10) number issued by the province for an industry-specific occupation must not
    verify."""
    exc = industry(VALID16, "10", industry_occupation=True, code="49")
    assert exc is not None
    assert (
        codes(exc) == ["certificates.number.industry_code"] * 2
    )  # wrong issuer, and wrong code in the number
    assert "行业特有职业" in exc.message_zh and "49" in exc.message_zh
    assert "industry-specific occupation" in exc.message_en
    assert "Digits 3–4 (province or industry code)" in exc.errors[1].message_en


def test_r4_3_province_code_from_the_industry_centre_fails() -> None:
    exc = industry(VALID16, "49", industry_occupation=True, code="49")
    assert exc is not None and codes(exc) == ["certificates.number.industry_code"]
    assert "应为行业代码49（机械行业）" in exc.errors[0].message_zh


def test_r4_3_industry_number_for_general_occupation_from_a_province_fails() -> None:
    """R4.3: a 49 number for a general occupation issued by a province must not verify."""
    for code in (None, "49"):
        exc = industry(MACHINERY16, "10", industry_occupation=False, code=code)
        assert exc is not None and codes(exc) == ["certificates.number.industry_code"]
        assert "行业代码只用于行业特有职业" in exc.message_zh
        assert "industry codes are only for industry-specific occupations" in exc.message_en


def test_r4_3_general_occupations_carry_their_issuers_code() -> None:
    assert industry(VALID16, "10", industry_occupation=False, code=None) is None
    exc = industry(VALID16, "11", industry_occupation=False, code=None)
    assert exc is not None and codes(exc) == ["certificates.number.issuer_area"]


def test_r4_3_configuration_errors_are_programming_errors() -> None:
    parsed = parse_certificate_number(MACHINERY16)
    assert isinstance(parsed, National16)
    with pytest.raises(ValueError, match="industry_code is required"):
        check_issuer_area(parsed, "49", industry_occupation=True, industry_code=None)
    with pytest.raises(ValueError, match="issuer_area"):
        check_issuer_area(parsed, "4", industry_occupation=False, industry_code=None)
    with pytest.raises(ValueError, match="industry_code must be"):
        check_issuer_area(parsed, "49", industry_occupation=True, industry_code="00")
