"""Enrolment of candidates into an approved session: from the ID-card reader (R0.4: data and photo come
from the chip, not typed), by manual entry, or from an XLSX/CSV roster with errors per row and field,
rejected whole unless the user chooses to import only the valid rows (X6). A person is enrolled at most
once per session."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from skillcert.appraisal.choices import EnrolmentSource
from skillcert.appraisal.models import AppraisalSession, Enrolment, SessionSubject
from skillcert.appraisal.services.common import require, results_submitted
from skillcert.appraisal.services.sessions import require_approved
from skillcert.audit.services import log_action
from skillcert.catalog.models import EducationLevel
from skillcert.core.errors import Conflict, FieldError, ValidationFailed, field_error
from skillcert.core.tabular import Limits, column_name, open_table
from skillcert.people.models import DocumentType, Person, Photo
from skillcert.people.protect import document_hash
from skillcert.people.services import check_person, find_or_register_person, store_photo


def _check_open(session: AppraisalSession) -> None:
    require_approved(session)
    if results_submitted(session):
        raise Conflict(
            "appraisal.enrolment.closed",
            "鉴定结果已上报，不能再报名",
            "The session's results were submitted; enrolment is closed",
        )


def _subject(session: AppraisalSession, subject: SessionSubject) -> None:
    if subject.session_id != session.pk:
        raise field_error(
            session.code,
            "subject",
            "appraisal.enrolment.subject",
            "所选职业等级不属于本场次",
            "The occupation and level are not part of this session",
        )


@transaction.atomic
def enrol(
    session: AppraisalSession,
    subject: SessionSubject,
    person: Person,
    *,
    actor: Any,
    source: str,
    photo: Photo | None = None,
    work_unit: str = "",
) -> Enrolment:
    require(actor, "appraisal.enrol", session.organisation)
    _check_open(session)
    _subject(session, subject)
    if Enrolment.objects.filter(session=session, person=person).exists():
        raise field_error(
            person.name,
            "person",
            "appraisal.enrolment.duplicate",
            f"{person.name}（{person.document_masked}）已报名本场次",
            f"{person.name} ({person.document_masked}) is already enrolled in this session",
        )
    enrolment = Enrolment.objects.create(
        session=session,
        subject=subject,
        person=person,
        source=source,
        photo=photo or person.photo,
        work_unit=work_unit.strip()[:100],
    )
    log_action(
        "appraisal.enrolment.created",
        enrolment,
        actor=actor,
        after={
            "person": person.pk,
            "subject": str(subject),
            "source": source,
            "photo": enrolment.photo_id or "",
        },
    )
    return enrolment


@transaction.atomic
def enrol_manual(
    session: AppraisalSession,
    subject: SessionSubject,
    *,
    actor: Any,
    photo_upload: bytes | None = None,
    work_unit: str = "",
    **person_data: Any,
) -> Enrolment:
    """R0.4 fallback: typed data, validated (ID checksum, birth date)."""
    require(actor, "appraisal.enrol", session.organisation)
    person, _created = find_or_register_person(
        actor=actor, organisation=session.organisation, source="manual", **person_data
    )
    photo = store_photo(photo_upload, source="upload", record=person.name) if photo_upload else None
    if photo is not None and person.photo_id != photo.pk:
        person.photo = photo
        person.save(update_fields=["photo", "updated_at"])
    return enrol(
        session, subject, person, actor=actor, source=EnrolmentSource.MANUAL, photo=photo, work_unit=work_unit
    )


_CARD_GENDER = {"男": "M", "女": "F", "1": "M", "2": "F", "M": "M", "F": "F"}


def parse_card(payload: dict[str, Any]) -> dict[str, Any]:
    """The vendor bridge's `/readcard` JSON (design.md): partyName, gender, nation, bornDay, certAddress,
    certNumber, certOrg, effDate, expDate, identityPic (base64 102×126)."""
    record = str(payload.get("partyName") or "ID card")
    errors: list[FieldError] = []
    for key in ("partyName", "certNumber"):
        if not str(payload.get(key) or "").strip():
            errors.append(
                FieldError(
                    key, "appraisal.card.missing", f"读卡数据缺少{key}", f"The card data lacks {key}", record
                )
            )
    gender = _CARD_GENDER.get(str(payload.get("gender") or "").strip())
    born = re.sub(r"\D", "", str(payload.get("bornDay") or ""))
    birth_date = None
    try:
        birth_date = datetime.date(int(born[:4]), int(born[4:6]), int(born[6:8])) if len(born) == 8 else None
    except ValueError:
        birth_date = None
    if birth_date is None:
        errors.append(
            FieldError(
                "bornDay",
                "appraisal.card.born",
                "读卡数据的出生日期无效",
                "The card's birth date is invalid",
                record,
            )
        )
    expiry = re.sub(r"\D", "", str(payload.get("expDate") or ""))
    if len(expiry) == 8 and expiry < timezone.localdate().strftime("%Y%m%d"):
        errors.append(
            FieldError(
                "expDate", "appraisal.card.expired", "身份证已过有效期", "The ID card has expired", record
            )
        )
    if errors:
        raise ValidationFailed.of(errors)
    return {
        "name": str(payload["partyName"]).strip(),
        "document_type": DocumentType.RESIDENT_ID,
        "document_number": str(payload["certNumber"]),
        "gender": gender,
        "birth_date": birth_date,
        "nation": str(payload.get("nation") or "")[:20],
        "address": str(payload.get("certAddress") or "")[:200],
    }


@transaction.atomic
def enrol_from_card(
    session: AppraisalSession, subject: SessionSubject, payload: dict[str, Any], *, actor: Any
) -> Enrolment:
    """R0.3/R0.4: the browser read the card through the local bridge and posts its JSON here."""
    from skillcert.people.photos import card_reader_photo

    require(actor, "appraisal.enrol", session.organisation)
    data = parse_card(payload)
    photo = None
    if payload.get("identityPic"):
        photo = store_photo(
            card_reader_photo(str(payload["identityPic"]), record=data["name"]), source="card_reader"
        )
    person, _created = find_or_register_person(
        actor=actor, organisation=session.organisation, source="card_reader", **data
    )
    if photo is not None and person.photo_id != photo.pk:
        person.photo = photo
        person.save(update_fields=["photo", "updated_at"])
    return enrol(session, subject, person, actor=actor, source=EnrolmentSource.CARD_READER, photo=photo)


# --- roster import ------------------------------------------------------------------------------

ROSTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name"),
    "document_type": ("证件类型", "document_type"),
    "document_number": ("证件号码", "身份证号码", "身份证号", "document_number", "id_number"),
    "education": ("文化程度", "education"),
    "phone": ("联系电话", "电话", "phone"),
    "occupation": ("职业编码", "职业代码", "occupation"),
    "level": ("等级", "申报等级", "level"),
    "work_unit": ("工作单位", "work_unit"),
}
REQUIRED_COLUMNS = ("name", "document_number", "occupation", "level")
DOC_TYPES = {
    "居民身份证": "resident_id",
    "身份证": "resident_id",
    "护照": "passport",
    "港澳居民来往内地通行证": "hk_macao",
    "台湾居民来往大陆通行证": "taiwan",
    "外国人永久居留身份证": "foreign_pr",
}
_LEVEL_WORDS = {
    "五级": 5,
    "初级": 5,
    "四级": 4,
    "中级": 4,
    "三级": 3,
    "高级": 3,
    "高级工": 3,
    "二级": 2,
    "技师": 2,
    "一级": 1,
    "高级技师": 1,
}


@dataclass
class ImportReport:
    total: int = 0
    imported: int = 0
    errors: list[FieldError] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({e.record for e in self.errors})


class TableRow(dict[str, str]):
    """One row of `read_table`: {column key: text}, with its number as the sheet shows it and the
    reader's own errors for it (a field longer than the limit)."""

    def __init__(self, values: dict[str, str], number: int, errors: list[FieldError]) -> None:
        super().__init__(values)
        self.number = number
        self.errors = errors


def row_record(number: int) -> str:
    return f"第{number}行 row {number}"


def read_table(
    content: bytes,
    filename: str,
    *,
    columns: dict[str, tuple[str, ...]] | None = None,
    required: tuple[str, ...] = REQUIRED_COLUMNS,
) -> list[TableRow]:
    """Rows of an XLSX or CSV table as {column key: text}, headers matched in Chinese or English
    (a heading may carry both: "姓名 name"). Read by `core.tabular` within the table limits
    (SKILLCERT_UPLOAD_*: bytes, rows, unpacked size, field length; issue 13 items 4, 10): a file past a
    limit, of the wrong type or unreadable is refused whole (413/400), a field too long is its row's
    error (`TableRow.errors`)."""
    columns = columns or ROSTER_COLUMNS
    if not filename.lower().endswith((".xlsx", ".csv")):
        raise field_error(
            filename,
            "file",
            "appraisal.import.type",
            "名册应为XLSX或CSV文件",
            "The roster must be an XLSX or CSV file",
        )
    with open_table(content, filename, Limits.for_tables()) as table:
        rows = iter(table.rows())
        first = next(rows, None)
        if first is None:
            raise field_error(filename, "file", "appraisal.import.empty", "名册为空", "The roster is empty")
        header = [("" if v is None else str(v)).strip().split(" ")[0].strip().lower() for v in first.cells]
        keys: dict[int, str] = {}
        for index, heading in enumerate(header):
            for key, names in columns.items():
                if heading in {n.lower() for n in names}:
                    keys[index] = key
        missing = [k for k in required if k not in keys.values()]
        if missing:
            raise ValidationFailed.of(
                [
                    FieldError(
                        k,
                        "appraisal.import.column",
                        f"缺少“{columns[k][0]}”列",
                        f"The column '{k}' is missing",
                        filename,
                    )
                    for k in missing
                ]
            )
        by_letter = {f"column {column_name(i + 1)}": key for i, key in keys.items()}
        out: list[TableRow] = []
        for row in rows:
            cells = ["" if v is None else str(v).strip() for v in row.cells]
            record = row_record(row.number)
            errors = [
                FieldError(by_letter.get(e.field, e.field), e.code, e.message_zh, e.message_en, record)
                for e in row.errors
            ]
            values = {key: (cells[i] if i < len(cells) else "") for i, key in keys.items()}
            out.append(TableRow(values, row.number, errors))
        return out


def _level(text: str) -> int | None:
    text = text.strip()
    if text.isdigit() and 1 <= int(text) <= 5:
        return int(text)
    return _LEVEL_WORDS.get(text)


def import_enrolments(
    session: AppraisalSession, content: bytes, filename: str, *, actor: Any, accept_valid_rows: bool = False
) -> ImportReport:
    """Validate every row first; write nothing if any row is bad, unless `accept_valid_rows`, in which case
    the valid rows are imported in one transaction and the bad ones reported."""
    require(actor, "appraisal.enrol", session.organisation)
    _check_open(session)
    rows = read_table(content, filename)
    subjects = {(s.occupation.code, s.level_id): s for s in session.subjects.select_related("occupation")}
    educations = {e.name_zh: e.code for e in EducationLevel.objects.all()}
    enrolled = set(Enrolment.objects.filter(session=session).values_list("person__document_hash", flat=True))
    report = ImportReport(total=len(rows))
    valid: list[tuple[int, dict[str, Any], SessionSubject, str]] = []
    seen: dict[str, int] = {}
    for row in rows:
        number = row.number  # as the sheet numbers it
        record = row_record(number)
        errors: list[FieldError] = list(row.errors)
        level = _level(row.get("level", ""))
        subject = subjects.get((row.get("occupation", "").strip(), level or 0))
        if level is None:
            errors.append(
                FieldError(
                    "level",
                    "appraisal.import.level",
                    f"等级“{row.get('level', '')}”无效",
                    f"Invalid level '{row.get('level', '')}'",
                    record,
                )
            )
        elif subject is None:
            errors.append(
                FieldError(
                    "occupation",
                    "appraisal.import.subject",
                    f"本场次没有申报职业“{row.get('occupation', '')}”的{level}级",
                    f"This session does not examine '{row.get('occupation', '')}' at level {level}",
                    record,
                )
            )
        document_type = DOC_TYPES.get(
            row.get("document_type", "").strip(),
            row.get("document_type", "").strip() or DocumentType.RESIDENT_ID,
        )
        education = row.get("education", "").strip()
        data: dict[str, Any] = {
            "name": row.get("name", ""),
            "document_type": document_type,
            "document_number": row.get("document_number", ""),
            "phone": row.get("phone", ""),
            "education": educations.get(education, education) or None,
        }
        _clean, doc, person_errors = check_person(record, **data)
        errors += person_errors
        if "number" in doc:
            digest = document_hash(document_type, doc["number"])
            if digest in seen:
                errors.append(
                    FieldError(
                        "document_number",
                        "appraisal.import.repeated",
                        f"与第{seen[digest]}行证件号码重复",
                        f"Same document number as row {seen[digest]}",
                        record,
                    )
                )
            elif digest in enrolled:
                errors.append(
                    FieldError(
                        "document_number",
                        "appraisal.enrolment.duplicate",
                        "此人已报名本场次",
                        "This person is already enrolled in this session",
                        record,
                    )
                )
            seen.setdefault(digest, number)
        if errors:
            report.errors += errors
        elif subject is not None:
            valid.append((number, data, subject, row.get("work_unit", "")))
    if report.errors and not accept_valid_rows:
        raise ValidationFailed(
            "appraisal.import.rejected",
            f"名册有{report.rejected_rows}行错误，未导入任何记录",
            f"{report.rejected_rows} rows have errors; nothing was imported",
            report.errors,
            400,
        )
    with transaction.atomic():
        for number, data, subject, work_unit in valid:
            person, _created = find_or_register_person(
                actor=actor,
                organisation=session.organisation,
                source="import",
                record=f"第{number}行 row {number}",
                **data,
            )
            enrol(session, subject, person, actor=actor, source=EnrolmentSource.IMPORT, work_unit=work_unit)
            report.imported += 1
        log_action(
            "appraisal.enrolment.imported",
            session,
            actor=actor,
            data={
                "file": filename,
                "rows": report.total,
                "imported": report.imported,
                "rejected_rows": report.rejected_rows,
            },
        )
    return report
