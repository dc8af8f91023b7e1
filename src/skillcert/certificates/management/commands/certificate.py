import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from skillcert.certificates.models import Certificate
from skillcert.certificates.services.lifecycle_view import shown_event_data
from skillcert.core.commands import AuditedCommand


class Command(AuditedCommand):
    help = "Certificate register: `skillcert certificate show <number>`."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="the certificate's frozen data, state and events")
        show.add_argument("number")

    def handle(self, *args: Any, **options: Any) -> None:
        certificate = Certificate.objects.filter(number=options["number"].strip()).first()
        if certificate is None:
            raise CommandError(f"no certificate {options['number']}")
        out = {
            "number": certificate.number,
            "licence_id": certificate.licence_id,
            "state": certificate.state,
            "issued_on": certificate.issued_on.isoformat(),
            "data": certificate.data,
            "events": [
                {"kind": e.kind, "at": e.at.isoformat(), "reason": e.reason, "data": shown_event_data(e)}
                for e in certificate.events.all()
            ],
        }
        self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
