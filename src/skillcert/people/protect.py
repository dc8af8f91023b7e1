"""Protection of document numbers at rest (X7): AES-GCM encryption, keyed hash, masking."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_VERSION = "v1"


@lru_cache(maxsize=1)
def _keys() -> tuple[bytes, bytes]:
    master = base64.urlsafe_b64decode(settings.DATA_KEY)
    # Separate keys for encryption and for the look-up hash, derived from the one master key.
    enc = hmac.new(master, b"skillcert/document-encryption", hashlib.sha256).digest()
    idx = hmac.new(master, b"skillcert/document-index", hashlib.sha256).digest()
    return enc, idx


@lru_cache(maxsize=32)
def _derive(data_key: str, purpose: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"skillcert/{purpose}".encode())
    return hkdf.derive(base64.urlsafe_b64decode(data_key))


def derived_key(purpose: str) -> bytes:
    """A 32-byte key for one purpose (the HMAC of holder codes, inquiry codes and phone numbers), from the
    data key by HKDF-SHA256 with the purpose as its label: one key per purpose, and none depends on
    SECRET_KEY, so rotating that breaks nothing that was issued (issue 13 item 11)."""
    return _derive(settings.DATA_KEY, purpose)


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


# --- the same, for a million rows (exchange import): set up once, then called per row ---------------


def bulk_encryptor() -> Callable[[str], str]:
    """`encrypt` with the AES-GCM object built once rather than per row: the same key, nonce size,
    associated data and text form (a test decrypts its output with `decrypt`)."""
    seal, urandom, b64 = AESGCM(_keys()[0]).encrypt, os.urandom, base64.urlsafe_b64encode
    version, prefix = _VERSION.encode(), f"{_VERSION}:"

    def encrypt_one(plain: str) -> str:
        nonce = urandom(12)
        return prefix + b64(nonce + seal(nonce, plain.encode(), version)).decode()

    return encrypt_one


def bulk_document_hasher() -> Callable[[str, str], str]:
    """`document_hash` with the HMAC-SHA256 pads hashed once (RFC 2104), not per row; a test keeps it
    equal to `document_hash`."""
    key = _keys()[1].ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def digest(document_type: str, number: str) -> str:
        i = inner.copy()
        i.update(f"{document_type}:{number}".encode())
        o = outer.copy()
        o.update(i.digest())
        return o.hexdigest()

    return digest


def mask(number: str) -> str:
    """Keep the first 3 and the last 4 characters: 110**********1234 (the usual public masking)."""
    if len(number) <= 7:
        return number[:1] + "*" * (len(number) - 1)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
