"""Use cases for people (candidates/holders): register, update, look up by exact document number."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from skillcert.audit.services import log_action, snapshot
from skillcert.catalog.models import EducationLevel
from skillcert.core.errors import FieldError, NotPermitted, ValidationFailed, field_error
from skillcert.core.files import write_private
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission
from skillcert.people.idnumber import normalise_document, parse_resident_id
from skillcert.people.models import DocumentType, Gender, Person, Photo
from skillcert.people.names import normalise_name
from skillcert.people.protect import document_hash, encrypt, mask

# Audit snapshots never carry the cipher or hash; the masked number identifies the document.
PERSON_FIELDS = [
    "name",
    "document_type",
    "document_masked",
    "gender",
    "birth_date",
    "nation",
    "education_id",
    "phone",
    "address",
    "organisation_id",
    "source",
]
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


def _require(actor: Any, org: Organisation) -> None:
    if actor is not None and not has_permission(actor, "people.change", org):
        raise NotPermitted()


def _check_details(record: str, data: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """Validate and normalise everything but the document; returns the clean values and the errors."""
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    if "name" in data:
        try:
            clean["name"] = normalise_name(data["name"] or "", record=record)
        except ValidationFailed as exc:
            errors += exc.errors
    if data.get("phone"):
        phone = re.sub(r"[\s()（）]", "", str(data["phone"]))
        if not _PHONE.match(phone):
            errors.append(
                FieldError(
                    "phone",
                    "people.phone.format",
                    "联系电话格式无效（手机11位或区号-座机号）",
                    "Invalid phone number (11-digit mobile or area code + landline)",
                    record,
                )
            )
        clean["phone"] = phone
    elif "phone" in data:
        clean["phone"] = ""
    if data.get("education"):
        code = (
            data["education"].code
            if isinstance(data["education"], EducationLevel)
            else str(data["education"])
        )
        if not EducationLevel.objects.filter(code=code).exists():
            errors.append(
                FieldError(
                    "education",
                    "people.education.invalid",
                    f"文化程度代码“{code}”无效",
                    f"Unknown education level code '{code}'",
                    record,
                )
            )
        clean["education_id"] = code
    elif "education" in data:
        clean["education_id"] = None
    for key in ("nation", "address", "source"):
        if key in data:
            clean[key] = (data[key] or "").strip()
    return clean, errors


def _derive_from_document(
    record: str, document_type: str, raw: str, gender: str | None, birth_date: datetime.date | None
) -> tuple[dict[str, Any], list[FieldError]]:
    """Normalise the document; for resident IDs derive gender and birth date and cross-check any given."""
    errors: list[FieldError] = []
    out: dict[str, Any] = {}
    if document_type not in DocumentType.values:
        return out, [
            FieldError(
                "document_type",
                "people.document_type.invalid",
                "证件类型无效",
                "Unknown document type",
                record,
            )
        ]
    try:
        if document_type == DocumentType.RESIDENT_ID:
            parsed = parse_resident_id(raw, record=record)
            out["number"] = parsed.number
            if gender and gender != parsed.gender:
                errors.append(
                    FieldError(
                        "gender",
                        "people.gender.mismatch",
                        "性别与身份证号码不符",
                        "Gender does not match the ID number",
                        record,
                    )
                )
            if birth_date and birth_date != parsed.birth_date:
                errors.append(
                    FieldError(
                        "birth_date",
                        "people.birth_date.mismatch",
                        "出生日期与身份证号码不符",
                        "Birth date does not match the ID number",
                        record,
                    )
                )
            out["gender"], out["birth_date"] = parsed.gender, parsed.birth_date
        else:
            out["number"] = normalise_document(document_type, raw, record=record)
            if gender not in Gender.values:
                errors.append(
                    FieldError(
                        "gender",
                        "people.gender.required",
                        "非居民身份证须填写性别",
                        "Gender is required for documents other than the resident ID",
                        record,
                    )
                )
            if not birth_date:
                errors.append(
                    FieldError(
                        "birth_date",
                        "people.birth_date.required",
                        "非居民身份证须填写出生日期",
                        "Birth date is required for documents other than the resident ID",
                        record,
                    )
                )
            elif birth_date > datetime.date.today():
                errors.append(
                    FieldError(
                        "birth_date",
                        "people.birth_date.future",
                        "出生日期不能晚于今天",
                        "Birth date cannot be in the future",
                        record,
                    )
                )
            out["gender"], out["birth_date"] = gender, birth_date
    except ValidationFailed as exc:
        errors += exc.errors
    return out, errors


def check_person(
    record: str,
    *,
    name: str,
    document_type: str,
    document_number: str,
    gender: str | None = None,
    birth_date: datetime.date | None = None,
    education: Any = None,
    phone: str = "",
    nation: str = "",
    address: str = "",
    source: str = "manual",
) -> tuple[dict[str, Any], dict[str, Any], list[FieldError]]:
    """Validate a person's data without writing: (clean details, document facts, errors).
    Imports use it to report every row's errors before anything is written (X6)."""
    clean, errors = _check_details(
        record,
        {
            "name": name,
            "phone": phone,
            "education": education,
            "nation": nation,
            "address": address,
            "source": source,
        },
    )
    doc, doc_errors = _derive_from_document(record, document_type, document_number, gender, birth_date)
    return clean, doc, errors + doc_errors


def find_or_register_person(
    *, actor: Any, organisation: Organisation, record: str | None = None, **data: Any
) -> tuple[Person, bool]:
    """The person already registered at `organisation` with this document, or a new registration.
    An existing record must carry the same name; otherwise the mismatch is an error, not a merge."""
    document_type = data.get("document_type", DocumentType.RESIDENT_ID)
    record = record or str(data.get("name") or "person")
    _clean, doc, errors = check_person(record, **data)
    if errors:
        raise ValidationFailed.of(errors)
    existing = Person.objects.filter(
        organisation=organisation, document_hash=document_hash(document_type, doc["number"])
    ).first()
    if existing is None:
        return register_person(actor=actor, organisation=organisation, record=record, **data), True
    if existing.name != normalise_name(data["name"], record=record):
        raise field_error(
            record,
            "name",
            "people.name.mismatch",
            f"证件号码已登记为“{existing.name}”，与填写的姓名不一致",
            f"The document number is registered under another name ({existing.name})",
        )
    return existing, False


@transaction.atomic
def register_person(
    *,
    actor: Any,
    organisation: Organisation,
    name: str,
    document_type: str = "resident_id",
    document_number: str,
    gender: str | None = None,
    birth_date: datetime.date | None = None,
    education: Any = None,
    phone: str = "",
    nation: str = "",
    address: str = "",
    source: str = "manual",
    record: str | None = None,
) -> Person:
    """Register a candidate at an organisation (R0.4: data from the card reader, else validated entry)."""
    _require(actor, organisation)
    record = record or (name or "").strip() or "person"
    clean, doc, errors = check_person(
        record,
        name=name,
        document_type=document_type,
        document_number=document_number,
        gender=gender,
        birth_date=birth_date,
        education=education,
        phone=phone,
        nation=nation,
        address=address,
        source=source,
    )
    if errors:
        raise ValidationFailed.of(errors)
    digest = document_hash(document_type, doc["number"])
    if Person.objects.filter(organisation=organisation, document_hash=digest).exists():
        raise field_error(
            record,
            "document_number",
            "people.document_number.duplicate",
            f"该证件号码（{mask(doc['number'])}）已在本机构登记",
            f"This document number ({mask(doc['number'])}) is already registered here",
        )
    person = Person(
        organisation=organisation,
        document_type=document_type,
        document_cipher=encrypt(doc["number"]),
        document_hash=digest,
        document_masked=mask(doc["number"]),
        gender=doc["gender"],
        birth_date=doc["birth_date"],
        **clean,
    )
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:  # a concurrent registration of the same document won the race
        raise field_error(
            record,
            "document_number",
            "people.document_number.duplicate",
            "该证件号码已在本机构登记",
            "This document number is already registered here",
        ) from exc
    log_action("people.person.registered", person, actor=actor, after=snapshot(person, PERSON_FIELDS))
    return person


@transaction.atomic
def update_person(person: Person, *, actor: Any, **changes: Any) -> Person:
    """Change a person's details. A new document number re-derives gender and birth date."""
    _require(actor, person.organisation)
    person = Person.objects.select_for_update().get(pk=person.pk)
    record = person.name
    before = snapshot(person, PERSON_FIELDS)
    unknown = set(changes) - {
        "name",
        "phone",
        "education",
        "nation",
        "address",
        "document_type",
        "document_number",
        "gender",
        "birth_date",
    }
    if unknown:
        raise field_error(record, sorted(unknown)[0], "people.field.unknown", "未知字段", "Unknown field")
    clean, errors = _check_details(
        record, {k: v for k, v in changes.items() if k in {"name", "phone", "education", "nation", "address"}}
    )
    document_type = changes.get("document_type", person.document_type)
    if "document_number" in changes or "document_type" in changes:
        raw = changes.get("document_number") or person.document_number()
        doc, doc_errors = _derive_from_document(
            record, document_type, raw, changes.get("gender"), changes.get("birth_date")
        )
        errors += doc_errors
        if not errors:
            digest = document_hash(document_type, doc["number"])
            if (
                Person.objects.filter(organisation=person.organisation, document_hash=digest)
                .exclude(pk=person.pk)
                .exists()
            ):
                errors.append(
                    FieldError(
                        "document_number",
                        "people.document_number.duplicate",
                        "该证件号码已在本机构登记",
                        "This document number is already registered here",
                        record,
                    )
                )
            clean.update(
                document_type=document_type,
                document_cipher=encrypt(doc["number"]),
                document_hash=digest,
                document_masked=mask(doc["number"]),
                gender=doc["gender"],
                birth_date=doc["birth_date"],
            )
    elif "gender" in changes or "birth_date" in changes:
        if person.document_type == DocumentType.RESIDENT_ID:
            errors.append(
                FieldError(
                    "gender" if "gender" in changes else "birth_date",
                    "people.derived.readonly",
                    "性别和出生日期由身份证号码确定，不能单独修改",
                    "Gender and birth date come from the ID number and cannot be changed alone",
                    record,
                )
            )
        else:
            clean.update({k: changes[k] for k in ("gender", "birth_date") if k in changes})
    if errors:
        raise ValidationFailed.of(errors)
    for key, value in clean.items():
        setattr(person, key, value)
    person.save()
    log_action(
        "people.person.updated", person, actor=actor, before=before, after=snapshot(person, PERSON_FIELDS)
    )
    return person


def find_by_document(user: Any, document_type: str, raw_number: str) -> list[Person]:
    """Exact look-up (never partial) of a document number within the user's scope, via the keyed hash."""
    number = normalise_document(document_type, raw_number)
    return list(
        Person.objects.visible_to(user).with_document(document_type, number).select_related("organisation")
    )


def store_photo(data: bytes, *, source: str, record: str | None = None) -> Photo:
    """Keep a photo once, by content hash (R0.3). Uploads must meet the photo spec; a card-reader photo
    (102×126 from the chip) is accepted as the reader delivers it."""
    from skillcert.people.photos import check_photo, inspect_photo

    facts = check_photo(data, record=record) if source == "upload" else inspect_photo(data)
    photo = Photo(sha256=facts.sha256, width=facts.width, height=facts.height, size=len(data), source=source)
    path = settings.MEDIA_ROOT / photo.relative_path
    if not path.exists():  # same bytes, same name: writing twice is harmless
        write_private(path, data)  # a face is personal data (issue 13 item 9)
    photo, _created = Photo.objects.get_or_create(
        sha256=facts.sha256,
        defaults={"width": facts.width, "height": facts.height, "size": len(data), "source": source},
    )
    return photo


def prune_orphan_photos(*, older_than: datetime.timedelta = datetime.timedelta(hours=6)) -> list[str]:
    """Delete photo files that no Photo row names (R0.3, X7). `store_photo` writes the file before the
    transaction that records it commits; when that transaction is rolled back — an enrolment refused,
    a roster row in error — the file of someone who is not on record stays behind. Only files older
    than `older_than` go, so a transaction still in flight keeps its file. Returns the hashes removed;
    one audit row records them."""
    root = settings.MEDIA_ROOT / "photos"
    if not root.is_dir():
        return []
    cutoff = datetime.datetime.now().timestamp() - older_than.total_seconds()
    removed: list[str] = []
    batch: dict[str, Any] = {}

    def settle() -> None:
        known = set(Photo.objects.filter(sha256__any=list(batch)).values_list("sha256", flat=True))
        for sha in set(batch) - known:
            batch[sha].unlink(missing_ok=True)
            removed.append(sha)
        batch.clear()

    for path in root.glob("??/*.jpg"):
        named = len(path.stem) == 64 and path.relative_to(settings.MEDIA_ROOT).as_posix() == (
            Photo(sha256=path.stem).relative_path  # where store_photo puts that hash
        )
        if named and path.stat().st_mtime < cutoff:
            batch[path.stem] = path
            if len(batch) >= 1000:
                settle()
    if batch:
        settle()
    removed.sort()
    if removed:
        log_action("people.photos.pruned", None, data={"count": len(removed), "sha256": removed[:1000]})
    return removed
