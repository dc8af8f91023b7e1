"""SM2/SM3 wrapper cross-checked against an independent implementation (R2.1, X2; issue 5 checks).

gmalglib (C) signs in production; gmalg (pure Python) must accept its signatures and vice versa, and
gmalg itself must reproduce the published GB/T 32918.2 Annex A signature example.
"""

from __future__ import annotations

import gmalg
import gmalg.ellipticcurve as ec
import pytest
from gmalg.sm2 import SM2Core
from gmalg.sm2 import _ecdlp as SM2_RECOMMENDED_CURVE
from gmalg.sm3 import SM3 as PySM3

from skillcert.esign import sm2

MESSAGE = "证书编号 S000000000001 / certificate data".encode()


def _gmalg(sk: bytes | None = None, pk: bytes | None = None) -> gmalg.SM2:
    return gmalg.SM2(sk=sk, pk=pk, uid=sm2.SM2_USER_ID)


def test_sm3_standard_vectors() -> None:
    # GB/T 32905 Annex A examples 1 and 2.
    assert sm2.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm2.sm3(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    assert sm2.sm3(MESSAGE) == _py_sm3(MESSAGE)


def _py_sm3(data: bytes) -> bytes:
    h = PySM3()
    h.update(data)
    return h.value()


def test_keypair_shape_and_key_id() -> None:
    kp = sm2.generate_keypair()
    assert len(kp.private_key) == 32
    assert len(kp.public_key) == 65 and kp.public_key[0] == 4
    assert _gmalg(sk=kp.private_key).generate_pk(kp.private_key) == kp.public_key
    assert sm2.key_id(kp.public_key) == _py_sm3(kp.public_key).hex()[:16]
    assert kp.private_key.hex() not in repr(kp)


def test_gmalglib_signature_verifies_with_gmalg() -> None:
    for _ in range(5):
        kp = sm2.generate_keypair()
        sig = sm2.sign(kp.private_key, MESSAGE)
        assert len(sig) == 64
        assert sm2.verify(kp.public_key, MESSAGE, sig)
        assert _gmalg(pk=kp.public_key).verify(MESSAGE, sig[:32], sig[32:])
        assert not _gmalg(pk=kp.public_key).verify(MESSAGE + b"x", sig[:32], sig[32:])


def test_gmalg_signature_verifies_with_gmalglib() -> None:
    for _ in range(5):
        sk, pk = _gmalg().generate_keypair()
        r, s = _gmalg(sk=sk).sign(MESSAGE)
        sig = r.rjust(32, b"\0") + s.rjust(32, b"\0")
        assert sm2.verify(pk, MESSAGE, sig)
        assert not sm2.verify(pk, MESSAGE[:-1], sig)


def test_id_is_1234567812345678() -> None:
    """A signature made with another ID (e.g. the empty or the ALICE ID) must not verify."""
    sk, pk = _gmalg().generate_keypair()
    r, s = gmalg.SM2(sk=sk, uid=b"ALICE123@YAHOO.COM").sign(MESSAGE)
    assert not sm2.verify(pk, MESSAGE, r.rjust(32, b"\0") + s.rjust(32, b"\0"))


def test_gmalg_reproduces_gbt32918_annex_a_example() -> None:
    """GB/T 32918.2-2016 Annex A.2 (Fp-256 example curve, ID ALICE123@YAHOO.COM, "message digest")."""
    curve = ec.ECDLP(
        0x8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3,
        0x787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498,
        0x63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A,
        (
            0x421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D,
            0x0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2,
        ),
        0x8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7,
    )
    k = 0x6CB28D99385C175C94F94E934817663FC176D925DD72B727260DBAAE1FB2F96F
    core = SM2Core(curve, PySM3(), lambda _bits: k)
    d = 0x128B2FA8BD433C6C068C8D803DFF79792A519A55171B1B650C23661D15897263
    r, s = core.sign(b"message digest", d, b"ALICE123@YAHOO.COM")
    assert r == 0x40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1
    assert s == 0x6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7


def test_fixed_key_on_recommended_curve_agrees() -> None:
    """Deterministic signature by gmalg (fixed k) on the recommended curve verifies with gmalglib."""
    d = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
    pk = sm2.public_key_of(d)
    assert pk.hex().upper().startswith("0409F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020")
    k = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
    core = SM2Core(SM2_RECOMMENDED_CURVE, PySM3(), lambda _bits: k)
    r, s = core.sign(MESSAGE, int.from_bytes(d, "big"), sm2.SM2_USER_ID)
    assert sm2.verify(pk, MESSAGE, r.to_bytes(32, "big") + s.to_bytes(32, "big"))


@pytest.mark.parametrize(
    "public_key, signature",
    [
        (b"", b""),
        (b"\x04" + b"\0" * 64, b"\1" * 64),
        (None, b"\1" * 64),
        ("text", "text"),
        (b"\x04" + b"\xff" * 64, b"\1" * 64),
        (b"\x02" + b"\1" * 32, b"\1" * 64),
    ],
)
def test_verify_never_raises(public_key: object, signature: object) -> None:
    assert sm2.verify(public_key, MESSAGE, signature) is False  # type: ignore[arg-type]


def test_verify_rejects_out_of_range_and_tampered() -> None:
    kp = sm2.generate_keypair()
    sig = sm2.sign(kp.private_key, MESSAGE)
    assert not sm2.verify(kp.public_key, MESSAGE, b"\0" * 64)
    assert not sm2.verify(kp.public_key, MESSAGE, b"\xff" * 64)
    assert not sm2.verify(kp.public_key, MESSAGE, sig[:63])
    flipped = bytes([sig[0] ^ 1]) + sig[1:]
    assert not sm2.verify(kp.public_key, MESSAGE, flipped)
    other = sm2.generate_keypair()
    assert not sm2.verify(other.public_key, MESSAGE, sig)


def test_sign_rejects_bad_private_key() -> None:
    with pytest.raises(ValueError):
        sm2.sign(b"\0" * 32, MESSAGE)
    with pytest.raises(ValueError):
        sm2.sign(b"\1" * 31, MESSAGE)


def test_der_round_trip_and_strictness() -> None:
    for _ in range(20):
        kp = sm2.generate_keypair()
        sig = sm2.sign(kp.private_key, MESSAGE)
        der = sm2.signature_to_der(sig)
        assert der[0] == 0x30 and len(der) <= 72
        assert sm2.signature_from_der(der) == sig
    small = (1).to_bytes(32, "big") + (0x80).to_bytes(32, "big")
    assert sm2.signature_to_der(small) == bytes.fromhex("3007020101020200 80".replace(" ", ""))
    assert sm2.signature_from_der(sm2.signature_to_der(small)) == small
    bad = [
        b"",
        b"\x30\x00",
        bytes.fromhex("3008020101020200 80 00".replace(" ", "")),  # trailing byte inside
        bytes.fromhex("300702010102020080") + b"\0",  # trailing byte outside
        bytes.fromhex("30080202000102020080"),  # non-minimal INTEGER
        bytes.fromhex("3006020101020180"),  # negative INTEGER
        bytes.fromhex("3006020100020101"),  # r = 0
    ]
    for der in bad:
        with pytest.raises(ValueError):
            sm2.signature_from_der(der)
