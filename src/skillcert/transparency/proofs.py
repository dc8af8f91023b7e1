"""The proof file (C2SP tlog-proof@v1) a holder downloads beside the e-certificate (issue 19 item 3).

::

    c2sp.org/tlog-proof@v1
    extra <base64 of the entry bytes>
    index <leaf index>
    <base64 proof hash, leaf's sibling first>
    ...
    <blank line>
    <the checkpoint note, verbatim, with the log's signatures and witness cosignatures>

The ``extra`` line carries the exact entry (docs/formats/transparency-log.md §2), so a verifier can
recompute the leaf hash and compare the entry's record hash with the record in the e-certificate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from skillcert.transparency import note

HEADER = "c2sp.org/tlog-proof@v1"


@dataclass(frozen=True)
class Proof:
    index: int
    hashes: tuple[bytes, ...]
    checkpoint: str  # the signed note
    extra: bytes | None = None

    def render(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append(f"extra {note.b64(self.extra)}")
        lines.append(f"index {self.index}")
        lines += [note.b64(h) for h in self.hashes]
        return "\n".join(lines) + "\n\n" + self.checkpoint


def make_proof(index: int, hashes: Sequence[bytes], checkpoint: str, extra: bytes | None) -> str:
    return Proof(index, tuple(hashes), checkpoint, extra).render()


def parse_proof(text: str) -> Proof:
    head, sep, checkpoint = text.partition("\n\n")
    if not sep:
        raise ValueError("a tlog proof has a blank line before the checkpoint")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise ValueError("not a c2sp.org/tlog-proof@v1 file")
    pos = 1
    extra = None
    if pos < len(lines) and lines[pos].startswith("extra "):
        extra = note.unb64(lines[pos][len("extra ") :])
        pos += 1
    if pos >= len(lines) or not lines[pos].startswith("index "):
        raise ValueError("the proof has no index line")
    index_text = lines[pos][len("index ") :]
    if not index_text.isdigit() or (index_text != "0" and index_text[0] == "0"):
        raise ValueError("bad index")
    hashes = []
    for line in lines[pos + 1 :]:
        value = note.unb64(line)
        if len(value) != 32:
            raise ValueError("a proof hash is not 32 bytes")
        hashes.append(value)
    if len(hashes) > 63:
        raise ValueError("too many proof hashes")
    return Proof(int(index_text), tuple(hashes), checkpoint, extra)
