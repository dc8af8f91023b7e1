"""RFC 6962 hashing and proofs against the published vectors and a second, naive implementation
(issue 19 "how it is checked"; X2). No database."""

from __future__ import annotations

import base64
import hashlib
import json
import random
from pathlib import Path

import pytest

from skillcert.transparency import merkle, tiles

VECTORS = json.loads((Path(__file__).parent / "vectors" / "rfc6962_probes.json").read_text())

# The reference leaves of the RFC 6962 test suites (certificate-transparency's merkle_tree_test, also in
# transparency-dev/merkle) and the published roots of the trees of 0…8 of them.
LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def _b(text: str | None) -> bytes:
    return base64.b64decode(text or "")


# --- a second implementation: RFC 6962 §2.1 written out as the recursive definitions ------------------


def naive_mth(entries: list[bytes]) -> bytes:
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + naive_mth(entries[:k]) + naive_mth(entries[k:])).digest()


def naive_path(m: int, entries: list[bytes]) -> list[bytes]:
    n = len(entries)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*naive_path(m, entries[:k]), naive_mth(entries[k:])]
    return [*naive_path(m - k, entries[k:]), naive_mth(entries[:k])]


def naive_subproof(m: int, entries: list[bytes], whole: bool) -> list[bytes]:
    n = len(entries)
    if m == n:
        return [] if whole else [naive_mth(entries)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*naive_subproof(m, entries[:k], whole), naive_mth(entries[k:])]
    return [*naive_subproof(m - k, entries[k:], False), naive_mth(entries[:k])]


# --- published vectors --------------------------------------------------------------------------------


def test_roots_of_the_reference_trees() -> None:
    reader = merkle.MemoryHashReader([merkle.leaf_hash(e) for e in LEAVES])
    for size, root in enumerate(ROOTS):
        assert merkle.tree_hash(reader, size).hex() == root
        assert naive_mth(LEAVES[:size]).hex() == root


@pytest.mark.parametrize("name", sorted(VECTORS["inclusion"]))
def test_inclusion_vectors(name: str) -> None:
    probe = VECTORS["inclusion"][name]
    proof = [_b(p) for p in probe["proof"] or []]
    ok = merkle.verify_inclusion(
        probe["leafIdx"], probe["treeSize"], _b(probe["leafHash"]), proof, _b(probe["root"])
    )
    assert ok is (not probe["wantErr"]), probe["desc"]


@pytest.mark.parametrize("name", sorted(VECTORS["consistency"]))
def test_consistency_vectors(name: str) -> None:
    probe = VECTORS["consistency"][name]
    proof = [_b(p) for p in probe["proof"] or []]
    ok = merkle.verify_consistency(
        probe["size1"], probe["size2"], _b(probe["root1"]), _b(probe["root2"]), proof
    )
    assert ok is (not probe["wantErr"]), probe["desc"]


def test_our_proofs_of_the_reference_tree_are_the_published_ones() -> None:
    reader = merkle.MemoryHashReader([merkle.leaf_hash(e) for e in LEAVES])
    happy = 0
    for probe in VECTORS["inclusion"].values():
        if probe["desc"] == "happy path" and probe["treeSize"] <= 8:
            made = merkle.inclusion_proof(reader, probe["leafIdx"], probe["treeSize"])
            assert made == [_b(p) for p in probe["proof"] or []]
            happy += 1
    for probe in VECTORS["consistency"].values():
        if probe["desc"] == "happy path" and probe["size2"] <= 8:
            made = merkle.consistency_proof(reader, probe["size1"], probe["size2"])
            assert made == [_b(p) for p in probe["proof"] or []]
            happy += 1
    assert happy >= 8


# --- against the naive implementation on random trees ---------------------------------------------------


def test_random_trees_agree_with_the_naive_definitions() -> None:
    rng = random.Random(6962)
    for _ in range(40):
        size = rng.randint(1, 600)
        entries = [rng.randbytes(rng.randint(0, 40)) for _ in range(size)]
        reader = merkle.MemoryHashReader([merkle.leaf_hash(e) for e in entries])
        root = merkle.tree_hash(reader, size)
        assert root == naive_mth(entries)
        for m in rng.sample(range(size), min(size, 6)):
            proof = merkle.inclusion_proof(reader, m, size)
            assert proof == naive_path(m, entries)
            assert merkle.verify_inclusion(m, size, merkle.leaf_hash(entries[m]), proof, root)
            assert not merkle.verify_inclusion(m, size, merkle.leaf_hash(entries[m] + b"x"), proof, root)
            if proof:
                bad = list(proof)
                bad[rng.randrange(len(bad))] = bytes(32)
                assert not merkle.verify_inclusion(m, size, merkle.leaf_hash(entries[m]), bad, root)
        for old in rng.sample(range(1, size + 1), min(size, 5)):
            proof = merkle.consistency_proof(reader, old, size)
            assert proof == (naive_subproof(old, entries, True) if old < size else [])
            old_root = naive_mth(entries[:old])
            assert merkle.verify_consistency(old, size, old_root, root, proof)
            assert not merkle.verify_consistency(old, size, bytes(32), root, proof)
            if proof:
                assert not merkle.verify_consistency(old, size, old_root, root, proof[:-1])


# --- tiles ------------------------------------------------------------------------------------------


def test_tile_paths_follow_tlog_tiles() -> None:
    assert tiles.Tile(0, 1234067, 256).path == "tile/0/x001/x234/067"
    assert tiles.Tile(2, 5, 17).path == "tile/2/005.p/17"
    assert tiles.Tile(tiles.ENTRIES, 1234067, 8).path == "tile/entries/x001/x234/067.p/8"
    for tile in (tiles.Tile(0, 0, 256), tiles.Tile(3, 1000, 1), tiles.Tile(tiles.ENTRIES, 999, 255)):
        assert tiles.parse_tile_path(tile.path) == tile
    for bad in (
        "tile/0/1",
        "tile/0/x000/001",
        "tile/0/001.p/256",
        "tile/0/001.p/0",
        "tile/64/001",
        "tile/01/001",
        "tile/0/x1/001",
        "tile/0/001.p/07",
        "tile/entries/001/002",
    ):
        with pytest.raises(ValueError):
            tiles.parse_tile_path(bad)


def test_the_spec_example_of_size_70000() -> None:
    made = list(tiles.tiles_for_size(70000))
    level0 = [t for t in made if t.level == 0]
    assert len([t for t in level0 if t.full]) == 273 and [t.width for t in level0 if not t.full] == [112]
    assert [t.width for t in made if t.level == 1] == [256, 17]
    assert [t.width for t in made if t.level == 2] == [1]
    assert [t.width for t in tiles.tiles_for_size(256) if t.level >= 0] == [256, 1]


def test_tile_reader_gives_the_same_proofs_as_memory() -> None:
    rng = random.Random(19)
    size = 256 * 256 + 300
    hashes = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    memory = merkle.MemoryHashReader(hashes)
    store: dict[tiles.Tile, bytes] = {}
    level_hashes = hashes
    level = 0
    while level_hashes:
        for index in range(0, len(level_hashes), 256):
            chunk = level_hashes[index : index + 256]
            store[tiles.Tile(level, index // 256, len(chunk))] = b"".join(chunk)
        level_hashes = [
            merkle.subtree_root(level_hashes[i : i + 256]) for i in range(0, len(level_hashes) - 255, 256)
        ]
        level += 1
    reader = tiles.TileHashReader(size, store.__getitem__)
    assert merkle.tree_hash(reader, size) == merkle.tree_hash(memory, size)
    for m in [0, 255, 256, 65535, 65536, size - 1, *rng.sample(range(size), 5)]:
        assert merkle.inclusion_proof(reader, m, size) == merkle.inclusion_proof(memory, m, size)
    for old in [1, 256, 65536, size - 1, *rng.sample(range(1, size), 5)]:
        assert merkle.consistency_proof(reader, old, size) == merkle.consistency_proof(memory, old, size)


def test_entry_bundles_round_trip_and_refuse_truncation() -> None:
    entries = [b"", b"a", b"x" * 300]
    data = tiles.encode_bundle(entries)
    assert data[:2] == b"\x00\x00" and data[2:4] == b"\x00\x01"
    assert tiles.decode_bundle(data) == entries
    with pytest.raises(ValueError):
        tiles.decode_bundle(data[:-1])
