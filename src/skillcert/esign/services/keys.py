"""Issuer key life cycle: create, rotate, revoke; signing with the active key (R2.1, X2; issue 5).

Private keys are encrypted at rest with AES-GCM under a key-encryption key derived from
settings.DATA_KEY with the HMAC label "skillcert/issuer-key-encryption" (the people/protect.py pattern);
the key id is bound as associated data, so a ciphertext cannot be moved to another key row. Every
change writes one audit row in the same transaction; no audit row ever holds private key material.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from skillcert.audit.services import log_action, snapshot
from skillcert.core.errors import Conflict, NotFound, SkillcertError, field_error
from skillcert.esign import sm2
from skillcert.esign.models import IssuerKey, KeyStatus
from skillcert.orgs.choices import OrgKind
from skillcert.orgs.models import Organisation

_VERSION = "v1"
_LABEL = b"skillcert/issuer-key-encryption"
# Organisations that may hold issuer keys: 发证机关 and the industry centres that issue certificates.
SIGNING_KINDS = frozenset({OrgKind.ISSUING_AUTHORITY, OrgKind.INDUSTRY})
# Fields never written to the audit log.
_SECRET_FIELDS = ("private_key_cipher",)


def _kek() -> bytes:
    master = base64.urlsafe_b64decode(settings.DATA_KEY)
    return hmac.new(master, _LABEL, hashlib.sha256).digest()


def _aad(key_id: str) -> bytes:
    return f"{_VERSION}:{key_id}".encode()


def encrypt_private_key(private_key: bytes, key_id: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_kek()).encrypt(nonce, private_key, _aad(key_id))
    return f"{_VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt_private_key(token: str, key_id: str) -> bytes:
    version, _, body = token.partition(":")
    if version != _VERSION:
        raise ValueError("unknown issuer key cipher version")
    raw = base64.urlsafe_b64decode(body)
    return AESGCM(_kek()).decrypt(raw[:12], raw[12:], _aad(key_id))


def _audit_view(key: IssuerKey) -> dict[str, Any]:
    return snapshot(key, exclude=_SECRET_FIELDS)


def _check_signer(organisation: Organisation) -> None:
    if organisation.kind not in SIGNING_KINDS:
        raise field_error(
            organisation.code,
            "organisation",
            "esign.key.not_issuer",
            "只有发证机关或行业鉴定中心可以持有签名密钥",
            "Only an issuing authority or an industry centre can hold a signing key",
        )


def _new_key(organisation: Organisation, valid_from: datetime.datetime | None) -> IssuerKey:
    pair = sm2.generate_keypair()
    kid = sm2.key_id(pair.public_key)
    return IssuerKey.objects.create(
        organisation=organisation,
        key_id=kid,
        public_key=pair.public_key.hex(),
        private_key_cipher=encrypt_private_key(pair.private_key, kid),
        valid_from=valid_from or timezone.now(),
        status=KeyStatus.ACTIVE,
    )


def create_key(
    organisation: Organisation, *, actor: Any = None, valid_from: datetime.datetime | None = None
) -> IssuerKey:
    """A first key pair for an issuing authority (409 `esign.key.exists` if it already has an active one)."""
    _check_signer(organisation)
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        if IssuerKey.objects.filter(organisation=organisation, status=KeyStatus.ACTIVE).exists():
            raise Conflict(
                "esign.key.exists",
                f"{organisation.code} 已有在用的签名密钥，请使用密钥轮换",
                f"{organisation.code} already has an active signing key; rotate it instead",
            )
        key = _new_key(organisation, valid_from)
        log_action("esign.key.create", key, actor=actor, after=_audit_view(key))
    return key


def rotate_key(organisation: Organisation, *, actor: Any = None) -> IssuerKey:
    """A new active key; the previous one is retired: it still verifies what it signed, signs no more."""
    _check_signer(organisation)
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        now = timezone.now()
        old = list(
            IssuerKey.objects.select_for_update().filter(organisation=organisation, status=KeyStatus.ACTIVE)
        )
        for previous in old:
            before = _audit_view(previous)
            previous.status = KeyStatus.RETIRED
            previous.valid_until = now
            previous.save(update_fields=["status", "valid_until"])
            log_action("esign.key.retire", previous, actor=actor, before=before, after=_audit_view(previous))
        key = _new_key(organisation, now)
        log_action(
            "esign.key.rotate",
            key,
            actor=actor,
            after=_audit_view(key),
            data={"retired": [k.key_id for k in old]},
        )
    return key


def revoke_key(key: IssuerKey, *, actor: Any = None, reason: str) -> IssuerKey:
    """A compromised key: nothing signed after `revoked_at` verifies with it. The reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise field_error(
            key.key_id,
            "reason",
            "esign.key.reason_required",
            "吊销密钥必须说明原因",
            "A reason is required to revoke a key",
        )
    if len(reason) > 200:
        raise field_error(
            key.key_id, "reason", "esign.key.reason_too_long", "原因不能超过200字", "Reason exceeds 200 chars"
        )
    with transaction.atomic():
        locked = IssuerKey.objects.select_for_update().get(pk=key.pk)
        if locked.status == KeyStatus.REVOKED:
            raise Conflict("esign.key.already_revoked", "该密钥已吊销", "The key is already revoked")
        before = _audit_view(locked)
        now = timezone.now()
        locked.status = KeyStatus.REVOKED
        locked.revoked_at = now
        locked.revocation_reason = reason
        if locked.valid_until is None or locked.valid_until > now:
            locked.valid_until = now
        locked.save(update_fields=["status", "revoked_at", "revocation_reason", "valid_until"])
        log_action("esign.key.revoke", locked, actor=actor, before=before, after=_audit_view(locked))
    key.refresh_from_db()
    return key


def key_valid_for(key: IssuerKey, signed_at: datetime.datetime) -> bool:
    """Whether a signature made with `key` at `signed_at` may be accepted (R2.3).

    Active and retired keys verify what was signed inside their validity; a revoked key verifies only
    what was signed strictly before `revoked_at`.
    """
    if signed_at < key.valid_from:
        return False
    if key.status == KeyStatus.REVOKED:
        return key.revoked_at is not None and signed_at < key.revoked_at
    return key.valid_until is None or signed_at <= key.valid_until


def active_key(organisation: Organisation) -> IssuerKey:
    key = (
        IssuerKey.objects.filter(organisation=organisation, status=KeyStatus.ACTIVE)
        .order_by("-valid_from")
        .first()
    )
    if key is None:
        raise NotFound(
            "esign.key.missing",
            f"{organisation.code} 没有在用的签名密钥",
            f"{organisation.code} has no active signing key",
        )
    return key


def private_key(key: IssuerKey) -> bytes:
    """The decrypted private key — for signing only; never log or return it."""
    try:
        raw = decrypt_private_key(key.private_key_cipher, key.key_id)
    except Exception as exc:  # InvalidTag, bad base64: the wrong DATA_KEY or a damaged row
        raise SkillcertError(
            "esign.key.undecryptable",
            "无法解密签名私钥（数据密钥不匹配或数据损坏）",
            "The signing key cannot be decrypted (wrong data key or damaged row)",
            [],
            500,
        ) from exc
    return raw


def sign_with(organisation: Organisation, message: bytes) -> tuple[str, bytes]:
    """Sign with the organisation's active key: (key_id, 64-byte r||s)."""
    key = active_key(organisation)
    return key.key_id, sm2.sign(private_key(key), message)


def verify_with(key: IssuerKey, message: bytes, signature: bytes, signed_at: datetime.datetime) -> bool:
    """Signature check that also applies the key's validity and revocation (R2.3)."""
    return key_valid_for(key, signed_at) and sm2.verify(key.public_key_bytes, message, signature)


def find_key(key_id: str) -> IssuerKey:
    key = IssuerKey.objects.select_related("organisation").filter(key_id=key_id.strip().lower()).first()
    if key is None:
        raise NotFound("esign.key.not_found", f"密钥 {key_id} 不存在", f"No key {key_id}")
    return key


def signer_for(organisation: Organisation) -> Any:
    """An ``esign.ofd.signing.Signer`` over the organisation's active key (for sealing OFD files)."""
    from skillcert.esign.ofd.signing import Signer

    key = active_key(organisation)
    secret = private_key(key)
    return Signer(
        key_id=key.key_id,
        public_key=key.public_key_bytes,
        sign=lambda message: sm2.sign(secret, message),
        valid_from=key.valid_from,
    )
