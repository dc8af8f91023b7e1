"""Signed notes, checkpoints and cosignatures against the published examples (issue 19 item 2)."""

from __future__ import annotations

import base64

import pytest

from skillcert.esign import sm2
from skillcert.transparency import entry, note

# golang.org/x/mod/sumdb/note example_test.go: the key "PeterNeumann" and the note it signs.
GO_SKEY_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
GO_SIGNATURE = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXg"
    "KvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
# c2sp.org/signed-note's example.
C2SP_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
C2SP_NOTE = (
    "This is an example message.\n\n"
    "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3m"
    "FXmRKuwHjG1Yu72IneyaQM=\n"
)


def test_go_vector_signing_is_byte_exact() -> None:
    verifier = note.parse_vkey(GO_VKEY)
    assert verifier.public_key == note.ed25519_public(GO_SKEY_SEED)
    sig = note.sign(GO_TEXT, "PeterNeumann", note.ED25519, GO_SKEY_SEED)
    assert sig.line == GO_SIGNATURE
    parsed = note.parse_note(GO_TEXT + "\n" + GO_SIGNATURE)
    assert note.verified(parsed, [verifier]) == [(verifier, parsed.signatures[0])]


def test_c2sp_example_verifies_and_tampering_fails() -> None:
    verifier = note.parse_vkey(C2SP_VKEY)
    parsed = note.parse_note(C2SP_NOTE)
    assert len(note.verified(parsed, [verifier])) == 1
    with pytest.raises(note.NoteError):
        note.verified(note.parse_note(C2SP_NOTE.replace("example message", "exampel message")), [verifier])
    # an unknown key is ignored, not an error
    other = note.parse_vkey(GO_VKEY)
    assert note.verified(parsed, [other]) == []


def test_vkeys_refuse_manglings() -> None:
    for bad in (
        GO_VKEY[:-1],
        GO_VKEY.replace("c74f20a3", "c74f20a4"),
        "PeterNeumann+c74f20a3",
        "a b+00+AA==",
    ):
        with pytest.raises(note.NoteError):
            note.parse_vkey(bad)


def test_sm2_line_has_its_own_type_and_verifies() -> None:
    pair = sm2.generate_keypair()
    text = "example.com/log\n1\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n"
    sig = note.sign(text, "example.com/log/sm2", note.SM2_SM3, pair.private_key)
    verifier = note.Verifier("example.com/log/sm2", note.SM2_SM3, pair.public_key)
    assert sig.key_id == verifier.key_id and len(sig.body) == 64
    assert note.parse_vkey(verifier.vkey) == verifier
    parsed = note.parse_note(text + "\n" + sig.line)
    assert note.verified(parsed, [verifier])
    # an Ed25519 key of the same name has a different key id: the type byte separates them
    assert note.key_id("example.com/log/sm2", note.ED25519, pair.public_key[:32]) != sig.key_id


def test_cosignature_v1_message_and_timestamp() -> None:
    seed = bytes(range(32))
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert note.cosignature_message(text, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
        b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )
    sig = note.sign(text, "witness.example/w1", note.COSIGNATURE_V1, seed, timestamp=1679315147)
    verifier = note.Verifier("witness.example/w1", note.COSIGNATURE_V1, note.ed25519_public(seed))
    assert note.cosignature_time(sig) == 1679315147
    assert verifier.verify(text, sig)
    forged = note.Signature(sig.name, sig.key_id, (1679315148).to_bytes(8, "big") + sig.body[8:])
    assert not verifier.verify(text, forged)


def test_checkpoint_format() -> None:
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    cp = note.parse_checkpoint(text)
    assert (cp.origin, cp.size, cp.text) == ("example.com/behind-the-sofa", 20852163, text)
    for bad in (
        "o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "o\n1\nAAAA\n",
        "o\n1\n",
        "o\n-1\nx\n",
        "o\n0\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
    ):
        with pytest.raises(note.NoteError):
            note.parse_checkpoint(bad)


def test_entry_is_canonical_and_strict() -> None:
    e = entry.Entry("1632000000512345", "issued", 1, "ab" * 32, "0123456789abcdef", 7)
    data = e.encode()
    assert data == (
        b'{"certificate":"1632000000512345","event":"issued","key_id":"0123456789abcdef",'
        b'"record_sm3":"' + b"ab" * 32 + b'","release":7,"v":1,"version":1}'
    )
    assert entry.parse_entry(data) == e
    for bad in (
        data.replace(b",", b", ", 1),
        data.replace(b'"v":1', b'"v":2'),
        data[:-1],
        data.replace(b'"release":7', b'"release":"7"'),
    ):
        with pytest.raises(entry.EntryError):
            entry.parse_entry(bad)
    with pytest.raises(entry.EntryError):
        entry.Entry("1632", "deleted", 1, "ab" * 32, "", 7)


def test_the_worked_example_of_the_format_doc() -> None:
    """docs/formats/transparency-log.md §2: the entry bytes and their leaf hash."""
    from skillcert.transparency import merkle

    e = entry.Entry(
        "2610012003400001",
        "issued",
        1,
        "9b2e6f0c4a1d8e3b7f5a2c6d9e0b1f4a8c3d7e2b5f9a0c6d1e4b8f2a7c5d3e9b",
        "3f1c0a9e5b7d2c44",
        12,
    ).encode()
    assert len(e) == 190
    assert merkle.leaf_hash(e).hex() == "bc7b84b103d475b19aaa8786056c6c2f9107b81c7d58f8693fe5bb21df9b7fea"
