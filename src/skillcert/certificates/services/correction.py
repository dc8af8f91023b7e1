"""Correction of a certificate's personal data (R3.5, R2.9): the request with its evidence, its review.

`clean_correction_changes` validates the requested changes (the correctable fields in `CORRECTABLE`,
formats, unchanged values, an ID number agreeing with birth date and gender); `request_correction` records
a CORRECTION_REQUESTED event, `review_correction` closes it with one CORRECTED event (approved or
rejected; see the decisions in `lifecycle`). `lifecycle` re-exports these names.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.catalog.models import EducationLevel
from skillcert.certificates.choices import EventKind
from skillcert.certificates.models import Certificate, CertificateEvent
from skillcert.certificates.services.lifecycle_steps import (
    _finish,
    _lock,
    _refuse_revoked,
    _require,
    _require_reason,
    _user,
)
from skillcert.certificates.services.lifecycle_view import (
    _events,
    current_id_cipher,
    fold_events,
    view_from_folded,
)
from skillcert.core.errors import Conflict, FieldError, NotPermitted, ValidationFailed, field_error
from skillcert.people.idnumber import parse_resident_id
from skillcert.people.names import normalise_name
from skillcert.people.protect import decrypt, encrypt, mask

# The personal fields of the frozen data a correction may change (R3.5), with their labels.
CORRECTABLE: dict[str, tuple[str, str]] = {
    "name": ("姓名", "name"),
    "gender": ("性别", "gender"),
    "birth_date": ("出生日期", "birth date"),
    "education": ("文化程度", "education"),
    "id_number": ("身份证件号码", "ID number"),
}
_GENDERS: dict[str, str] = {"M": "男", "F": "女", "男": "男", "女": "女"}
_EARLIEST_BIRTH = datetime.date(1900, 1, 1)


def _fe(field: str, code: str, zh: str, en: str) -> FieldError:
    return FieldError(field, code, zh, en)


def clean_correction_changes(
    cert: Certificate, current: dict[str, Any], changes: Any
) -> tuple[dict[str, Any], str]:
    """Validated changes (as stored in the frozen data) and the new ID cipher ("" if unchanged)."""
    if not isinstance(changes, dict) or not changes:
        raise field_error(
            None,
            "changes",
            "certificates.correction.empty",
            "请至少填写一项需要更正的个人信息",
            "Give at least one personal field to correct",
        )
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    cipher = ""
    parsed_id = None
    for key, raw in changes.items():
        if key not in CORRECTABLE:
            errors.append(
                _fe(
                    str(key),
                    "certificates.correction.not_correctable",
                    f"“{key}”不是可更正的个人信息（可更正：姓名、性别、出生日期、文化程度、身份证件号码）",
                    f"{key} cannot be corrected (only name, gender, birth date, education, ID number)",
                )
            )
            continue
        try:
            if key == "name":
                clean["name"] = normalise_name(raw, field="name")
            elif key == "gender":
                value = _GENDERS.get(str(raw or "").strip())
                if value is None:
                    errors.append(
                        _fe(
                            "gender",
                            "certificates.correction.gender",
                            "性别只能是男或女",
                            "Gender is 男 or 女",
                        )
                    )
                    continue
                clean["gender"] = value
            elif key == "birth_date":
                try:
                    birth = raw if isinstance(raw, datetime.date) else datetime.date.fromisoformat(str(raw))
                except ValueError:
                    errors.append(
                        _fe(
                            "birth_date",
                            "certificates.correction.birth_date",
                            "出生日期格式应为YYYY-MM-DD",
                            "The birth date must be a date, YYYY-MM-DD",
                        )
                    )
                    continue
                if not _EARLIEST_BIRTH <= birth <= timezone.localdate():
                    errors.append(
                        _fe(
                            "birth_date",
                            "certificates.correction.birth_date_range",
                            "出生日期应在1900-01-01至今天之间",
                            "The birth date must lie between 1900-01-01 and today",
                        )
                    )
                    continue
                clean["birth_date"] = birth.isoformat()
            elif key == "education":
                text = str(raw or "").strip()
                level = EducationLevel.objects.filter(code=text).first() or (
                    EducationLevel.objects.filter(name_zh=text).first() if text else None
                )
                if level is None:
                    errors.append(
                        _fe(
                            "education",
                            "certificates.correction.education",
                            f"文化程度“{text[:20]}”不在目录中",
                            f"Education {text[:20]!r} is not in the catalogue",
                        )
                    )
                    continue
                clean["education"] = level.name_zh
            elif key == "id_number":
                if current.get("document_type", "resident_id") != "resident_id":
                    errors.append(
                        _fe(
                            "id_number",
                            "certificates.correction.document_type",
                            "只能更正居民身份证号码",
                            "Only a resident ID number can be corrected here",
                        )
                    )
                    continue
                parsed_id = parse_resident_id(raw, field="id_number")
                clean["id_number_masked"] = mask(parsed_id.number)
                cipher = encrypt(parsed_id.number)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    unchanged = [k for k, v in clean.items() if k != "id_number_masked" and current.get(k) == v]
    if parsed_id is not None and "id_number_masked" in clean:
        try:
            if decrypt(current_id_cipher(cert)) == parsed_id.number:
                unchanged.append("id_number")
        except ValueError:
            pass
    for key in unchanged:
        errors.append(
            _fe(
                key,
                "certificates.correction.unchanged",
                f"{CORRECTABLE[key][0]}与证书现有内容相同，无需更正",
                f"The {CORRECTABLE[key][1]} is already as requested",
            )
        )
    if errors:
        raise ValidationFailed.of(errors)
    # The resulting ID number, birth date and gender must agree (resident IDs encode the other two).
    if (
        parsed_id is None
        and ({"birth_date", "gender"} & set(clean))
        and current.get("document_type", "resident_id") == "resident_id"
    ):
        try:
            parsed_id = parse_resident_id(decrypt(current_id_cipher(cert)), field="id_number")
        except (ValidationFailed, ValueError):
            parsed_id = None
    if parsed_id is not None:
        birth_text = clean.get("birth_date", current.get("birth_date"))
        gender = clean.get("gender", current.get("gender"))
        if birth_text != parsed_id.birth_date.isoformat():
            errors.append(
                _fe(
                    "birth_date",
                    "certificates.correction.birth_date_mismatch",
                    "出生日期与身份证号码不一致",
                    "The birth date does not agree with the ID number",
                )
            )
        if gender != _GENDERS[parsed_id.gender]:
            errors.append(
                _fe(
                    "gender",
                    "certificates.correction.gender_mismatch",
                    "性别与身份证号码不一致",
                    "The gender does not agree with the ID number",
                )
            )
    if errors:
        raise ValidationFailed.of(errors)
    return clean, cipher


def _clean_evidence(evidence: Any) -> list[str]:
    items = [str(e).strip() for e in (evidence or []) if str(e).strip()] if isinstance(evidence, list) else []
    if not items:
        raise field_error(
            None,
            "evidence",
            "certificates.correction.evidence",
            "更正须附证明材料（身份证复印件、原证书、准考证等）",
            "A correction needs evidence (ID card copy, original certificate, admission ticket, ...)",
        )
    if any(len(e) > 300 for e in items):
        raise field_error(
            None,
            "evidence",
            "certificates.correction.evidence_too_long",
            "每项证明材料的说明不能超过300个字符",
            "Each evidence reference must be at most 300 characters",
        )
    return items


def request_correction(
    certificate: Certificate, *, actor: Any, changes: dict[str, Any], evidence: list[str], reason: str
) -> CertificateEvent:
    """Ask for a correction of personal data (R3.5) with evidence; it takes effect only after re-review
    (`review_correction`, R2.9)."""
    with transaction.atomic():
        cert = _lock(certificate)
        _require(actor, "certificates.correct", cert.organisation)
        reason = _require_reason(reason)
        folded = fold_events(cert, _events(cert))
        _refuse_revoked(folded)
        if folded["pending"] is not None:
            raise Conflict(
                "certificates.correction_pending",
                "已有一项更正申请待复核",
                "A correction request is already awaiting re-review",
            )
        clean, cipher = clean_correction_changes(cert, folded["data"], changes)
        items = _clean_evidence(evidence)
        before = view_from_folded(cert, folded)
        data: dict[str, Any] = {"changes": clean, "evidence": items}
        if cipher:
            data["id_cipher"] = cipher
        event = CertificateEvent.objects.create(
            certificate=cert,
            kind=EventKind.CORRECTION_REQUESTED,
            actor=_user(actor),
            reason=reason,
            data=data,
        )
        after = _finish(cert)
        log_action(
            "certificates.correction_requested",
            cert,
            actor=actor,
            before=before,
            after=after,
            data={"changes": clean, "evidence": items, "event": event.pk},
        )
        return event


def review_correction(
    certificate: Certificate, *, actor: Any, approve: bool, comment: str = ""
) -> CertificateEvent:
    """Re-review (R2.9) of the pending correction by a centre above the station, never by the
    requester; approval applies the changes to the current view, the issued data stays as it was."""
    with transaction.atomic():
        cert = _lock(certificate)
        parent = cert.organisation.parent if cert.organisation.parent_id else None
        _require(actor, "certificates.review", parent)
        folded = fold_events(cert, _events(cert))
        _refuse_revoked(folded)
        request: CertificateEvent | None = folded["pending"]
        if request is None:
            raise Conflict(
                "certificates.correction.none_pending",
                "没有待复核的更正申请",
                "There is no correction request awaiting review",
            )
        if request.actor_id is not None and request.actor_id == getattr(actor, "pk", None):
            raise NotPermitted(
                "certificates.correction.own_request",
                "不能复核自己提出的更正申请",
                "You cannot review your own correction request",
            )
        text = (comment or "").strip()
        if not approve and not text:
            raise field_error(
                None,
                "comment",
                "certificates.correction.comment",
                "驳回更正申请须说明理由",
                "Rejecting a correction needs a comment",
            )
        before = view_from_folded(cert, folded)
        data: dict[str, Any] = {"approved": bool(approve), "request": request.pk}
        if approve:
            data["changes"] = request.data.get("changes", {})
            if request.data.get("id_cipher"):
                data["id_cipher"] = request.data["id_cipher"]
        event = CertificateEvent.objects.create(
            certificate=cert, kind=EventKind.CORRECTED, actor=_user(actor), reason=text[:500], data=data
        )
        after = _finish(cert)
        log_action(
            "certificates.corrected" if approve else "certificates.correction_rejected",
            cert,
            actor=actor,
            before=before,
            after=after,
            data={"request": request.pk, "approved": bool(approve), "comment": text[:500]},
        )
        return event
