"""The transparency log's public interface (issue 19). Other apps import only from here:
``from skillcert.transparency import services as tlog``."""

from skillcert.transparency.services.certificates import (
    CertificateProof,
    LoggedLeaf,
    latest_leaf,
    leaf_indexes,
    position,
    proof_for,
    published_certificate,
)
from skillcert.transparency.services.evidence import (
    Evidence,
    ProofInvalid,
    ProvenInclusion,
    check_proof,
    earliest_evidence,
    logged_before,
)
from skillcert.transparency.services.keys import log_verifiers
from skillcert.transparency.services.log import (
    checkpoint_at,
    configured_origin,
    consistency,
    ensure_log,
    entry_at,
    head,
    inclusion,
    origin,
    read_tile,
    signed_note,
)
from skillcert.transparency.services.publish import log_release, register_view
from skillcert.transparency.services.restore import RestoreCheck, check_restored_log
from skillcert.transparency.services.witness import accept_cosignatures, add_witness, witness_verifier

__all__ = [
    "CertificateProof",
    "Evidence",
    "LoggedLeaf",
    "ProofInvalid",
    "ProvenInclusion",
    "RestoreCheck",
    "accept_cosignatures",
    "add_witness",
    "check_proof",
    "check_restored_log",
    "checkpoint_at",
    "configured_origin",
    "consistency",
    "earliest_evidence",
    "ensure_log",
    "entry_at",
    "head",
    "inclusion",
    "latest_leaf",
    "leaf_indexes",
    "log_release",
    "log_verifiers",
    "logged_before",
    "origin",
    "position",
    "proof_for",
    "published_certificate",
    "read_tile",
    "register_view",
    "signed_note",
    "witness_verifier",
]
