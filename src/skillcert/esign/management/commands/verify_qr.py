"""`skillcert verify_qr <payload> --keys keys.json --revocations rev.json [--name NAME]` (issue 5 item 7;
R2.1, R2.3). Offline: only the published keys (/api/v1/keys/) and the signed revocation list
(/api/v1/revocations/); ``--proof`` with ``--log-keys`` as for verify_file (issue 19).
Prints the verdict; exits 0 valid, 1 invalid, 2 cannot determine.

Django names commands after their module, so the command is ``verify_qr`` (not ``verify-qr``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import CommandParser

from skillcert.esign import offline
from skillcert.esign.management.commands.verify_file import OfflineCommand


class Command(OfflineCommand):
    help = "Verify a certificate QR text offline: exit 0 valid, 1 invalid, 2 cannot determine."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("payload", help="the QR text (URL prefix + base32 payload)")
        parser.add_argument("--name", default=None, help="the holder's name, to check the name digest")
        super().add_arguments(parser)

    def verify(
        self,
        options: dict[str, Any],
        keys_doc: Any,
        revocations_doc: Any,
        logged_at: datetime.datetime | None,
    ) -> offline.Verdict:
        return offline.verify_qr_offline(
            options["payload"],
            keys_doc,
            revocations_doc,
            now=self.now(),
            holder_name=options["name"],
            logged_at=logged_at,
        )
