"""Holders' correction requests with evidence (R3.5, R2.9, X1, X7).

A holder signed in to the self-service for one certificate (SMS code) asks for personal data to be
corrected and uploads evidence: ID card image, original certificate, admission ticket (JPEG, PNG or
PDF, checked by content not by name, at most 5 MB each, SHA-256 stored). The changes are checked up
front by the certificate lifecycle's own rules. Staff with certificates.correct at the certificate's
station or above forward the request into `certificates.services.lifecycle.request_correction` — the
existing workflow, where a centre above the station re-reviews it — or reject it with a comment.
The holder sees the state, and after re-review the outcome, on the correction page."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.certificates.choices import EventKind
from skillcert.certificates.models import Certificate, CertificateEvent
from skillcert.certificates.services import lifecycle
from skillcert.core import context
from skillcert.core.errors import Conflict, FieldError, NotPermitted, ValidationFailed, field_error
from skillcert.core.files import private_dir, write_private
from skillcert.holders.models import CorrectionEvidence, CorrectionRequest
from skillcert.orgs.scoping import has_permission, org_filter
from skillcert.people.protect import decrypt

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 6
PERMISSION = "certificates.correct"
_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"%PDF-", "application/pdf"))


def _sniff(head: bytes) -> str | None:
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def _read(upload: Any, kind: str) -> tuple[bytes, str, str]:
    name = Path(str(getattr(upload, "name", "") or "file")).name[:200] or "file"
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0 or size > MAX_BYTES:
        raise field_error(
            None,
            kind,
            "holders.evidence.size",
            f"文件“{name}”为空或超过5MB",
            f"File {name!r} is empty or larger than 5 MB",
        )
    data = b"".join(upload.chunks()) if hasattr(upload, "chunks") else upload.read()
    content_type = _sniff(data[:16])
    if content_type is None:
        raise field_error(
            None,
            kind,
            "holders.evidence.type",
            f"文件“{name}”不是JPEG、PNG图片或PDF文件",
            f"File {name!r} is not a JPEG or PNG image or a PDF",
        )
    return data, name, content_type


def _changes_for_lifecycle(req: CorrectionRequest) -> dict[str, Any]:
    changes = dict(req.changes)
    if req.id_cipher:
        changes["id_number"] = decrypt(req.id_cipher)
    return changes


def submit(
    certificate: Certificate, *, changes: dict[str, Any], reason: str, files: list[tuple[str, Any]]
) -> CorrectionRequest:
    """The holder's request (actor label "holder"). `files` are (kind, upload) pairs."""
    wanted = {k: v for k, v in (changes or {}).items() if str(v or "").strip()}
    text = (reason or "").strip()
    errors: list[FieldError] = []
    if not text or len(text) > 500:
        errors.append(
            FieldError(
                "reason",
                "holders.correction.reason",
                "请说明更正原因（500字以内）",
                "Give a reason (max 500)",
            )
        )
    uploads = [(k, f) for k, f in files if f]
    if not uploads:
        errors.append(
            FieldError(
                "evidence",
                "holders.correction.evidence",
                "请上传证明材料（身份证、原证书或准考证）",
                "Upload evidence: ID card, original certificate or admission ticket",
            )
        )
    if len(uploads) > MAX_FILES:
        errors.append(
            FieldError("evidence", "holders.correction.too_many", "最多上传6个文件", "At most 6 files")
        )
    for kind, _upload in uploads:
        if kind not in CorrectionEvidence.Kind.values:
            errors.append(
                FieldError(kind, "holders.evidence.kind", "材料类型无效", "Unknown kind of evidence")
            )
    view = lifecycle.current_view(certificate)
    if view["revoked"]:
        raise Conflict("certificates.revoked", "证书已撤销，不能更正", "The certificate is revoked")
    if (
        view["correction_pending"]
        or CorrectionRequest.objects.filter(
            certificate=certificate, status=CorrectionRequest.Status.SUBMITTED
        ).exists()
    ):
        raise Conflict(
            "holders.correction.pending",
            "已有一项更正申请正在处理",
            "A correction request is already in progress",
        )
    try:
        # The lifecycle's own rules (which fields, formats, unchanged values, ID/birth/gender agreement).
        clean, cipher = lifecycle.clean_correction_changes(certificate, view, wanted)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
        clean, cipher = {}, ""
    read: list[tuple[str, bytes, str, str]] = []
    for kind, upload in uploads:
        try:
            data, name, content_type = _read(upload, kind)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        read.append((kind, data, name, content_type))
    if errors:
        raise ValidationFailed.of(errors, record=certificate.number)
    stored_changes = {k: v for k, v in clean.items() if k != "id_number_masked"}
    with transaction.atomic(), context.acting(actor=None, actor_label="holder"):
        req = CorrectionRequest.objects.create(
            reference=f"GZ{timezone.localdate():%y%m}{secrets.token_hex(4).upper()}",
            certificate=certificate,
            changes=stored_changes,
            id_cipher=cipher,
            id_masked=clean.get("id_number_masked", ""),
            reason=text,
        )
        folder = private_dir(Path(settings.MEDIA_ROOT) / "holders" / "corrections" / req.reference)
        summary = []
        for kind, data, name, content_type in read:
            sha = hashlib.sha256(data).hexdigest()
            path = folder / sha
            write_private(path, data).chmod(0o400)  # ID card scans: the owner's, read-only (issue 13 item 9)
            CorrectionEvidence.objects.create(
                request=req,
                kind=kind,
                original_name=name,
                stored_path=str(path.relative_to(Path(settings.MEDIA_ROOT))),
                content_type=content_type,
                size=len(data),
                sha256=sha,
            )
            summary.append({"kind": kind, "sha256": sha, "size": len(data)})
        log_action(
            "holders.correction_requested",
            req,
            organisation=certificate.organisation,
            data={
                "certificate": certificate.number,
                "fields": sorted(clean),
                "id_number": req.id_masked,
                "evidence": summary,
            },
        )
    return req


def visible_to(user: Any) -> QuerySet[CorrectionRequest]:
    return CorrectionRequest.objects.filter(
        org_filter(user, "certificate__organisation", PERMISSION)
    ).select_related("certificate", "certificate__organisation", "decided_by")


def evidence_path(item: CorrectionEvidence) -> Path | None:
    """The stored file of an evidence item; None when it is missing or its stored path would lead
    outside MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT)
    path = root / item.stored_path
    if not path.resolve().is_relative_to(root.resolve()) or not path.exists():
        return None
    return path


def evidence_intact(item: CorrectionEvidence) -> bool:
    path = evidence_path(item)
    return path is not None and hashlib.sha256(path.read_bytes()).hexdigest() == item.sha256


def evidence_response(item: CorrectionEvidence) -> FileResponse:
    """The evidence file streamed as uploaded (its sniffed content type and original name), for the
    back-office page and the REST API alike; 404 when the file is missing or lies outside MEDIA_ROOT."""
    path = evidence_path(item)
    if path is None:
        raise Http404
    return FileResponse(path.open("rb"), content_type=item.content_type, filename=item.original_name)


def forward(request: CorrectionRequest, *, actor: Any) -> CorrectionRequest:
    """Staff accept the request: it enters the lifecycle's correction workflow (one
    CORRECTION_REQUESTED event with the evidence references), to be re-reviewed by a centre above."""
    with transaction.atomic():
        req = CorrectionRequest.objects.select_for_update().select_related("certificate").get(pk=request.pk)
        cert = req.certificate
        if not has_permission(actor, PERMISSION, cert.organisation):
            raise NotPermitted()
        if req.status != CorrectionRequest.Status.SUBMITTED:
            raise Conflict(
                "holders.correction.decided", "该申请已处理", "The request has already been decided"
            )
        evidence = [
            f"{e.get_kind_display()} {e.original_name} sha256:{e.sha256} (holders.CorrectionEvidence#{e.pk})"[
                :300
            ]
            for e in req.evidence.all()
        ]
        event = lifecycle.request_correction(
            cert,
            actor=actor,
            changes=_changes_for_lifecycle(req),
            evidence=evidence,
            reason=f"持证人申请{req.reference}：{req.reason}"[:500],
        )
        req.status = CorrectionRequest.Status.FORWARDED
        req.event = event
        req.decided_at = timezone.now()
        req.decided_by = actor
        req.save()
        log_action(
            "holders.correction_forwarded",
            req,
            actor=actor,
            organisation=cert.organisation,
            data={"reference": req.reference, "event": event.pk},
        )
    return req


def reject(request: CorrectionRequest, *, actor: Any, comment: str) -> CorrectionRequest:
    text = (comment or "").strip()
    if not text:
        raise field_error(
            None, "comment", "holders.correction.comment", "驳回须说明理由", "Rejecting needs a comment"
        )
    with transaction.atomic():
        req = CorrectionRequest.objects.select_for_update().select_related("certificate").get(pk=request.pk)
        if not has_permission(actor, PERMISSION, req.certificate.organisation):
            raise NotPermitted()
        if req.status != CorrectionRequest.Status.SUBMITTED:
            raise Conflict(
                "holders.correction.decided", "该申请已处理", "The request has already been decided"
            )
        req.status = CorrectionRequest.Status.REJECTED
        req.comment = text[:500]
        req.decided_at = timezone.now()
        req.decided_by = actor
        req.save()
        log_action(
            "holders.correction_rejected",
            req,
            actor=actor,
            organisation=req.certificate.organisation,
            data={"reference": req.reference, "comment": req.comment},
        )
    return req


def outcome(req: CorrectionRequest) -> str:
    """For the holder: submitted / rejected / under re-review / corrected / not approved on re-review."""
    if req.status != CorrectionRequest.Status.FORWARDED or req.event_id is None:
        return str(req.status)
    review = CertificateEvent.objects.filter(
        certificate_id=req.certificate_id, kind=EventKind.CORRECTED, data__request=req.event_id
    ).first()
    if review is None:
        return "under_review"
    return "corrected" if review.data.get("approved") else "not_approved"


def masked(req: CorrectionRequest) -> dict[str, Any]:
    """The requested changes for display: a new ID number only masked (X7)."""
    shown = dict(req.changes)
    if req.id_masked:
        shown["id_number"] = req.id_masked
    return shown
