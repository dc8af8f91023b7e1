"""`skillcert printing print|render|calibration` — print jobs from the command line (R0.5, X4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from skillcert.core import context
from skillcert.core.commands import AuditedCommand
from skillcert.orgs.models import Organisation
from skillcert.printing.insert import Calibration, calibration_page
from skillcert.printing.models import Printer, PrintJob
from skillcert.printing.services.jobs import create_print_jobs
from skillcert.printing.services.render import render_print_job


class Command(AuditedCommand):
    help = "Print issued certificates on blank serials, re-render a job, write a calibration page."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("print", help="make print jobs (one per level); the PDFs are rendered as jobs")
        p.add_argument("--organisation", required=True, help="code of the printing centre or station")
        p.add_argument("--certificates", required=True, help="comma-separated certificate ids")
        p.add_argument("--printer", type=int, help="printer id (its calibration is applied)")
        p.add_argument("--base-url", help="verification site, e.g. https://cert.example.gov.cn")
        r = sub.add_parser("render", help="render (again) a print job's PDF")
        r.add_argument("job", type=int)
        c = sub.add_parser("calibration", help="write a printer's calibration page PDF")
        c.add_argument("--printer", type=int)
        c.add_argument("--out", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = context.current().actor
        action = options["action"]
        if action == "print":
            org = Organisation.objects.filter(code=options["organisation"]).first()
            if org is None:
                raise CommandError(f"no organisation {options['organisation']}")
            ids = [int(x) for x in options["certificates"].split(",") if x.strip()]
            base = options.get("base_url")
            jobs = create_print_jobs(
                organisation=org,
                certificates=ids,
                actor=actor,
                printer=options.get("printer"),
                base_url=f"{base.rstrip('/')}/Q/" if base else None,
            )
            for job in jobs:
                job.refresh_from_db()
                for item in job.items.order_by("position"):
                    self.stdout.write(f"{job.pk} {item.serial_text} {item.certificate_id}")
        elif action == "render":
            found = PrintJob.objects.filter(pk=options["job"]).first()
            if found is None:
                raise CommandError(f"no print job {options['job']}")
            result = render_print_job(found)
            self.stdout.write(f"{result['file']} {result['sha256']}")
        else:
            printer = (
                Printer.objects.filter(pk=options["printer"]).first() if options.get("printer") else None
            )
            pdf = calibration_page(Calibration.of(printer), printer_name=printer.name if printer else "")
            Path(options["out"]).write_bytes(pdf)
            self.stdout.write(options["out"])
