"""The derived view of a certificate: its frozen issue data and its lifecycle events, folded in order.

What a certificate says now (`current_view`) and whether it is valid (`derive_state`) are computed here,
from `Certificate.data` / `Certificate.id_cipher` and the `CertificateEvent` rows in id order — never from
the cached `state` column. `fold_events` derives everything at once (current data, ID cipher, reissues,
approved corrections, the pending correction request, the revocation); `view_from_folded` turns that into
the view. Read only: the state-changing operations are in `lifecycle` (reissue, revocation, score
certificate) and `correction` (correction request and review). `lifecycle` re-exports every name here.
"""

from __future__ import annotations

from typing import Any

from skillcert.certificates.choices import CertificateState, EventKind
from skillcert.certificates.models import Certificate, CertificateEvent

REISSUE_MARK = "补发"


# --- derivation -------------------------------------------------------------------------------------


def _events(certificate: Certificate) -> list[CertificateEvent]:
    return list(CertificateEvent.objects.filter(certificate_id=certificate.pk).order_by("id"))


def fold_events(certificate: Certificate, events: list[CertificateEvent]) -> dict[str, Any]:
    """Everything derivable from the frozen data and the events, including the current ID cipher."""
    data: dict[str, Any] = dict(certificate.data)
    cipher = certificate.id_cipher
    reissues: list[dict[str, Any]] = []
    corrections: list[dict[str, Any]] = []
    pending: CertificateEvent | None = None
    revoked: dict[str, Any] | None = None
    for event in events:
        if event.kind == EventKind.REISSUED:
            reissues.append(
                {
                    "at": event.at.isoformat(),
                    "blank_serial": event.blank_serial,
                    "remark": event.data.get("remark", REISSUE_MARK),
                    "reason": event.reason,
                    "actor": event.actor_id,
                }
            )
        elif event.kind == EventKind.CORRECTION_REQUESTED:
            pending = event
        elif event.kind == EventKind.CORRECTED:
            pending = None
            if event.data.get("approved"):
                for key, value in event.data.get("changes", {}).items():
                    data[key] = value
                cipher = event.data.get("id_cipher") or cipher
                corrections.append(
                    {"at": event.at.isoformat(), "fields": sorted(event.data.get("changes", {}))}
                )
        elif event.kind == EventKind.REVOKED:
            revoked = {"at": event.at.isoformat(), "actor": event.actor_id, "reason": event.reason}
    latest = reissues[-1] if reissues else None
    return {
        "data": data,
        "id_cipher": cipher,
        "reissues": reissues,
        "latest_reissue": latest,
        "corrections": corrections,
        "pending": pending,
        "revoked": revoked,
    }


def view_from_folded(certificate: Certificate, folded: dict[str, Any]) -> dict[str, Any]:
    """The current view (as `current_view`) from what `fold_events` derived for this certificate."""
    latest = folded["latest_reissue"]
    pending: CertificateEvent | None = folded["pending"]
    return {
        **folded["data"],
        "number": certificate.number,
        "kind": certificate.kind,
        "state": CertificateState.REVOKED if folded["revoked"] else CertificateState.VALID,
        "reissued": latest is not None,
        "reissue_count": len(folded["reissues"]),
        "blank_serial": latest["blank_serial"] if latest else "",
        "remark": latest["remark"] if latest else "",
        "corrections": len(folded["corrections"]),
        "correction_pending": pending is not None,
        "revoked": folded["revoked"],
    }


def current_view(certificate: Certificate) -> dict[str, Any]:
    """The certificate as it stands now: frozen issue data with approved corrections applied in order,
    plus `state`, `reissued` (with the latest blank serial and remark 补发) and `revoked` details.
    Derived only from the frozen data and the events — never from the cached `state` column."""
    return view_from_folded(certificate, fold_events(certificate, _events(certificate)))


def derive_state(certificate: Certificate) -> str:
    kinds = CertificateEvent.objects.filter(certificate_id=certificate.pk, kind=EventKind.REVOKED)
    return str(CertificateState.REVOKED if kinds.exists() else CertificateState.VALID)


def current_id_cipher(certificate: Certificate) -> str:
    """The holder's ID number as it stands now, encrypted (the latest approved correction or as issued)."""
    return str(fold_events(certificate, _events(certificate))["id_cipher"])


# --- event data as shown or served -----------------------------------------------------------------

# The keys of event data that pages, the API and commands may show, per event kind (issue 13 item 6,
# X7). Anything else an event stores — the encrypted ID number of a correction above all — stays in the
# register. A new key is hidden until it is added here.
SHOWN_EVENT_DATA: dict[str, tuple[str, ...]] = {
    EventKind.ISSUED: ("number", "for", "source"),
    EventKind.REISSUED: ("number", "remark"),
    EventKind.CORRECTION_REQUESTED: ("changes", "evidence"),
    EventKind.CORRECTED: ("approved", "request", "changes"),
    EventKind.REVOKED: (),
}


def shown_event_data(event: CertificateEvent) -> dict[str, Any]:
    """The part of an event's data that may leave the register (the one whitelist for every door)."""
    data = event.data if isinstance(event.data, dict) else {}
    return {key: data[key] for key in SHOWN_EVENT_DATA.get(event.kind, ()) if key in data}
