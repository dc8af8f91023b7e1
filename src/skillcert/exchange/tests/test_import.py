"""Import of certificate records (R3.2, R3.3, X5, X6): idempotent, all or nothing unless partial, row
and field errors, issued data never overwritten, scoped (X1). Runs on SQLite (bulk inserts) and on
PostgreSQL (COPY) — the same tests, the suite is run on both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from skillcert.audit.models import AuditEntry
from skillcert.certificates.elicence import make_licence_id, validate_licence_id
from skillcert.certificates.models import Certificate, CertificateEvent
from skillcert.certificates.services.lifecycle import current_view
from skillcert.core.errors import NotPermitted, ValidationFailed
from skillcert.exchange.report import write_report
from skillcert.exchange.services.imports import import_certificates
from skillcert.exchange.tests.helpers import resident_id, row, write_csv, write_xlsx
from skillcert.people.models import Person
from skillcert.people.protect import decrypt

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int, int]:
    return (
        Certificate.objects.count(),
        CertificateEvent.objects.count(),
        Person.objects.count(),
        AuditEntry.objects.count(),
    )


def _run(
    demo: dict[str, Any], path: Path, partial: bool = False, user: str = "nj_admin", org: str = "JS-NJ"
) -> Any:
    return import_certificates(
        path, actor=demo["users"][user], organisation=demo["orgs"][org], partial=partial, chunk_size=3
    )


def test_import_creates_frozen_certificates_and_reimport_changes_nothing(
    demo: dict[str, Any], tmp_path: Path
) -> None:
    """R3.2/R3.3: each row becomes a register entry with frozen data, masked and encrypted ID, e-licence
    id, no appraisal session; the same file again: unchanged rows, no new rows, no audit noise."""
    before = _counts()
    rows = [row(i) for i in range(7)] + [row(7, source="historical", document_number=resident_id(7).lower())]
    path = write_csv(tmp_path / "a.csv", rows)
    report = _run(demo, path)
    assert (report.status, report.rows, report.created, report.unchanged, report.error_count) == (
        "committed",
        8,
        8,
        0,
        0,
    )
    after = _counts()
    assert after[0] - before[0] == 8 and after[1] - before[1] == 8 and after[2] - before[2] == 8
    assert after[3] - before[3] == 1  # one audit row for the batch
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry is not None and entry.action == "exchange.certificates.imported"
    data: Any = entry.data
    assert data["created"] == 8 and data["sha256"] == report.sha256
    assert resident_id(0) not in str(entry.data)  # never a full ID number in the audit

    cert = Certificate.objects.select_related("person").get(number="2410012003400001")
    assert cert.enrolment_id is None and cert.source == "imported"
    assert cert.organisation.code == "ST-10012003" and cert.issuing_authority.code == "JS-HRSS"
    assert cert.kind == "qualification" and cert.scheme == "national16"
    assert validate_licence_id(cert.licence_id)
    assert cert.licence_id == make_licence_id("ZYZG", "11320000014000240J", cert.number)
    assert decrypt(cert.id_cipher) == resident_id(0)
    assert cert.data["id_number_masked"] == resident_id(0)[:3] + "*" * 11 + resident_id(0)[-4:]
    assert resident_id(0) not in str(cert.data)
    assert cert.data["theory"] == "81.0" and cert.data["practical"] == "75.5"
    assert cert.data["evaluation"] == "合格" and cert.data["level_name"] == "四级/中级"
    assert cert.person.source == "import" and cert.person.gender in ("M", "F")
    assert current_view(cert)["state"] == "valid"
    assert Certificate.objects.get(number="2410012003400008").source == "historical"
    event = cert.events.get()
    assert event.kind == "issued" and event.data == {"number": cert.number, "source": "imported"}

    again = _run(demo, path)
    assert (again.status, again.created, again.unchanged, again.error_count) == ("unchanged", 0, 8, 0)
    assert _counts() == after


def test_xlsx_file_is_imported_like_csv(demo: dict[str, Any], tmp_path: Path) -> None:
    """X5: XLSX with Chinese headings, numeric and date cells."""
    import datetime

    header = ["证书编号", "姓名", "证件号码", "职业编码", "大典版本", "等级", "发证日期", "发证单位代码"]
    keys = [
        "certificate_number",
        "name",
        "document_number",
        "occupation_code",
        "occupation_edition",
        "level",
        "issued_on",
        "organisation",
    ]
    rows = []
    for i in range(3):
        r = row(i, occupation_edition=2022, level=4, issued_on=datetime.datetime(2024, 6, 1))
        rows.append({h: r[k] for h, k in zip(header, keys, strict=True)})
    path = write_xlsx(tmp_path / "a.xlsx", rows, header=header)
    report = _run(demo, path)
    assert (report.status, report.created) == ("committed", 3), [str(e) for e in report.errors]
    assert Certificate.objects.get(number="2410012003400002").issued_on.isoformat() == "2024-06-01"
    assert _run(demo, path).unchanged == 3


def test_all_or_nothing_writes_nothing_when_one_row_is_bad(demo: dict[str, Any], tmp_path: Path) -> None:
    """X6: nothing half-imported — the bad row is in the last chunk, after earlier chunks were written
    inside the transaction; all of it is rolled back."""
    before = _counts()
    rows = [row(i) for i in range(7)] + [row(7, level="9")]
    report = _run(demo, write_csv(tmp_path / "a.csv", rows))
    assert report.status == "rejected" and report.created == 0 and report.rejected == 1
    assert [(e.record, e.field, e.code) for e in report.errors] == [("9", "level", "exchange.level.invalid")]
    assert _counts() == before


def test_partial_import_takes_valid_rows_and_reports_each_row_and_field(
    demo: dict[str, Any], tmp_path: Path
) -> None:
    """X6: with partial, valid rows are written (one transaction), the report names row and field."""
    rows = [
        row(0),
        row(1, name="张3"),
        row(2, document_number="320102199001011234", level="5"),
        row(3),
        row(4, issued_on="2024-13-01", occupation_code="9-99-99-99"),
    ]
    report = _run(demo, write_csv(tmp_path / "a.csv", rows), partial=True)
    assert (report.status, report.created, report.rejected) == ("committed", 2, 3)
    found = sorted((e.record, e.field, e.code) for e in report.errors)
    assert found == [
        ("3", "name", "people.name.characters"),
        ("4", "document_number", "people.id_number.checksum"),
        ("4", "level", "exchange.level.mismatch"),
        ("6", "issued_on", "exchange.date.format"),
        ("6", "occupation_code", "exchange.occupation.unknown"),
    ]
    assert all(e.message_zh and e.message_en for e in report.errors)
    assert sorted(Certificate.objects.values_list("number", flat=True)) == [
        "2410012003400001",
        "2410012003400004",
    ]

    target = tmp_path / "report.xlsx"
    write_report(report, target)
    book = load_workbook(target)
    errors = list(book["错误 errors"].iter_rows(values_only=True))
    assert errors[0] == ("行 row", "列 column", "代码 code", "说明", "message")
    assert errors[1][:3] == (3, "name", "people.name.characters")
    summary: dict[Any, Any] = {r[0]: r[1] for r in book["汇总 summary"].iter_rows(values_only=True)}
    assert summary["created"] == 2 and summary["status"] == "committed"


def test_changed_row_for_registered_number_is_a_conflict_never_an_overwrite(
    demo: dict[str, Any], tmp_path: Path
) -> None:
    """Issued data is immutable (design rule 3): a different fact for a known number is reported per field."""
    _run(demo, write_csv(tmp_path / "a.csv", [row(0), row(1)]))
    counts = _counts()
    changed = [row(0, name="王五", theory="90"), row(1, document_number=resident_id(5))]
    report = _run(demo, write_csv(tmp_path / "b.csv", changed), partial=True)
    assert report.created == 0 and report.rejected == 2
    found = {(e.record, e.field, e.code) for e in report.errors}
    assert {r for r in found if r[0] == "2"} == {
        ("2", "name", "exchange.number.conflict"),
        ("2", "theory", "exchange.number.conflict"),
    }
    assert ("3", "document_number", "exchange.number.conflict") in found  # and the derived birth date
    assert _counts() == counts
    assert Certificate.objects.get(number="2410012003400001").data["theory"] == "81.0"


def test_duplicates_in_file_and_holder_name_mismatch(demo: dict[str, Any], tmp_path: Path) -> None:
    """The natural key is the certificate number: twice in one file is an error on the second row. A
    document number already registered at the organisation under another name is not merged."""
    rows = [
        row(0),
        row(0),
        row(1, certificate_number="2410012003400009", document_number=resident_id(0), name="李四"),
    ]
    report = _run(demo, write_csv(tmp_path / "a.csv", rows), partial=True)
    assert sorted((e.record, e.field, e.code) for e in report.errors) == [
        ("3", "certificate_number", "exchange.number.duplicate"),
        ("4", "name", "people.name.mismatch"),
    ]
    assert report.created == 1


def test_same_holder_gets_two_certificates_and_one_person(demo: dict[str, Any], tmp_path: Path) -> None:
    rows = [row(0), row(0, certificate_number="2410012003300001", level="3")]
    report = _run(demo, write_csv(tmp_path / "a.csv", rows))
    assert report.created == 2
    people = {c.person_id for c in Certificate.objects.all()}
    assert len(people) == 1


def test_scope_and_permission(demo: dict[str, Any], tmp_path: Path) -> None:
    """X1: only an importer with exchange.import; rows of organisations outside its subtree are refused."""
    path = write_csv(
        tmp_path / "a.csv", [row(0), row(1, organisation="ST-10052001"), row(2, organisation="NOPE")]
    )
    with pytest.raises(NotPermitted):
        _run(demo, path, user="nj003", org="ST-10012003")  # station operator
    report = _run(demo, path, partial=True)
    assert sorted((e.record, e.code) for e in report.errors) == [
        ("3", "exchange.organisation.out_of_scope"),
        ("4", "exchange.organisation.unknown"),
    ]
    # A number registered by another city is reported as taken, without its data.
    skill22 = "S000032000001244000001"
    other = write_csv(tmp_path / "b.csv", [row(0, certificate_number=skill22, organisation="ST-10052001")])
    with pytest.raises(NotPermitted):
        _run(demo, other, user="js_leader", org="JS")  # a centre leader does not import
    assert import_certificates(other, actor=None, organisation=demo["orgs"]["JS"]).created == 1
    clash = write_csv(tmp_path / "c.csv", [row(3, certificate_number=skill22)])
    report = _run(demo, clash, partial=True)
    assert [(e.code, e.message_en) for e in report.errors] == [
        (
            "exchange.number.taken",
            f"Row 2: certificate number {skill22} is registered by another organisation",
        )
    ]
    assert Certificate.objects.get(number=skill22).kind == "skill_level"


def test_file_level_errors(demo: dict[str, Any], tmp_path: Path) -> None:
    """Wrong columns are refused before any row is read, naming each column."""
    path = tmp_path / "bad.csv"
    path.write_text("certificate_number,名字,level\n2410012003400001,张三,4\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        _run(demo, path)
    codes = {(e.field, e.code) for e in caught.value.errors}
    assert ("名字", "exchange.file.unknown_column") in codes
    assert ("document_number", "exchange.file.missing_column") in codes
    gbk = tmp_path / "gbk.csv"
    header = "证书编号,姓名,证件号码,职业编码,大典版本,等级,发证日期,发证单位代码\n"
    r = row(0)
    line = ",".join(
        r[k]
        for k in (
            "certificate_number",
            "name",
            "document_number",
            "occupation_code",
            "occupation_edition",
            "level",
            "issued_on",
            "organisation",
        )
    )
    gbk.write_bytes((header + line + "\n").encode("gb18030"))
    assert _run(demo, gbk).created == 1  # Excel's Chinese CSV encoding is read too
