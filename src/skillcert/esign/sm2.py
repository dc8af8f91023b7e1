"""SM2-with-SM3 signatures and SM3 digests for skillcert (R2.1, X2; design.md "SM2/SM3").

Production code uses gmalglib (C). The signer identity is always the GB/T 35276 default ID
``1234567812345678``; signatures travel as 64 raw bytes r||s (each big-endian, 32 bytes) and, where a
container requires it (GB/T 38540 SES_Signature, X.509), as DER ``SEQUENCE { INTEGER r, INTEGER s }``.
Never use gmssl (its nonce generation is insecure).
"""

from __future__ import annotations

from dataclasses import dataclass

from gmalglib.sm2 import SM2
from gmalglib.sm3 import SM3

SM2_USER_ID = b"1234567812345678"
PRIVATE_KEY_LENGTH = 32
PUBLIC_KEY_LENGTH = 65
SIGNATURE_LENGTH = 64
# Order n of the SM2 recommended curve (GB/T 32918.5).
_N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)


@dataclass(frozen=True)
class KeyPair:
    private_key: bytes  # 32 bytes, big-endian d
    public_key: bytes  # 65 bytes, 04 || X || Y

    def __repr__(self) -> str:  # never print the private key
        return f"KeyPair(public_key={self.public_key.hex()}, private_key=<hidden>)"


def sm3(data: bytes) -> bytes:
    """SM3 digest (32 bytes)."""
    return SM3(data).digest()


def generate_keypair() -> KeyPair:
    sk, pk = SM2(uid=SM2_USER_ID).generate_keypair()
    return KeyPair(private_key=bytes(sk), public_key=bytes(pk))


def public_key_of(private_key: bytes) -> bytes:
    _check_private_key(private_key)
    return bytes(SM2.get_pk(private_key))


def _check_private_key(private_key: bytes) -> None:
    if len(private_key) != PRIVATE_KEY_LENGTH or not SM2.is_sk_valid(private_key):
        raise ValueError("invalid SM2 private key")


def sign(private_key: bytes, message: bytes) -> bytes:
    """SM2 signature with SM3 over Z_A || M (ID 1234567812345678); returns r || s (64 bytes)."""
    _check_private_key(private_key)
    return bytes(SM2(sk=private_key, uid=SM2_USER_ID).sign(message))


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True only for a valid signature; any malformed input yields False, never an exception."""
    try:
        if not isinstance(public_key, bytes | bytearray) or not isinstance(signature, bytes | bytearray):
            return False
        if len(public_key) != PUBLIC_KEY_LENGTH or public_key[0] != 4 or len(signature) != SIGNATURE_LENGTH:
            return False
        if not SM2.is_pk_valid(bytes(public_key)):
            return False
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        if not (0 < r < _N and 0 < s < _N):
            return False
        return bool(SM2(pk=bytes(public_key), uid=SM2_USER_ID).verify(bytes(message), bytes(signature)))
    except Exception:
        return False


def key_id(public_key: bytes) -> str:
    """Stable short identifier of a public key: the first 16 hex characters of SM3(public key)."""
    return sm3(public_key).hex()[:16]


# --- DER encoding of (r, s) -------------------------------------------------------------------------


def _der_int(value: int) -> bytes:
    body = value.to_bytes((value.bit_length() + 8) // 8 or 1, "big")  # leading 0x00 when the top bit is set
    return b"\x02" + _der_len(len(body)) + body


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _read_tlv(data: bytes, pos: int, tag: int) -> tuple[bytes, int]:
    if pos + 2 > len(data) or data[pos] != tag:
        raise ValueError("unexpected DER tag")
    first = data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 2 or pos + count > len(data):
            raise ValueError("bad DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        if length < 0x80 or data[pos] == 0:
            raise ValueError("non-minimal DER length")
        pos += count
    end = pos + length
    if end > len(data):
        raise ValueError("truncated DER")
    return data[pos:end], end


def signature_to_der(sig64: bytes) -> bytes:
    """r||s (64 bytes) → DER SEQUENCE { INTEGER r, INTEGER s } (GM/T 0009)."""
    if len(sig64) != SIGNATURE_LENGTH:
        raise ValueError("SM2 signature must be 64 bytes")
    r = int.from_bytes(sig64[:32], "big")
    s = int.from_bytes(sig64[32:], "big")
    body = _der_int(r) + _der_int(s)
    return b"\x30" + _der_len(len(body)) + body


def signature_from_der(der: bytes) -> bytes:
    """DER SEQUENCE { INTEGER r, INTEGER s } → r||s (64 bytes). Strict: rejects non-canonical DER."""
    seq, end = _read_tlv(der, 0, 0x30)
    if end != len(der):
        raise ValueError("trailing bytes after DER signature")
    values = []
    pos = 0
    for _ in range(2):
        body, pos = _read_tlv(seq, pos, 0x02)
        if not body or body[0] & 0x80:
            raise ValueError("negative or empty INTEGER")
        if len(body) > 1 and body[0] == 0 and not body[1] & 0x80:
            raise ValueError("non-minimal INTEGER")
        value = int.from_bytes(body, "big")
        if not 0 < value < _N:
            raise ValueError("signature component out of range")
        values.append(value)
    if pos != len(seq):
        raise ValueError("trailing bytes inside DER signature")
    return values[0].to_bytes(32, "big") + values[1].to_bytes(32, "big")
