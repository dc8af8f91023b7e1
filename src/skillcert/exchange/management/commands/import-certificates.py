"""`skillcert import-certificates FILE [--partial] --org CODE [--report out.xlsx]` (R3.2, R3.3, X6)."""

from typing import Any

from django.core.management.base import CommandError, CommandParser

from skillcert.core.commands import AuditedCommand
from skillcert.core.context import current
from skillcert.exchange.report import write_report
from skillcert.exchange.services.imports import import_certificates
from skillcert.orgs.models import Organisation


class Command(AuditedCommand):
    help = (
        "Import certificate records in format import-v1 (CSV or XLSX). All or nothing unless --partial; "
        "importing the same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("file", help="CSV or XLSX file in format import-v1")
        parser.add_argument("--org", required=True, help="code of the importing organisation")
        parser.add_argument("--partial", action="store_true", help="write the valid rows, report the rest")
        parser.add_argument("--report", help="write the error report to this XLSX file")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organisation.objects.filter(code=options["org"]).first()
        if org is None:
            raise CommandError(f"no organisation {options['org']}")
        report = import_certificates(
            options["file"], actor=current().actor, organisation=org, partial=options["partial"]
        )
        if options["report"]:
            write_report(report, options["report"])
        for e in report.errors[:200]:
            self.stderr.write(f"row {e.record} {e.field} [{e.code}] {e.message_zh} / {e.message_en}")
        if report.error_count > 200:
            self.stderr.write(f"… {report.error_count - 200} more errors")
        self.stdout.write(
            f"{report.status}: {report.rows} rows, {report.created} created, {report.unchanged} unchanged, "
            f"{report.rejected} rejected ({report.error_count} errors)"
        )
        if report.status == "rejected":
            raise CommandError(
                "import rejected: nothing was written" if not report.partial else "no valid row to import"
            )
