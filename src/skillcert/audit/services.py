"""`log_action`: the one way changes are recorded (design.md rule 2)."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.db import models

from skillcert.audit.models import AuditEntry
from skillcert.core import context


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, bytes):
        return "<bytes>"
    return value


def is_secret_field(name: str) -> bool:
    """Fields whose values never go into the audit log, whoever asks (X7, issue 13): encrypted ID
    numbers and keys, keyed hashes of document numbers, passwords and TOTP secrets."""
    return name.endswith(("_cipher", "_hash", "password", "secret"))


def snapshot(
    obj: models.Model, fields: list[str] | None = None, exclude: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The concrete field values of a model instance, for before/after. Further fields to leave out are
    passed in exclude; secret fields (`is_secret_field`) are always left out, even when listed."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return {n: _jsonable(getattr(obj, n)) for n in names if n not in exclude and not is_secret_field(n)}


def log_action(
    action: str,
    obj: models.Model | None = None,
    *,
    actor: Any = None,
    organisation: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit row. The actor defaults to the one in the current action context.

    `organisation` defaults to the object's `organisation` attribute, so the row is visible to the same
    scope as the object.
    """
    ctx = context.current()
    actor = actor if actor is not None else ctx.actor
    if actor is not None and getattr(actor, "is_authenticated", False):
        label = actor.get_username()
    else:
        actor, label = None, ctx.actor_label or "system"
    if organisation is None and obj is not None:
        organisation = getattr(obj, "organisation", None)  # an Organisation's `organisation` is itself
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=label[:150],
        organisation=organisation,
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=_jsonable(before),
        after=_jsonable(after),
        data=_jsonable(data),
        channel=ctx.channel,
        request_id=ctx.request_id,
        job_id=ctx.job_id,
    )
