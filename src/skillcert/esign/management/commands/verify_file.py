"""`skillcert verify_file <pdf|ofd> --keys keys.json --revocations rev.json [--proof P --log-keys L]`
(issue 5 item 7, issue 19; R2.1, R2.3).
Checks the signed certificate data embedded in an e-certificate PDF or sealed OFD offline, with only the
published keys (/api/v1/keys/) and the signed revocation list (/api/v1/revocations/). Prints the verdict;
exits 0 valid, 1 invalid, 2 cannot determine. A missing or unreadable revocation list is "cannot determine",
never "invalid". Django names commands after their module: the command is ``verify_file``.

``--proof`` (the holder's ``.tlog-proof`` file) with ``--log-keys`` (JSON of /api/v1/tlog/keys/) checks
offline that the file's signed record is in the transparency log: the checkpoint signed by the log's
key, the inclusion proof, the entry naming this certificate and record. A key revoked after the time
the log proves (witness cosignature, else the log's clock line) then no longer makes the answer
"cannot determine" (docs/formats/transparency-log.md §9). A proof that fails is "invalid".
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from skillcert.esign import offline, sm2


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
        parser.add_argument("--proof", default=None, help="the transparency log proof (.tlog-proof)")
        parser.add_argument("--log-keys", default=None, help="JSON of /api/v1/tlog/keys/ (with --proof)")

    def now(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC)

    def verify(
        self,
        options: dict[str, Any],
        keys_doc: Any,
        revocations_doc: Any,
        logged_at: datetime.datetime | None,
    ) -> offline.Verdict:
        raise NotImplementedError

    def record_sm3(self, options: dict[str, Any]) -> str | None:
        """SM3 of the signed record the verified object carries, if it carries one (files do)."""
        return None

    def with_proof(
        self, options: dict[str, Any], verdict: offline.Verdict, keys_doc: Any, revocations_doc: Any
    ) -> offline.Verdict:
        """Check the proof against the log's published keys, then verify again with the time it proves."""
        from skillcert.transparency import note
        from skillcert.transparency import services as tlog

        def refused(code: str, detail: str) -> offline.Verdict:
            return offline.Verdict(
                "invalid", code, verdict.number, verdict.key_id, {**verdict.details, "tlog": detail}
            )

        log_doc = _load_json(options["log_keys"])
        try:
            text = Path(options["proof"]).read_text(encoding="utf-8")
            log_verifiers = [note.parse_vkey(k["vkey"]) for k in log_doc["keys"]]
            witnesses = [note.parse_vkey(w["vkey"]) for w in log_doc.get("witnesses", [])]
            origin = str(log_doc["origin"])
        except (OSError, UnicodeDecodeError, TypeError, KeyError, ValueError) as exc:
            return refused(
                "transparency.proof.unreadable", f"the proof or the log keys cannot be read: {exc}"
            )
        try:
            proven = tlog.check_proof(text, origin, log_verifiers, witnesses)
        except tlog.ProofInvalid as exc:
            return refused(exc.code, str(exc))
        logged = proven.entry
        record = self.record_sm3(options)
        if (
            logged.certificate != verdict.number
            or (logged.key_id and verdict.key_id and logged.key_id != verdict.key_id)
            or (record is not None and logged.record_sm3 != record)
        ):
            return refused(
                "transparency.proof.other_record", "the proof is for another certificate or record"
            )
        again = self.verify(options, keys_doc, revocations_doc, proven.at)
        tlog_details = {
            "index": proven.index,
            "tree_size": proven.size,
            "logged_at": proven.at.isoformat() if proven.at else None,
            "by": proven.by,
        }
        return offline.Verdict(
            again.state, again.reason, again.number, again.key_id, {**again.details, "tlog": tlog_details}
        )

    def handle(self, *args: Any, **options: Any) -> None:
        keys_doc = _load_json(options["keys"])
        revocations_doc = _load_json(options["revocations"])
        verdict = self.verify(options, keys_doc, revocations_doc, None)
        if options["proof"] and verdict.state != "invalid":
            verdict = self.with_proof(options, verdict, keys_doc, revocations_doc)
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

    def _read(self, options: dict[str, Any]) -> bytes:
        try:
            return Path(options["file"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}") from exc

    def verify(
        self,
        options: dict[str, Any],
        keys_doc: Any,
        revocations_doc: Any,
        logged_at: datetime.datetime | None,
    ) -> offline.Verdict:
        return offline.verify_file_offline(
            self._read(options), keys_doc, revocations_doc, now=self.now(), logged_at=logged_at
        )

    def record_sm3(self, options: dict[str, Any]) -> str | None:
        from skillcert.esign import ecert_ofd, ecert_pdf
        from skillcert.esign.ofd import writer

        data = self._read(options)
        if ecert_ofd.is_ofd(data):
            record, _sig, _kid = ecert_ofd.extract_signed_data(writer.read_package(data))
        else:
            record, _sig, _kid = ecert_pdf.extract_signed_data(data)
        return sm2.sm3(record).hex()
