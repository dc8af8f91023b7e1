"""`skillcert export-credential NUMBER --host HOST [--out FILE]`: one certificate as a W3C Verifiable
Credential 2.0 with an eddsa-jcs-2022 proof; the issuer is did:web:HOST:issuers:<code> (R2.6)."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from skillcert.core.commands import AuditedCommand
from skillcert.core.context import current
from skillcert.exchange.services.credentials import credential_for


class Command(AuditedCommand):
    help = "Export one certificate as a W3C Verifiable Credential 2.0 (JSON-LD, eddsa-jcs-2022)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("number", help="certificate number")
        parser.add_argument("--host", required=True, help="public host name serving /issuers/<code>/did.json")
        parser.add_argument("--out", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        credential = credential_for(options["number"], actor=current().actor, host=options["host"])
        text = json.dumps(credential, ensure_ascii=False, indent=2)
        if options["out"]:
            Path(options["out"]).write_text(text + "\n", encoding="utf-8")
        else:
            self.stdout.write(text)
