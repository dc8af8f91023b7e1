"""Every coding rule of format import-v1 produces its stable code on the row and column that break it
(R3.3: "rejects what breaks it, row by row"; X6). One file, one bad row per rule, imported with partial."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skillcert.catalog.models import Occupation
from skillcert.certificates.models import Certificate
from skillcert.exchange.rules import RowChecker
from skillcert.exchange.services.imports import import_certificates
from skillcert.exchange.tests.helpers import resident_id, row, write_csv

pytestmark = pytest.mark.django_db

ID0 = resident_id(0)  # 320102 19600101 000 + check; female (sequence 000 is even)
WRONG_CHECK = ID0[:17] + ("0" if ID0[17] != "0" else "1")

# (changes to a valid row, expected (field, code) pairs — each must be among the row's errors)
CASES: list[tuple[dict[str, Any], set[tuple[str, str]]]] = [
    ({"certificate_number": ""}, {("certificate_number", "certificates.number.empty")}),
    ({"certificate_number": "24100120034000"}, {("certificate_number", "certificates.number.length")}),
    ({"certificate_number": "2400012003400001"}, {("certificate_number", "certificates.number.area")}),
    (
        {"certificate_number": "2410017003400001"},
        {("certificate_number", "certificates.number.institution_type")},
    ),
    ({"certificate_number": "2410012003000001"}, {("certificate_number", "certificates.number.level")}),
    ({"certificate_number": "2410012003400000"}, {("certificate_number", "certificates.number.sequence")}),
    ({"certificate_number": "24100120034000A1"}, {("certificate_number", "certificates.number.characters")}),
    (
        {"certificate_number": "S000099000001244000001"},
        {("certificate_number", "certificates.number.province")},
    ),
    (
        {"certificate_number": "X000032000001244000001"},
        {("certificate_number", "certificates.number.scheme")},
    ),
    ({"certificate_number": "2410012005400001"}, {("certificate_number", "exchange.number.institution")}),
    ({"certificate_number": "2411012003400001"}, {("certificate_number", "certificates.number.issuer_area")}),
    (
        {"certificate_number": "2449012003400001"},
        {("certificate_number", "certificates.number.industry_code")},
    ),
    ({"occupation_code": "6-99-99-01"}, {("certificate_number", "certificates.number.industry_code")}),
    (
        {"occupation_code": "6-99-99-01", "certificate_number": "S000032000001244000001"},
        {("occupation_code", "certificates.numbering.industry_only")},
    ),
    ({"level": "3"}, {("level", "exchange.level.mismatch")}),
    ({"level": "6"}, {("level", "exchange.level.invalid")}),
    ({"level": ""}, {("level", "exchange.level.invalid")}),
    ({"issued_on": "2023-06-01"}, {("issued_on", "exchange.issued_on.year_mismatch")}),
    (
        {"certificate_number": "9910012003400001", "issued_on": "2099-01-01"},
        {("issued_on", "exchange.issued_on.future")},
    ),
    ({"issued_on": ""}, {("issued_on", "exchange.issued_on.required")}),
    ({"issued_on": "2024/02/30"}, {("issued_on", "exchange.date.format")}),
    (
        {
            "document_type": "passport",
            "document_number": "E12345678",
            "gender": "男",
            "birth_date": "2024-12-01",
        },
        {("issued_on", "exchange.issued_on.before_birth")},
    ),
    ({"document_number": WRONG_CHECK}, {("document_number", "people.id_number.checksum")}),
    ({"document_number": ID0[:16]}, {("document_number", "people.id_number.length")}),
    ({"document_number": "990102" + ID0[6:]}, {("document_number", "people.id_number.region")}),
    ({"document_number": ID0[:10] + "1399" + ID0[14:]}, {("document_number", "people.id_number.birth_date")}),
    ({"document_number": ""}, {("document_number", "people.id_number.empty")}),
    ({"document_number": ID0[:5] + "A" + ID0[6:]}, {("document_number", "people.id_number.characters")}),
    ({"name": ""}, {("name", "people.name.empty")}),
    ({"name": "张三!"}, {("name", "people.name.characters")}),
    ({"name": "张" * 51}, {("name", "people.name.length")}),
    ({"gender": "男"}, {("gender", "people.gender.mismatch")}),
    ({"gender": "X"}, {("gender", "exchange.gender.invalid")}),
    ({"birth_date": "1960-01-02"}, {("birth_date", "people.birth_date.mismatch")}),
    ({"birth_date": "1960-1-2x"}, {("birth_date", "exchange.date.format")}),
    ({"document_type": "driving_licence"}, {("document_type", "people.document_type.invalid")}),
    (
        {"document_type": "passport", "document_number": "E12345678"},
        {("gender", "people.gender.required"), ("birth_date", "people.birth_date.required")},
    ),
    (
        {"document_type": "passport", "document_number": "E1", "gender": "F", "birth_date": "1990-01-01"},
        {("document_number", "people.document_number.format")},
    ),
    ({"occupation_code": "9-99-99-99"}, {("occupation_code", "exchange.occupation.unknown")}),
    ({"occupation_edition": "1999"}, {("occupation_code", "exchange.occupation.unknown")}),
    ({"occupation_code": ""}, {("occupation_code", "exchange.occupation.required")}),
    ({"occupation_edition": ""}, {("occupation_edition", "exchange.occupation.required")}),
    ({"organisation": ""}, {("organisation", "exchange.organisation.required")}),
    ({"organisation": "NO-SUCH"}, {("organisation", "exchange.organisation.unknown")}),
    ({"organisation": "ST-10052001"}, {("organisation", "exchange.organisation.out_of_scope")}),
    ({"theory": "101"}, {("theory", "exchange.score.invalid")}),
    ({"practical": "85.55"}, {("practical", "exchange.score.invalid")}),
    ({"comprehensive": "good"}, {("comprehensive", "exchange.score.invalid")}),
    ({"education": "博士后后"}, {("education", "people.education.invalid")}),
    ({"source": "scanned"}, {("source", "exchange.source.invalid")}),
    ({"evaluation": "合" * 21}, {("evaluation", "exchange.evaluation.length")}),
    ({"work_type": "车" * 101}, {("work_type", "exchange.work_type.length")}),
]


def test_every_coding_rule_violation_has_its_code(demo: dict[str, Any], tmp_path: Path) -> None:
    Occupation.objects.create(
        code="6-99-99-01", name="机械特有工种", edition=2022, industry_specific=True, industry_code="49"
    )
    rows = [row(0)] + [row(i + 1, **changes) for i, (changes, _codes) in enumerate(CASES)]
    path = write_csv(tmp_path / "rules.csv", rows)
    report = import_certificates(
        path, actor=demo["users"]["nj_admin"], organisation=demo["orgs"]["JS-NJ"], partial=True
    )
    by_row: dict[str, set[tuple[str, str]]] = {}
    for e in report.errors:
        by_row.setdefault(str(e.record), set()).add((e.field, e.code))
        assert e.message_zh and e.message_en and e.code
    for i, (changes, expected) in enumerate(CASES):
        found = by_row.get(str(i + 3), set())  # header is line 1, the valid row line 2
        assert expected <= found, (changes, found)
    assert report.created == 1 and report.rejected == len(CASES)
    assert list(Certificate.objects.values_list("number", flat=True)) == ["2410012003400001"]


def test_licence_id_shortcut_matches_the_reference(demo: dict[str, Any]) -> None:
    """The import keeps the MOD 37,36 state over type code + issuer per configuration; it must give the
    same identifier as certificates.elicence.make_licence_id for every number."""
    from skillcert.certificates.elicence import make_licence_id
    from skillcert.certificates.models import NumberingConfig
    from skillcert.people.protect import document_hash

    checker = RowChecker(demo["orgs"]["JS"])
    for number in (resident_id(1), "E12345678", "中文"):
        assert checker.document_hash("resident_id", number) == document_hash("resident_id", number)
    for config in NumberingConfig.objects.all():
        for number in ("2410012003400001", "S000032000001244000001", "0949003018100017", "2610012003499999"):
            assert checker.licence_id(config, number) == make_licence_id(
                config.licence_type_code, config.issuer_uscc, number
            )


def test_number_and_id_normalised_like_everywhere_else(demo: dict[str, Any], tmp_path: Path) -> None:
    """Full-width digits, spaces and hyphens in the number, a lower-case x and spaces in the ID number, a
    15-digit legacy ID: accepted and stored in normal form, as the rest of the system does."""
    from skillcert.people.idnumber import check_character

    body = "32010219600101001"
    with_x = next(
        b + "X" for b in (f"32010219600101{s:03d}" for s in range(100)) if check_character(b) == "X"
    )
    rows = [
        row(0, certificate_number="２４１００１２００３４００００１"),
        row(1, certificate_number="24-10-01-2003-4-00002", document_number=with_x.lower()),
        row(2, certificate_number="2410012003400003", document_number="320102600101002"),
        row(
            3, certificate_number="2410012003400004", document_number=" ".join([body + check_character(body)])
        ),
    ]
    report = import_certificates(
        write_csv(tmp_path / "n.csv", rows), actor=None, organisation=demo["orgs"]["JS-NJ"]
    )
    assert report.created == 4, [str(e) for e in report.errors]
    numbers = sorted(Certificate.objects.values_list("number", flat=True))
    assert numbers == ["2410012003400001", "2410012003400002", "2410012003400003", "2410012003400004"]
    legacy = Certificate.objects.get(number="2410012003400003")
    assert legacy.data["birth_date"] == "1960-01-01" and legacy.data["id_number_masked"].startswith("320")


def test_published_json_schema_accepts_valid_rows_and_refuses_shapes() -> None:
    """The published import-v1 JSON Schema agrees with the importer on shapes (R3.3)."""
    import json

    import jsonschema

    schema = json.loads(
        (Path(__file__).resolve().parents[4] / "docs" / "formats" / "import-v1.schema.json").read_text(
            "utf-8"
        )
    )
    validator = jsonschema.Draft202012Validator(schema)
    for i in range(20):
        assert not list(validator.iter_errors(row(i))), row(i)
    assert not list(
        validator.iter_errors(row(0, certificate_number="S000032000001244000001", source="historical"))
    )
    for changes in (
        {"certificate_number": "2400012003400001"},
        {"level": "6"},
        {"theory": "101"},
        {"issued_on": "2024/06/01"},
        {"unknown": "x"},
    ):
        assert list(validator.iter_errors(row(0, **changes))), changes
