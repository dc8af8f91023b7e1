"""W3C Verifiable Credentials 2.0 with a Data Integrity proof, cryptosuite ``eddsa-jcs-2022`` (R2.6).

Pure functions, no Django: JSON Canonicalization Scheme (RFC 8785), base58btc multibase, and the proof
algorithm of *Data Integrity EdDSA Cryptosuites v1.0* §3.3 (eddsa-jcs-2022):

- proof configuration = the proof object without ``proofValue``, with the document's ``@context``;
- hash data = SHA-256(JCS(proof configuration)) || SHA-256(JCS(document without ``proof``));
- ``proofValue`` = multibase base58btc (``z`` + base58) of the Ed25519 signature over the hash data.

JCS here covers what credentials contain: objects, arrays, strings, booleans, null and integers (and
finite floats, serialised as ECMAScript does for the values that appear — integral floats as integers,
others by ``repr``; a float that ECMAScript would print differently is refused rather than guessed).
Keys are sorted by their UTF-16 code units; strings are escaped as RFC 8785 §3.2.2.2 prescribes, which is
exactly ``json.dumps(..., ensure_ascii=False)`` (only ``"``, ``\\`` and C0 controls are escaped, with
``\\b \\t \\n \\f \\r`` short forms and lower-case ``\\u00xx`` otherwise).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

CONTEXT_V2: Final = "https://www.w3.org/ns/credentials/v2"
CRYPTOSUITE: Final = "eddsa-jcs-2022"
_B58: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PUB_MULTICODEC: Final = b"\xed\x01"


class CanonicalisationError(ValueError):
    pass


def _number(value: int | float) -> str:
    if isinstance(value, bool):
        raise CanonicalisationError("bool is not a number")
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise CanonicalisationError("integer outside IEEE 754 double precision")
        return str(value)
    if not math.isfinite(value):
        raise CanonicalisationError("NaN and infinities have no JSON form")
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text or "E" in text:
        raise CanonicalisationError(f"float {text} needs ECMAScript exponent formatting")
    return text


def jcs(value: Any) -> bytes:
    """RFC 8785 canonical UTF-8 bytes of a JSON value."""
    return _jcs(value).encode("utf-8")


def _jcs(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(_jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise CanonicalisationError("object keys must be strings")
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_jcs(value[k])}" for k in keys) + "}"
    raise CanonicalisationError(f"{type(value).__name__} is not a JSON value")


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, rem = divmod(n, 58)
        out.append(_B58[rem])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        index = _B58.find(ch)
        if index < 0:
            raise ValueError(f"not base58: {ch!r}")
        n = n * 58 + index
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + body


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    """Multikey form of an Ed25519 public key: ``z`` + base58btc(0xed 0x01 || 32 bytes)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + b58encode(_ED25519_PUB_MULTICODEC + raw)


def public_key_from_multibase(text: str) -> Ed25519PublicKey:
    if not text.startswith("z"):
        raise ValueError("only base58btc multibase (z…) is supported")
    raw = b58decode(text[1:])
    if raw[:2] != _ED25519_PUB_MULTICODEC or len(raw) != 34:
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def _hash_data(document: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    return hashlib.sha256(jcs(proof_config)).digest() + hashlib.sha256(jcs(document)).digest()


def add_proof(
    credential: dict[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    verification_method: str,
    created: str,
    proof_purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """A copy of the credential with a DataIntegrityProof (eddsa-jcs-2022) added."""
    document = copy.deepcopy(credential)
    document.pop("proof", None)
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    config = {**proof, "@context": document["@context"]}
    signature = private_key.sign(_hash_data(document, config))
    proof["proofValue"] = "z" + b58encode(signature)
    return {**document, "proof": proof}


def verify_proof(secured: dict[str, Any], public_key: Ed25519PublicKey) -> bool:
    """True only if the credential carries an eddsa-jcs-2022 proof that verifies under the key; any
    change to the credential or the proof options makes it False (never an exception)."""
    try:
        document = copy.deepcopy(secured)
        proof = document.pop("proof")
        if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
            return False
        proof_value = proof.pop("proofValue")
        if not isinstance(proof_value, str) or not proof_value.startswith("z"):
            return False
        if "@context" in proof and proof["@context"] != document.get("@context"):
            return False
        config = {**proof, "@context": document["@context"]}
        public_key.verify(b58decode(proof_value[1:]), _hash_data(document, config))
        return True
    except (InvalidSignature, KeyError, TypeError, ValueError, AttributeError):
        return False
