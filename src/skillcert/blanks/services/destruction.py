"""R1.6: registering spoiled serials and destroying them centrally, before two witnesses; the list of
destroyed serials per period that the quarterly statistics report (reports app)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.blanks import errors
from skillcert.blanks.choices import BlankState, EntryKind
from skillcert.blanks.models import BlankSerial, DestructionBatch, LedgerEntry
from skillcert.blanks.services import ledger
from skillcert.blanks.services.common import format_serial, parse_serial, require, runs, user_or_none
from skillcert.core.errors import FieldError, NotFound, SkillcertError, ValidationFailed

DESTROYABLE = {BlankState.SPOILED, BlankState.RECALLED}


def _parse_all(serials: list[str], record: str) -> list[tuple[str, int]]:
    pairs, bad = [], []
    for s in serials:
        try:
            pairs.append(parse_serial(s))
        except ValueError:
            bad.append(s)
    if bad or not pairs:
        raise errors.invalid(
            record,
            "serials",
            "serials.invalid",
            f"流水码格式错误：{'、'.join(bad[:10]) or '（空）'}",
            f"Malformed serials: {', '.join(bad[:10]) or '(none)'}",
        )
    return sorted(set(pairs))


def find_serial(serial: str, user: Any = None) -> BlankSerial:
    """A serial by its text, within the user's scope (404 otherwise)."""
    try:
        series, number = parse_serial(serial)
    except ValueError:
        raise NotFound(
            "blanks.serial.not_found", f"流水码{serial}不存在", f"Serial {serial} not found"
        ) from None
    qs = BlankSerial.objects.all() if user is None else BlankSerial.objects.visible_to(user)
    found = qs.filter(series=series, number=number).first()
    if found is None:
        raise NotFound("blanks.serial.not_found", f"流水码{serial}不存在", f"Serial {serial} not found")
    return found


def _line(holder: Any) -> Q:
    """Memberships at the holder, below it (its HR bureau, its stations) or above it (its province)."""
    parts = [p for p in holder.path.split("/") if p]
    ancestors = ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts))]
    return Q(memberships__organisation__path__startswith=holder.path) | Q(
        memberships__organisation__path__in=ancestors
    )


def _not_a_witness(holder: Any, field: str, username: str) -> SkillcertError:
    # One answer for "no such account" and "another organisation's account": the field cannot be used
    # to find out who has an account elsewhere (X1).
    return errors.invalid(
        str(holder),
        field,
        "witness.unknown",
        f"{holder}没有用户{username}",
        f"{holder} has no user {username}",
    )


def find_witness(username: str, holder: Any, field: str) -> Any:
    """The active user `username` of the holder's line (`_line`), as a witness of its destruction."""
    user = (
        get_user_model().objects.filter(_line(holder), username=username, is_active=True).distinct().first()
    )
    if user is None:
        raise _not_a_witness(holder, field, username)
    return user


def register_spoiled(serials: list[str], *, reason: str, actor: Any) -> list[BlankSerial]:
    """Register spoiled or misprinted blanks by serial with a reason (R1.6); all or nothing."""
    done = []
    with transaction.atomic():
        for text in serials:
            serial = find_serial(text, user_or_none(actor))
            require(actor, "blanks.manage", serial.holder)
            ledger.spoil_serial(serial, reason=reason, actor=actor)
            done.append(serial)
    return done


def destroy(
    *,
    holder: Any,
    serials: list[str],
    destroyed_on: datetime.date,
    witness_1: Any,
    witness_2: Any,
    actor: Any,
    place: str = "",
    note: str = "",
) -> DestructionBatch:
    """Destroy spoiled/recalled serials held by `holder` in one batch witnessed by two distinct users of
    the holder's line (R1.6: the city destroys, before its own people, not another city's)."""
    require(actor, "blanks.manage", holder)
    record = f"{holder} {destroyed_on}"
    for field, witness in (("witness_1", witness_1), ("witness_2", witness_2)):
        if witness is not None:
            find_witness(witness.get_username(), holder, field)
    if witness_1 is None or witness_2 is None or witness_1.pk == witness_2.pk:
        raise errors.invalid(
            record,
            "witness_2",
            "destruction.witnesses",
            "销毁须有两名不同的监销人",
            "A destruction needs two different witnesses",
        )
    if destroyed_on > timezone.localdate():
        raise errors.invalid(
            record,
            "destroyed_on",
            "destruction.future",
            "销毁日期不能晚于今天",
            "The destruction date cannot be in the future",
        )
    pairs = _parse_all(serials, record)
    with transaction.atomic():
        rows = []
        for series, first, last in runs(pairs):  # fixed lock order: serial order
            rows += list(
                BlankSerial.objects.select_for_update()
                .filter(series=series, number__gte=first, number__lte=last)
                .order_by("serial")
            )
        found = {(r.series, r.number): r for r in rows}
        problems = []
        for series, number in pairs:
            r = found.get((series, number))
            text = format_serial(series, number)
            if r is None:
                problems.append(
                    FieldError("serials", "blanks.serial.not_found", f"{text}不存在", f"{text} not found")
                )
            elif r.holder_id != holder.pk:
                problems.append(
                    FieldError(
                        "serials",
                        "blanks.serial.other_holder",
                        f"{text}不在{holder}的库存中",
                        f"{text} is not held by {holder}",
                    )
                )
            elif r.state not in DESTROYABLE:
                problems.append(
                    FieldError(
                        "serials",
                        "blanks.serial.destroyed_not_allowed",
                        f"{text}状态为{r.get_state_display()}，未登记作废或收回",
                        f"{text} is {r.state}, neither spoiled nor recalled",
                    )
                )
        if problems:
            raise ValidationFailed.of(problems, record)
        batch = DestructionBatch.objects.create(
            holder=holder,
            destroyed_on=destroyed_on,
            place=place,
            witness_1=witness_1,
            witness_2=witness_2,
            count=len(pairs),
            note=note,
            created_by=user_or_none(actor),
        )
        # an entry per run of consecutive serials sharing level (levels of one series may interleave)
        now = timezone.now()
        by_level: dict[str, list[tuple[str, int]]] = {}
        for r in rows:
            by_level.setdefault(r.level, []).append((r.series, r.number))
        entries = []
        for level, level_pairs in sorted(by_level.items()):
            for series, first, last in runs(level_pairs):
                entries.append(
                    LedgerEntry(
                        kind=EntryKind.DESTROYED,
                        series=series,
                        level=level,
                        first_number=first,
                        last_number=last,
                        holder=holder,
                        destruction=batch,
                        actor=user_or_none(actor),
                        at=now,
                        reason=f"{destroyed_on} {place}"[:200],
                    )
                )
        LedgerEntry.objects.bulk_create(entries)
        for series, first, last in runs(pairs):
            BlankSerial.objects.filter(series=series, number__gte=first, number__lte=last).update(
                state=BlankState.DESTROYED, updated_at=now
            )
        log_action(
            "blanks.destroyed",
            batch,
            actor=actor,
            data={
                "count": len(pairs),
                "witnesses": [witness_1.pk, witness_2.pk],
                "serials": [format_serial(*p) for p in pairs[:1000]],
            },
        )
    return batch


@dataclass(frozen=True)
class DestroyedSerial:
    serial: str
    level: str
    holder_id: int
    destroyed_on: datetime.date
    batch_id: int


def destroyed_serials(org: Any, start: datetime.date, end: datetime.date) -> list[DestroyedSerial]:
    """Serials destroyed by `org` or any organisation below it, with the destruction date in
    [start, end] (both inclusive), in serial order. The reports app lists these with the quarterly
    statistics (R1.6)."""
    entries = (
        LedgerEntry.objects.filter(
            kind=EntryKind.DESTROYED,
            holder__path__startswith=org.path,
            destruction__destroyed_on__gte=start,
            destruction__destroyed_on__lte=end,
        )
        .select_related("destruction")
        .order_by("series", "first_number")
    )
    out = []
    for e in entries:
        assert e.destruction is not None
        for n in range(e.first_number, e.last_number + 1):
            out.append(
                DestroyedSerial(
                    format_serial(e.series, n),
                    e.level,
                    e.holder_id,
                    e.destruction.destroyed_on,
                    e.destruction.pk,
                )
            )
    return out


def destroyed_count(org: Any, start: datetime.date, end: datetime.date, level: str | None = None) -> int:
    return sum(1 for d in destroyed_serials(org, start, end) if level is None or d.level == level)
