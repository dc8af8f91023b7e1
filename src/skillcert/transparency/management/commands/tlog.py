"""`skillcert tlog export|witness|monitor|add-witness|status` (issue 19; X2).

* ``export <dir>`` — the checkpoint, every stored tile and entry bundle and the vkeys as static files
  (the same paths as ``/tlog/…``), for a mirror that any web server can serve;
* ``witness <prefix> --state FILE --key FILE --name NAME`` — one witness round: verify the new
  checkpoint, its consistency with the last cosigned one, cosign and submit (exit 0; 1 with the
  problem named: fork, inconsistent growth, …; 3 when the log refused the cosignature);
* ``monitor <prefix> --state FILE`` — replay the whole log, check it against the register (exit 0;
  1 with every problem named);
* ``add-witness <name> <public key or vkey>`` — let the log accept that witness's cosignatures;
* ``status`` — the log head.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from skillcert.core.commands import AuditedCommand
from skillcert.transparency import client


class Command(AuditedCommand):
    help = "The transparency log: export a static mirror, run a witness or a monitor, add a witness."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write the log as static files")
        export.add_argument("directory")
        for name in ("witness", "monitor"):
            p = sub.add_parser(name, help=f"run the {name} once against a log prefix (URL or directory)")
            p.add_argument("url", help="the log prefix, e.g. https://verify.example.cn/tlog")
            p.add_argument("--state", required=True, help="JSON state file kept between runs")
            p.add_argument("--log-key", action="append", default=[], help="a trusted log vkey (repeatable)")
            p.add_argument("--json", action="store_true")
        witness = sub.choices["witness"]
        witness.add_argument(
            "--key", required=True, help="file with the witness's Ed25519 seed (made if absent)"
        )
        witness.add_argument(
            "--name", required=True, help="the witness's key name, e.g. witness.osta.example/1"
        )
        witness.add_argument("--no-submit", action="store_true", help="cosign without submitting")
        sub.choices["monitor"].add_argument(
            "--register",
            default=None,
            help="register API prefix (default <site>/api/v1/tlog/register); '' to skip",
        )
        add = sub.add_parser("add-witness", help="accept cosignatures from a witness")
        add.add_argument("name")
        add.add_argument("public_key", help="Ed25519 public key (hex) or the witness's vkey")
        add.add_argument("--operator", default="", help="the organisation running it")
        sub.add_parser("status", help="the log head")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "export":
            from skillcert.transparency.services.export import export

            written = export(Path(options["directory"]))
            self.stdout.write(f"wrote {written} files to {options['directory']}")
        elif action in ("witness", "monitor"):
            self._run(action, options)
        elif action == "add-witness":
            from skillcert.transparency import services as tlog

            witness = tlog.add_witness(options["name"], options["public_key"], operator=options["operator"])
            self.stdout.write(f"witness {witness.name}+{witness.key_id} accepted")
        else:
            from skillcert.transparency import services as tlog

            head = tlog.head()
            self.stdout.write(tlog.signed_note(head))

    def _run(self, action: str, options: dict[str, Any]) -> None:
        state = Path(options["state"])
        if action == "witness":
            try:
                seed = client.witness_key(Path(options["key"]))
            except (OSError, ValueError) as exc:
                raise CommandError(str(exc)) from exc
            report = client.witness(
                options["url"],
                state_path=state,
                name=options["name"],
                seed=seed,
                pinned=options["log_key"],
                submit=not options["no_submit"],
            )
        else:
            report = client.monitor(
                options["url"], state_path=state, pinned=options["log_key"], register_url=options["register"]
            )
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {"ok": report.ok, "size": report.size, "problems": report.problems, "notes": report.notes}
                )
            )
        else:
            for line in report.notes:
                self.stdout.write(line)
            for kind, detail in report.problems:
                self.stdout.write(f"{kind.upper()}: {detail}")
        self.stdout.flush()
        if not report.ok:
            refused = all(kind == "submission refused" for kind, _ in report.problems)
            raise SystemExit(3 if refused else 1)
