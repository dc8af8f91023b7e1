"""`skillcert catalogs load [--holidays-only]`: load the reference catalogs (idempotent).

Runs in the CLI action context (channel "cli"), so the summary audit rows name the operating-system
user, or the user given with `--as USERNAME` (before the subcommand: `skillcert catalogs --as admin load`).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from skillcert.catalog.seed import library_source, load_catalogs, load_holiday_calendar
from skillcert.core.commands import AuditedCommand


class Command(AuditedCommand):
    help = "Reference catalogs (levels, occupations, regions, codes, education, holidays) / 基础代码表"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        load = actions.add_parser(
            "load",
            help="load all catalogs; existing rows are matched and updated, nothing is deleted",
        )
        load.add_argument(
            "--holidays-only",
            action="store_true",
            help=f"only add missing holiday calendar rows from {library_source()}",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            counts = load_holiday_calendar() if options.get("holidays_only") else load_catalogs()
            self._print(counts)

    def _print(self, counts: dict[str, int]) -> None:
        catalogs: dict[str, dict[str, int]] = {}
        for key, value in counts.items():
            catalog, _, what = key.partition(".")
            catalogs.setdefault(catalog, {})[what] = value
        width = max(len(c) for c in catalogs)
        for catalog, values in catalogs.items():
            detail = ", ".join(f"{n} {what}" for what, n in values.items())
            self.stdout.write(f"{catalog:<{width}}  {detail}")
        if not any(counts.values()):
            self.stdout.write(self.style.SUCCESS("catalogs up to date / 代码表已是最新"))
        else:
            self.stdout.write(self.style.SUCCESS("catalogs loaded / 代码表已载入"))
