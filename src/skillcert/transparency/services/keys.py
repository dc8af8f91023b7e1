"""The log's own keys (issue 19 item 2; X2): generated once, stored like the issuer keys.

Three keys, all created with the log (``ensure_keys``): the Ed25519 checkpoint key (key name = the
origin, signed-note type 0x01), the SM2-with-SM3 checkpoint key (name ``<origin>/sm2``, type
0xFF "skillcert/sm2-sm3@v1") and the Ed25519 clock key (name ``<origin>/clock``, cosignature/v1 type
0x04) with which the log timestamps its own checkpoints. Private halves are AES-GCM ciphertext under a
key derived from settings.DATA_KEY with the label "skillcert/tlog-key-encryption" (the esign pattern,
its own label); the purpose and key id are the associated data, so a ciphertext cannot be moved.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.core.errors import SkillcertError
from skillcert.esign import sm2
from skillcert.transparency import note
from skillcert.transparency.models import LogKey

_VERSION = "v1"
_LABEL = b"skillcert/tlog-key-encryption"
Purpose = LogKey.Purpose
_TYPES = {
    Purpose.CHECKPOINT: note.ED25519,
    Purpose.CHECKPOINT_SM2: note.SM2_SM3,
    Purpose.CLOCK: note.COSIGNATURE_V1,
}
_SUFFIX = {Purpose.CHECKPOINT: "", Purpose.CHECKPOINT_SM2: "/sm2", Purpose.CLOCK: "/clock"}


def _kek() -> bytes:
    return hmac.new(base64.urlsafe_b64decode(settings.DATA_KEY), _LABEL, hashlib.sha256).digest()


def _aad(purpose: str, kid: str) -> bytes:
    return f"{_VERSION}:{purpose}:{kid}".encode()


def _encrypt(secret: bytes, purpose: str, kid: str) -> str:
    nonce = os.urandom(12)
    return (
        f"{_VERSION}:"
        + base64.urlsafe_b64encode(nonce + AESGCM(_kek()).encrypt(nonce, secret, _aad(purpose, kid))).decode()
    )


def private_key(key: LogKey) -> bytes:
    """The decrypted private key, for signing only; never log or return it."""
    version, _, body = key.private_key_cipher.partition(":")
    try:
        if version != _VERSION:
            raise ValueError("unknown cipher version")
        raw = base64.urlsafe_b64decode(body)
        return AESGCM(_kek()).decrypt(raw[:12], raw[12:], _aad(key.purpose, key.key_id))
    except Exception as exc:  # InvalidTag, bad base64: the wrong DATA_KEY or a damaged row
        raise SkillcertError(
            "transparency.key.undecryptable",
            "无法解密透明日志签名私钥（数据密钥不匹配或数据损坏）",
            "The transparency log's signing key cannot be decrypted (wrong data key or damaged row)",
            [],
            500,
        ) from exc


def verifier(key: LogKey) -> note.Verifier:
    return note.Verifier(key.name, _TYPES[Purpose(key.purpose)], bytes.fromhex(key.public_key))


def ensure_keys(origin: str) -> dict[str, LogKey]:
    """The log's keys by purpose, creating the missing ones (inside the caller's transaction, which
    holds the log-state row lock, so two processes never both create them)."""
    keys = {k.purpose: k for k in LogKey.objects.all()}
    for purpose, sig_type in _TYPES.items():
        if purpose in keys:
            continue
        name = origin + _SUFFIX[purpose]
        if sig_type == note.SM2_SM3:
            pair = sm2.generate_keypair()
            secret, public = pair.private_key, pair.public_key
        else:
            secret = os.urandom(32)
            public = note.ed25519_public(secret)
        kid = note.key_id(name, sig_type, public).hex()
        key = LogKey.objects.create(
            purpose=purpose,
            name=name,
            algorithm=note.ALGORITHMS[sig_type],
            key_id=kid,
            public_key=public.hex(),
            private_key_cipher=_encrypt(secret, purpose, kid),
            created_at=timezone.now(),
        )
        log_action(
            "transparency.key.create",
            key,
            data={"purpose": purpose, "name": name, "key_id": kid, "public_key": key.public_key},
        )
        keys[purpose] = key
    return keys


def log_verifiers() -> list[note.Verifier]:
    return [verifier(k) for k in LogKey.objects.order_by("purpose")]
