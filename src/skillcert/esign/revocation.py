"""The signed revocation list (issue 5 item 7; R2.1, R2.3, X7; docs/formats/revocation-list.md).

Offline verifiers need to know which certificates and which signing keys have been revoked, and how
fresh that knowledge is. The list names every revoked certificate number (state from the register)
and every revoked issuer key, with the revocation times, and carries ``issued_at``, ``next_update``
and a monotonic ``sequence`` (the number of revocation events so far: certificate REVOKED events plus
revoked keys; events are immutable, so it never decreases).

It is signed SM2-with-SM3 (ID ``1234567812345678``) by a designated publisher: the active key of the
organisation whose code is ``settings.SKILLCERT_REVOCATION_PUBLISHER``; when that setting is absent,
the first issuing authority (by organisation code) that has an active key. The signature covers
``SIGNING_PREFIX || canonical JSON of the "list" object`` (keys sorted, no whitespace, UTF-8). No
personal data is in the list (X7): numbers and times only.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Min, Q
from django.utils import timezone

from skillcert.core.errors import SkillcertError
from skillcert.esign import sm2

FORMAT_VERSION = 1
SIGNING_PREFIX = b"SKILLCERT:REVOCATIONS:V1\x00"
SIGNATURE_ALG = "SM2-SM3"
DEFAULT_VALIDITY = timedelta(hours=24)

# reason codes of verify_revocation_list (all mean "cannot determine" to a certificate verifier)
MALFORMED = "esign.revocations.malformed"
UNKNOWN_KEY = "esign.revocations.key_unknown"
SIGNATURE = "esign.revocations.signature"
STALE = "esign.revocations.stale"
NOT_YET_VALID = "esign.revocations.not_yet_valid"


def format_time(value: datetime.datetime) -> str:
    """UTC, whole seconds: ``YYYY-MM-DDTHH:MM:SSZ``."""
    return value.astimezone(datetime.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> datetime.datetime:
    """An ISO 8601 date-time with a zone offset (``Z`` accepted); ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError("a date-time must be a string")
    parsed = datetime.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("a date-time needs a zone offset")
    return parsed


def canonical_list_bytes(body: Mapping[str, Any]) -> bytes:
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8")


def signed_message(body: Mapping[str, Any]) -> bytes:
    return SIGNING_PREFIX + canonical_list_bytes(body)


class PublisherMissing(SkillcertError):
    def __init__(self) -> None:
        super().__init__(
            "esign.revocations.no_publisher",
            "没有可签发撤销列表的在用密钥",
            "No active key is available to sign the revocation list",
            [],
            503,
        )


def publisher_key() -> Any:
    """The IssuerKey that signs the list (see the module docstring)."""
    from skillcert.esign.models import IssuerKey, KeyStatus
    from skillcert.orgs.choices import OrgKind

    active = IssuerKey.objects.filter(status=KeyStatus.ACTIVE).select_related("organisation")
    code = getattr(settings, "SKILLCERT_REVOCATION_PUBLISHER", None)
    if code:
        key = active.filter(organisation__code=code).order_by("-valid_from").first()
    else:
        key = (
            active.filter(organisation__kind=OrgKind.ISSUING_AUTHORITY)
            .order_by("organisation__code", "-valid_from")
            .first()
        )
    if key is None:
        raise PublisherMissing()
    return key


def list_body(
    *, now: datetime.datetime | None = None, validity: timedelta = DEFAULT_VALIDITY
) -> dict[str, Any]:
    """The unsigned ``list`` object, with the publisher's organisation code left to the caller."""
    from skillcert.certificates.choices import CertificateState, EventKind
    from skillcert.certificates.models import Certificate, CertificateEvent
    from skillcert.esign.models import IssuerKey, KeyStatus

    now = now or timezone.now()
    certificates = [
        {"number": number, "revoked_at": format_time(at or now)}  # never drop a revoked one
        for number, at in Certificate.objects.filter(state=CertificateState.REVOKED)
        .annotate(revoked_at=Min("events__at", filter=Q(events__kind=EventKind.REVOKED)))
        .order_by("number")
        .values_list("number", "revoked_at")
    ]
    keys = [
        {"key_id": kid, "revoked_at": format_time(at or now)}
        for kid, at in IssuerKey.objects.filter(status=KeyStatus.REVOKED, revoked_at__isnull=False)
        .order_by("key_id")
        .values_list("key_id", "revoked_at")
    ]
    sequence = CertificateEvent.objects.filter(kind=EventKind.REVOKED).count() + len(keys)
    return {
        "v": FORMAT_VERSION,
        "issued_at": format_time(now),
        "next_update": format_time(now + validity),
        "sequence": sequence,
        "certificates": certificates,
        "keys": keys,
    }


def build_revocation_list(
    *, now: datetime.datetime | None = None, validity: timedelta = DEFAULT_VALIDITY
) -> dict[str, Any]:
    """The current signed revocation list: ``{"list": {...}, "alg", "key_id", "signature"}``."""
    from skillcert.esign.services.keys import private_key

    key = publisher_key()
    body = list_body(now=now, validity=validity)
    body["publisher"] = key.organisation.code
    signature = sm2.sign(private_key(key), signed_message(body))
    return {"list": body, "alg": SIGNATURE_ALG, "key_id": key.key_id, "signature": signature.hex()}


def verify_revocation_list(
    doc: Any, public_keys: Mapping[str, bytes], *, now: datetime.datetime
) -> tuple[bool, str | None]:
    """(True, None) for a well-formed list signed by a key in ``public_keys`` (key id → 65-byte public
    key) whose ``next_update`` is not past; otherwise (False, reason code). ``now > next_update`` is
    stale; a list issued more than 5 minutes in the future is refused too."""
    try:
        if not isinstance(doc, Mapping) or doc.get("alg") != SIGNATURE_ALG:
            return False, MALFORMED
        body = doc["list"]
        if not isinstance(body, Mapping) or body.get("v") != FORMAT_VERSION:
            return False, MALFORMED
        issued_at = parse_time(body["issued_at"])
        next_update = parse_time(body["next_update"])
        if not isinstance(body.get("sequence"), int) or isinstance(body["sequence"], bool):
            return False, MALFORMED
        for entry in body["certificates"]:
            if not isinstance(entry["number"], str):
                return False, MALFORMED
            parse_time(entry["revoked_at"])
        for entry in body["keys"]:
            if not isinstance(entry["key_id"], str):
                return False, MALFORMED
            parse_time(entry["revoked_at"])
        key_id = doc["key_id"]
        signature = bytes.fromhex(doc["signature"])
    except (KeyError, TypeError, ValueError):
        return False, MALFORMED
    public_key = public_keys.get(key_id) if isinstance(key_id, str) else None
    if public_key is None:
        return False, UNKNOWN_KEY
    if not sm2.verify(public_key, signed_message(body), signature):
        return False, SIGNATURE
    if now > next_update:
        return False, STALE
    if issued_at > now + timedelta(minutes=5):
        return False, NOT_YET_VALID
    return True, None
