"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification (issue 19; X2).

Pure functions, no database: the server (``services``), the witness and the monitor (``client``) and
the offline verifiers all use this one module, and the tests check it against the published RFC 6962
vectors and an independent, naive implementation.

* leaf hash ``SHA-256(0x00 || entry)``, interior node ``SHA-256(0x01 || left || right)``, the empty
  tree ``SHA-256("")`` (RFC 6962 §2.1);
* proofs are generated from a :class:`HashReader` that answers the hash of any *full, aligned* subtree
  (height ``h``, index ``i`` = leaves ``[i·2^h, (i+1)·2^h)``) — an in-memory list here, the stored
  tiles in ``tiles.TileHashReader``;
* verification follows the iterative algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_sha256 = hashlib.sha256


class ProofError(ValueError):
    """A proof that cannot be made (bad sizes) or does not verify."""


def leaf_hash(entry: bytes) -> bytes:
    return _sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def _largest_power_below(n: int) -> int:
    """The largest power of two strictly smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class HashReader(Protocol):
    def subtree_hash(self, height: int, index: int) -> bytes:
        """MTH of leaves [index·2^height, (index+1)·2^height) — always a full subtree."""
        ...


def range_hash(reader: HashReader, start: int, end: int) -> bytes:
    """MTH(D[start:end]) for the ranges RFC 6962's recursion produces (``start`` aligned to the
    smallest power of two ≥ end − start), from full-subtree hashes."""
    n = end - start
    if n <= 0:
        raise ProofError("empty range")
    if n & (n - 1) == 0 and start % n == 0:
        return reader.subtree_hash(n.bit_length() - 1, start // n)
    k = _largest_power_below(n)
    return node_hash(range_hash(reader, start, start + k), range_hash(reader, start + k, end))


def tree_hash(reader: HashReader, size: int) -> bytes:
    return EMPTY_ROOT if size == 0 else range_hash(reader, 0, size)


def inclusion_proof(reader: HashReader, index: int, size: int) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(index, D[0:size]): from the leaf's sibling up to the root's child."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of size {size}")
    proof: list[bytes] = []
    start, n, m = 0, size, index
    # Iterative form of the recursion: the hashes come out root-first, so they are reversed at the end.
    while n > 1:
        k = _largest_power_below(n)
        if m < k:
            proof.append(range_hash(reader, start + k, start + n))
            n = k
        else:
            proof.append(range_hash(reader, start, start + k))
            start, n, m = start + k, n - k, m - k
    proof.reverse()
    return proof


def consistency_proof(reader: HashReader, old_size: int, new_size: int) -> list[bytes]:
    """RFC 6962 §2.1.2 PROOF(old_size, D[0:new_size]); empty when old_size is 0 or equals new_size."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency proof from {old_size} to {new_size}")
    if old_size in (0, new_size):
        return []
    proof: list[bytes] = []
    start, n, m, whole = 0, new_size, old_size, True
    while m != n:
        k = _largest_power_below(n)
        if m <= k:
            proof.append(range_hash(reader, start + k, start + n))
            n = k
        else:
            proof.append(range_hash(reader, start, start + k))
            start, n, m, whole = start + k, n - k, m - k, False
    if not whole:
        proof.append(range_hash(reader, start, start + n))
    proof.reverse()
    return proof


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to (RFC 9162 §2.1.3.2); ProofError if it is malformed."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if len(p) != HASH_SIZE:
            raise ProofError("a proof hash is not 32 bytes")
        if sn == 0:
            raise ProofError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    if len(leaf) != HASH_SIZE or len(root) != HASH_SIZE:
        return False
    try:
        return root_from_inclusion(index, size, leaf, proof) == root
    except ProofError:
        return False


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2. A proof from the empty tree proves nothing and is refused, as the RFC 6962
    reference suites do; callers that start from size 0 (a witness's first checkpoint) need none."""
    if not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if any(len(p) != HASH_SIZE for p in (old_root, new_root, *proof)):
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node of the path
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


class MemoryHashReader:
    """Full-subtree hashes over an in-memory list of leaf hashes (levels computed once, on demand)."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.levels: list[list[bytes]] = [list(leaves)]

    def append(self, leaf: bytes) -> None:
        self.levels[0].append(leaf)
        del self.levels[1:]

    def _level(self, height: int) -> list[bytes]:
        while len(self.levels) <= height:
            below = self.levels[-1]
            self.levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
        return self.levels[height]

    def subtree_hash(self, height: int, index: int) -> bytes:
        level = self._level(height)
        if index >= len(level):
            raise ProofError(f"no full subtree at height {height}, index {index}")
        return level[index]

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def root(self, size: int | None = None) -> bytes:
        return tree_hash(self, self.size if size is None else size)


def subtree_root(hashes: Sequence[bytes]) -> bytes:
    """MTH of a power-of-two run of hashes (a full tile's contribution to the level above)."""
    level = list(hashes)
    while len(level) > 1:
        level = [_sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    return level[0]
