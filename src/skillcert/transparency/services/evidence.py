"""What the log proves about time (issue 19 item 5; R2.1, X2).

"Was this record logged before T?" — the question a verifier asks when the signing key was revoked at
T: a record whose leaf sits in a checkpoint cosigned before the revocation was signed before the
compromise. The time of a checkpoint is the earliest cosignature timestamp of a configured witness on
it; with no witness configured, the log's own timestamped (clock-key) signature. A leaf counts from the
first checkpoint whose size exceeds its index.

The offline side is :func:`check_proof`: a tlog-proof file, the log's published keys (and witnesses'),
an expected entry — it returns the proven time, or raises ProofInvalid.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from skillcert.transparency import entry as entries
from skillcert.transparency import merkle, note, proofs
from skillcert.transparency.models import Checkpoint, Cosignature, Witness


@dataclass(frozen=True)
class Evidence:
    index: int
    size: int
    at: datetime.datetime
    by: str  # "witness:<name>" or "log"


def _utc(seconds: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC)


def _clock_time(checkpoint: Checkpoint) -> datetime.datetime:
    return checkpoint.created_at


def earliest_evidence(leaf_index: int) -> Evidence | None:
    """When the leaf was first provably in a checkpoint (see the module docstring)."""
    if Witness.objects.filter(active=True).exists():
        cosig = (
            Cosignature.objects.filter(checkpoint__size__gt=leaf_index, witness__active=True)
            .select_related("checkpoint", "witness")
            .order_by("timestamp")
            .first()
        )
        if cosig is None:
            return None
        return Evidence(
            leaf_index, cosig.checkpoint.size, _utc(cosig.timestamp), f"witness:{cosig.witness.name}"
        )
    checkpoint = Checkpoint.objects.filter(size__gt=leaf_index).order_by("size").first()
    if checkpoint is None:
        return None
    return Evidence(leaf_index, checkpoint.size, _clock_time(checkpoint), "log")


def logged_before(
    *, number: str, at: datetime.datetime, record_sm3: str | None = None, key_id: str | None = None
) -> Evidence | None:
    """Evidence that a leaf of certificate ``number`` (with that record hash and/or issuer key id, when
    given) was in a checkpoint at or before ``at``; None if the log cannot show it."""
    from skillcert.transparency.services.certificates import leaf_indexes
    from skillcert.transparency.services.log import entry_at

    first = None
    for index in leaf_indexes(number):
        logged = entries.parse_entry(entry_at(index))
        if (not record_sm3 or logged.record_sm3 == record_sm3) and (not key_id or logged.key_id == key_id):
            first = index
            break
    if first is None:
        return None
    evidence = earliest_evidence(first)
    return evidence if evidence is not None and evidence.at <= at else None


# --- offline ------------------------------------------------------------------------------------------


class ProofInvalid(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ProvenInclusion:
    entry: entries.Entry
    index: int
    size: int
    at: datetime.datetime | None  # earliest trusted timestamp on the checkpoint (None: none given)
    by: str | None


def check_proof(
    proof_text: str,
    origin: str,
    log_verifiers: Sequence[note.Verifier],
    witness_verifiers: Sequence[note.Verifier] = (),
) -> ProvenInclusion:
    """Verify a tlog-proof offline: the checkpoint is signed by the log, the inclusion proof binds the
    entry (the proof's ``extra`` line) to its root. Returns the entry and the earliest timestamp of a
    verified witness cosignature — or, with no witness cosignature, of the log's clock signature."""
    try:
        parsed = proofs.parse_proof(proof_text)
        checkpoint, _note, good = note.open_checkpoint(
            parsed.checkpoint, origin, [*log_verifiers, *witness_verifiers]
        )
    except (note.NoteError, ValueError) as exc:
        raise ProofInvalid("transparency.proof.malformed", str(exc)) from None
    if parsed.extra is None:
        raise ProofInvalid("transparency.proof.no_entry", "the proof does not carry the entry")
    try:
        logged = entries.parse_entry(parsed.extra)
    except entries.EntryError as exc:
        raise ProofInvalid("transparency.proof.bad_entry", str(exc)) from None
    if not merkle.verify_inclusion(
        parsed.index, checkpoint.size, merkle.leaf_hash(parsed.extra), parsed.hashes, checkpoint.root
    ):
        raise ProofInvalid("transparency.proof.not_included", "the inclusion proof does not verify")
    witness_set = set(witness_verifiers)
    times = [(note.cosignature_time(s), f"witness:{v.name}") for v, s in good if v in witness_set]
    if not times and not witness_set:  # a verifier with a witness policy does not fall back to the log
        times = [(note.cosignature_time(s), "log") for v, s in good if v.sig_type == note.COSIGNATURE_V1]
    at, by = min(times) if times else (None, None)
    return ProvenInclusion(logged, parsed.index, checkpoint.size, _utc(at) if at is not None else None, by)
