"""The register of original e-certificate files (R2.1, R2.6, R2.10; issue 5).

For every certificate version — as issued (1), then +1 for each reissue and approved correction — the
signed PDF and the sealed OFD are generated once (:func:`ensure_documents`, idempotent, under a row
lock on the certificate), stored under ``MEDIA_ROOT/edocs/`` by SHA-256 and registered as immutable
:class:`~skillcert.esign.models.ElectronicDocument` rows. Issuance, reissue and score certificates queue
the generation on commit (:func:`queue_documents`); the holder downloads exactly the stored files, and
the public upload check compares an uploaded file's SHA-256 with the register.

The QR code's URL prefix comes from ``settings.SKILLCERT_PUBLIC_BASE_URL`` (default: the first
ALLOWED_HOSTS entry over http), since no request is at hand in a background job.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.core.errors import SkillcertError
from skillcert.core.files import write_private
from skillcert.esign import canonical, ecert_layout, ecert_ofd, ecert_pdf, qr, sm2
from skillcert.esign.models import DocumentKind, ElectronicDocument
from skillcert.esign.ofd.signing import Signer
from skillcert.esign.services import keys

logger = logging.getLogger(__name__)
EDOCS_DIR = "edocs"
_CHUNK = 200


def qr_base_url() -> str:
    base = getattr(settings, "SKILLCERT_PUBLIC_BASE_URL", "") or f"http://{settings.ALLOWED_HOSTS[0]}"
    return base.rstrip("/").upper() + "/Q/"


def id_salt(certificate: Any) -> bytes:
    """The per-certificate salt of the ID commitment (certificate-data.md §3), stored with the
    certificate when it was issued or imported, so every version of a certificate commits the same way
    and no secret key is involved (issue 13 item 11)."""
    return bytes(certificate.id_salt)


def _photo(sha: str) -> bytes | None:
    if not sha:
        return None
    from skillcert.people.models import Photo

    try:
        return Photo(sha256=sha, width=0, height=0, size=0, source="").read()
    except OSError:
        return None


def certificate_record(certificate: Any, events: list[Any] | None = None) -> tuple[dict[str, Any], int, str]:
    """(canonical record, version, photo SHA-256) of the certificate after ``events`` — its lifecycle
    events in id order: all of them (the default) for the current version, a prefix for an earlier
    version (the transparency log records each published version, issue 19)."""
    from skillcert.certificates.models import CertificateEvent, EventKind
    from skillcert.certificates.services.lifecycle import fold_events, view_from_folded
    from skillcert.people.protect import decrypt

    if events is None:
        events = list(CertificateEvent.objects.filter(certificate_id=certificate.pk).order_by("id"))
    folded = fold_events(certificate, events)
    view = view_from_folded(certificate, folded)
    latest = next((e.at for e in reversed(events) if e.kind == EventKind.REISSUED), None)
    source: dict[str, Any] = {
        **view,
        "licence_id": certificate.licence_id,
        "issuing_authority_uscc": getattr(certificate.issuing_authority, "uscc", "") or None,
        "id_number": decrypt(folded["id_cipher"]),
        "id_salt": id_salt(certificate),
        "reissue": bool(view.get("reissued")) or None,
        "reissued_on": timezone.localdate(latest) if latest else None,
    }
    for key in canonical.STRING_FIELDS:
        value = source.get(key)
        if value is None or isinstance(value, datetime.date) or key == "level":
            continue
        if not isinstance(value, str):
            source[key] = str(value)
    version = 1 + int(view.get("reissue_count") or 0) + int(view.get("corrections") or 0)
    return canonical.canonical_record(source), version, str(view.get("photo") or "")


def certificate_source(certificate: Any) -> tuple[dict[str, Any], bytes | None, int]:
    """(canonical record, photo JPEG, version) of the certificate as it stands now."""
    record, version, photo = certificate_record(certificate)
    return record, _photo(photo), version


def render_documents(
    certificate: Any, *, signed_at: datetime.datetime | None = None
) -> tuple[dict[str, Any], int, str, bytes, bytes]:
    """(record, version, key id, PDF, OFD) of the certificate now, signed with its authority's key."""
    record, photo, version = certificate_source(certificate)
    key = keys.active_key(certificate.issuing_authority)
    secret = keys.private_key(key)
    signer = Signer(key.key_id, key.public_key_bytes, lambda m: sm2.sign(secret, m), key.valid_from)
    signature = signer.sign(canonical.signed_message(record))
    layout = ecert_layout.build_layout(
        record,
        photo_jpeg=photo,
        qr_text=qr.make_payload(record, key.key_id, secret, qr_base_url()),
        signature=signature,
        key_id=key.key_id,
    )
    signed_at = signed_at or timezone.now()
    pdf = ecert_pdf.render_layout_pdf(layout)
    ofd = ecert_ofd.render_layout_ofd(layout, signer=signer, signed_at=signed_at)
    return record, version, key.key_id, pdf, ofd


def _store(data: bytes, ext: str) -> tuple[str, str]:
    sha = hashlib.sha256(data).hexdigest()
    relative = f"{EDOCS_DIR}/{sha[:2]}/{sha}.{ext}"
    path = Path(settings.MEDIA_ROOT) / relative
    if not path.exists():
        write_private(path, data)  # the holder's e-certificate (issue 13 item 9)
    return sha, relative


def ensure_documents(certificate: Any) -> dict[str, ElectronicDocument]:
    """The PDF and OFD of the certificate's current version, generated and registered if not yet
    (idempotent; concurrent callers wait on the certificate row lock)."""
    from skillcert.certificates.models import Certificate

    with transaction.atomic():
        locked = Certificate.objects.select_for_update().select_related("issuing_authority")
        cert = locked.get(pk=certificate.pk)
        _record, _photo_bytes, version = certificate_source(cert)
        existing = {d.kind: d for d in ElectronicDocument.objects.filter(certificate=cert, version=version)}
        if len(existing) == 2:
            return existing
        signed_at = timezone.now().replace(microsecond=0)
        _rec, version, key_id, pdf, ofd = render_documents(cert, signed_at=signed_at)
        docs = dict(existing)
        for kind, data in ((DocumentKind.PDF, pdf), (DocumentKind.OFD, ofd)):
            if kind in docs:
                continue
            sha, relative = _store(data, kind.value)
            docs[kind] = ElectronicDocument.objects.create(
                certificate=cert,
                version=version,
                kind=kind,
                sha256=sha,
                size=len(data),
                path=relative,
                key_id=key_id,
                signed_at=signed_at,
            )
        log_action(
            "esign.documents.generated",
            cert,
            data={"version": version, "key_id": key_id, **{f"{k}_sha256": d.sha256 for k, d in docs.items()}},
        )
    return docs


def read_document(document: ElectronicDocument) -> bytes:
    """The stored bytes, checked against the registered SHA-256 (a damaged file is an error)."""
    data = (Path(settings.MEDIA_ROOT) / document.path).read_bytes()
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise SkillcertError(
            "esign.document.damaged",
            "存档的电子证书文件已损坏",
            "The stored e-certificate file is damaged",
            [],
            500,
        )
    return data


def generate_for(certificate_ids: Iterable[int]) -> int:
    """Generate the documents of the given certificates; returns how many were done. A certificate
    whose authority has no signing key is logged and skipped (generated on first download instead)."""
    from skillcert.certificates.models import Certificate

    done = 0
    for cert in Certificate.objects.filter(pk__in=list(certificate_ids)).order_by("pk"):
        try:
            ensure_documents(cert)
            done += 1
        except SkillcertError as exc:
            logger.warning("e-documents of %s not generated: %s", cert.number, exc.code)
    return done


@shared_task(name="skillcert.esign.generate_documents", ignore_result=True)
def generate_documents_task(certificate_ids: list[int]) -> int:
    return generate_for(certificate_ids)


def queue_documents(certificate_ids: Iterable[int]) -> None:
    """Queue generation once the surrounding transaction commits (issuance, reissue, score report).

    Only with a real broker, or ``settings.SKILLCERT_EDOCS_ON_COMMIT = True``: without a broker Celery
    runs tasks in-process, which would make bulk issuance render every file inline; the documents are
    then generated on first download."""
    ids = [int(i) for i in certificate_ids]
    enabled = getattr(settings, "SKILLCERT_EDOCS_ON_COMMIT", not settings.CELERY_TASK_ALWAYS_EAGER)
    if not ids or not enabled:
        return

    def enqueue() -> None:
        for start in range(0, len(ids), _CHUNK):
            generate_documents_task.delay(ids[start : start + _CHUNK])

    transaction.on_commit(enqueue)
