"""The "credential leak" action (R3.9: a suspected leak triggers lock-down and preserved evidence).

`report_leak` — by someone holding accounts.security at the top of the organisation tree, because it
acts on the whole platform — in one transaction:
1. records an immutable `SecurityIncident` (reporter, time, description) with its evidence files
   (SHA-256 taken on upload, stored under MEDIA_ROOT/accounts/incidents/);
2. freezes publishing: `LockdownState.frozen` (checked by `publishing_frozen()`; the publication app
   calls it before publishing — wired by the lead when that app is merged);
3. forces every user to authenticate again: all stored sessions are deleted, every API token is
   revoked (users obtain new ones, with TOTP where required), and `reauth_after` voids any session or
   token older than now that survived elsewhere (other session engines, caches);
4. optionally marks every password as to be changed at the next log-in;
5. writes audit entries for all of it.
`lift_lockdown` unfreezes publishing (the incident record stays)."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from skillcert.accounts.models import AccountSecurity, IncidentEvidence, LockdownState, SecurityIncident
from skillcert.accounts.services import home_organisation
from skillcert.accounts.services.tokens import revoke_all_tokens
from skillcert.audit.services import log_action
from skillcert.core.errors import Conflict, NotPermitted, field_error
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission
from skillcert.publication.services.freeze import active_freeze, freeze_publishing, unfreeze_publishing

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


def publishing_frozen() -> bool:
    return LockdownState.publishing_frozen()


def may_act(actor: Any) -> bool:
    roots = Organisation.objects.filter(parent__isnull=True)
    return any(has_permission(actor, "accounts.security", org) for org in roots)


def _require(actor: Any) -> None:
    if not may_act(actor):
        raise NotPermitted(
            "accounts.lockdown.not_permitted",
            "只有全平台安全管理权限（accounts.security，最高级机构）可执行此操作",
            "Only holders of accounts.security at the top organisation may do this",
        )


def _store(incident: SecurityIncident, upload: Any, note: str, actor: Any) -> IncidentEvidence:
    name = Path(str(getattr(upload, "name", "evidence") or "evidence")).name[:200] or "evidence"
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0 or size > MAX_EVIDENCE_BYTES:
        raise field_error(
            incident.reference,
            "evidence",
            "accounts.evidence.size",
            f"证据文件“{name}”为空或超过20MB",
            f"Evidence file {name!r} is empty or larger than 20 MB",
        )
    digest = hashlib.sha256()
    folder = Path(settings.MEDIA_ROOT) / "accounts" / "incidents" / incident.reference
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".upload-{secrets.token_hex(8)}"
    with tmp.open("wb") as out:
        for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
            digest.update(chunk)
            out.write(chunk)
    sha = digest.hexdigest()
    final = folder / sha
    tmp.replace(final)
    final.chmod(0o440)
    evidence = IncidentEvidence.objects.create(
        incident=incident,
        original_name=name,
        stored_path=str(final.relative_to(Path(settings.MEDIA_ROOT))),
        sha256=sha,
        size=size,
        content_type=str(getattr(upload, "content_type", "") or "")[:100],
        note=(note or "").strip()[:500],
        uploaded_by=actor,
    )
    log_action(
        "accounts.evidence_added",
        incident,
        actor=actor,
        organisation=home_organisation(actor),
        data={"file": name, "sha256": sha, "size": size},
    )
    return evidence


def report_leak(
    *, actor: Any, description: str, files: list[Any] | None = None, expire_passwords: bool = True
) -> SecurityIncident:
    _require(actor)
    text = (description or "").strip()
    if not text:
        raise field_error(
            None,
            "description",
            "accounts.incident.description",
            "请描述疑似泄露的情况（发现时间、途径、涉及账户等）",
            "Describe the suspected leak (when and how found, which accounts)",
        )
    now = timezone.now()
    with transaction.atomic():
        state = LockdownState.objects.select_for_update().get_or_create(pk=1)[0]
        sessions = Session.objects.count()
        Session.objects.all().delete()
        tokens = revoke_all_tokens(reason="lockdown", actor=actor)
        expired = 0
        if expire_passwords:
            users = get_user_model().objects.filter(is_active=True)
            for user in users.only("pk"):
                AccountSecurity.objects.update_or_create(user=user, defaults={"must_change_password": True})
                expired += 1
        incident = SecurityIncident.objects.create(
            reference=f"SEC-{now:%Y%m%d}-{secrets.token_hex(3).upper()}",
            reported_by=actor,
            description=text[:10000],
            sessions_ended=sessions,
            tokens_rotated=tokens,
            passwords_expired=expired,
            publishing_frozen=True,
        )
        state.frozen = True
        state.frozen_at = now
        state.reason = text[:500]
        state.incident = incident
        state.reauth_after = now
        state.lifted_at = None
        state.lifted_by = None
        state.save()
        # The publication chain has its own freeze record; the lock-down drives it (R3.9).
        freeze_publishing(f"credential leak {incident.reference}", actor)
        log_action(
            "accounts.credential_leak",
            incident,
            actor=actor,
            organisation=home_organisation(actor),
            data={
                "reference": incident.reference,
                "sessions_ended": sessions,
                "tokens_rotated": tokens,
                "passwords_expired": expired,
                "publishing_frozen": True,
            },
        )
        for upload in files or []:
            _store(incident, upload, "", actor)
    return incident


def add_evidence(incident: SecurityIncident, upload: Any, *, actor: Any, note: str = "") -> IncidentEvidence:
    """Evidence can be added later; nothing already recorded changes."""
    _require(actor)
    with transaction.atomic():
        return _store(incident, upload, note, actor)


def verify_evidence(evidence: IncidentEvidence) -> bool:
    """Whether the stored file still has the SHA-256 recorded at upload."""
    path = Path(settings.MEDIA_ROOT) / evidence.stored_path
    if not path.exists():
        return False
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest() == evidence.sha256


def lift_lockdown(*, actor: Any, reason: str) -> LockdownState:
    _require(actor)
    text = (reason or "").strip()
    if not text:
        raise field_error(
            None,
            "reason",
            "accounts.lockdown.reason",
            "请说明解除锁定的理由",
            "Give the reason to lift the lock-down",
        )
    with transaction.atomic():
        state = LockdownState.objects.select_for_update().get_or_create(pk=1)[0]
        if not state.frozen:
            raise Conflict("accounts.lockdown.not_frozen", "当前未处于锁定状态", "Publishing is not frozen")
        state.frozen = False
        state.lifted_at = timezone.now()
        state.lifted_by = actor
        state.save(update_fields=["frozen", "lifted_at", "lifted_by"])
        if active_freeze() is not None:
            unfreeze_publishing(text[:500], actor)
        log_action(
            "accounts.lockdown_lifted",
            state,
            actor=actor,
            organisation=home_organisation(actor),
            data={"reason": text[:500], "incident": state.incident.reference if state.incident else ""},
        )
    return state
