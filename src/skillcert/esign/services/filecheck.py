"""The public check of an uploaded e-certificate file (R2.1, R2.6; issue 5).

Three-state verdict exactly as an offline verifier would give it (the published keys and the current
signed revocation list, esign/offline.py), plus whether the file is the registered original: its
SHA-256 equals an :class:`~skillcert.esign.models.ElectronicDocument`. A file whose signed data is fine
but whose bytes differ (re-saved, converted, printed to PDF again) is **not the original file** (R2.1):
it is answered as such, never as valid.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any

from skillcert.core.errors import SkillcertError, field_error
from skillcert.esign import ecert_ofd, offline, revocation
from skillcert.esign.models import ElectronicDocument, IssuerKey

MAX_UPLOAD = 5 * 1024 * 1024
ORIGINAL = "original"  # the registered file of the certificate's current version
SUPERSEDED = "superseded"  # a registered original of an earlier version (later reissued or corrected)
NOT_ORIGINAL = "not_original"  # signature data fine, but not a registered file: a copy (R2.1)
NOT_VERIFIED = "not_verified"  # the signed data did not verify; originality is moot

MESSAGES = {
    ORIGINAL: ("这是登记在册的电子证书原件", "This is the registered original e-certificate file"),
    SUPERSEDED: (
        "这是登记在册的原件，但证书其后已补发或更正，请以最新版本为准",
        "This is a registered original, but the certificate was later reissued or corrected",
    ),
    NOT_ORIGINAL: (
        "签名数据有效，但该文件不是原件（已被另存或转换），不具有电子证书效力",
        "The signed data is genuine, but this is not the original file (re-saved or converted); "
        "it has no effect as an e-certificate",
    ),
    NOT_VERIFIED: ("文件未通过验证", "The file did not verify"),
}


@dataclass(frozen=True)
class FileCheck:
    verdict: offline.Verdict
    format: str
    sha256: str
    originality: str

    @property
    def status(self) -> str:
        """The verdict state, except that a copy that is not the original is never "valid" (R2.1)."""
        if self.verdict.state == offline.VALID and self.originality == NOT_ORIGINAL:
            return offline.INVALID
        return self.verdict.state

    @property
    def reason(self) -> str | None:
        if self.verdict.state == offline.VALID and self.originality == NOT_ORIGINAL:
            return "esign.file.not_original"
        return self.verdict.reason

    def as_dict(self) -> dict[str, Any]:
        zh, en = MESSAGES[self.originality]
        return {
            "status": self.status,
            "reason": self.reason,
            "signature": {"status": self.verdict.state, "reason": self.verdict.reason},
            "format": self.format,
            "number": self.verdict.number,
            "key_id": self.verdict.key_id,
            "sha256": self.sha256,
            "original": self.originality in (ORIGINAL, SUPERSEDED),
            "originality": self.originality,
            "message": {"zh": zh, "en": en},
        }


def sniff(data: bytes) -> str | None:
    """ "pdf", "ofd" or None, from the content (never from the file name)."""
    if data[:5] == b"%PDF-":
        return "pdf"
    if ecert_ofd.is_ofd(data):
        return "ofd"
    return None


def keys_document() -> list[dict[str, Any]]:
    """The key list as /api/v1/keys/ publishes it."""
    from skillcert.esign.api import PublicKeySerializer

    return list(PublicKeySerializer(IssuerKey.objects.published(), many=True).data)


def check_file(data: bytes, *, now: datetime.datetime | None = None) -> FileCheck:
    """Verify an uploaded PDF or OFD; ValidationFailed for an empty, too large or unknown file."""
    if not data:
        raise field_error("upload", "file", "esign.file.empty", "请选择文件", "Choose a file")
    if len(data) > MAX_UPLOAD:
        raise field_error("upload", "file", "esign.file.too_large", "文件超过 5 MB", "The file exceeds 5 MB")
    kind = sniff(data)
    if kind is None:
        raise field_error(
            "upload",
            "file",
            "esign.file.unsupported",
            "只能验证 PDF 或 OFD 格式的电子证书",
            "Only PDF or OFD e-certificates can be checked",
        )
    now = now or datetime.datetime.now(datetime.UTC)
    try:
        revocations: Any = revocation.build_revocation_list(now=now)
    except SkillcertError:  # no publisher key: the verdict says "cannot determine", not "invalid"
        revocations = None
    verdict = offline.verify_file_offline(data, keys_document(), revocations, now=now)
    sha = hashlib.sha256(data).hexdigest()
    if verdict.state == offline.INVALID:
        return FileCheck(verdict, kind, sha, NOT_VERIFIED)
    document = ElectronicDocument.objects.filter(sha256=sha).select_related("certificate").first()
    if document is None:
        return FileCheck(verdict, kind, sha, NOT_ORIGINAL)
    latest = (
        ElectronicDocument.objects.filter(certificate=document.certificate, kind=document.kind)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return FileCheck(verdict, kind, sha, ORIGINAL if latest == document.version else SUPERSEDED)
