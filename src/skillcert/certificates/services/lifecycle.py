"""The certificate lifecycle as immutable events (design.md rule 3; R1.7, R2.9, R3.5, X2).

Issued data (`Certificate.data`, `Certificate.id_cipher`) never changes. A reissue, a correction
request, its review and a revocation are each one new `CertificateEvent`; what a certificate says now
(`current_view`) and whether it is valid (`derive_state`) are computed from the frozen issue data and
the events in order. `Certificate.state` is only a cache of `derive_state`, rewritten by every service
in the same transaction as its event.

Decisions:
- A reviewed correction request is closed by one CORRECTED event: `{"approved": true, "changes": ...}`
  applies the changes; `{"approved": false, ...}` records a rejection and changes nothing. No new
  event kind (and so no migration) is needed; `current_view` applies only approved ones.
- A request is pending from its CORRECTION_REQUESTED event until the next CORRECTED event. While one is
  pending, no reissue (R2.9: a change of personal data needs re-review first) and no second request.
- A corrected ID number is kept only masked (in the event data and the view) and encrypted
  (`id_cipher` in the event data, never in the view nor in audit rows — X7).
- Reissue, correction and score certificates need an authenticated actor with the permission at the
  certificate's station or above; the review needs `certificates.review` at a centre strictly above the
  station, and the requester never reviews their own request.
- A score certificate (R2.9) is a new `Certificate` of kind SCORE with its own number from the same
  series as the original's (same allocation and numbering as issuance); it carries the original's
  current data plus `{"for": <original number>}` and its own ISSUED event. The original gets no event.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.catalog.models import EducationLevel
from skillcert.certificates.choices import CertificateKind, CertificateState, EventKind
from skillcert.certificates.elicence import make_licence_id
from skillcert.certificates.models import Certificate, CertificateEvent
from skillcert.certificates.services.issue import _number, _series, numbering_config
from skillcert.certificates.services.sequences import allocate
from skillcert.core.errors import Conflict, FieldError, NotPermitted, ValidationFailed, field_error
from skillcert.orgs.scoping import has_permission
from skillcert.people.idnumber import parse_resident_id
from skillcert.people.names import normalise_name
from skillcert.people.protect import decrypt, encrypt, mask

REISSUE_MARK = "补发"

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


# --- derivation -------------------------------------------------------------------------------------


def _events(certificate: Certificate) -> list[CertificateEvent]:
    return list(CertificateEvent.objects.filter(certificate_id=certificate.pk).order_by("id"))


def fold_events(certificate: Certificate, events: list[CertificateEvent]) -> dict[str, Any]:
    """Everything derivable from the frozen data and the events, including the current ID cipher."""
    data: dict[str, Any] = dict(certificate.data)
    cipher = certificate.id_cipher
    reissues: list[dict[str, Any]] = []
    corrections: list[dict[str, Any]] = []
    pending: CertificateEvent | None = None
    revoked: dict[str, Any] | None = None
    for event in events:
        if event.kind == EventKind.REISSUED:
            reissues.append(
                {
                    "at": event.at.isoformat(),
                    "blank_serial": event.blank_serial,
                    "remark": event.data.get("remark", REISSUE_MARK),
                    "reason": event.reason,
                    "actor": event.actor_id,
                }
            )
        elif event.kind == EventKind.CORRECTION_REQUESTED:
            pending = event
        elif event.kind == EventKind.CORRECTED:
            pending = None
            if event.data.get("approved"):
                for key, value in event.data.get("changes", {}).items():
                    data[key] = value
                cipher = event.data.get("id_cipher") or cipher
                corrections.append(
                    {"at": event.at.isoformat(), "fields": sorted(event.data.get("changes", {}))}
                )
        elif event.kind == EventKind.REVOKED:
            revoked = {"at": event.at.isoformat(), "actor": event.actor_id, "reason": event.reason}
    latest = reissues[-1] if reissues else None
    return {
        "data": data,
        "id_cipher": cipher,
        "reissues": reissues,
        "latest_reissue": latest,
        "corrections": corrections,
        "pending": pending,
        "revoked": revoked,
    }


def view_from_folded(certificate: Certificate, folded: dict[str, Any]) -> dict[str, Any]:
    """The current view (as `current_view`) from what `fold_events` derived for this certificate."""
    latest = folded["latest_reissue"]
    pending: CertificateEvent | None = folded["pending"]
    return {
        **folded["data"],
        "number": certificate.number,
        "kind": certificate.kind,
        "state": CertificateState.REVOKED if folded["revoked"] else CertificateState.VALID,
        "reissued": latest is not None,
        "reissue_count": len(folded["reissues"]),
        "blank_serial": latest["blank_serial"] if latest else "",
        "remark": latest["remark"] if latest else "",
        "corrections": len(folded["corrections"]),
        "correction_pending": pending is not None,
        "revoked": folded["revoked"],
    }


def current_view(certificate: Certificate) -> dict[str, Any]:
    """The certificate as it stands now: frozen issue data with approved corrections applied in order,
    plus `state`, `reissued` (with the latest blank serial and remark 补发) and `revoked` details.
    Derived only from the frozen data and the events — never from the cached `state` column."""
    return view_from_folded(certificate, fold_events(certificate, _events(certificate)))


def derive_state(certificate: Certificate) -> str:
    kinds = CertificateEvent.objects.filter(certificate_id=certificate.pk, kind=EventKind.REVOKED)
    return str(CertificateState.REVOKED if kinds.exists() else CertificateState.VALID)


def current_id_cipher(certificate: Certificate) -> str:
    """The holder's ID number as it stands now, encrypted (the latest approved correction or as issued)."""
    return str(fold_events(certificate, _events(certificate))["id_cipher"])


# --- helpers --------------------------------------------------------------------------------------


def _lock(certificate: Certificate) -> Certificate:
    return (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=certificate.pk)
    )


def _require(actor: Any, permission: str, org: Any) -> None:
    if org is None or not has_permission(actor, permission, org):
        raise NotPermitted()


def _require_reason(reason: str, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise field_error(None, field, "certificates.reason.required", "必须填写原因", "A reason is required")
    if len(text) > 500:
        raise field_error(
            None,
            field,
            "certificates.reason.too_long",
            "原因不能超过500字",
            "The reason exceeds 500 characters",
        )
    return text


def _refuse_revoked(folded: dict[str, Any]) -> None:
    if folded["revoked"]:
        raise Conflict(
            "certificates.revoked",
            "证书已撤销，不能补发、更正或出具成绩证明",
            "The certificate is revoked: it cannot be reissued, corrected or replaced by a score certificate",
        )


def _sync_state(certificate: Certificate, view: dict[str, Any]) -> None:
    if certificate.state != view["state"]:
        certificate.state = view["state"]
        certificate.save(update_fields=["state"])


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _finish(certificate: Certificate) -> dict[str, Any]:
    after = current_view(certificate)
    _sync_state(certificate, after)
    return after


# --- reissue (R1.7, R2.9) --------------------------------------------------------------------------


def reissue(
    certificate: Certificate,
    *,
    actor: Any,
    reason: str,
    blank_serial: str = "",
    remark: str = REISSUE_MARK,
    abolished: bool = False,
) -> Certificate:
    """Reissue a lost or damaged certificate under the same number (R1.7), on a new paper blank if any,
    marked 补发 (R2.9). Refused for a revoked certificate, while a correction is pending (R2.9) and for
    an abolished qualification (use `issue_score_certificate`)."""
    with transaction.atomic():
        cert = _lock(certificate)
        _require(actor, "certificates.reissue", cert.organisation)
        reason = _require_reason(reason)
        folded = fold_events(cert, _events(cert))
        _refuse_revoked(folded)
        if abolished:
            raise Conflict(
                "certificates.abolished",
                "该职业资格已取消，不能补发，只能出具成绩证明",
                "The qualification is abolished: no reissue, only a score certificate",
            )
        if cert.kind == CertificateKind.SCORE:
            raise Conflict(
                "certificates.reissue.score",
                "成绩证明不补发，请重新出具成绩证明",
                "A score certificate is not reissued; issue a new score certificate",
            )
        if folded["pending"] is not None:
            raise Conflict(
                "certificates.correction_pending",
                "个人信息更正尚待复核，复核后方可补发",
                "A change of personal data needs re-review first: the pending correction blocks reissue",
            )
        serial = (blank_serial or "").strip()
        if len(serial) > 32:
            raise field_error(
                None,
                "blank_serial",
                "certificates.blank_serial.too_long",
                "空白证书流水码不能超过32个字符",
                "The blank serial exceeds 32 characters",
            )
        if serial and CertificateEvent.objects.filter(blank_serial=serial).exists():
            raise Conflict(
                "certificates.blank_serial.used",
                f"空白证书流水码{serial}已经使用过",
                f"Blank serial {serial} has already been used",
            )
        text = (remark or "").strip() or REISSUE_MARK
        if REISSUE_MARK not in text:
            text = f"{REISSUE_MARK}；{text}"
        before = view_from_folded(cert, folded)
        CertificateEvent.objects.create(
            certificate=cert,
            kind=EventKind.REISSUED,
            actor=_user(actor),
            reason=reason,
            blank_serial=serial,
            data={"remark": text, "number": cert.number},
        )
        after = _finish(cert)
        log_action("certificates.reissued", cert, actor=actor, before=before, after=after)
        _queue_documents([cert.pk])
        return cert


# --- correction (R3.5, R2.9) -----------------------------------------------------------------------


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


# --- revocation ------------------------------------------------------------------------------------


def revoke(certificate: Certificate, *, actor: Any, reason: str) -> Certificate:
    """Revoke a certificate (who, when and why are recorded); a revoked certificate stays revoked."""
    with transaction.atomic():
        cert = _lock(certificate)
        _require(actor, "certificates.revoke", cert.organisation)
        reason = _require_reason(reason)
        folded = fold_events(cert, _events(cert))
        if folded["revoked"]:
            raise Conflict(
                "certificates.already_revoked", "证书已经撤销", "The certificate is already revoked"
            )
        before = view_from_folded(cert, folded)
        CertificateEvent.objects.create(
            certificate=cert, kind=EventKind.REVOKED, actor=_user(actor), reason=reason, data={}
        )
        after = _finish(cert)
        log_action("certificates.revoked", cert, actor=actor, before=before, after=after)
        return cert


# --- score certificate (R2.9) ----------------------------------------------------------------------


def issue_score_certificate(certificate: Certificate, *, actor: Any, reason: str) -> Certificate:
    """For an abolished qualification: instead of a reissue, a score certificate (成绩证明) with its own
    number, referring to the original, which stays as it is (R2.9)."""
    with transaction.atomic():
        cert = _lock(certificate)
        station = cert.organisation
        _require(actor, "certificates.reissue", station)
        reason = _require_reason(reason)
        folded = fold_events(cert, _events(cert))
        _refuse_revoked(folded)
        if cert.kind == CertificateKind.SCORE:
            raise Conflict(
                "certificates.score.of_score",
                "成绩证明不能再出具成绩证明",
                "A score certificate cannot itself be replaced by a score certificate",
            )
        if folded["pending"] is not None:
            raise Conflict(
                "certificates.correction_pending",
                "个人信息更正尚待复核，复核后方可出具成绩证明",
                "A change of personal data needs re-review first: the pending correction blocks this",
            )
        issued_on = timezone.localdate()
        config = numbering_config(station, cert.occupation)
        key, capacity = _series(config, station, cert.level_id, issued_on.year)
        (sequence,) = allocate(key, 1, capacity)
        number = _number(config, station, cert.level_id, issued_on.year, sequence)
        data = {
            **folded["data"],
            "issued_on": issued_on.isoformat(),
            "issuing_authority": config.issuing_authority.name,
            "issuing_authority_en": config.issuing_authority.name_en,
            "for": cert.number,
            "original_issued_on": cert.issued_on.isoformat(),
        }
        score = Certificate.objects.create(
            number=number,
            scheme=config.scheme,
            kind=CertificateKind.SCORE,
            licence_id=make_licence_id(config.licence_type_code, config.issuer_uscc, number),
            enrolment=None,
            person=cert.person,
            organisation=station,
            issuing_authority=config.issuing_authority,
            occupation=cert.occupation,
            level=cert.level,
            issued_on=issued_on,
            data=data,
            id_cipher=folded["id_cipher"],
            state=CertificateState.VALID,
        )
        CertificateEvent.objects.create(
            certificate=score,
            kind=EventKind.ISSUED,
            actor=_user(actor),
            reason=reason,
            data={"number": number, "for": cert.number},
        )
        after = current_view(score)
        _sync_state(score, after)
        log_action(
            "certificates.score_issued",
            score,
            actor=actor,
            before={},
            after=after,
            data={"for": cert.number, "reason": reason},
        )
        _queue_documents([score.pk])
        return score


def _queue_documents(ids: list[int]) -> None:
    """The signed PDF/OFD of the new certificate version, generated after commit (R2.1, R2.6, R2.10)."""
    from skillcert.esign.services.documents import queue_documents

    queue_documents(ids)
