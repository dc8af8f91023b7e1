"""What public verification may ask the blank ledger (R0.2, R1.6; docs/formats/qr-payload.md §2a, §5).

A printed insert's QR signs the serial of the blank it is printed on. A genuine record on the wrong
paper — stock that was spoiled, recalled, destroyed, reported lost, or an old insert replaced by a
reprint or a reissue — must not verify. This module answers one question with one short query and
says nothing about holders or stock levels.
"""

from __future__ import annotations

from django.db.models import Q

from skillcert.blanks.choices import BlankState
from skillcert.blanks.models import BlankSerial

CURRENT = "current"
UNKNOWN = "unknown"
NOT_CURRENT = "not_current"
#: Answers of serial_state_for_verification; every one but CURRENT means "reject".
STATES = (
    CURRENT,
    UNKNOWN,
    NOT_CURRENT,
    BlankState.SPOILED,
    BlankState.RECALLED,
    BlankState.DESTROYED,
    BlankState.LOST,
)


def serial_state_for_verification(serial_text: str, certificate_id: int) -> str:
    """`current` when `serial_text` is the blank now bound to the certificate (its latest binding);
    otherwise why not: `unknown` (no such serial), `spoiled`, `recalled`, `destroyed`, `lost` (the
    blank's state), or `not_current` (bound to another certificate, still in stock, or an older
    binding of this certificate superseded by a reprint or reissue)."""
    rows = list(
        BlankSerial.objects.filter(
            Q(serial=serial_text) | Q(certificate_id=certificate_id, state=BlankState.BOUND)
        ).values_list("serial", "state", "certificate_id")[:20]
    )
    own = next((r for r in rows if r[0] == serial_text), None)
    if own is None:
        return UNKNOWN
    _serial, state, bound_to = own
    if state in (BlankState.SPOILED, BlankState.RECALLED, BlankState.DESTROYED, BlankState.LOST):
        return str(state)
    if state != BlankState.BOUND or bound_to != certificate_id:
        return NOT_CURRENT
    bound = [r for r in rows if r[1] == BlankState.BOUND and r[2] == certificate_id]
    if len(bound) == 1:
        return CURRENT
    # Several bindings still standing (a reissue keeps the lost paper's binding): the latest one counts.
    from skillcert.blanks.services.ledger import current_serial_for
    from skillcert.certificates.models import Certificate

    latest = current_serial_for(Certificate(pk=certificate_id))
    return CURRENT if latest is not None and latest.serial == serial_text else NOT_CURRENT
