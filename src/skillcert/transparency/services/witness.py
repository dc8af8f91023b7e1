"""Witnesses the log accepts, and the cosignatures they submit (issue 19 item 4; X2).

``POST /tlog/cosignatures`` takes a checkpoint note carrying cosignature/v1 lines (C2SP
tlog-cosignature). The log accepts a line only from an active, configured witness (by name and key
id), only when it verifies over the text of a checkpoint this log signed (same size, same root, same
text), and stores it; from then on it is served on that checkpoint. Lines from unknown keys are ignored
(signed-note); a known key whose line does not verify refuses the whole submission.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.core.errors import Conflict, NotFound, SkillcertError, field_error
from skillcert.transparency import note
from skillcert.transparency.models import Checkpoint, Cosignature, Witness


def witness_verifier(witness: Witness) -> note.Verifier:
    return note.Verifier(witness.name, note.COSIGNATURE_V1, bytes.fromhex(witness.public_key))


def add_witness(name: str, public_key: str, *, operator: str = "", actor: Any = None) -> Witness:
    """Configure a witness by name and Ed25519 public key (hex, or its vkey)."""
    text = (public_key or "").strip()
    try:
        if "+" in text:
            verifier = note.parse_vkey(text)
            if verifier.sig_type != note.COSIGNATURE_V1 or verifier.name != name:
                raise note.NoteError("the vkey is not a cosignature/v1 key of that name")
            raw = verifier.public_key
        else:
            raw = bytes.fromhex(text)
            if len(raw) != 32:
                raise ValueError("32 bytes expected")
        note.check_name(name)
    except ValueError as exc:
        raise field_error(
            name, "public_key", "transparency.witness.key", "见证方公钥无效", f"Invalid witness key: {exc}"
        ) from None
    with transaction.atomic():
        witness = Witness.objects.create(
            name=name,
            public_key=raw.hex(),
            key_id=note.key_id(name, note.COSIGNATURE_V1, raw).hex(),
            operator=operator,
        )
        log_action(
            "transparency.witness.add", witness, actor=actor, data={"name": name, "key_id": witness.key_id}
        )
    return witness


def _refuse(status: int, code: str, zh: str, en: str) -> SkillcertError:
    return SkillcertError(code, zh, en, [], status)


def accept_cosignatures(body: bytes) -> list[Cosignature]:
    """Verify and store the cosignatures in a submitted checkpoint note; returns the new rows."""
    try:
        submitted = note.parse_note(body)
        cp = note.parse_checkpoint(submitted.text)
    except note.NoteError as exc:
        raise _refuse(400, "transparency.cosignature.malformed", "提交的检查点格式错误", str(exc)) from None
    checkpoint = Checkpoint.objects.filter(size=cp.size).first()
    if checkpoint is None or checkpoint.text != submitted.text:
        if checkpoint is not None:
            raise Conflict(
                "transparency.cosignature.not_our_checkpoint",
                "提交的检查点与本日志签发的不一致",
                "The submitted checkpoint is not the one this log signed for that size",
            )
        raise NotFound(
            "transparency.checkpoint.not_found",
            f"没有大小为 {cp.size} 的检查点",
            f"No checkpoint of size {cp.size}",
        )
    witnesses = {w.pk: (w, witness_verifier(w)) for w in Witness.objects.filter(active=True)}
    try:
        good = note.verified(submitted, [v for _w, v in witnesses.values()])
    except note.NoteError as exc:
        raise _refuse(403, "transparency.cosignature.bad_signature", "见证方签名验证失败", str(exc)) from None
    if not good:
        raise _refuse(
            403,
            "transparency.cosignature.unknown_witness",
            "没有来自已配置见证方的签名",
            "No cosignature from a configured witness",
        )
    by_verifier = {v: w for w, v in witnesses.values()}
    stored = []
    now = timezone.now()
    with transaction.atomic():
        for verifier, sig in good:
            witness = by_verifier[verifier]
            timestamp = note.cosignature_time(sig)
            if timestamp > now.timestamp() + 300:
                raise _refuse(
                    400,
                    "transparency.cosignature.future",
                    "见证时间晚于当前时间",
                    "The cosignature is dated in the future",
                )
            row, created = Cosignature.objects.get_or_create(
                checkpoint=checkpoint,
                witness=witness,
                timestamp=timestamp,
                defaults={"line": sig.line, "received_at": now},
            )
            if created:
                log_action(
                    "transparency.cosignature.accept",
                    row,
                    data={"witness": witness.name, "size": checkpoint.size, "timestamp": timestamp},
                )
            stored.append(row)
    from skillcert.transparency.services.log import forget_notes

    forget_notes()
    return stored
