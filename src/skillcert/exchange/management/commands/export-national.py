"""`skillcert export-national --org CODE --from YYYY-MM-DD --to YYYY-MM-DD [--out FILE]` (R2.6)."""

import datetime
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from skillcert.core.commands import AuditedCommand
from skillcert.core.context import current
from skillcert.exchange.services.national import write_national_export
from skillcert.orgs.models import Organisation


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"not a date YYYY-MM-DD: {text}") from exc


class Command(AuditedCommand):
    help = "Export the certificates issued in a period in format national-exchange-v1 (JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--org", required=True, help="code of the exporting organisation")
        parser.add_argument("--from", dest="date_from", required=True, help="first issue date")
        parser.add_argument("--to", dest="date_to", required=True, help="last issue date")
        parser.add_argument("--out", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organisation.objects.filter(code=options["org"]).first()
        if org is None:
            raise CommandError(f"no organisation {options['org']}")
        kwargs = {
            "actor": current().actor,
            "exporter": org,
            "date_from": _date(options["date_from"]),
            "date_to": _date(options["date_to"]),
        }
        if options["out"]:
            with Path(options["out"]).open("w", encoding="utf-8") as out:
                count = write_national_export(out, **kwargs)
            self.stderr.write(f"{count} certificates written to {options['out']}")
        else:
            write_national_export(sys.stdout, **kwargs)
