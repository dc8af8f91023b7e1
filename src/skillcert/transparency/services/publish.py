"""The leaves of a publication (issue 19 item 1; X2, R3.8).

Called by `publication.services.publish_release`, inside its transaction, after it has set
`published_at`. Every *loggable* lifecycle event of a published certificate is logged exactly once, at
the first publication at or after it, in event order:

* ``issued`` — the certificate's ISSUED event (``score_issued`` for a score certificate, R2.9);
* ``reissued`` — a REISSUED event (R1.7, new version);
* ``corrected`` — an approved CORRECTED event (R3.5, new version); a rejected review changes nothing
  and is not logged;
* ``revoked`` — the REVOKED event (same version).

So a release logs the whole history of the certificates it publishes, and also the changes made since
the last publication to certificates published before: the public register shows a revocation at once,
and the log carries it at the next publication (docs/formats/transparency-log.md §3).

Each leaf's version and record hash are those of the certificate right after the event: SM3 of the
canonical bytes of the signed record (certificate-data.md) of that version.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from skillcert.certificates.choices import CertificateKind, EventKind
from skillcert.certificates.models import Certificate, CertificateEvent
from skillcert.esign import canonical, sm2
from skillcert.esign.models import ElectronicDocument, IssuerKey, KeyStatus
from skillcert.esign.services.documents import certificate_record
from skillcert.transparency.entry import Entry
from skillcert.transparency.models import Checkpoint, Leaf
from skillcert.transparency.services import log

CHANGE_KINDS = (EventKind.REISSUED, EventKind.CORRECTED, EventKind.REVOKED)
LOGGED_KINDS = (EventKind.ISSUED, *CHANGE_KINDS)
_CHUNK = 2000


def loggable(event: CertificateEvent) -> bool:
    if event.kind == EventKind.CORRECTED:
        return bool((event.data or {}).get("approved"))
    return event.kind in LOGGED_KINDS


def event_name(certificate: Certificate, event: CertificateEvent) -> str:
    if event.kind == EventKind.ISSUED:
        return "score_issued" if certificate.kind == CertificateKind.SCORE else "issued"
    return str(event.kind)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _events_by_certificate(ids: list[int]) -> dict[int, list[CertificateEvent]]:
    grouped: dict[int, list[CertificateEvent]] = defaultdict(list)
    for chunk in _chunks(ids):
        for event in CertificateEvent.objects.filter(certificate_id__in=chunk).order_by(
            "certificate_id", "id"
        ):
            grouped[event.certificate_id].append(event)
    return grouped


def _key_ids(certificates: list[Certificate]) -> tuple[dict[tuple[int, int], str], dict[int, str]]:
    """(certificate, version) → key id of its registered documents; authority → its active key id."""
    documents: dict[tuple[int, int], str] = {}
    for chunk in _chunks([c.pk for c in certificates]):
        for cid, version, kid in ElectronicDocument.objects.filter(certificate_id__in=chunk).values_list(
            "certificate_id", "version", "key_id"
        ):
            documents[(cid, version)] = kid
    authorities = {c.issuing_authority_id for c in certificates}
    active = dict(
        IssuerKey.objects.filter(organisation_id__in=authorities, status=KeyStatus.ACTIVE).values_list(
            "organisation_id", "key_id"
        )
    )
    return documents, active


def expected_leaves(
    certificate: Certificate,
    events: list[CertificateEvent],
    release_id: int,
    documents: dict[tuple[int, int], str],
    active: dict[int, str],
) -> list[log.NewLeaf]:
    """The leaves of every loggable event of one certificate, as the register gives them now."""
    out = []
    for position, event in enumerate(events):
        if not loggable(event):
            continue
        record, version, _photo = certificate_record(certificate, events[: position + 1])
        key_id = documents.get((certificate.pk, version)) or active.get(certificate.issuing_authority_id, "")
        entry = Entry(
            certificate=certificate.number,
            event=event_name(certificate, event),
            version=version,
            record_sm3=sm2.sm3(canonical.canonical_bytes(record)).hex(),
            key_id=key_id,
            release=release_id,
        )
        out.append(
            log.NewLeaf(
                entry=entry.encode(),
                certificate_id=certificate.pk,
                event_id=event.pk,
                event=entry.event,
                version=version,
                record_sm3=entry.record_sm3,
                key_id=key_id,
                release_id=release_id,
            )
        )
    return out


def release_leaves(release_id: int, new_certificate_ids: Iterable[int]) -> list[log.NewLeaf]:
    """The leaves a publication appends, in event order (see the module docstring)."""
    new_ids = sorted(set(new_certificate_ids))
    logged = Leaf.objects.filter(event_id__isnull=False).values("event_id")
    changed = (
        CertificateEvent.objects.filter(kind__in=CHANGE_KINDS, certificate__published_at__isnull=False)
        .exclude(id__in=logged)
        .values_list("certificate_id", "id")
    )
    new = set(new_ids)
    pending_events: dict[int, set[int]] = defaultdict(set)
    for cid, eid in changed:
        if cid not in new:  # the new certificates' whole history is logged below
            pending_events[cid].add(eid)
    ids = new_ids + sorted(pending_events)
    certificates = []
    for chunk in _chunks(ids):
        certificates += list(Certificate.objects.filter(pk__in=chunk).select_related("issuing_authority"))
    events = _events_by_certificate(ids)
    documents, active = _key_ids(certificates)
    leaves: list[tuple[int, log.NewLeaf]] = []
    for certificate in certificates:
        for leaf in expected_leaves(
            certificate, events.get(certificate.pk, []), release_id, documents, active
        ):
            if certificate.pk in new or leaf.event_id in pending_events[certificate.pk]:
                leaves.append((leaf.event_id or 0, leaf))
    leaves.sort(key=lambda pair: pair[0])
    return [leaf for _eid, leaf in leaves]


def log_release(
    release_id: int, new_certificate_ids: Iterable[int], *, now: datetime.datetime | None = None
) -> Checkpoint:
    """Append the release's leaves and sign the new checkpoint (inside the publication transaction)."""
    return log.append(release_leaves(release_id, new_certificate_ids), release_id=release_id, now=now)


def register_view(certificate: Certificate) -> list[dict[str, Any]]:
    """For monitors (the public register's side of the log): every loggable event of a published
    certificate as the register derives it now — event, version, record hash — with the index it was
    logged at (None: not logged yet; it will be at the next publication). A monitor compares these with
    the entries it read from the bundles: a register rewritten after publication shows up as a changed
    record hash (issue 19 item 4)."""
    events = _events_by_certificate([certificate.pk]).get(certificate.pk, [])
    documents, active = _key_ids([certificate])
    indexes = dict(Leaf.objects.filter(certificate_id=certificate.pk).values_list("event_id", "index"))
    return [
        {
            "index": indexes.get(leaf.event_id),
            "event": leaf.event,
            "version": leaf.version,
            "record_sm3": leaf.record_sm3,
        }
        for leaf in expected_leaves(certificate, events, 1, documents, active)
    ]
