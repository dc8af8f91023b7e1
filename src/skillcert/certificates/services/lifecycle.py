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

Layout: this module holds the reissue, the revocation and the score certificate; the derived view is
in `lifecycle_view`, the correction request and review in `correction`, the steps all operations share in
`lifecycle_steps`. Every name callers use is importable from here as before.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.certificates.choices import CertificateKind, CertificateState, EventKind
from skillcert.certificates.elicence import make_licence_id
from skillcert.certificates.models import Certificate, CertificateEvent
from skillcert.certificates.services.correction import (  # noqa: F401  (re-exported)
    CORRECTABLE,
    clean_correction_changes,
    request_correction,
    review_correction,
)
from skillcert.certificates.services.issue import _number, _series, numbering_config
from skillcert.certificates.services.lifecycle_steps import (
    _finish,
    _lock,
    _refuse_revoked,
    _require,
    _require_reason,
    _sync_state,
    _user,
)
from skillcert.certificates.services.lifecycle_view import (  # noqa: F401  (re-exported)
    REISSUE_MARK,
    _events,
    current_id_cipher,
    current_view,
    derive_state,
    fold_events,
    view_from_folded,
)
from skillcert.certificates.services.sequences import allocate
from skillcert.core.errors import Conflict, field_error
from skillcert.people.protect import decrypt  # noqa: F401  (callers use lifecycle.decrypt)

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
