"""`skillcert blanks receive|allocate|check|bind|recall` — the blank ledger from the command line."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from skillcert.blanks.services import distribution, ledger
from skillcert.blanks.services.check import check_ledger
from skillcert.blanks.services.common import parse_serial
from skillcert.core import context
from skillcert.core.commands import AuditedCommand
from skillcert.orgs.models import Organisation


def _org(code: str) -> Organisation:
    org = Organisation.objects.filter(code=code).first()
    if org is None:
        raise CommandError(f"no organisation {code}")
    return org


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


class Command(AuditedCommand):
    help = "Blank certificate ledger: receive a range, allocate, check the invariant, bind, recall."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        rec = sub.add_parser("receive", help="record serials received from the national centre")
        rec.add_argument("--holder", required=True, help="province or industry centre code")
        rec.add_argument("--level", required=True, choices=["1", "2", "3", "4", "5"])
        rec.add_argument("--first", required=True, help="first serial, e.g. JS00000001")
        rec.add_argument("--last", required=True, help="last serial, e.g. JS00010000")
        rec.add_argument("--document", required=True, help="dispatch document number")
        rec.add_argument("--document-date", required=True, help="YYYY-MM-DD")
        rec.add_argument("--received-on", help="YYYY-MM-DD (default today)")
        alloc = sub.add_parser("allocate", help="allocate province → city or industry centre → branch")
        alloc.add_argument("--from", dest="source", required=True)
        alloc.add_argument("--to", dest="target", required=True)
        alloc.add_argument("--level", required=True, choices=["1", "2", "3", "4", "5"])
        alloc.add_argument("--count", required=True, type=int)
        alloc.add_argument("--document", default="")
        sub.add_parser("check", help="replay the ledger and prove the invariant (exit 1 on discrepancy)")
        bind = sub.add_parser(
            "bind", help="bind the next free serial to each certificate (one transaction each)"
        )
        bind.add_argument("--holder", required=True)
        bind.add_argument("--level", required=True)
        bind.add_argument("--certificates", required=True, help="comma-separated certificate ids")
        recall = sub.add_parser("recall", help="recall certificates uncollected five years after the exam")
        recall.add_argument("--today", help="YYYY-MM-DD (default today)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = context.current().actor
        action = options["action"]
        if action == "receive":
            s1, n1 = parse_serial(options["first"])
            s2, n2 = parse_serial(options["last"])
            if s1 != s2:
                raise CommandError("first and last serial must share the series")
            receipt = ledger.receive(
                holder=_org(options["holder"]),
                level=options["level"],
                series=s1,
                first_number=n1,
                last_number=n2,
                document_number=options["document"],
                document_date=datetime.date.fromisoformat(options["document_date"]),
                received_on=_date(options["received_on"]),
                actor=actor,
            )
            self.stdout.write(f"received {receipt.count} serials {receipt} (receipt {receipt.pk})")
        elif action == "allocate":
            alloc = ledger.allocate(
                source=_org(options["source"]),
                target=_org(options["target"]),
                level=options["level"],
                count=options["count"],
                actor=actor,
                document_number=options["document"],
            )
            self.stdout.write(f"allocated {alloc.count} serials {alloc} (allocation {alloc.pk})")
        elif action == "check":
            result = check_ledger()
            for problem in result.problems:
                self.stdout.write(f"DISCREPANCY {problem}")
            states = ", ".join(f"{k} {v}" for k, v in sorted(result.by_state.items()))
            self.stdout.write(f"{result.serials} serials, {result.entries} entries; {states or 'empty'}")
            if not result.ok:
                raise CommandError(f"{len(result.problems)} discrepancies")
            self.stdout.write("ledger OK")
        elif action == "bind":
            from skillcert.certificates.models import Certificate

            holder = _org(options["holder"])
            for pk in [int(x) for x in options["certificates"].split(",") if x]:
                with transaction.atomic():
                    cert = Certificate.objects.get(pk=pk)
                    serial = ledger.bind_next_serial(
                        holder=holder, level=options["level"], certificate=cert, actor=actor
                    )
                self.stdout.write(f"{cert.number} {serial.serial}")
        elif action == "recall":
            done = distribution.recall_uncollected(today=_date(options["today"]), actor=actor)
            self.stdout.write(f"recalled {len(done)} uncollected certificates")
