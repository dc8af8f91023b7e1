"""`skillcert restore <dir> --database-url URL` — load a verified backup into a fresh database (R3.9).

The backup is verified first (hashes and sizes against the manifest); the target must be empty and
of the same vendor; afterwards the row count of every table is compared with the manifest, and the
restored transparency log with the log head at backup time (issue 19): a log that lost leaves or is not
consistent with that head is reported and the command fails."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from skillcert.core.commands import AuditedCommand
from skillcert.publication.backups import check_restored_log, restore_backup


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
        checked = check_restored_log(options["directory"], options["database_url"])
        if not checked.ok:
            raise CommandError(
                "the restored transparency log does not match the log head "
                f"(size {checked.head_size}): " + "; ".join(checked.problems)
            )
        self.stdout.write(
            f"transparency log: {checked.restored_size} leaves, "
            f"consistent with the head of size {checked.head_size}"
        )
