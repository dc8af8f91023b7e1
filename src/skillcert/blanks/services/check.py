"""`check_ledger`: replay every ledger entry and prove the invariant (R1 invariant).

Every serial ever received is in exactly one state with exactly one holder, every entry was a legal
move from the state the replay had reached, and the `BlankSerial` cache equals the replay. Any
discrepancy is listed; nothing is repaired here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from skillcert.blanks.choices import TRANSITIONS, EntryKind
from skillcert.blanks.models import BlankSerial, LedgerEntry, Receipt
from skillcert.blanks.services.common import format_serial

# (holder id, state, certificate id)
Position = tuple[int, str, int | None]


@dataclass
class CheckResult:
    problems: list[str] = field(default_factory=list)
    serials: int = 0
    entries: int = 0
    by_state: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def replay() -> tuple[dict[tuple[str, int], Position], list[str], int]:
    """The position of every serial derived from the entries alone, the illegal moves, the entry count."""
    positions: dict[tuple[str, int], Position] = {}
    problems: list[str] = []
    count = 0
    rows = LedgerEntry.objects.order_by("id").values_list(
        "id", "kind", "series", "first_number", "last_number", "from_holder_id", "holder_id", "certificate_id"
    )
    for pk, kind, series, first, last, from_holder, holder, certificate in rows.iterator(chunk_size=5000):
        count += 1
        allowed, after = TRANSITIONS[kind]
        for n in range(first, last + 1):
            key = (series, n)
            before = positions.get(key)
            state = before[1] if before else ""
            if state not in allowed:
                problems.append(
                    f"entry {pk} {kind} {format_serial(series, n)}: illegal from '{state or 'none'}'"
                )
                continue
            if before is not None:
                expected_holder = from_holder if kind == EntryKind.ALLOCATED else holder
                if before[0] != expected_holder:
                    problems.append(
                        f"entry {pk} {kind} {format_serial(series, n)}: "
                        f"held by {before[0]}, entry says {expected_holder}"
                    )
            if kind == EntryKind.BOUND:
                cert = certificate
            elif kind == EntryKind.SPOILED or before is None:
                cert = None
            else:
                cert = before[2]
            positions[key] = (holder, after, cert)
    return positions, problems, count


def check_ledger() -> CheckResult:
    positions, problems, entries = replay()
    result = CheckResult(problems=problems, entries=entries)
    seen: set[tuple[str, int]] = set()
    cache = BlankSerial.objects.values_list("series", "number", "holder_id", "state", "certificate_id")
    for series, number, holder, state, certificate in cache.iterator(chunk_size=5000):
        key = (series, number)
        seen.add(key)
        derived = positions.get(key)
        if derived is None:
            result.problems.append(f"{format_serial(series, number)}: in the cache but never received")
        elif derived != (holder, state, certificate):
            result.problems.append(
                f"{format_serial(series, number)}: cache says holder {holder} {state} cert {certificate}, "
                f"ledger says holder {derived[0]} {derived[1]} cert {derived[2]}"
            )
    for key in positions.keys() - seen:
        result.problems.append(f"{format_serial(*key)}: in the ledger but missing from the cache")
    received = sum(r.count for r in Receipt.objects.all())
    if received != len(positions):
        result.problems.append(f"received {received} serials, the ledger accounts for {len(positions)}")
    result.serials = len(positions)
    result.by_state = dict(Counter(p[1] for p in positions.values()))
    return result
