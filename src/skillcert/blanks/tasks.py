"""Scheduled work of the blank ledger: the daily five-year recall of uncollected certificates (R2.8).

`CELERY_BEAT_SCHEDULE` (settings) runs it every day at 02:30 China time under `celery -A skillcert beat`;
without Celery, `skillcert blanks recall` from cron does the same. It covers the whole register, as the
system (no user), and is idempotent: a recalled certificate is skipped the next day."""

from __future__ import annotations

from celery import shared_task

from skillcert.blanks.services.distribution import recall_uncollected
from skillcert.core import context


@shared_task(name="skillcert.blanks.recall_uncollected_daily", ignore_result=True)
def recall_uncollected_daily() -> list[str]:
    """Recall every certificate still uncollected five years after its exam; the recalled numbers."""
    with context.acting(channel="job"):
        return [d.certificate.number for d in recall_uncollected(actor=None)]
