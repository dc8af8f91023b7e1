"""C2SP signed-note, tlog-checkpoint and tlog-cosignature (v1, Ed25519) — and our SM2 line (issue 19).

A note is text ending in a newline, a blank line, then signature lines ``— <name> base64(keyid||sig)``.
Key ids are ``SHA-256(name || 0x0A || type || public key)[:4]``:

* ``0x01`` Ed25519 over the note text (the log's checkpoint signature);
* ``0x04`` timestamped Ed25519 cosignature: the signature is ``u64 timestamp || Ed25519 signature`` over
  ``"cosignature/v1\\ntime <timestamp>\\n" || note text`` (witnesses, and the log's own clock key);
* ``0xFF || "skillcert/sm2-sm3@v1"`` — an SM2-with-SM3 signature (signer ID 1234567812345678) over the
  note text, 64 bytes r||s, for verifiers who need a Chinese national algorithm. ``0xFF`` is the byte
  signed-note reserves for types it did not assign, followed by a longer identifier (docs/formats/
  transparency-log.md §4). Verifiers that do not know the type ignore the line, as the spec requires.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from skillcert.esign import sm2
from skillcert.transparency.merkle import EMPTY_ROOT, HASH_SIZE

ED25519 = b"\x01"
COSIGNATURE_V1 = b"\x04"
SM2_SM3 = b"\xff" + b"skillcert/sm2-sm3@v1"
ALGORITHMS = {ED25519: "ed25519", COSIGNATURE_V1: "ed25519-cosignature-v1", SM2_SM3: "sm2-sm3"}
DASH = "\u2014"
MAX_SIGNATURES = 64
MAX_NOTE = 1 << 20


class NoteError(ValueError):
    pass


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteError("bad base64") from None


def check_name(name: str) -> str:
    if not name or any(ch.isspace() or ch == "+" for ch in name):
        raise NoteError("a key name must be non-empty, without spaces or '+'")
    return name


def key_id(name: str, sig_type: bytes, public_key: bytes) -> bytes:
    """The 4-byte key id of signed-note: SHA-256(name || "\\n" || type || public key)[:4]."""
    return hashlib.sha256(check_name(name).encode() + b"\n" + sig_type + public_key).digest()[:4]


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes  # 4 bytes
    body: bytes  # the signature after the key id

    @property
    def line(self) -> str:
        return f"{DASH} {self.name} {b64(self.key_id + self.body)}\n"


@dataclass(frozen=True)
class Note:
    text: str  # ends in "\n"
    signatures: tuple[Signature, ...]

    def render(self) -> str:
        return self.text + "\n" + "".join(s.line for s in self.signatures)


def parse_note(data: str | bytes) -> Note:
    """Split a signed note into its text and signature lines (not yet verified)."""
    if isinstance(data, bytes):
        if len(data) > MAX_NOTE:
            raise NoteError("note too large")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("a note must be UTF-8") from None
    if any(ord(ch) < 0x20 and ch != "\n" for ch in data):
        raise NoteError("a note must not contain control characters")
    split = data.rfind("\n\n")
    if split < 0 or not data.endswith("\n"):
        raise NoteError("a note needs a text, a blank line and signatures")
    text = data[: split + 1]
    signatures = []
    for line in data[split + 2 :].split("\n")[:-1]:
        prefix = DASH + " "
        if not line.startswith(prefix):
            raise NoteError("malformed signature line")
        name, sep, encoded = line[len(prefix) :].partition(" ")
        if not sep or " " in encoded:
            raise NoteError("malformed signature line")
        check_name(name)
        raw = unb64(encoded)
        if len(raw) < 5:
            raise NoteError("signature too short")
        signatures.append(Signature(name, raw[:4], raw[4:]))
    if not signatures or len(signatures) > MAX_SIGNATURES:
        raise NoteError("a note needs 1 to 64 signatures")
    return Note(text, tuple(signatures))


# --- verifiers ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verifier:
    """A trusted key: name, signature type and public key (Ed25519 32 bytes; SM2 65 bytes)."""

    name: str
    sig_type: bytes
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.sig_type, self.public_key)

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{b64(self.sig_type + self.public_key)}"

    @property
    def algorithm(self) -> str:
        return ALGORITHMS[self.sig_type]

    def matches(self, sig: Signature) -> bool:
        return sig.name == self.name and sig.key_id == self.key_id

    def verify(self, text: str, sig: Signature) -> bool:
        """Whether ``sig`` (already matched by name and key id) signs ``text``."""
        message = text.encode("utf-8")
        if self.sig_type == ED25519:
            return _ed25519_ok(self.public_key, sig.body, message)
        if self.sig_type == COSIGNATURE_V1:
            if len(sig.body) != 8 + 64:
                return False
            timestamp = int.from_bytes(sig.body[:8], "big")
            return timestamp < 1 << 63 and _ed25519_ok(
                self.public_key, sig.body[8:], cosignature_message(text, timestamp)
            )
        if self.sig_type == SM2_SM3:
            return sm2.verify(self.public_key, message, sig.body)
        return False


def _ed25519_ok(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def parse_vkey(vkey: str) -> Verifier:
    """A verifier from its vkey text ``name+hex(keyid)+base64(type || public key)``."""
    name, sep1, rest = vkey.strip().partition("+")
    hex_id, sep2, encoded = rest.partition("+")
    if not sep1 or not sep2:
        raise NoteError("a vkey has three parts separated by '+'")
    raw = unb64(encoded)
    for sig_type, length in ((SM2_SM3, sm2.PUBLIC_KEY_LENGTH), (ED25519, 32), (COSIGNATURE_V1, 32)):
        if raw.startswith(sig_type) and len(raw) == len(sig_type) + length:
            verifier = Verifier(check_name(name), sig_type, raw[len(sig_type) :])
            break
    else:
        raise NoteError("unknown vkey algorithm or key length")
    if verifier.key_id.hex() != hex_id:
        raise NoteError("the vkey's key id does not match its key")
    return verifier


def cosignature_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode("utf-8")


def cosignature_time(sig: Signature) -> int:
    if len(sig.body) != 8 + 64:
        raise NoteError("not a cosignature/v1 signature")
    return int.from_bytes(sig.body[:8], "big")


def verified(note: Note, verifiers: Iterable[Verifier]) -> list[tuple[Verifier, Signature]]:
    """The (verifier, signature) pairs of known keys that verify. A known key whose signature fails
    makes the whole note invalid (signed-note: "clients SHOULD reject the whole note")."""
    known = list(verifiers)
    good = []
    for sig in note.signatures:
        for verifier in known:
            if verifier.matches(sig):
                if not verifier.verify(note.text, sig):
                    raise NoteError(f"the signature by {sig.name} does not verify")
                good.append((verifier, sig))
    return good


# --- signers ------------------------------------------------------------------------------------------


def ed25519_public(private_key: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private_key).public_key().public_bytes_raw()


def sign(
    text: str, name: str, sig_type: bytes, private_key: bytes, *, timestamp: int | None = None
) -> Signature:
    """A signature line over ``text`` with a raw private key (Ed25519 32-byte seed, SM2 32 bytes)."""
    if sig_type == SM2_SM3:
        public = sm2.public_key_of(private_key)
        body = sm2.sign(private_key, text.encode("utf-8"))
    else:
        signer = Ed25519PrivateKey.from_private_bytes(private_key)
        public = signer.public_key().public_bytes_raw()
        if sig_type == ED25519:
            body = signer.sign(text.encode("utf-8"))
        elif sig_type == COSIGNATURE_V1:
            if timestamp is None or not 0 <= timestamp < 1 << 63:
                raise NoteError("a cosignature needs a timestamp")
            body = timestamp.to_bytes(8, "big") + signer.sign(cosignature_message(text, timestamp))
        else:
            raise NoteError("unknown signature type")
    return Signature(name, key_id(name, sig_type, public), body)


# --- checkpoints --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        lines = [self.origin, str(self.size), b64(self.root), *self.extensions]
        return "\n".join(lines) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """The checkpoint of a note text (tlog-checkpoint): origin, size, base64 root, extension lines."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or any(line == "" for line in lines[:-1]):
        raise NoteError("a checkpoint has at least three non-empty lines")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not size_text.isascii() or not size_text.isdigit() or (size_text != "0" and size_text[0] == "0"):
        raise NoteError("bad tree size")
    root = unb64(root_text)
    if len(root) != HASH_SIZE or b64(root) != root_text:
        raise NoteError("bad root hash")
    size = int(size_text)
    if size == 0 and root != EMPTY_ROOT:
        raise NoteError("an empty tree has the hash of the empty string")
    return Checkpoint(origin, size, root, tuple(lines[3:-1]))


def open_checkpoint(
    data: str | bytes, origin: str, log_verifiers: Sequence[Verifier]
) -> tuple[Checkpoint, Note, list[tuple[Verifier, Signature]]]:
    """Parse and authenticate a checkpoint: the origin must be ``origin`` and a log key must sign it.
    Returns the checkpoint, the note and every verified signature (log keys and given witnesses)."""
    note = parse_note(data)
    checkpoint = parse_checkpoint(note.text)
    if checkpoint.origin != origin:
        raise NoteError(f"the checkpoint is for {checkpoint.origin!r}, not {origin!r}")
    good = verified(note, log_verifiers)
    if not any(v.sig_type in (ED25519, SM2_SM3) for v, _ in good):
        raise NoteError("no trusted log signature on the checkpoint")
    return checkpoint, note, good
