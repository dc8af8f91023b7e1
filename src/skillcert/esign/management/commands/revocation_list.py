"""`skillcert revocation_list --out FILE` — write the current signed revocation list (issue 5 item 7;
R2.3; docs/formats/revocation-list.md). Read-only: nothing in the register changes. Django names
commands after their module: the command is ``revocation_list``.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from skillcert.core.errors import SkillcertError
from skillcert.esign.revocation import build_revocation_list


class Command(BaseCommand):
    help = "Write the current signed revocation list (JSON) to a file, or to stdout with --out -."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="output file ('-' for stdout)")
        parser.add_argument("--hours", type=int, default=24, help="validity: next_update = now + hours")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["hours"] < 1:
            raise CommandError("--hours must be at least 1")
        try:
            doc = build_revocation_list(validity=timedelta(hours=options["hours"]))
        except SkillcertError as exc:
            raise CommandError(str(exc)) from exc
        text = json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
        if options["out"] == "-":
            self.stdout.write(text, ending="")
        else:
            Path(options["out"]).write_text(text, encoding="utf-8")
            self.stdout.write(
                f"wrote {options['out']}: sequence {doc['list']['sequence']}, "
                f"{len(doc['list']['certificates'])} certificates, next update {doc['list']['next_update']}"
            )
