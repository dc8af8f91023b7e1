"""A certificate's place in the log: its leaves, its proof file (issue 19 items 3 and 5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection

from skillcert.certificates.models import Certificate
from skillcert.core.errors import NotFound
from skillcert.transparency import proofs
from skillcert.transparency.entry import Entry, parse_entry
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


def leaf_indexes(number: str) -> list[int]:
    """The indexes of the certificate's leaves, in log order (one statement: the certificate's unique
    number, then the (certificate, index) index)."""
    with connection.cursor() as cursor:
        cursor.execute(_LEAF_INDEXES, [number])
        return [int(row[0]) for row in cursor.fetchall()]


# One indexed statement (the hot path of /api/v1/tlog/proof/, design.md rule 10): the certificate's
# unique number, then the (certificate_id, index) index of the leaves.
_LEAF_INDEXES = (
    f'SELECT l."index" FROM {Leaf._meta.db_table} l WHERE l.certificate_id = '  # noqa: S608
    f'(SELECT c.id FROM {Certificate._meta.db_table} c WHERE c.number = %s) ORDER BY l."index"'
)


@dataclass(frozen=True)
class LoggedLeaf:
    index: int
    entry: Entry

    @property
    def event(self) -> str:
        return self.entry.event

    @property
    def version(self) -> int:
        return self.entry.version

    @property
    def record_sm3(self) -> str:
        return self.entry.record_sm3

    @property
    def key_id(self) -> str:
        return self.entry.key_id


def latest_leaf(number: str) -> LoggedLeaf | None:
    """The leaf of the certificate's current logged version (its last leaf), with its entry."""
    indexes = leaf_indexes(number)
    if not indexes:
        return None
    return LoggedLeaf(indexes[-1], parse_entry(log.entry_at(indexes[-1])))


@dataclass(frozen=True)
class CertificateProof:
    leaf: LoggedLeaf
    checkpoint: Checkpoint
    entry: bytes
    hashes: list[bytes]
    text: str  # the tlog-proof file


def proof_for(number: str, *, earliest: bool = False) -> CertificateProof:
    """The tlog-proof of the certificate's latest leaf against the current checkpoint: three
    statements (leaf index, head, tiles with the bundle), the signed note cached briefly.

    ``earliest``: against the first checkpoint that holds the leaf and is cosigned by a configured
    witness (with no witness configured: the first that holds it) — the strongest evidence of *when* it
    was published (R2.1); partial tiles are kept for every checkpointed size, so this proof can be made
    at any time. The head when no such checkpoint exists yet."""
    indexes = leaf_indexes(number)
    if not indexes:
        raise _not_logged(number)
    index = indexes[-1]
    checkpoint = log.head(cached=True)
    if earliest:
        from skillcert.transparency.services.evidence import earliest_evidence

        evidence = earliest_evidence(index)
        if evidence is not None:
            checkpoint = log.checkpoint_at(evidence.size)
    hashes, entry = log.inclusion_and_entry(index, checkpoint.size)
    text = proofs.make_proof(index, hashes, log.signed_note(checkpoint), entry)
    return CertificateProof(LoggedLeaf(index, parse_entry(entry)), checkpoint, entry, hashes, text)


def position(number: str) -> dict[str, Any] | None:
    """For the public verification page: the latest leaf's index and the head's size, or None."""
    indexes = leaf_indexes(number)
    if not indexes:
        return None
    return {"index": indexes[-1], "size": log.head().size}
