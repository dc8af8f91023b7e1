"""Number series allocation under row locks (design.md rule 4): a block of n numbers is taken from one
series in one UPDATE of its locked row, so concurrent issuers neither collide nor leave gaps."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from skillcert.certificates.models import NumberSequence
from skillcert.core.errors import Conflict


def allocate(key: str, count: int, capacity: int) -> range:
    """Reserve `count` consecutive sequence numbers of series `key`; must run inside the caller's
    transaction so a rollback returns them (nothing is skipped). Callers lock series in sorted key
    order, once each, to avoid deadlocks."""
    if count < 1:
        return range(0)
    row = NumberSequence.objects.select_for_update().filter(key=key).first()
    if row is None:
        try:
            with transaction.atomic():  # savepoint: a concurrent creator may win the race
                NumberSequence.objects.create(key=key, last=0, capacity=capacity)
        except IntegrityError:
            pass
        row = NumberSequence.objects.select_for_update().get(key=key)
    if row.last + count > row.capacity:
        raise Conflict(
            "certificates.sequence.exhausted",
            f"编号序列{key}余量不足：已用{row.last}，本次需要{count}，上限{row.capacity}",
            f"Number series {key} is exhausted: {row.last} used, {count} needed, {row.capacity} max",
        )
    first = row.last + 1
    row.last += count
    row.save(update_fields=["last"])
    return range(first, first + count)
