"""`skillcert keys create|rotate|revoke|list` — issuer key life cycle from the command line (R2.1, X2).

Runs as an AuditedCommand: every change is audited with channel "cli". Private keys are never printed.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from skillcert.core.commands import AuditedCommand
from skillcert.esign.models import IssuerKey
from skillcert.esign.services import keys
from skillcert.orgs.models import Organisation


def _public(key: IssuerKey) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "organisation": key.organisation.code,
        "algorithm": key.algorithm,
        "status": key.status,
        "valid_from": key.valid_from.isoformat(),
        "valid_until": key.valid_until.isoformat() if key.valid_until else None,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
        "public_key": key.public_key,
    }


class Command(AuditedCommand):
    help = "Issuer signing keys (SM2): create, rotate, revoke, list."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="a first key pair for an issuing authority")
        create.add_argument("--organisation", required=True, help="organisation code")
        rotate = sub.add_parser("rotate", help="a new active key; the old one is retired")
        rotate.add_argument("--organisation", required=True, help="organisation code")
        revoke = sub.add_parser("revoke", help="revoke a compromised key")
        revoke.add_argument("key_id")
        revoke.add_argument("--reason", required=True)
        listing = sub.add_parser("list", help="all keys (public data only)")
        listing.add_argument("--organisation", help="only this organisation's keys")
        listing.add_argument("--json", action="store_true", help="JSON output")

    def _organisation(self, code: str) -> Organisation:
        org = Organisation.objects.filter(code=code.strip()).first()
        if org is None:
            raise CommandError(f"no organisation {code}")
        return org

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            key = keys.create_key(self._organisation(options["organisation"]), actor=None)
            self.stdout.write(f"created {key.key_id} for {key.organisation.code}")
        elif action == "rotate":
            key = keys.rotate_key(self._organisation(options["organisation"]), actor=None)
            self.stdout.write(f"rotated: {key.key_id} is now active for {key.organisation.code}")
        elif action == "revoke":
            key = keys.revoke_key(keys.find_key(options["key_id"]), actor=None, reason=options["reason"])
            self.stdout.write(
                f"revoked {key.key_id} at {key.revoked_at.isoformat() if key.revoked_at else ''}"
            )
        else:
            qs = IssuerKey.objects.published()
            if options.get("organisation"):
                qs = qs.filter(organisation=self._organisation(options["organisation"]))
            rows = [_public(k) for k in qs]
            if options.get("json"):
                self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
                return
            for row in rows:
                self.stdout.write(
                    f"{row['key_id']}  {row['organisation']:<12} {row['algorithm']} {row['status']:<8} "
                    f"from {row['valid_from']}  until {row['valid_until'] or '-'}"
                )
