"""Protection of document numbers at rest (X7): AES-GCM encryption, keyed hash, masking."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_VERSION = "v1"


@lru_cache(maxsize=1)
def _keys() -> tuple[bytes, bytes]:
    master = base64.urlsafe_b64decode(settings.DATA_KEY)
    # Separate keys for encryption and for the look-up hash, derived from the one master key.
    enc = hmac.new(master, b"skillcert/document-encryption", hashlib.sha256).digest()
    idx = hmac.new(master, b"skillcert/document-index", hashlib.sha256).digest()
    return enc, idx


def encrypt(plain: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_keys()[0]).encrypt(nonce, plain.encode(), _VERSION.encode())
    return f"{_VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    version, _, body = token.partition(":")
    if version != _VERSION:
        raise ValueError("unknown document cipher version")
    raw = base64.urlsafe_b64decode(body)
    return AESGCM(_keys()[0]).decrypt(raw[:12], raw[12:], _VERSION.encode()).decode()


def document_hash(document_type: str, number: str) -> str:
    return hmac.new(_keys()[1], f"{document_type}:{number}".encode(), hashlib.sha256).hexdigest()


def mask(number: str) -> str:
    """Keep the first 3 and the last 4 characters: 110**********1234 (the usual public masking)."""
    if len(number) <= 7:
        return number[:1] + "*" * (len(number) - 1)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
