from typing import Any

from django.core.management.base import CommandError, CommandParser

from skillcert.appraisal.models import AppraisalSession
from skillcert.certificates.services.issue import issue_certificates
from skillcert.core.commands import AuditedCommand


class Command(AuditedCommand):
    help = "Issue certificates for every eligible candidate of an approved session (roster)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--roster", type=int, required=True, help="the appraisal session id")

    def handle(self, *args: Any, **options: Any) -> None:
        session = AppraisalSession.objects.filter(pk=options["roster"]).first()
        if session is None:
            raise CommandError(f"no session {options['roster']}")
        issued = issue_certificates(session, actor=None)
        numbers = sorted(c.number for c in issued)
        self.stdout.write(
            f"issued {len(issued)} certificates for {session.code}"
            + (f": {numbers[0]} … {numbers[-1]}" if numbers else "")
        )
