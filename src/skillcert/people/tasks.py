"""Scheduled work of the people app: removing photo files left without a record (R0.3, X7), daily
under `celery -A skillcert beat` (settings CELERY_BEAT_SCHEDULE); `skillcert prune_photos` from cron
does the same."""

from __future__ import annotations

from celery import shared_task

from skillcert.core import context
from skillcert.people.services import prune_orphan_photos


@shared_task(name="skillcert.people.prune_orphan_photos_daily", ignore_result=True)
def prune_orphan_photos_daily() -> list[str]:
    with context.acting(channel="job"):
        return prune_orphan_photos()
