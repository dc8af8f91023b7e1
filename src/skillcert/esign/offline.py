"""Offline verification of a QR text or an e-certificate PDF or OFD (issue 5 item 7; R2.1, R2.3, X7).

Uses ONLY published material: the JSON of ``/api/v1/keys/`` (a list of keys, or the paginated
``{"results": [...]}`` page) and the signed revocation list of ``/api/v1/revocations/``
(docs/formats/revocation-list.md). Three answers, never mixed up:

* ``valid`` — the signature verifies with a published key usable at signing time, and the certificate
  is not on a fresh, authentic revocation list;
* ``invalid`` + reason — bad signature, tampered or malformed data, revoked certificate, a key revoked
  (or retired) before the signed data's date, a name that does not match;
* ``cannot_determine`` + reason — the revocation list is missing, stale (past ``next_update``) or not
  verifiable, the key is unknown, or the key was revoked and the signing time cannot be established
  offline. An outage is never shown as a forgery, and a revoked certificate is never shown as valid.

Signing time: the signed data carries no signing time, only dates (``issued_on``, ``reissued_on``),
which are lower bounds of it. So a signature dated after the day its key was revoked (or retired) is
invalid; one dated on or before that day cannot be told apart from a forgery made with the compromised
key and is answered ``cannot_determine`` (check online).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from skillcert.esign import canonical, ecert_ofd, ecert_pdf, qr, revocation, sm2
from skillcert.esign.ofd import signing, writer

VALID: Final = "valid"
INVALID: Final = "invalid"
CANNOT_DETERMINE: Final = "cannot_determine"
EXIT_CODES = {VALID: 0, INVALID: 1, CANNOT_DETERMINE: 2}

# invalid
BAD_SIGNATURE = "esign.offline.signature"
TAMPERED = "esign.offline.tampered"
CERTIFICATE_REVOKED = "esign.offline.certificate_revoked"
KEY_REVOKED_BEFORE_SIGNING = "esign.offline.key_revoked_before_signing"
KEY_RETIRED_BEFORE_SIGNING = "esign.offline.key_retired_before_signing"
NAME_MISMATCH = "esign.qr.name_mismatch"
# cannot determine
KEYS_MISSING = "esign.offline.keys_missing"
KEY_UNKNOWN = "esign.offline.key_unknown"
KEY_REVOKED_SIGNING_TIME_UNKNOWN = "esign.offline.key_revoked_signing_time_unknown"
REVOCATIONS_MISSING = "esign.offline.revocations_missing"
REVOCATIONS_STALE = "esign.offline.revocations_stale"
REVOCATIONS_UNVERIFIABLE = "esign.offline.revocations_unverifiable"
VERSION_UNSUPPORTED = "esign.qr.version_unsupported"
# OFD: the seal's key must be the key that signed the embedded record
OFD_KEY_MISMATCH = "esign.ofd.key_mismatch"


@dataclass(frozen=True)
class Verdict:
    state: Literal["valid", "invalid", "cannot_determine"]
    reason: str | None = None
    number: str | None = None
    key_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.state]

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.state,
            "reason": self.reason,
            "number": self.number,
            "key_id": self.key_id,
            **self.details,
        }


@dataclass(frozen=True)
class PublishedKey:
    key_id: str
    public_key: bytes
    status: str
    valid_from: datetime.datetime | None
    valid_until: datetime.datetime | None
    revoked_at: datetime.datetime | None


def _opt_time(value: Any) -> datetime.datetime | None:
    return None if value in (None, "") else revocation.parse_time(value)


def published_keys(keys_doc: Any) -> dict[str, PublishedKey]:
    """key id → PublishedKey from the /api/v1/keys/ JSON (list or paginated page). Malformed entries,
    and entries whose key id does not match their public key, are skipped (they verify nothing)."""
    entries = keys_doc.get("results") if isinstance(keys_doc, Mapping) else keys_doc
    out: dict[str, PublishedKey] = {}
    if not isinstance(entries, list):
        return out
    for entry in entries:
        try:
            public_key = bytes.fromhex(entry["public_key"])
            kid = str(entry["key_id"])
            if sm2.key_id(public_key) != kid:
                continue
            out[kid] = PublishedKey(
                kid,
                public_key,
                str(entry.get("status") or ""),
                _opt_time(entry.get("valid_from")),
                _opt_time(entry.get("valid_until")),
                _opt_time(entry.get("revoked_at")),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return out


def _revocations(
    revocations_doc: Any, keys: Mapping[str, PublishedKey], now: datetime.datetime
) -> tuple[dict[str, Any] | None, str | None]:
    """The verified ``list`` body, or (None, cannot-determine reason)."""
    if revocations_doc is None:
        return None, REVOCATIONS_MISSING
    ok, reason = revocation.verify_revocation_list(
        revocations_doc, {k: v.public_key for k, v in keys.items()}, now=now
    )
    if not ok:
        return None, REVOCATIONS_STALE if reason == revocation.STALE else REVOCATIONS_UNVERIFIABLE
    body = dict(revocations_doc["list"])
    # the publisher key itself must not have been revoked when the list was issued
    signer = keys[revocations_doc["key_id"]]
    issued_at = revocation.parse_time(body["issued_at"])
    revoked_keys = {e["key_id"]: revocation.parse_time(e["revoked_at"]) for e in body["keys"]}
    signer_revoked = [t for t in (signer.revoked_at, revoked_keys.get(signer.key_id)) if t is not None]
    if signer_revoked and min(signer_revoked) <= issued_at:
        return None, REVOCATIONS_UNVERIFIABLE
    return body, None


def _check(
    *,
    number: str,
    key_id: str,
    signed_on: datetime.date,
    message: bytes,
    signature: bytes,
    keys: Mapping[str, PublishedKey],
    revocations_doc: Any,
    now: datetime.datetime,
    logged_at: datetime.datetime | None = None,
) -> Verdict:
    """Common rules after parsing: key, signature, key validity at the signed date, revocation list.
    ``logged_at``: a time by which the transparency log proves the signed data was published (issue 19,
    R2.1): a key revoked after it signed that data before its compromise."""

    def verdict(state: Any, reason: str | None) -> Verdict:
        return Verdict(state, reason, number, key_id, {"signed_on": signed_on.isoformat()})

    key = keys.get(key_id)
    if key is None:
        return verdict(CANNOT_DETERMINE, KEY_UNKNOWN)
    if not sm2.verify(key.public_key, message, signature):
        return verdict(INVALID, BAD_SIGNATURE)
    body, reason = _revocations(revocations_doc, keys, now)
    if body is None:
        return verdict(CANNOT_DETERMINE, reason)
    if any(e["number"] == number for e in body["certificates"]):
        return verdict(INVALID, CERTIFICATE_REVOKED)
    revoked = [t for t in (key.revoked_at,) if t is not None]
    revoked += [revocation.parse_time(e["revoked_at"]) for e in body["keys"] if e["key_id"] == key_id]
    if revoked or key.status == "revoked":
        if revoked and signed_on > min(revoked).astimezone(datetime.UTC).date():
            return verdict(INVALID, KEY_REVOKED_BEFORE_SIGNING)
        if not (revoked and logged_at is not None and logged_at < min(revoked)):
            return verdict(CANNOT_DETERMINE, KEY_REVOKED_SIGNING_TIME_UNKNOWN)
    if key.valid_until is not None and signed_on > key.valid_until.astimezone(datetime.UTC).date():
        return verdict(INVALID, KEY_RETIRED_BEFORE_SIGNING)
    return verdict(VALID, None)


def verify_qr_offline(
    text: str,
    keys_doc: Any,
    revocations_doc: Any,
    *,
    now: datetime.datetime,
    holder_name: str | None = None,
    logged_at: datetime.datetime | None = None,
) -> Verdict:
    """Verify a QR text (docs/formats/qr-payload.md) offline. ``logged_at``: see ``_check``."""
    keys = published_keys(keys_doc)
    try:
        payload = qr.parse_payload(text.strip())
    except qr.PayloadError as exc:
        if exc.code == VERSION_UNSUPPORTED:
            return Verdict(CANNOT_DETERMINE, exc.code)
        return Verdict(INVALID, exc.code)
    if not keys:
        return Verdict(CANNOT_DETERMINE, KEYS_MISSING, payload.number, payload.key_id)
    result = _check(
        number=payload.number,
        key_id=payload.key_id,
        signed_on=payload.issued_on,
        message=payload.signed,
        signature=payload.signature,
        keys=keys,
        revocations_doc=revocations_doc,
        now=now,
        logged_at=logged_at,
    )
    if result.state == INVALID:
        return result
    # a name mismatch is a definite answer even while revocation status is unknown
    if holder_name is not None and qr.name_digest(payload.number, holder_name) != payload.name_digest:
        return Verdict(INVALID, NAME_MISMATCH, payload.number, payload.key_id, result.details)
    details = {**result.details, "name_checked": holder_name is not None}
    return Verdict(result.state, result.reason, result.number, result.key_id, details)


def verify_file_offline(
    file_bytes: bytes,
    keys_doc: Any,
    revocations_doc: Any,
    *,
    now: datetime.datetime,
    logged_at: datetime.datetime | None = None,
) -> Verdict:
    """Verify an e-certificate PDF or OFD offline (the format is told from the content)."""
    if ecert_ofd.is_ofd(file_bytes):
        return verify_ofd_offline(file_bytes, keys_doc, revocations_doc, now=now, logged_at=logged_at)
    return verify_pdf_offline(file_bytes, keys_doc, revocations_doc, now=now, logged_at=logged_at)


def _record_verdict(
    data: bytes,
    signature: bytes,
    key_id: str,
    keys: Mapping[str, PublishedKey],
    revocations_doc: Any,
    now: datetime.datetime,
    logged_at: datetime.datetime | None = None,
) -> Verdict:
    try:
        record = canonical.parse_canonical(data)
        signed_on = datetime.date.fromisoformat(record.get("reissued_on") or record["issued_on"])
    except Exception:
        return Verdict(INVALID, TAMPERED, key_id=key_id)
    if not keys:
        return Verdict(CANNOT_DETERMINE, KEYS_MISSING, record["number"], key_id)
    return _check(
        number=record["number"],
        key_id=key_id,
        signed_on=signed_on,
        message=canonical.signed_message(record),
        signature=signature,
        keys=keys,
        revocations_doc=revocations_doc,
        now=now,
        logged_at=logged_at,
    )


def verify_pdf_offline(
    pdf_bytes: bytes,
    keys_doc: Any,
    revocations_doc: Any,
    *,
    now: datetime.datetime,
    logged_at: datetime.datetime | None = None,
) -> Verdict:
    """Verify the signed certificate data embedded in an e-certificate PDF offline."""
    keys = published_keys(keys_doc)
    try:
        data, signature, key_id = ecert_pdf.extract_signed_data(pdf_bytes)
    except Exception:  # ValueError, zlib.error, …: a changed byte anywhere in the signed data
        return Verdict(INVALID, TAMPERED)
    return _record_verdict(data, signature, key_id, keys, revocations_doc, now, logged_at)


def verify_ofd_offline(
    ofd_bytes: bytes,
    keys_doc: Any,
    revocations_doc: Any,
    *,
    now: datetime.datetime,
    logged_at: datetime.datetime | None = None,
) -> Verdict:
    """Verify a sealed e-certificate OFD offline (docs/formats/ofd.md §6): every SM3 CheckValue, the
    dataHash, the seal and document SM2 signatures with the published key, then the embedded signed
    record and the revocation list exactly as for a PDF."""
    keys = published_keys(keys_doc)
    try:
        files = writer.read_package(ofd_bytes)
    except ValueError:
        return Verdict(INVALID, signing.NOT_OFD)
    try:
        checked = signing.check_package(files)
    except signing.SealError as exc:
        return Verdict(INVALID, exc.code)
    try:
        data, signature, key_id = ecert_ofd.extract_signed_data(files)
    except ValueError:
        return Verdict(INVALID, TAMPERED, key_id=checked.key_id)
    details = {"format": "ofd", "sealed_at": checked.signed_at.isoformat()}
    if key_id != checked.key_id:
        return Verdict(INVALID, OFD_KEY_MISMATCH, key_id=key_id, details=details)
    if not keys:
        return Verdict(CANNOT_DETERMINE, KEYS_MISSING, key_id=key_id, details=details)
    key = keys.get(key_id)
    if key is None:
        return Verdict(CANNOT_DETERMINE, KEY_UNKNOWN, key_id=key_id, details=details)
    problem = signing.verify_signatures(checked, key.public_key)
    if problem is not None:
        return Verdict(INVALID, problem, key_id=key_id, details=details)
    result = _record_verdict(data, signature, key_id, keys, revocations_doc, now, logged_at)
    return Verdict(result.state, result.reason, result.number, result.key_id, {**result.details, **details})


__all__ = [
    "Verdict",
    "published_keys",
    "verify_file_offline",
    "verify_ofd_offline",
    "verify_pdf_offline",
    "verify_qr_offline",
]
