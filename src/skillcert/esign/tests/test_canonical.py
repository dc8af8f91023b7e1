"""The canonical certificate record and its signature (issue 5 item 2; R2.3, X7;
docs/formats/certificate-data.md)."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest

from skillcert.core.errors import ValidationFailed
from skillcert.esign import canonical, sm2

SOURCE = {
    "number": "1631000000500001",
    "kind": "qualification",
    "licence_id": "ZYZG-12100000MB0000000X-1631000000500001",
    "name": "吉𠮷祥",
    "gender": "男",
    "birth_date": "1990-01-02",
    "education": "大学本科",
    "document_type": "resident_id",
    "id_number_masked": "110***********1234",
    "id_number": "11010519491231002X",
    "id_salt": bytes(range(16)),
    "occupation_code": "6-18-01-01",
    "occupation_edition": "2022",
    "occupation": "车工",
    "work_type": "车工",
    "level": 5,
    "level_name": "五级/初级",
    "theory": "85",
    "practical": 72.5,
    "comprehensive": None,
    "evaluation": "合格",
    "issued_on": "2025-06-30",
    "issuing_authority": "北京市职业技能鉴定指导中心",
    "issuing_authority_uscc": "12110000MB0000000X",
    "self_evaluated": True,
    "scope_of_use": "限本企业内部使用",
    "reissue": False,
    "photo": "ignored-storage-key",
    "session": "ignored",
}

# The golden canonical bytes of SOURCE (docs/formats/certificate-data.md, example 1).
GOLDEN = (
    '{"birth_date":"1990-01-02","document_type":"resident_id","education":"大学本科","evaluation":"合格",'
    '"gender":"男","id_commitment":"23ed5eb387c4c1364baaa7626d966af52d1b1b8915cd1ae41302737f795d55e9",'
    '"id_number_masked":"110***********1234","issued_on":"2025-06-30",'
    '"issuing_authority":"北京市职业技能鉴定指导中心","issuing_authority_uscc":"12110000MB0000000X",'
    '"kind":"qualification","level":"5","level_name":"五级/初级",'
    '"licence_id":"ZYZG-12100000MB0000000X-1631000000500001","name":"吉𠮷祥","number":"1631000000500001",'
    '"occupation":"车工","occupation_code":"6-18-01-01","occupation_edition":"2022","practical":"72.5",'
    '"scope_of_use":"限本企业内部使用","self_evaluated":true,"theory":"85.0","v":1,"work_type":"车工"}'
).encode()

# A fixed test key and a signature made with it over GOLDEN (SM2 signatures are randomised, so this is
# one valid signature, not the only one).
TEST_SK = bytes.fromhex("3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8")
TEST_PK = bytes.fromhex(
    "0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
    "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13"
)
GOLDEN_SIG = bytes.fromhex(
    "6b3b1461c184ca4d1ae644a40db1695983cd95712a13d0783c0eac46240149f8"
    "00c535ef2de8b66df18f1904a198f2b97cb2017372a5d722600213538940417f"
)


def test_golden_bytes() -> None:
    record = canonical.canonical_record(SOURCE)
    assert canonical.canonical_bytes(record) == GOLDEN
    assert canonical.signed_message(record) == b"SKILLCERT:CERTIFICATE-DATA:V1\x00" + GOLDEN
    assert canonical.parse_canonical(GOLDEN) == record


def test_golden_signature_verifies() -> None:
    assert sm2.public_key_of(TEST_SK) == TEST_PK
    record = canonical.parse_canonical(GOLDEN)
    assert canonical.verify_record(record, TEST_PK, GOLDEN_SIG)
    assert sm2.verify(TEST_PK, b"SKILLCERT:CERTIFICATE-DATA:V1\x00" + GOLDEN, GOLDEN_SIG)


def test_full_id_number_never_in_record() -> None:
    """X7: only the masked number and the salted commitment are in the record."""
    data = canonical.canonical_bytes(canonical.canonical_record(SOURCE))
    assert b"11010519491231002X" not in data and b"id_salt" not in data
    commitment = sm2.sm3(b"SKILLCERT:ID:V1\x00" + bytes(range(16)) + b"resident_id:11010519491231002X").hex()
    assert commitment == canonical.canonical_record(SOURCE)["id_commitment"]
    # a lower-case x and padding spaces give the same commitment; another salt another one
    assert canonical.id_commitment("resident_id", " 11010519491231002x ", bytes(range(16))) == commitment
    assert canonical.id_commitment("resident_id", "11010519491231002X", bytes(16)) != commitment


def test_input_key_order_and_whitespace_do_not_matter() -> None:
    reordered = dict(reversed(list(SOURCE.items())))
    spaced = {k: (f"  {v}\u3000" if isinstance(v, str) else v) for k, v in SOURCE.items()}
    assert canonical.canonical_bytes(canonical.canonical_record(reordered)) == GOLDEN
    assert canonical.canonical_bytes(canonical.canonical_record(spaced)) == GOLDEN
    # the same record sent as pretty-printed JSON
    record = canonical.canonical_record(SOURCE)
    pretty = json.loads(json.dumps(record, indent=4, ensure_ascii=True, sort_keys=False))
    assert canonical.canonical_bytes(pretty) == GOLDEN
    # typed values normalise to the same strings
    typed = dict(
        SOURCE,
        theory=Decimal("85.0"),
        practical="72.50",
        issued_on=datetime.date(2025, 6, 30),
        comprehensive="",
        level="5",
    )
    assert canonical.canonical_bytes(canonical.canonical_record(typed)) == GOLDEN


def test_nfc_normalisation_and_astral_characters() -> None:
    decomposed = dict(SOURCE, name="Jose\u0301 吉𠮷祥")
    record = canonical.canonical_record(decomposed)
    assert record["name"] == "José 吉𠮷祥"
    data = canonical.canonical_bytes(record)
    assert "José 吉𠮷祥".encode() in data and b"\\u" not in data
    assert "𠮷".encode() == b"\xf0\xa0\xae\xb7" and b"\xf0\xa0\xae\xb7" in data
    assert canonical.parse_canonical(data)["name"] == "José 吉𠮷祥"


def test_round_trip_and_one_changed_field_fails() -> None:
    keys = sm2.generate_keypair()
    record = canonical.canonical_record(SOURCE)
    sig = canonical.sign_record(record, keys.private_key)
    assert canonical.verify_record(record, keys.public_key, sig)
    assert canonical.verify_record(dict(reversed(list(record.items()))), keys.public_key, sig)
    for key, value in record.items():
        if key == "v":
            continue
        if isinstance(value, bool):
            changed = {k: v for k, v in record.items() if k != key}
        elif key == "level":
            changed = dict(record, level="4")
        elif key in canonical.SCORE_FIELDS:
            changed = dict(record, **{key: "60.0"})
        elif key in canonical.DATE_FIELDS:
            changed = dict(record, **{key: "2001-01-01"})
        elif key in ("id_commitment", "photo_sm3"):
            changed = dict(record, **{key: "0" * 64})
        elif key == "kind":
            changed = dict(record, kind="score")
        elif key == "issuing_authority_uscc":
            changed = dict(record, issuing_authority_uscc="91110000MB0000000X")
        else:
            changed = dict(record, **{key: value[:-1] + ("1" if value[-1] != "1" else "2")})
        assert not canonical.verify_record(changed, keys.public_key, sig), key
    # an added field changes the bytes as well
    assert not canonical.verify_record(dict(record, reissue=True), keys.public_key, sig)


def test_one_changed_byte_fails() -> None:
    message = canonical.signed_message(canonical.parse_canonical(GOLDEN))
    for pos in range(len(message)):
        changed = bytearray(message)
        changed[pos] ^= 0x01
        assert not sm2.verify(TEST_PK, bytes(changed), GOLDEN_SIG), pos
    for pos in range(len(GOLDEN_SIG)):
        sig = bytearray(GOLDEN_SIG)
        sig[pos] ^= 0x80
        assert not canonical.verify_record(canonical.parse_canonical(GOLDEN), TEST_PK, bytes(sig)), pos


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"number": None}, "esign.record.required"),
        ({"kind": "licence"}, "esign.record.kind"),
        ({"level": 6}, "esign.record.level"),
        ({"theory": "85.25"}, "esign.record.score"),
        ({"theory": "101"}, "esign.record.score"),
        ({"theory": "NaN"}, "esign.record.score"),
        ({"issued_on": "2025-6-30"}, "esign.record.date"),
        ({"issued_on": "2025-02-30"}, "esign.record.date"),
        ({"name": "张\n三"}, "esign.record.control_character"),
        ({"name": "张\ud842三"}, "esign.record.control_character"),
        ({"number": "1631 0001"}, "esign.record.ascii"),
        ({"issuing_authority_uscc": "12110000MB0000000I"}, "esign.record.uscc"),
        ({"self_evaluated": "yes"}, "esign.record.type"),
        ({"reissued_on": "2025-07-01"}, "esign.record.reissue"),
        ({"id_commitment": None, "id_salt": None}, "esign.record.id_salt"),
    ],
)
def test_rules(change: dict[str, object], code: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        canonical.canonical_record(dict(SOURCE, **change))
    assert info.value.code == code


def test_absent_values_are_omitted_not_null() -> None:
    record = canonical.canonical_record(dict(SOURCE, education="", gender=None, reissue=True))
    assert "education" not in record and "gender" not in record and "comprehensive" not in record
    assert record["reissue"] is True
    assert b"null" not in canonical.canonical_bytes(record)


def test_non_canonical_bytes_are_refused() -> None:
    pretty = json.dumps(json.loads(GOLDEN), ensure_ascii=False, indent=1).encode()
    for data in (pretty, GOLDEN.replace(b'"v":1', b'"v":1.0'), GOLDEN[:-1] + b',"x":"y"}'):
        with pytest.raises(ValidationFailed):
            canonical.parse_canonical(data)
    assert not canonical.verify_record({"v": 2}, TEST_PK, GOLDEN_SIG)
