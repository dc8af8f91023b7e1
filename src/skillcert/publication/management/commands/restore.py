"""`skillcert restore <dir> --database-url URL` — load a verified backup into a fresh database (R3.9).

The backup is verified first (hashes and sizes against the manifest); the target must be empty and
of the same vendor; afterwards the row count of every table is compared with the manifest."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from skillcert.core.commands import AuditedCommand
from skillcert.publication.backups import restore_backup


class Command(AuditedCommand):
    help = "Restore a backup directory into a fresh database (sqlite:///path or postgres://…)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("directory")
        parser.add_argument("--database-url", required=True, help="the fresh target database")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = restore_backup(options["directory"], options["database_url"])
        self.stdout.write(
            f"restored {len(counts)} tables, {sum(counts.values())} rows; row counts match the manifest"
        )
