"""`skillcert backup run|verify <dir>|list` — backups after publication (R3.9).

`run` takes a backup now (the same as the job queued after every publication); `verify` re-hashes a
backup directory against its manifest and exits non-zero on any mismatch; `list` shows the backups
under the backup directory."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from skillcert.core.commands import AuditedCommand
from skillcert.publication import backups


class Command(AuditedCommand):
    help = "Backups (R3.9): run a backup now, verify a backup directory, list backups."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("run", help="take a consistent backup to the backup directory and every target")
        verify = sub.add_parser("verify", help="check a backup directory against its manifest")
        verify.add_argument("directory")
        verify.add_argument("--json", action="store_true", help="JSON output")
        sub.add_parser("list", help="backups in the backup directory")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "run":
            backup = backups.run_backup(reason="command line")
            self.stdout.write(
                f"backup {backup.name}: {backup.status} ({backup.size} bytes, sha256 {backup.sha256})"
            )
            for loc in backup.locations:
                mark = "ok" if loc["verified"] else f"FAILED {loc['error']}"
                self.stdout.write(f"  {loc['path']}: {mark}")
            if backup.status == backup.Status.FAILED:
                raise CommandError("backup failed")
        elif action == "verify":
            result = backups.verify_backup(options["directory"])
            if options["json"]:
                self.stdout.write(
                    json.dumps({"ok": result.ok, "problems": result.problems}, ensure_ascii=False)
                )
            if not result.ok:
                raise CommandError(f"{options['directory']}: " + "; ".join(result.problems))
            if not options["json"]:
                files = ", ".join(f["name"] for f in result.manifest.get("files", []))
                self.stdout.write(
                    f"{options['directory']}: ok ({files}; {len(result.manifest.get('tables', {}))} tables)"
                )
        else:
            for path in backups.list_backups():
                self.stdout.write(str(path))
