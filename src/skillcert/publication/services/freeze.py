"""The "publishing frozen" switch (R3.9: a suspected credential leak triggers lock-down).

The lock-down (accounts app) calls `freeze_publishing`; `publish_release` refuses while a freeze is in
force; `unfreeze_publishing` lifts it. Each call is one audited row; a freeze is never deleted.
An actor of None is the system (a lock-down triggered automatically); a person needs
`accounts.security` (or `publication.publish` to freeze only)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from skillcert.audit.services import log_action, snapshot
from skillcert.core.errors import Conflict, NotPermitted, field_error
from skillcert.orgs.scoping import has_permission
from skillcert.publication.models import PublishingFreeze

FROZEN = "publication.publishing.frozen"
UNFROZEN = "publication.publishing.unfrozen"


def _person(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _reason(reason: Any) -> str:
    text = str(reason or "").strip()
    if not text or len(text) > 500:
        raise field_error(
            None,
            "reason",
            "publication.freeze.reason_required",
            "请填写原因（500字以内）",
            "Give a reason (at most 500 characters)",
        )
    return text


def active_freeze() -> PublishingFreeze | None:
    return PublishingFreeze.objects.filter(lifted_at__isnull=True).order_by("-frozen_at", "-id").first()


def publishing_frozen() -> bool:
    return PublishingFreeze.objects.filter(lifted_at__isnull=True).exists()


def freeze_publishing(reason: Any, actor: Any) -> PublishingFreeze:
    """Stop all publishing until lifted. Freezing while frozen returns the freeze in force."""
    text = _reason(reason)
    person = _person(actor)
    if person is not None and not (
        has_permission(person, "accounts.security") or has_permission(person, "publication.publish")
    ):
        raise NotPermitted()
    with transaction.atomic():
        current = PublishingFreeze.objects.select_for_update().filter(lifted_at__isnull=True).first()
        if current is not None:
            return current
        freeze = PublishingFreeze.objects.create(reason=text, frozen_by=person, frozen_at=timezone.now())
        log_action(FROZEN, freeze, actor=person, after=snapshot(freeze))
    return freeze


def unfreeze_publishing(reason: Any, actor: Any) -> PublishingFreeze:
    """Lift the freeze in force (Conflict when none is)."""
    text = _reason(reason)
    person = _person(actor)
    if person is not None and not has_permission(person, "accounts.security"):
        raise NotPermitted()
    with transaction.atomic():
        current = PublishingFreeze.objects.select_for_update().filter(lifted_at__isnull=True).first()
        if current is None:
            raise Conflict("publication.freeze.not_frozen", "发布未被冻结", "Publishing is not frozen")
        before = snapshot(current)
        current.lifted_by, current.lifted_at, current.lift_reason = person, timezone.now(), text
        current.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
        log_action(UNFROZEN, current, actor=person, before=before, after=snapshot(current))
    return current
