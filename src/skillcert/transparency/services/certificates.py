"""A certificate's place in the log: its leaves, its proof file (issue 19 items 3 and 5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from skillcert.certificates.models import Certificate
from skillcert.core.errors import NotFound
from skillcert.transparency import proofs
from skillcert.transparency.models import Checkpoint, Leaf
from skillcert.transparency.services import log


def _not_logged(number: str) -> NotFound:
    return NotFound(
        "transparency.certificate.not_logged",
        f"证书 {number} 尚未记入透明日志（发布后记入）",
        f"Certificate {number} is not in the transparency log (it is logged when published)",
    )


def published_certificate(number: str) -> Certificate:
    certificate = (
        Certificate.objects.filter(number=number, published_at__isnull=False)
        .select_related("issuing_authority")
        .first()
    )
    if certificate is None:
        raise _not_logged(number)
    return certificate


def latest_leaf(number: str) -> Leaf | None:
    """The leaf of the certificate's current logged version (its last leaf)."""
    return Leaf.objects.filter(certificate__number=number).order_by("-index").first()


@dataclass(frozen=True)
class CertificateProof:
    leaf: Leaf
    checkpoint: Checkpoint
    entry: bytes
    hashes: list[bytes]
    text: str  # the tlog-proof file


def proof_for(number: str) -> CertificateProof:
    """The tlog-proof of the certificate's latest leaf against the current checkpoint."""
    leaf = latest_leaf(number)
    if leaf is None:
        raise _not_logged(number)
    checkpoint = log.head()
    entry = log.entry_at(leaf.index)
    hashes = log.inclusion(leaf.index, checkpoint.size)
    text = proofs.make_proof(leaf.index, hashes, log.signed_note(checkpoint), entry)
    return CertificateProof(leaf, checkpoint, entry, hashes, text)


def position(number: str) -> dict[str, Any] | None:
    """For the public verification page: the latest leaf's index and the head's size, or None."""
    leaf = latest_leaf(number)
    if leaf is None:
        return None
    state = log.ensure_log()
    return {"index": leaf.index, "size": state.size, "event": leaf.event, "version": leaf.version}
