"""Resident ID numbers and other identity documents (R0.4), with clear errors (X6) that never repeat the
full number (X7). Pure unit tests: no database, no Django settings needed."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.cn import ric

from skillcert.core.errors import ValidationFailed
from skillcert.people.idnumber import ResidentId, check_character, normalise_document, parse_resident_id

TODAY = datetime.date(2025, 6, 15)
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def check_of(body: str) -> str:
    """ISO 7064 MOD 11-2, written out independently of the module under test."""
    assert len(body) == 17 and body.isascii() and body.isdigit()
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def valid(body: str) -> str:
    return body + check_of(body)


def valid_ending_x(prefix: str) -> str:
    """A valid number with the given first 14 digits whose check character is X."""
    for seq in range(1000):
        body = f"{prefix}{seq:03d}"
        if check_of(body) == "X":
            return body + "X"
    raise AssertionError("no sequence number gives X")  # pragma: no cover


def wrong_check(number: str) -> str:
    good = number[17]
    return number[:17] + ("0" if good == "X" else str((int(good) + 1) % 10))


def right_check_is_digit(prefix: str) -> str:
    """A valid number whose check character is a digit (so swapping in X makes it wrong)."""
    for seq in range(1000):
        body = f"{prefix}{seq:03d}"
        if check_of(body) != "X":
            return body + check_of(body)
    raise AssertionError("unreachable")  # pragma: no cover


BJ = valid("11010119900307123")  # 北京东城, born 1990-03-07, male
SZ = valid("44030520010915002")  # 深圳南山, female
XJ = valid("65010219700101124")  # 乌鲁木齐天山, born before its cn/loc entry's [1983-] marker
CHONGWEN_1985 = valid("11010319850620031")  # 崇文区, abolished 2010
CHONGWEN_2015 = valid("11010320150620031")  # ... and a number issued after the abolition still parses
WITH_X = valid_ending_x("11010119800101")
BJ_15 = "110101900307123"
BJ_15_AS_18 = valid("11010119900307123")
NOT_X = right_check_is_digit("11010119800101")
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")

OK = "ok"
CASES: list[tuple[str, str | None, str, str]] = [
    # (id, raw, outcome "ok" or error code, expected normalised number if ok)
    ("valid-beijing", BJ, OK, BJ),
    ("valid-shenzhen-nanshan", SZ, OK, SZ),
    ("valid-urumqi-tianshan-1970", XJ, OK, XJ),
    ("abolished-chongwen-1985", CHONGWEN_1985, OK, CHONGWEN_1985),
    ("abolished-chongwen-2015", CHONGWEN_2015, OK, CHONGWEN_2015),
    ("check-x-upper", WITH_X, OK, WITH_X),
    ("check-x-lower", WITH_X.lower(), OK, WITH_X),
    ("check-x-fullwidth", WITH_X[:17] + "Ｘ", OK, WITH_X),
    ("check-x-fullwidth-lower", WITH_X[:17] + "ｘ", OK, WITH_X),
    ("check-x-roman-numeral-ten", WITH_X[:17] + "Ⅹ", OK, WITH_X),
    ("fullwidth-digits", BJ.translate(FULLWIDTH), OK, BJ),
    ("fullwidth-all-with-x", WITH_X.translate(FULLWIDTH), OK, WITH_X),
    ("spaces-around", f"  {BJ}  ", OK, BJ),
    ("spaces-inside", f"{BJ[:6]} {BJ[6:14]} {BJ[14:]}", OK, BJ),
    ("ideographic-space", f"\u3000{BJ[:6]}\u3000{BJ[6:]}\u3000", OK, BJ),
    ("tabs-and-newline", f"\t{BJ[:6]}\t{BJ[6:]}\n", OK, BJ),
    ("nbsp", f"{BJ[:6]}\u00a0{BJ[6:]}", OK, BJ),
    ("hyphens", f"{BJ[:6]}-{BJ[6:14]}-{BJ[14:]}", OK, BJ),
    ("fullwidth-hyphen-and-en-dash", f"{BJ[:6]}－{BJ[6:14]}–{BJ[14:]}", OK, BJ),
    ("zero-width-space-pasted", f"\ufeff{BJ[:6]}\u200b{BJ[6:]}", OK, BJ),
    ("legacy-15", BJ_15, OK, BJ_15_AS_18),
    ("legacy-15-spaced", f" {BJ_15[:6]} {BJ_15[6:12]} {BJ_15[12:]} ", OK, BJ_15_AS_18),
    ("legacy-15-fullwidth", BJ_15.translate(FULLWIDTH), OK, BJ_15_AS_18),
    ("leap-day-2000", valid("11010120000229002"), OK, valid("11010120000229002")),
    ("earliest-birth-1900-01-01", valid("11010119000101002"), OK, valid("11010119000101002")),
    ("born-today", valid("11010120250615002"), OK, valid("11010120250615002")),
    ("region-taiwan-province", valid("71000019900101002"), OK, valid("71000019900101002")),
    ("region-hong-kong", valid("81000019900101002"), OK, valid("81000019900101002")),
    ("region-prefecture-level", valid("44030019900101002"), OK, valid("44030019900101002")),
    # --- rejected ---
    ("empty", "", "people.id_number.empty", ""),
    ("only-spaces", "     ", "people.id_number.empty", ""),
    ("only-ideographic-space-and-tab", "\u3000\t\u3000", "people.id_number.empty", ""),
    ("none", None, "people.id_number.empty", ""),
    ("only-hyphens", "---", "people.id_number.empty", ""),
    ("wrong-checksum", wrong_check(BJ), "people.id_number.checksum", ""),
    ("wrong-checksum-x-for-digit", NOT_X[:17] + "X", "people.id_number.checksum", ""),
    ("wrong-checksum-digit-for-x", WITH_X[:17] + "0", "people.id_number.checksum", ""),
    ("transposed-digits", BJ[:14] + BJ[15] + BJ[14] + BJ[16:], "people.id_number.checksum", ""),
    ("length-17", BJ[:17], "people.id_number.length", ""),
    ("length-19", BJ + "1", "people.id_number.length", ""),
    ("length-16", BJ[:16], "people.id_number.length", ""),
    ("length-17-ending-x", WITH_X[1:], "people.id_number.length", ""),
    ("letter-in-middle", BJ[:8] + "A" + BJ[9:], "people.id_number.characters", ""),
    ("x-in-middle", BJ[:8] + "X" + BJ[9:], "people.id_number.characters", ""),
    ("x-in-middle-lower", BJ[:8] + "x" + BJ[9:], "people.id_number.characters", ""),
    ("legacy-15-ending-x", BJ_15[:14] + "X", "people.id_number.characters", ""),
    ("dots-as-separators", f"{BJ[:6]}.{BJ[6:14]}.{BJ[14:]}", "people.id_number.characters", ""),
    ("arabic-indic-digits", "١١٠١٠١" + BJ[6:], "people.id_number.characters", ""),
    ("feb-30", valid("11010119900230123"), "people.id_number.birth_date", ""),
    ("feb-29-1900-not-leap", valid("11010119000229123"), "people.id_number.birth_date", ""),
    ("month-00", valid("11010119900001123"), "people.id_number.birth_date", ""),
    ("month-13", valid("11010119901301123"), "people.id_number.birth_date", ""),
    ("day-00", valid("11010119900100123"), "people.id_number.birth_date", ""),
    ("year-0000", valid("11010100000101123"), "people.id_number.birth_date", ""),
    ("before-1900", valid("11010118991231123"), "people.id_number.birth_date", ""),
    ("legacy-15-feb-30", "110101900230123", "people.id_number.birth_date", ""),
    ("future-2031", valid("11010120310501123"), "people.id_number.future_birth", ""),
    ("future-tomorrow", valid("11010120250616123"), "people.id_number.future_birth", ""),
    ("region-unknown-province-99", valid("99010119900101123"), "people.id_number.region", ""),
    ("region-000000", valid("00000019900101123"), "people.id_number.region", ""),
    ("region-county-unknown-119901", valid("11990119900101123"), "people.id_number.region", ""),
    ("region-taiwan-710100", valid("71010019900101123"), "people.id_number.region", ""),
    ("region-830000-residence-permit", valid("83000019900101123"), "people.id_number.region", ""),
    ("legacy-15-unknown-region", "990101900307123", "people.id_number.region", ""),
]


@pytest.mark.parametrize(("raw", "outcome", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_r0_4_resident_id_table(raw: str | None, outcome: str, expected: str) -> None:
    """R0.4: normalisation and validation; X6: the error names the field; X7: never the full number."""
    if outcome == OK:
        parsed = parse_resident_id(raw, today=TODAY)
        assert parsed.number == expected
        assert normalise_document("resident_id", raw, today=TODAY) == expected
        return
    with pytest.raises(ValidationFailed) as caught:
        parse_resident_id(raw, record="row 7", today=TODAY)
    exc = caught.value
    assert exc.code == outcome
    [error] = exc.errors
    assert (error.code, error.field, error.record) == (outcome, "document_number", "row 7")
    assert "身份证号码" in error.message_zh
    assert "ID number" in error.message_en
    texts = [error.message_zh, error.message_en, exc.message_zh, exc.message_en, str(exc)]
    compact = "".join(ch for ch in (raw or "") if ch.isalnum())
    if compact:
        for text in texts:
            assert compact not in text
            assert compact.upper() not in text
            if len(compact) >= 17:
                assert compact[:17] not in text


def test_r0_4_table_is_big_enough() -> None:
    assert len(CASES) >= 35


def test_r0_4_fields_derived_from_number() -> None:
    parsed = parse_resident_id(BJ, today=TODAY)
    assert parsed == ResidentId(
        number=BJ,
        region_code="110101",
        region_name="北京市 东城区",
        birth_date=datetime.date(1990, 3, 7),
        gender="M",
        converted_from_15=False,
    )
    assert "东城" in parsed.region_name


@pytest.mark.parametrize(("digit", "gender"), [(str(d), "M" if d % 2 else "F") for d in range(10)])
def test_r0_4_gender_from_17th_digit(digit: str, gender: str) -> None:
    number = valid("4403052001091500" + digit)
    assert parse_resident_id(number, today=TODAY).gender == gender


def test_r0_4_legacy_15_conversion() -> None:
    parsed = parse_resident_id("440305850620002", today=TODAY)
    assert parsed.number == valid("44030519850620002")
    assert parsed.number[:8] == "44030519"
    assert parsed.converted_from_15 is True
    assert parsed.birth_date == datetime.date(1985, 6, 20)
    assert parsed.gender == "F"
    assert ric.is_valid(parsed.number)
    male = parse_resident_id("440305850620003", today=TODAY)
    assert male.gender == "M"
    assert male.number == valid("44030519850620003")


def test_r0_4_legacy_15_can_still_be_a_future_birth_for_an_early_today() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_resident_id("110101990101123", today=datetime.date(1998, 1, 1))
    assert caught.value.code == "people.id_number.future_birth"


def test_r0_4_region_names_strip_historical_markers() -> None:
    assert parse_resident_id(CHONGWEN_1985, today=TODAY).region_name == "北京市 崇文区"
    assert parse_resident_id(SZ, today=TODAY).region_name == "广东省 深圳市 南山区"
    # 440305 was 南头区办事处 in 1983-1989: the name in use in the birth year is chosen.
    assert (
        parse_resident_id(valid("44030519860101002"), today=TODAY).region_name == "广东省 深圳市 南头区办事处"
    )
    assert parse_resident_id(XJ, today=TODAY).region_name == "新疆维吾尔自治区 乌鲁木齐市 天山区"
    assert parse_resident_id(valid("81000019900101002"), today=TODAY).region_name == "香港特别行政区"
    for number in (BJ, SZ, XJ, CHONGWEN_2015, valid("42900419900101002")):
        name = parse_resident_id(number, today=TODAY).region_name
        assert "[" not in name and "]" not in name and "," not in name
        assert "市辖区" not in name and "直辖" not in name


def test_r0_4_default_today_rejects_tomorrow() -> None:
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    with pytest.raises(ValidationFailed) as caught:
        parse_resident_id(valid("110101" + tomorrow.strftime("%Y%m%d") + "002"))
    assert caught.value.code == "people.id_number.future_birth"


def test_x6_messages_quote_the_offending_part_only() -> None:
    """X6: say exactly what is wrong; X7: the date or region code may be quoted, the check digit not."""
    with pytest.raises(ValidationFailed) as caught:
        parse_resident_id(valid("11010120310501123"), today=TODAY)
    assert "2031-05-01" in caught.value.errors[0].message_zh
    assert "2031-05-01" in caught.value.errors[0].message_en
    with pytest.raises(ValidationFailed) as caught:
        parse_resident_id(valid("99010119900101123"), today=TODAY)
    assert "990101" in caught.value.errors[0].message_zh
    assert "990101" in caught.value.errors[0].message_en
    with pytest.raises(ValidationFailed) as caught:
        parse_resident_id(valid("11010119900230123"), today=TODAY)
    assert "1990-02-30" in caught.value.errors[0].message_en
    with pytest.raises(ValidationFailed) as caught:
        parse_resident_id(BJ[:8] + "A" + BJ[9:], today=TODAY)
    assert "“A”" in caught.value.errors[0].message_zh
    assert "'A'" in caught.value.errors[0].message_en
    with pytest.raises(ValidationFailed) as caught:
        parse_resident_id(BJ[:17], today=TODAY)
    assert "17" in caught.value.errors[0].message_zh and "17" in caught.value.errors[0].message_en
    with pytest.raises(ValidationFailed) as caught:
        parse_resident_id(wrong_check(BJ), today=TODAY)
    error = caught.value.errors[0]
    assert "校验位" in error.message_zh and "check digit" in error.message_en
    assert BJ[17] not in error.message_zh + error.message_en  # the expected check character is not revealed


def test_x6_field_and_record_are_passed_through() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_resident_id("", field="id_no", record="第3行", today=TODAY)
    assert (caught.value.errors[0].field, caught.value.errors[0].record) == ("id_no", "第3行")


def test_r0_4_stdnum_disagreements_are_deliberate() -> None:
    """stdnum.cn.ric ties a region code to the years it was in use and raises KeyError on some codes;
    we accept any code the database knows (cards keep the code they were first issued under)."""
    assert not ric.is_valid(XJ)  # 天山区 is marked [1983-] in cn/loc
    assert not ric.is_valid(CHONGWEN_2015)  # 崇文区 is marked [-2010]
    assert parse_resident_id(XJ, today=TODAY).number == XJ
    assert parse_resident_id(CHONGWEN_2015, today=TODAY).number == CHONGWEN_2015
    for body in ("11990119900101123", "71010019900101123"):
        with pytest.raises(KeyError):
            ric.is_valid(valid(body))
        with pytest.raises(ValidationFailed) as caught:
            parse_resident_id(valid(body), today=TODAY)
        assert caught.value.code == "people.id_number.region"


# Codes without historical markers in cn/loc, so stdnum.cn.ric accepts them for any birth year.
STABLE_REGIONS = ["110101", "110102", "110105", "110106", "110108", "120104", "310101", "310104", "310105"]


@st.composite
def valid_numbers(draw: st.DrawFn) -> tuple[str, datetime.date, int]:
    region = draw(st.sampled_from(STABLE_REGIONS))
    born = draw(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2025, 6, 15)))
    seq = draw(st.integers(min_value=0, max_value=999))
    return valid(f"{region}{born:%Y%m%d}{seq:03d}"), born, seq


@given(valid_numbers())
def test_r0_4_property_valid_numbers_round_trip_and_agree_with_stdnum(
    case: tuple[str, datetime.date, int],
) -> None:
    number, born, seq = case
    parsed = parse_resident_id(number, today=TODAY)
    assert parsed.number == number
    assert parsed.birth_date == born
    assert parsed.gender == ("M" if seq % 2 else "F")
    assert parsed.converted_from_15 is False
    assert ric.is_valid(number)
    assert ric.validate(number) == number
    assert check_character(number[:17]) == ric.calc_check_digit(number) == number[17]
    assert parse_resident_id(number.lower(), today=TODAY).number == number
    spaced = f" {number[:6]} {number[6:14]} {number[14:]} ".translate(FULLWIDTH)
    assert parse_resident_id(spaced, today=TODAY).number == number


@given(valid_numbers(), st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_r0_4_property_any_single_digit_change_is_rejected(
    case: tuple[str, datetime.date, int], position: int, shift: int
) -> None:
    number = case[0]
    changed = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    with pytest.raises(ValidationFailed) as caught:
        parse_resident_id(changed, today=TODAY)
    assert caught.value.code in {
        "people.id_number.checksum",
        "people.id_number.birth_date",
        "people.id_number.future_birth",
        "people.id_number.region",
    }
    assert not ric.is_valid(changed) if changed[:2] in {"11", "12", "31"} else True


@given(st.text(max_size=30))
def test_r0_4_property_arbitrary_text_raises_only_validation_failed(raw: str) -> None:
    try:
        parsed = parse_resident_id(raw, today=TODAY)
    except ValidationFailed as exc:
        assert exc.code.startswith("people.id_number.")
        assert "身份证号码" in exc.errors[0].message_zh and "ID number" in exc.errors[0].message_en
    else:
        assert len(parsed.number) == 18


@given(st.text(alphabet="0123456789Xx -", min_size=15, max_size=20))
def test_x7_property_messages_never_contain_the_number(raw: str) -> None:
    compact = raw.replace(" ", "").replace("-", "").upper()
    assume(len(compact) >= 15)
    try:
        parse_resident_id(raw, today=TODAY)
    except ValidationFailed as exc:
        for text in (exc.message_zh, exc.message_en, str(exc)):
            assert compact not in text
            assert compact[:15] not in text


# --- other document types -----------------------------------------------------------------------------------

DOCUMENTS: list[tuple[str, str, str | None]] = [
    # (type, raw, normalised or None if rejected with people.document_number.format)
    ("hk_macao", "H12345678", "H12345678"),
    ("hk_macao", "m1234567890", "M1234567890"),
    ("hk_macao", " H 1234 5678 ", "H12345678"),
    ("hk_macao", "Ｈ１２３４５６７８", "H12345678"),
    ("hk_macao", "H1234567", None),
    ("hk_macao", "H123456789", None),
    ("hk_macao", "C12345678", None),
    ("hk_macao", "H123456789012", None),
    ("hk_macao", "12345678", None),
    ("taiwan", "12345678", "12345678"),
    ("taiwan", "1234567890", "1234567890"),
    ("taiwan", "１２３４ ５６７８", "12345678"),
    ("taiwan", "123456789", None),
    ("taiwan", "T1234567", None),
    ("taiwan", "١٢٣٤٥٦٧٨", None),
    ("passport", "E12345678", "E12345678"),
    ("passport", "g1234567", "G1234567"),
    ("passport", "12345", "12345"),
    ("passport", "AB1234567890CDEFG", "AB1234567890CDEFG"),
    ("passport", "1234", None),
    ("passport", "AB1234567890CDEFGH", None),
    ("passport", "E1234-5678", None),
    ("passport", "E１２３４５６７８\u3000", "E12345678"),
    ("passport", "E١٢٣٤٥٦٧٨", None),
    ("foreign_pr", "USA123456789012", "USA123456789012"),
    ("foreign_pr", "usa 1234 5678 9012", "USA123456789012"),
    ("foreign_pr", "91234567890123456X", "91234567890123456X"),
    ("foreign_pr", "912345678901234567", "912345678901234567"),
    ("foreign_pr", "91234567890123456x", "91234567890123456X"),
    ("foreign_pr", "US1234567890123", None),
    ("foreign_pr", "812345678901234567", None),
    ("foreign_pr", "9123456789012345", None),
    ("foreign_pr", "9123456789012345X7", None),
]


@pytest.mark.parametrize(("document_type", "raw", "expected"), DOCUMENTS)
def test_r0_4_other_documents(document_type: str, raw: str, expected: str | None) -> None:
    """R0.4 other documents; X6 the error names the field and the document type; X7 not the number."""
    if expected is not None:
        assert normalise_document(document_type, raw) == expected
        return
    with pytest.raises(ValidationFailed) as caught:
        normalise_document(document_type, raw, record="row 2")
    [error] = caught.value.errors
    assert (error.code, error.field, error.record) == (
        "people.document_number.format",
        "document_number",
        "row 2",
    )
    assert "证件号码" in error.message_zh and "document number" in error.message_en
    names = {
        "hk_macao": ("港澳居民来往内地通行证", "Hong Kong and Macao"),
        "taiwan": ("台湾居民来往大陆通行证", "Taiwan"),
        "passport": ("护照", "passport"),
        "foreign_pr": ("外国人永久居留身份证", "Foreign Permanent Resident"),
    }[document_type]
    assert names[0] in error.message_zh and names[1] in error.message_en
    compact = "".join(raw.split()).upper()
    assert compact not in error.message_zh + error.message_en


@pytest.mark.parametrize("document_type", ["hk_macao", "taiwan", "passport", "foreign_pr"])
@pytest.mark.parametrize("raw", ["", "   ", None])
def test_x6_other_documents_empty(document_type: str, raw: str | None) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalise_document(document_type, raw)
    assert caught.value.code == "people.document_number.empty"


@pytest.mark.parametrize("document_type", ["", "id_card", "RESIDENT_ID", "Passport"])
def test_x6_unknown_document_type(document_type: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalise_document(document_type, "E12345678", record="row 9")
    [error] = caught.value.errors
    assert (error.code, error.field, error.record) == (
        "people.document_type.invalid",
        "document_type",
        "row 9",
    )
    assert "证件类型" in error.message_zh and "document type" in error.message_en
    assert "E12345678" not in error.message_zh + error.message_en


def test_r0_4_normalise_document_resident_id_delegates() -> None:
    assert normalise_document("resident_id", f" {BJ.lower()} ", today=TODAY) == BJ
    assert normalise_document("resident_id", BJ_15, today=TODAY) == BJ_15_AS_18
    with pytest.raises(ValidationFailed) as caught:
        normalise_document("resident_id", wrong_check(BJ), field="id_no", today=TODAY)
    assert caught.value.code == "people.id_number.checksum"
    assert caught.value.errors[0].field == "id_no"


@given(
    st.sampled_from(["resident_id", "hk_macao", "taiwan", "passport", "foreign_pr", "other"]),
    st.text(max_size=25),
)
def test_r0_4_property_documents_raise_only_validation_failed(document_type: str, raw: str) -> None:
    try:
        number = normalise_document(document_type, raw, today=TODAY)
    except ValidationFailed:
        return
    assert number == number.strip().upper()
    assert number.isascii() and number.isalnum()
