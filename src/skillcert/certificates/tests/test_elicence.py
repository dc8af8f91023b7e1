"""E-licence identifiers (GB/T 36904): make/parse round trip, the ISO 7064 MOD 37,36 check character against
python-stdnum and an independent implementation, detection of any single changed character, and clear
errors for bad input (X6). The identifier goes on every issued certificate (issue 4, item 2). No database."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc
from stdnum.iso7064 import mod_37_36

from skillcert.certificates.elicence import (
    ROOT,
    LicenceId,
    check_character,
    make_licence_id,
    parse_licence_id,
    validate_licence_id,
)
from skillcert.core.errors import ValidationFailed

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: 8 digits, then no I, O, Z, S, V
ISSUER = "91110000600037341L"  # python-stdnum's own USCC example
TYPE = "11100000000013338W050"


def own_mod_37_36(text: str) -> str:
    """ISO 7064 MOD 37,36 (hybrid system, M = 36), written out independently of python-stdnum."""
    m = 36
    p = m
    for ch in text:
        s = (p + ALNUM.index(ch)) % m or m
        p = (2 * s) % (m + 1)
    return ALNUM[(1 - p) % m]


def own_is_valid(text_with_check: str) -> bool:
    m = 36
    p = m
    for ch in text_with_check[:-1]:
        s = (p + ALNUM.index(ch)) % m or m
        p = (2 * s) % (m + 1)
    return (p + ALNUM.index(text_with_check[-1])) % m == 1


def failure(text: str) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        validate_licence_id(text)
    return caught.value


def codes(exc: ValidationFailed) -> list[str]:
    return [e.code for e in exc.errors]


usccs = st.tuples(
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.text(alphabet=USCC_CHARS, min_size=9, max_size=9),
).map(lambda parts: parts[0] + parts[1] + uscc.calc_check_digit(parts[0] + parts[1]))
alnums = st.text(alphabet=ALNUM, min_size=1, max_size=40)
versions = st.integers(1, 999).map("{:03d}".format)
identifiers = st.builds(make_licence_id, alnums, usccs, alnums, versions)


def test_published_identifiers_verify() -> None:
    """Real identifiers from public e-licence clients: the check covers the four fields, not the root."""
    for text in (
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
        "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
    ):
        parsed = parse_licence_id(text)
        assert parsed.format() == text
        assert own_mod_37_36(parsed.check_input) == parsed.check
        # Including the root digits would give another character.
        assert own_mod_37_36(ROOT.replace(".", "") + parsed.check_input) != parsed.check


def test_make_and_parse() -> None:
    text = make_licence_id(TYPE, ISSUER, "2024000001")
    assert text.startswith(f"{ROOT}.{TYPE}.{ISSUER}.2024000001.001.")
    parsed = parse_licence_id(text)
    assert parsed == LicenceId(TYPE, ISSUER, "2024000001", "001", text[-1])
    assert str(parsed) == text == validate_licence_id(text)


@settings(max_examples=1000, deadline=None)
@given(alnums, usccs, alnums, versions)
def test_round_trip_and_check_character(type_code: str, issuer: str, serial: str, version: str) -> None:
    text = make_licence_id(type_code, issuer, serial, version)
    parsed = parse_licence_id(text)
    assert (parsed.type_code, parsed.issuer_uscc, parsed.serial, parsed.version) == (
        type_code,
        issuer,
        serial,
        version,
    )
    body = type_code + issuer + serial + version
    assert parsed.check == mod_37_36.calc_check_digit(body) == own_mod_37_36(body)
    assert check_character(type_code, issuer, serial, version) == parsed.check
    assert own_is_valid(body + parsed.check) and mod_37_36.is_valid(body + parsed.check)
    assert parsed.format() == text


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=ALNUM, min_size=1, max_size=120))
def test_own_mod_37_36_agrees_with_stdnum(text: str) -> None:
    assert own_mod_37_36(text) == mod_37_36.calc_check_digit(text)


@settings(max_examples=1000, deadline=None)
@given(identifiers, st.data())
def test_any_single_changed_character_is_detected(text: str, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(text) - 1))
    replacement = data.draw(st.sampled_from(ALNUM + "."))
    assume(replacement != text[index])
    changed = text[:index] + replacement + text[index + 1 :]
    with pytest.raises(ValidationFailed) as caught:
        validate_licence_id(changed)
    assert set(codes(caught.value)) <= {
        "certificates.licence_id.format",
        "certificates.licence_id.check",
        "certificates.licence_id.uscc",
    }


def test_wrong_check_names_the_expected_character() -> None:
    text = make_licence_id(TYPE, ISSUER, "2024000001")
    wrong = "0" if text[-1] != "0" else "1"
    exc = failure(text[:-1] + wrong)
    assert codes(exc) == ["certificates.licence_id.check"]
    assert f"应为{text[-1]}，实为{wrong}" in exc.message_zh and "MOD 37,36" in exc.message_en


def test_bad_uscc_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        make_licence_id(TYPE, "91110000600037341A", "1")
    assert codes(caught.value) == ["certificates.licence_id.uscc"]
    assert "统一社会信用代码" in caught.value.message_zh and "check character" in caught.value.message_en
    for bad in ("9111000060003734", "91110000600037341I", "9111-0000600037341L"):
        with pytest.raises(ValidationFailed) as caught:
            make_licence_id(TYPE, bad, "1")
        assert codes(caught.value) == ["certificates.licence_id.uscc"], bad
    # A well-formed identifier whose issuer code is a region code, not a USCC (one public platform did this).
    exc = failure("1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9")
    assert codes(exc) == ["certificates.licence_id.uscc"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("", ISSUER, "1", "001"), "type code"),
        (("A_B", ISSUER, "1", "001"), "type code"),
        (("a", ISSUER, "1", "001"), "type code"),
        ((TYPE, ISSUER, "", "001"), "serial"),
        ((TYPE, ISSUER, "X" * 41, "001"), "serial"),
        ((TYPE, ISSUER, "1.2", "001"), "serial"),
        ((TYPE, ISSUER, "1", "01"), "version"),
        ((TYPE, ISSUER, "1", "000"), "version"),
        ((TYPE, ISSUER, "1", "1000"), "version"),
    ],
)
def test_make_refuses_bad_parts(args: tuple[str, str, str, str], fragment: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        make_licence_id(*args)
    assert codes(caught.value) == ["certificates.licence_id.format"]
    assert fragment in caught.value.message_en and "电子证照标识" in caught.value.message_zh


def test_serial_of_40_is_the_longest() -> None:
    assert parse_licence_id(make_licence_id(TYPE, ISSUER, "Z" * 40)).serial == "Z" * 40


@pytest.mark.parametrize(
    "text",
    [
        "",
        ROOT,
        f"1.2.156.3005.3.{TYPE}.{ISSUER}.1.001.0",
        f"{ROOT}.{TYPE}.{ISSUER}.1.001",
        f"{ROOT}.{TYPE}.{ISSUER}.1.001.0.0",
        f"{ROOT}.{TYPE}.{ISSUER}.1.001.",
        f"{ROOT}.{TYPE}.{ISSUER}.1.001.AB",
    ],
)
def test_malformed_identifiers(text: str) -> None:
    exc = failure(text)
    assert codes(exc) == ["certificates.licence_id.format"]


def test_typed_input_is_normalised() -> None:
    text = make_licence_id(TYPE, ISSUER, "SERIAL2024")
    typed = "  " + text.lower().replace(".", "．", 3) + "\n"  # lower case, full-width dots, whitespace
    assert validate_licence_id(typed) == text


def test_all_problems_are_reported_with_record() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_licence_id(f"{ROOT}.A_B.91110000600037341A.1.01.0", record="第7行")
    exc = caught.value
    assert codes(exc) == [
        "certificates.licence_id.format",
        "certificates.licence_id.format",
        "certificates.licence_id.uscc",
    ]
    assert all(e.record == "第7行" and e.field == "licence_id" for e in exc.errors)
