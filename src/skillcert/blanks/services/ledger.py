"""Moving serials through the ledger: receive, allocate, bind, spoil, recall, lose (R1.2, R1.7, R1.8, R2.8).

Every function here appends `LedgerEntry` rows and rewrites the `BlankSerial` cache in one transaction.
Locks: serial rows are the lock unit; they are always taken in serial order with `select_for_update`
(`skip_locked` where any free serial will do, so concurrent printers never wait on each other and
never take the same serial).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.blanks import errors
from skillcert.blanks.choices import BlankLevel, BlankState, EntryKind
from skillcert.blanks.models import Allocation, BlankSerial, LedgerEntry, Receipt, Requisition
from skillcert.blanks.services.common import MAX_NUMBER, format_serial, require, runs, user_or_none
from skillcert.core.errors import Conflict
from skillcert.orgs.choices import OrgKind

RECEIVING_KINDS = {OrgKind.PROVINCE, OrgKind.INDUSTRY}
# (source kind, target kind) pairs the tree allows (R1.2, R1.8); the target is a direct child.
ALLOCATION_PAIRS = {(OrgKind.PROVINCE, OrgKind.CITY), (OrgKind.INDUSTRY, OrgKind.INDUSTRY_BRANCH)}


def _level(level: Any) -> str:
    code = str(getattr(level, "number", level))
    if code not in BlankLevel.values:
        raise errors.invalid(None, "level", "level.invalid", f"等级{level}无效", f"Invalid level {level}")
    return code


def _entry(
    kind: str, series: str, level: str, first: int, last: int, holder: Any, actor: Any, **kw: Any
) -> LedgerEntry:
    return LedgerEntry(
        kind=kind,
        series=series,
        level=level,
        first_number=first,
        last_number=last,
        holder=holder,
        actor=user_or_none(actor),
        at=timezone.now(),
        **kw,
    )


# --- receipt ----------------------------------------------------------------------------------------


def _insert_serials(receipt: Receipt) -> None:
    """One row per serial, bulk: COPY on PostgreSQL (≈200k rows/s), executemany on SQLite."""
    now = timezone.now()
    table = BlankSerial._meta.db_table
    cols = "serial, series, number, level, holder_id, state, receipt_id, updated_at"
    numbers = range(receipt.first_number, receipt.last_number + 1)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for n in numbers:
                    copy.write_row(
                        (
                            format_serial(receipt.series, n),
                            receipt.series,
                            n,
                            receipt.level,
                            receipt.holder_id,
                            BlankState.IN_STOCK,
                            receipt.pk,
                            now,
                        )
                    )
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({cols}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
                [
                    (
                        format_serial(receipt.series, n),
                        receipt.series,
                        n,
                        receipt.level,
                        receipt.holder_id,
                        BlankState.IN_STOCK,
                        receipt.pk,
                        now,
                    )
                    for n in numbers
                ],
            )


def receive(
    *,
    holder: Any,
    level: Any,
    series: str,
    first_number: int,
    last_number: int,
    document_number: str,
    document_date: datetime.date,
    received_on: datetime.date | None = None,
    actor: Any,
    note: str = "",
) -> Receipt:
    """R1.2: a province (or industry centre) records serials received from the national centre."""
    require(actor, "blanks.manage", holder)
    level = _level(level)
    series = series.strip().upper()
    record = f"{document_number} {series}"
    if holder.kind not in RECEIVING_KINDS:
        raise errors.invalid(
            record,
            "holder",
            "receipt.holder_kind",
            f"{holder}不是省级或行业中心，不能直接从国家中心领取空白证书",
            f"{holder} is not a provincial or industry centre and cannot receive from the national centre",
        )
    if not (series.isalpha() and series.isascii() and 1 <= len(series) <= 4):
        raise errors.invalid(
            record,
            "series",
            "receipt.series",
            "批次字头须为1–4个大写字母",
            "The series must be 1–4 capital letters",
        )
    if not (1 <= first_number <= last_number <= MAX_NUMBER):
        raise errors.invalid(
            record,
            "last_number",
            "receipt.range",
            f"号段{first_number}–{last_number}无效",
            f"Invalid range {first_number}–{last_number}",
        )
    if not document_number.strip():
        raise errors.invalid(
            record, "document_number", "receipt.document", "请填写文件号", "The document number is required"
        )
    with transaction.atomic():
        clash = (
            BlankSerial.objects.filter(series=series, number__gte=first_number, number__lte=last_number)
            .order_by("number")
            .first()
        )
        if clash is not None:
            raise Conflict(
                "blanks.receipt.overlap",
                f"流水码{clash.serial}已登记，号段重叠",
                f"Serial {clash.serial} is already registered; the range overlaps",
            )
        receipt = Receipt.objects.create(
            holder=holder,
            level=level,
            series=series,
            first_number=first_number,
            last_number=last_number,
            document_number=document_number.strip(),
            document_date=document_date,
            received_on=received_on or timezone.localdate(),
            note=note,
            created_by=user_or_none(actor),
        )
        try:
            with transaction.atomic():
                _insert_serials(receipt)
        except IntegrityError as exc:  # a concurrent receipt of an overlapping range
            raise Conflict(
                "blanks.receipt.overlap",
                "号段与同时登记的号段重叠",
                "The range overlaps one registered at the same time",
            ) from exc
        _entry(
            EntryKind.RECEIVED,
            series,
            level,
            first_number,
            last_number,
            holder,
            actor,
            receipt=receipt,
            reason=document_number,
        ).save()
        log_action(
            "blanks.received",
            receipt,
            actor=actor,
            data={
                "level": level,
                "first": receipt.first_number,
                "last": receipt.last_number,
                "count": receipt.count,
                "document_number": receipt.document_number,
            },
        )
    return receipt


# --- allocation -------------------------------------------------------------------------------------


def check_allocation_path(source: Any, target: Any) -> None:
    """R1.2/R1.8: province → its city, industry centre → its branch; never to a station."""
    record = f"{source} → {target}"
    if target.kind == OrgKind.STATION:
        raise errors.invalid(
            record,
            "target",
            "allocation.to_station",
            f"空白证书不能直接下发给鉴定站（{target}）；鉴定站通过所属中心的库存打印证书",
            f"Blank certificates are never handed to a station ({target}); stations print through "
            "their centre's stock",
        )
    if (source.kind, target.kind) not in ALLOCATION_PAIRS or target.parent_id != source.pk:
        raise errors.invalid(
            record,
            "target",
            "allocation.not_allowed",
            f"{source}不能向{target}下发空白证书（只允许省→所属市、行业中心→所属分中心）",
            f"{source} cannot allocate to {target} (only province → its city, industry centre → its branch)",
        )


def allocate(
    *,
    source: Any,
    target: Any,
    level: Any,
    count: int,
    actor: Any,
    allocated_on: datetime.date | None = None,
    document_number: str = "",
    requisition: Requisition | None = None,
    note: str = "",
) -> Allocation:
    """Move the `count` lowest in-stock serials of `level` from `source` to `target`."""
    require(actor, "blanks.manage", source)
    check_allocation_path(source, target)
    level = _level(level)
    if count <= 0:
        raise errors.invalid(
            f"{source} → {target}", "count", "allocation.count", "数量须大于0", "The count must be positive"
        )
    with transaction.atomic():
        picked = list(
            BlankSerial.objects.filter(holder=source, level=level, state=BlankState.IN_STOCK)
            .order_by("serial")
            .select_for_update(skip_locked=True)
            .values_list("series", "number")[:count]
        )
        if len(picked) < count:
            raise Conflict(
                "blanks.stock.insufficient",
                f"{source}的{level}级空白证书库存只有{len(picked)}张，不足{count}张",
                f"{source} has only {len(picked)} free blanks of level {level}, fewer than {count}",
            )
        allocation = Allocation.objects.create(
            source=source,
            target=target,
            level=level,
            count=count,
            requisition=requisition,
            document_number=document_number,
            allocated_on=allocated_on or timezone.localdate(),
            note=note,
            created_by=user_or_none(actor),
        )
        now = timezone.now()
        entries = []
        for series, first, last in runs(picked):
            BlankSerial.objects.filter(series=series, number__gte=first, number__lte=last).update(
                holder=target, updated_at=now
            )
            entries.append(
                _entry(
                    EntryKind.ALLOCATED,
                    series,
                    level,
                    first,
                    last,
                    target,
                    actor,
                    from_holder=source,
                    allocation=allocation,
                )
            )
        LedgerEntry.objects.bulk_create(entries)
        log_action(
            "blanks.allocated",
            allocation,
            actor=actor,
            data={
                "source": source.pk,
                "level": level,
                "count": count,
                "runs": [format_serial(s, a) + "–" + format_serial(s, b) for s, a, b in runs(picked)],
            },
        )
    return allocation


# --- binding ----------------------------------------------------------------------------------------


def bind_next_serial(
    *, holder: Any, level: str, certificate: Any, actor: Any, reason: str = "print"
) -> BlankSerial:
    """Take the lowest free serial of `holder`'s stock of `level` ("1".."5") and bind it to `certificate`.

    Contract: runs inside the caller's transaction (opens a savepoint); the serial row is locked with
    `SELECT … FOR UPDATE SKIP LOCKED`, so concurrent callers each get a different serial and none
    waits; the lock is held until the caller commits, and if the caller rolls back the serial returns to
    stock untouched. Writes one BOUND ledger entry and an audit row. Raises `blanks.stock.exhausted`
    (Conflict, 409) naming holder and level when the holder has no free serial of that level. Does not
    check the actor's permission: the printing service that calls it does.
    """
    level = _level(level)
    with transaction.atomic():
        serial = (
            BlankSerial.objects.filter(holder=holder, level=level, state=BlankState.IN_STOCK)
            .order_by("serial")
            .select_for_update(skip_locked=True)
            .first()
        )
        if serial is None:
            raise errors.stock_exhausted(holder, level)
        serial.state = BlankState.BOUND
        serial.certificate = certificate
        serial.updated_at = timezone.now()
        serial.save(update_fields=["state", "certificate", "updated_at"])
        _entry(
            EntryKind.BOUND,
            serial.series,
            level,
            serial.number,
            serial.number,
            holder,
            actor,
            certificate=certificate,
            reason=reason[:200],
        ).save()
        log_action(
            "blanks.bound",
            serial,
            actor=actor,
            data={"certificate": certificate.pk, "number": certificate.number, "reason": reason},
        )
    return serial


def _move_one(
    serial: BlankSerial,
    kind: str,
    allowed: set[str],
    new_state: str,
    *,
    actor: Any,
    reason: str,
    keep_certificate: bool,
    **kw: Any,
) -> BlankSerial:
    with transaction.atomic():
        locked = BlankSerial.objects.select_for_update().get(pk=serial.pk)
        if locked.state not in allowed:
            raise errors.wrong_state(locked.serial, locked.get_state_display(), kind)
        certificate = locked.certificate
        _entry(
            kind,
            locked.series,
            locked.level,
            locked.number,
            locked.number,
            locked.holder,
            actor,
            certificate=certificate,
            reason=reason[:200],
            **kw,
        ).save()
        locked.state = new_state
        if not keep_certificate:
            locked.certificate = None
        locked.updated_at = timezone.now()
        locked.save(update_fields=["state", "certificate", "updated_at"])
        log_action(
            f"blanks.{kind}",
            locked,
            actor=actor,
            data={"reason": reason, "certificate": certificate.pk if certificate else None},
        )
    serial.refresh_from_db()
    return locked


def spoil_serial(serial: BlankSerial, *, reason: str, actor: Any) -> None:
    """A bound or in-stock serial becomes spoiled (awaiting destruction), R1.6.

    Contract: locks the serial row; writes a SPOILED ledger entry that names the certificate the serial
    was bound to (so the certificate's printed-serial history stays provable from the entries) and
    clears the binding in the cache; the serial stays with its holder until a destruction batch.
    Raises `blanks.serial.spoiled_not_allowed` for any other state; a reason is required.
    """
    if not reason.strip():
        raise errors.invalid(
            serial.serial, "reason", "spoil.reason", "请填写作废原因", "A reason for spoiling is required"
        )
    _move_one(
        serial,
        EntryKind.SPOILED,
        {BlankState.IN_STOCK, BlankState.BOUND},
        BlankState.SPOILED,
        actor=actor,
        reason=reason,
        keep_certificate=False,
    )


def recall_serial(serial: BlankSerial, *, reason: str, actor: Any) -> None:
    """R2.8: a printed, never-collected certificate is recalled; its serial awaits destruction."""
    _move_one(
        serial,
        EntryKind.RECALLED,
        {BlankState.BOUND},
        BlankState.RECALLED,
        actor=actor,
        reason=reason,
        keep_certificate=True,
    )


def mark_lost(serial: BlankSerial, *, reason: str, actor: Any) -> None:
    """A blank missing from stock (or from the destruction pile) is reported lost."""
    require(actor, "blanks.manage", serial.holder)
    if not reason.strip():
        raise errors.invalid(serial.serial, "reason", "lost.reason", "请填写遗失情况", "A reason is required")
    _move_one(
        serial,
        EntryKind.LOST,
        {BlankState.IN_STOCK, BlankState.SPOILED, BlankState.RECALLED},
        BlankState.LOST,
        actor=actor,
        reason=reason,
        keep_certificate=True,
    )


def current_serial_for(certificate: Any) -> BlankSerial | None:
    """The serial of the paper now standing for `certificate`: the most recently bound one still bound."""
    for entry in LedgerEntry.objects.filter(certificate=certificate, kind=EntryKind.BOUND).order_by("-id"):
        serial = BlankSerial.objects.filter(
            series=entry.series, number=entry.first_number, state=BlankState.BOUND, certificate=certificate
        ).first()
        if serial is not None:
            return serial
    return None


def history(serial: BlankSerial) -> list[LedgerEntry]:
    """Every ledger entry covering `serial`, oldest first."""
    return list(
        LedgerEntry.objects.filter(
            series=serial.series, first_number__lte=serial.number, last_number__gte=serial.number
        )
        .select_related("holder", "from_holder", "certificate")
        .order_by("id")
    )


def certificate_serials(certificate: Any) -> list[LedgerEntry]:
    """The certificate's printed-serial history: every bound/spoiled/recalled entry naming it."""
    return list(LedgerEntry.objects.filter(certificate=certificate).order_by("id"))
