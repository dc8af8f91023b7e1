"""`skillcert verify_file <pdf|ofd> --keys keys.json --revocations rev.json` (issue 5 item 7; R2.1, R2.3).
Checks the signed certificate data embedded in an e-certificate PDF or sealed OFD offline, with only the
published keys (/api/v1/keys/) and the signed revocation list (/api/v1/revocations/). Prints the verdict;
exits 0 valid, 1 invalid, 2 cannot determine. A missing or unreadable revocation list is "cannot determine",
never "invalid". Django names commands after their module: the command is ``verify_file``.
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from skillcert.esign import offline


def _load_json(path: str | None) -> Any:
    """The parsed JSON file, or None when no path was given or it cannot be read/parsed."""
    if not path:
        return None
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


class OfflineCommand(BaseCommand):
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--keys", required=True, help="JSON of /api/v1/keys/")
        parser.add_argument("--revocations", default=None, help="JSON of /api/v1/revocations/")
        parser.add_argument("--json", action="store_true", help="print the verdict as JSON")

    def now(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC)

    def verify(self, options: dict[str, Any], keys_doc: Any, revocations_doc: Any) -> offline.Verdict:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        keys_doc = _load_json(options["keys"])
        revocations_doc = _load_json(options["revocations"])
        verdict = self.verify(options, keys_doc, revocations_doc)
        if options["json"]:
            self.stdout.write(json.dumps(verdict.as_dict(), ensure_ascii=False, sort_keys=True))
        else:
            line = verdict.state if verdict.reason is None else f"{verdict.state} {verdict.reason}"
            if verdict.number:
                line += f" number={verdict.number}"
            self.stdout.write(line)
        self.stdout.flush()
        sys.exit(verdict.exit_code)


class Command(OfflineCommand):
    help = "Verify an e-certificate PDF or OFD offline: exit 0 valid, 1 invalid, 2 cannot determine."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the e-certificate PDF or OFD")
        super().add_arguments(parser)

    def verify(self, options: dict[str, Any], keys_doc: Any, revocations_doc: Any) -> offline.Verdict:
        try:
            data = Path(options["file"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}") from exc
        return offline.verify_file_offline(data, keys_doc, revocations_doc, now=self.now())
