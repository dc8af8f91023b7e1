"""`skillcert prune_photos [--hours N]` — delete photo files no Photo row names (left by refused
enrolments); daily under Celery beat, or from cron (people.services.prune_orphan_photos)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from skillcert.core import context
from skillcert.people.services import prune_orphan_photos


class Command(BaseCommand):
    help = "Delete photo files that no photo record names (older than --hours, default 6)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=float, default=6.0, help="only files older than this")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["hours"] < 1:
            raise CommandError(
                "--hours must be at least 1: younger files may belong to a transaction in flight"
            )
        with context.acting(channel="cli"):
            removed = prune_orphan_photos(older_than=datetime.timedelta(hours=options["hours"]))
        self.stdout.write(f"removed {len(removed)} orphan photo files")
