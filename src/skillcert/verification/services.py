"""Public verification (issue 5 item 5; R2.3, R3.1, X7; design.md rules 9 and 10).

Three ways in — number + name, ID number + name, the signed QR text — and one kind of answer, a
`Verdict`: `valid`, `revoked`, `reissued` (same number, R1.7; the 补发 marker is shown), `not_found`,
`invalid` (with a reason code) or `cannot_determine` (with a reason code). `cannot_determine` is never
reported as either of the others (rule 9).

Privacy and enumeration (X7):
- Exact matches only. The number is normalised (`numbering.normalise_number`) and compared for
  equality on its unique index; the name is normalised (`people.names.normalise_name`) and compared
  exactly with the certificate's current name; the ID number reaches the database only as its keyed
  hash (`Person.document_hash`). Never a partial match, never a list.
- Every failure to match — unknown number, wrong name, unknown ID number — is the same `not_found`
  verdict with the same reason and message.
- The certificate data shown is the current view (lifecycle.current_view) with the ID number masked;
  the photo only when number *and* name match.
- Lookups are counted per client address before the database is touched (30 a minute, 300 a day by
  default; `VERIFY_RATE_PER_MINUTE` / `VERIFY_RATE_PER_DAY` override) and every lookup is logged
  (`LookupLog`: no ID number, no name).

Hot path (rule 10): one indexed query finds the certificate (unique number, or the person's document
hash index), a second reads its events for the current view, and one INSERT logs the lookup.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import functools
import ipaddress
import json
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection

from skillcert.certificates.models import Certificate, CertificateEvent
from skillcert.certificates.numbering import normalise_number
from skillcert.certificates.services.lifecycle import (
    REISSUE_MARK,
    current_view,
    fold_events,
    view_from_folded,
)
from skillcert.core.api import storable_text
from skillcert.core.errors import SkillcertError, field_error
from skillcert.esign import qr
from skillcert.esign.models import IssuerKey, KeyStatus
from skillcert.people.idnumber import normalise_document
from skillcert.people.models import Person
from skillcert.people.names import normalise_name
from skillcert.people.protect import document_hash
from skillcert.verification.models import LookupLog

VALID = "valid"
REVOKED = "revoked"
REISSUED = "reissued"
NOT_FOUND = "not_found"
INVALID = "invalid"
CANNOT_DETERMINE = "cannot_determine"
STATUSES = (VALID, REVOKED, REISSUED, NOT_FOUND, INVALID, CANNOT_DETERMINE)

# Reason codes of this module (the QR ones come from esign.qr: esign.qr.*).
R_NOT_FOUND = "verification.not_found"
R_REVOKED = "verification.revoked"
R_REISSUED = "verification.reissued"
R_UNAVAILABLE = "verification.unavailable"
R_QR_MISMATCH = "verification.qr.mismatch"
R_QR_NOT_IN_REGISTER = "verification.qr.not_in_register"
R_KEY_REVOKED = "esign.key.revoked"

MESSAGES: dict[str, tuple[str, str]] = {
    VALID: ("证书有效", "The certificate is valid"),
    REVOKED: ("证书已撤销，不再有效", "The certificate has been revoked and is no longer valid"),
    REISSUED: (
        f"证书有效（已{REISSUE_MARK}，以补发后的证书为准）",
        "The certificate is valid (reissued under the same number: the reissued certificate counts)",
    ),
    NOT_FOUND: (
        "未查到与所填信息完全一致的证书，请核对后重试",
        "No certificate matches exactly what was entered; check it and try again",
    ),
    INVALID: ("证书信息无效（签名或内容不符）", "The certificate data is not genuine (signature or content)"),
    CANNOT_DETERMINE: (
        "暂时无法确定证书状态，请稍后再试或联系发证机关",
        "The status cannot be determined now; try again later or ask the issuing authority",
    ),
}

MAX_NUMBER = 32
# What a public answer may carry, and nothing else (issue 13 item 2, X7): every field that narrows the
# holder's ID number — birth date, gender, the staff mask's sequence digits — or is personal beyond
# what an employer checks (scores, education, the session) stays out, on every verdict and door.
PUBLIC_FIELDS = (
    "number",
    "kind",
    "name",
    "document_type",
    "occupation_code",
    "occupation",
    "occupation_edition",
    "work_type",
    "level",
    "level_name",
    "level_name_en",
    "evaluation",
    "issued_on",
    "issuing_authority",
    "issuing_authority_en",
    "state",
    "reissued",
    "remark",
    "blank_serial",
)


class RateLimited(SkillcertError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "verification.rate_limited",
            "查询过于频繁，请稍后再试",
            "Too many lookups from your address; try again later",
            [],
            429,
        )
        self.retry_after = retry_after

    @property
    def retry_after_header(self) -> str:
        """The `Retry-After` value every answer to a refused lookup carries (seconds, at least 1)."""
        return str(max(1, self.retry_after))


@dataclass(frozen=True)
class Verdict:
    status: str
    reason: str | None = None
    certificate: dict[str, Any] | None = None
    photo: str | None = field(default=None, repr=False)  # sha256 of the photo, only when allowed

    @property
    def message_zh(self) -> str:
        return MESSAGES[self.status][0]

    @property
    def message_en(self) -> str:
        return MESSAGES[self.status][1]

    @property
    def answered(self) -> bool:
        """Whether the register gave a definite answer about a certificate."""
        return self.status in (VALID, REVOKED, REISSUED)

    def photo_data_uri(self) -> str | None:
        """The holder's photo as a data: URI (only set when number and name both matched)."""
        if not self.photo:
            return None
        from skillcert.people.models import Photo

        try:
            raw = Photo(sha256=self.photo, width=0, height=0, size=0, source="").read()
        except OSError:
            return None
        return "data:image/jpeg;base64," + base64.b64encode(raw).decode("ascii")

    def as_dict(self) -> dict[str, Any]:
        certificate = None
        if self.certificate is not None:
            certificate = {**self.certificate, "photo": self.photo_data_uri()}
        return {
            "status": self.status,
            "reason": self.reason,
            "message": {"zh": self.message_zh, "en": self.message_en},
            "certificate": certificate,
        }


NOT_FOUND_VERDICT = Verdict(NOT_FOUND, R_NOT_FOUND)


# --- client address, rate limit, log ----------------------------------------------------------------


def client_network(client: str | None, v4: int = 24, v6: int = 48) -> str:
    """The client's network as logged: IPv4 /24, IPv6 /48 ("" if the address is not an IP address)."""
    try:
        address = ipaddress.ip_address((client or "").strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = v4 if address.version == 4 else v6
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def _rate_key(client: str) -> str:
    """Counted per address; an IPv6 client per /64 (one host's usual allocation)."""
    try:
        address = ipaddress.ip_address(client.strip())
    except ValueError:
        return client[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return client_network(client, v6=64)
    return str(address)


def count_lookup(client: str | None) -> None:
    """Count one lookup for the client; RateLimited (429) past the per-minute or per-day limit.
    No client (the CLI) is not limited."""
    if not client:
        return
    per_minute = int(getattr(settings, "VERIFY_RATE_PER_MINUTE", 30))
    per_day = int(getattr(settings, "VERIFY_RATE_PER_DAY", 300))
    key = _rate_key(client)
    now = int(time.time())
    for window, limit in ((60, per_minute), (86400, per_day)):
        slot = now // window
        name = f"verify:rate:{window}:{key}:{slot}"
        cache.add(name, 0, window + 5)
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.set(name, 1, window + 5)
            count = 1
        if count > limit:
            raise RateLimited(retry_after=(slot + 1) * window - now)


def _log(channel: str, method: str, client: str | None, result: str, reason: str | None, prefix: str) -> None:
    # The answer does not depend on the log being writable.
    with contextlib.suppress(DatabaseError):
        LookupLog.objects.create(
            channel=channel,
            method=method,
            result=result,
            reason=(reason or "")[:60],
            client_network=client_network(client),
            number_prefix="".join(ch for ch in prefix[:6] if ch.isascii() and ch.isalnum()),
        )


def _count(channel: str, method: str, client: str | None) -> None:
    try:
        count_lookup(client)
    except RateLimited as exc:
        _log(channel, method, client, "rate_limited", exc.code, "")
        raise


# --- the certificate answer ---------------------------------------------------------------------------


def public_mask(masked: str) -> str:
    """The ID number as the public sees it: the first 3 characters and the check character only
    (320**************X). From the staff mask (first 3, last 4): the last 4 hold the sequence, whose
    last digit is the gender, and with the birth date they left ~14 candidates; hiding the birth date
    and the sequence leaves about 1.8 million per region code (tests/test_security_verification.py)."""
    masked = str(masked or "")
    if len(masked) <= 7:
        return masked[:1] + "*" * max(0, len(masked) - 1)
    return masked[:3] + "*" * (len(masked) - 4) + masked[-1]


def _public(view: dict[str, Any]) -> dict[str, Any]:
    """The current view for the public: the fields of PUBLIC_FIELDS, the ID number under the public
    mask, the revocation date without the actor or reason."""
    data = {k: view[k] for k in PUBLIC_FIELDS if k in view}
    data["id_number_masked"] = public_mask(view.get("id_number_masked", ""))
    revoked = view.get("revoked")
    data["revoked_at"] = revoked["at"] if revoked else None
    data["reissue_mark"] = REISSUE_MARK if view.get("reissued") else ""
    return data


def _answer(view: dict[str, Any], *, photo_allowed: bool) -> Verdict:
    public = _public(view)
    photo = str(view.get("photo") or "") if photo_allowed else ""
    if view.get("revoked"):
        return Verdict(REVOKED, R_REVOKED, public, photo or None)
    if view.get("reissued"):
        return Verdict(REISSUED, R_REISSUED, public, photo or None)
    return Verdict(VALID, None, public, photo or None)


def _clean_name(name: Any) -> str:
    return normalise_name(name, field="name")


def _clean_number(number: Any) -> str:
    text = normalise_number(number)
    if not text:
        raise field_error(
            None, "number", "verification.number.empty", "请填写证书编号", "Enter the certificate number"
        )
    return text


# --- publication (R3.8): only published certificates answer the public ---------------------------------
def _published() -> Any:
    return Certificate.objects.filter(published_at__isnull=False)


# --- end publication ---------------------------------------------------------------------------------


def _by_number(number: str, name: str) -> Verdict:
    if len(number) > MAX_NUMBER or not storable_text(number):
        return NOT_FOUND_VERDICT
    certificate = _published().filter(number=number).select_related("person").first()
    if certificate is None:
        return NOT_FOUND_VERDICT
    view = current_view(certificate)
    if view.get("name") != name:
        return NOT_FOUND_VERDICT
    return _answer(view, photo_allowed=True)


# The holder's published certificates (newest first, at most 50) whose name, as issued or as any
# correction set it, is the name asked for, with their events, in ONE statement (issue 13 item 2): an ID
# number with certificates but the wrong name then returns no row, exactly like an unknown ID number,
# so both cost the same round trip and the same Python work (the review measured 9.2 vs 8.2 ms median
# when the events were a query per certificate). The name test is a superset of the current-name rule;
# `_by_document` applies the exact rule (lifecycle's fold) to what comes back.
_NAME_TEST = {
    "postgresql": (
        "(c.data ->> 'name' = %s OR EXISTS (SELECT 1 FROM {event} n WHERE n.certificate_id = c.id"
        " AND n.kind = 'corrected' AND n.data -> 'changes' ->> 'name' = %s))"
    ),
    "sqlite": (
        "(json_extract(c.data, '$.name') = %s OR EXISTS (SELECT 1 FROM {event} n WHERE n.certificate_id"
        " = c.id AND n.kind = 'corrected' AND json_extract(n.data, '$.changes.name') = %s))"
    ),
}
_BY_DOCUMENT = """
SELECT c.id, c.number, c.kind, c.data, e.id, e.kind, e.at, e.blank_serial, e.reason, e.data, e.actor_id
FROM (
    SELECT c.id, c.number, c.kind, c.data, c.issued_on FROM {cert} c
    JOIN {person} p ON p.id = c.person_id
    WHERE p.document_hash = %s AND c.published_at IS NOT NULL AND {name_test}
    ORDER BY c.issued_on DESC, c.id DESC LIMIT 50
) c LEFT JOIN {event} e ON e.certificate_id = c.id
ORDER BY c.issued_on DESC, c.id DESC, e.id
"""


@functools.cache
def _by_document_sql(vendor: str) -> str:
    """The statement for this database (only table names and constants are formatted in)."""
    tables = {
        "cert": Certificate._meta.db_table,
        "event": CertificateEvent._meta.db_table,
        "person": Person._meta.db_table,
    }
    name_test = _NAME_TEST[vendor].format(**tables)
    return _BY_DOCUMENT.format(name_test=name_test, **tables)


def views_from_rows(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Current views (lifecycle's own derivation) of certificates read with their events, one row per
    event (certificate id, number, kind, data, then the event's id, kind, at, blank serial, reason,
    data, actor), in certificate order."""
    grouped: dict[Any, list[tuple[Any, ...]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    views = []
    for group in grouped.values():
        first = group[0]
        certificate = Certificate(
            id=first[0], number=first[1], kind=first[2], data=_json(first[3]), id_cipher=""
        )
        events = [
            CertificateEvent(
                id=r[4],
                kind=r[5],
                at=_at(r[6]),
                blank_serial=r[7],
                reason=r[8],
                data=_json(r[9]),
                actor_id=r[10],
            )
            for r in group
            if r[4] is not None
        ]
        views.append(view_from_folded(certificate, fold_events(certificate, events)))
    return views


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _at(value: Any) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
    parsed = datetime.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _by_document(digest: str, name: str) -> Verdict:
    with connection.cursor() as cursor:
        cursor.execute(_by_document_sql(connection.vendor), [digest, name, name])
        rows = cursor.fetchall()
    views = views_from_rows(rows)
    matches = [view for view in views if view.get("name") == name]
    if not matches:
        return NOT_FOUND_VERDICT
    # One answer, never a list: the newest certificate that is still valid, else the newest one.
    chosen = next((v for v in matches if not v.get("revoked")), matches[0])
    return _answer(chosen, photo_allowed=False)


def _guarded(run: Any) -> Verdict:
    try:
        verdict: Verdict = run()
    except DatabaseError:
        return Verdict(CANNOT_DETERMINE, R_UNAVAILABLE)
    return verdict


# --- entry points ---------------------------------------------------------------------------------


def verify_by_number(number: Any, name: Any, *, channel: str, client: str | None) -> Verdict:
    """Number + name (R3.1). ValidationFailed (400) for an empty number or a malformed name."""
    _count(channel, LookupLog.Method.NUMBER, client)
    prefix = normalise_number(number)[:6]
    try:
        clean_number = _clean_number(number)
        clean_name = _clean_name(name)
    except SkillcertError as exc:
        _log(channel, LookupLog.Method.NUMBER, client, "rejected", exc.code, prefix)
        raise
    verdict = _guarded(lambda: _by_number(clean_number, clean_name))
    _log(channel, LookupLog.Method.NUMBER, client, verdict.status, verdict.reason, prefix)
    return verdict


def verify_by_id(
    document_number: Any,
    name: Any,
    *,
    channel: str,
    client: str | None,
    document_type: str = "resident_id",
) -> Verdict:
    """ID number + name (R3.1): through the keyed hash only; no photo (the number was not given)."""
    _count(channel, LookupLog.Method.ID, client)
    try:
        number = normalise_document(document_type, document_number, field="id_number")
        clean_name = _clean_name(name)
    except SkillcertError as exc:
        _log(channel, LookupLog.Method.ID, client, "rejected", exc.code, "")
        raise
    digest = document_hash(document_type, number)
    verdict = _guarded(lambda: _by_document(digest, clean_name))
    _log(channel, LookupLog.Method.ID, client, verdict.status, verdict.reason, "")
    return verdict


def published_keys(key_id: str) -> dict[str, IssuerKey]:
    return {k.key_id: k for k in IssuerKey.objects.filter(key_id=key_id)}


def _payload_matches(payload: qr.Payload, certificate: Certificate, view: dict[str, Any]) -> bool:
    data = certificate.data
    names = {str(data.get("name", "")), str(view.get("name", ""))}
    digests = {qr.name_digest(payload.number, n) for n in names if n}
    return (
        payload.name_digest in digests
        and str(payload.occupation_code) == str(data.get("occupation_code"))
        and payload.issued_on.isoformat() == str(data.get("issued_on"))
        and str(payload.level) == str(data.get("level"))
    )


def _logged_before(number: str, key: IssuerKey) -> bool:
    """R2.1, issue 19: the transparency log shows this certificate, under this key, in a checkpoint
    cosigned (with no witness: signed by the log) before the key was revoked — so it was signed before
    the compromise, although dated on or after the revocation day."""
    from skillcert.transparency import services as tlog

    revoked_at = key.revoked_at
    if revoked_at is None:
        return False
    return tlog.logged_before(number=number, key_id=key.key_id, at=revoked_at) is not None


def _by_qr(text: str) -> Verdict:
    try:
        key_id = qr.parse_payload(text).key_id
    except qr.PayloadError:
        key_id = ""
    keys = published_keys(key_id) if key_id else {}
    checked = qr.verify_payload(text, {k: key.public_key_bytes for k, key in keys.items()})
    if checked.state == "invalid":
        return Verdict(INVALID, checked.reason)
    if checked.state == "cannot_determine" or checked.payload is None:
        return Verdict(CANNOT_DETERMINE, checked.reason)
    payload = checked.payload
    key = keys[payload.key_id]
    if (
        key.status == KeyStatus.REVOKED
        and key.revoked_at is not None
        and payload.issued_on >= key.revoked_at.date()
        and not _logged_before(payload.number, key)
    ):
        return Verdict(INVALID, R_KEY_REVOKED)
    certificate = _published().filter(number=payload.number).select_related("person").first()
    if certificate is None:
        # Signed by a published key but not in the register (not loaded yet?): no definite answer.
        return Verdict(CANNOT_DETERMINE, R_QR_NOT_IN_REGISTER)
    view = current_view(certificate)
    if not _payload_matches(payload, certificate, view):
        return Verdict(INVALID, R_QR_MISMATCH)
    # --- printing: a printed insert's QR signs its blank serial (qr-payload.md §2a) ---
    if payload.blank_serial is not None:
        from skillcert.blanks.verification import CURRENT, serial_state_for_verification

        serial_state = serial_state_for_verification(payload.blank_serial, certificate.pk)
        if serial_state != CURRENT:
            return Verdict(INVALID, f"verification.qr.serial_{serial_state}")
    # --- end printing ---
    return _answer(view, photo_allowed=False)


def verify_qr(payload_text: Any, *, channel: str, client: str | None) -> Verdict:
    """The QR text (URL prefix + base32): signature checked offline against the published key, then the
    live status from the register. An unknown key or version is `cannot_determine`, a bad signature or
    a malformed text `invalid`."""
    _count(channel, LookupLog.Method.QR, client)
    text = str(payload_text or "").strip()
    prefix = ""
    if not storable_text(text) or len(text) > 400:
        verdict = Verdict(INVALID, "esign.qr.encoding")
    else:
        with contextlib.suppress(qr.PayloadError):
            prefix = qr.parse_payload(text).number[:6]
        verdict = _guarded(lambda: _by_qr(text))
    _log(channel, LookupLog.Method.QR, client, verdict.status, verdict.reason, prefix)
    return verdict
