"""C2SP tlog-tiles: tile coordinates, paths, entry bundles and a hash reader over tiles (issue 19; X2).

A tile at level ``L``, index ``N`` holds up to 256 consecutive hashes of height ``8·L``: at level 0 the
leaf hashes, above that the roots of full tiles of the level below. Paths are ``tile/<L>/<N>[.p/<W>]``
and ``tile/entries/<N>[.p/<W>]`` with ``N`` in zero-padded 3-digit groups, all but the last prefixed
with ``x`` (``1234067`` → ``x001/x234/067``); ``.p/<W>`` marks a partial tile of width ``W`` (1–255).
Entry bundles are the entries of one level-0 tile, each prefixed with its length as a big-endian uint16.
"""

from __future__ import annotations

import functools
import hashlib
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from skillcert.transparency.merkle import HASH_SIZE, ProofError

TILE_HEIGHT = 8
TILE_WIDTH = 256
ENTRIES = -1  # the "level" of entry bundles in storage and in Tile
MAX_ENTRY = 0xFFFF
_U16 = struct.Struct(">H")
_GROUP = re.compile(r"(?:x\d{3}/)*\d{3}")


@dataclass(frozen=True, order=True)
class Tile:
    level: int  # 0…63, or ENTRIES
    index: int
    width: int  # 1…256

    @property
    def full(self) -> bool:
        return self.width == TILE_WIDTH

    @property
    def path(self) -> str:
        head = "tile/entries" if self.level == ENTRIES else f"tile/{self.level}"
        tail = "" if self.full else f".p/{self.width}"
        return f"{head}/{index_path(self.index)}{tail}"


def index_path(n: int) -> str:
    if n < 0:
        raise ValueError("negative tile index")
    groups = []
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join([f"x{g}" for g in groups[:-1]] + [groups[-1]])


def parse_tile_path(path: str) -> Tile:
    """The tile a path names (``tile/…`` without the log prefix); ValueError if it is not canonical."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise ValueError("not a tile path")
    level_text = parts[1]
    if level_text == "entries":
        level = ENTRIES
    elif re.fullmatch(r"0|[1-9]\d?", level_text) and int(level_text) <= 63:
        level = int(level_text)
    else:
        raise ValueError("bad tile level")
    rest = "/".join(parts[2:])
    width = TILE_WIDTH
    if ".p/" in rest:
        rest, _, width_text = rest.partition(".p/")
        if not re.fullmatch(r"[1-9]\d{0,2}", width_text) or not 1 <= int(width_text) <= 255:
            raise ValueError("bad partial tile width")
        width = int(width_text)
    if not _GROUP.fullmatch(rest):
        raise ValueError("bad tile index")
    groups = rest.split("/")
    if len(groups) > 1 and groups[0] == "x000":
        raise ValueError("tile index with a leading zero group")
    index = int("".join(g.lstrip("x") for g in groups))
    tile = Tile(level, index, width)
    if tile.path != path:
        raise ValueError("tile path is not canonical")
    return tile


def level_count(size: int, level: int) -> int:
    """How many hashes of tile level ``level`` a tree of ``size`` leaves has."""
    return size >> (TILE_HEIGHT * level)


def tile_for(size: int, level: int, index: int) -> Tile | None:
    """The tile (full or the partial one) at (level, index) in a tree of ``size``; None if empty."""
    count = level_count(size, max(level, 0)) - index * TILE_WIDTH
    if count <= 0:
        return None
    return Tile(level, index, min(count, TILE_WIDTH))


def tiles_for_size(size: int) -> Iterator[Tile]:
    """Every tile (levels 0…) a tree of ``size`` is made of, and every entry bundle."""
    level = 0
    while level_count(size, level) > 0:
        count = level_count(size, level)
        for index in range((count + TILE_WIDTH - 1) // TILE_WIDTH):
            tile = tile_for(size, level, index)
            assert tile is not None
            yield tile
        level += 1
    for index in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
        tile = tile_for(size, 0, index)
        assert tile is not None
        yield Tile(ENTRIES, index, tile.width)


def split_hashes(data: bytes) -> list[bytes]:
    if len(data) % HASH_SIZE:
        raise ValueError("tile data is not a whole number of hashes")
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def encode_bundle(entries: list[bytes]) -> bytes:
    if any(len(entry) > MAX_ENTRY for entry in entries):
        raise ValueError("an entry is longer than 65535 bytes")
    pack = _U16.pack
    return b"".join([b for entry in entries for b in (pack(len(entry)), entry)])


def decode_bundle(data: bytes) -> list[bytes]:
    entries = []
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise ValueError("truncated entry bundle")
        length = int.from_bytes(data[pos : pos + 2], "big")
        pos += 2
        if pos + length > len(data):
            raise ValueError("truncated entry bundle")
        entries.append(data[pos : pos + length])
        pos += length
    return entries


class TileLevels:
    """The hashes of one tile and the nodes inside it: ``rows[r][j]`` is the hash of height ``8L + r``
    over the tile's hashes ``[j·2^r, (j+1)·2^r)`` (only full blocks)."""

    __slots__ = ("rows",)

    def __init__(self, hashes: list[bytes]) -> None:
        sha256 = hashlib.sha256
        rows = [hashes]
        while len(rows[-1]) > 1:
            below = rows[-1]
            rows.append(
                [sha256(b"\x01" + below[i] + below[i + 1]).digest() for i in range(0, len(below) - 1, 2)]
            )
        self.rows = rows


@functools.lru_cache(maxsize=256)
def tile_levels(data: bytes) -> TileLevels:
    """The nodes inside a tile, by its bytes: tiles never change, so the upper tiles every proof of a
    log passes through are expanded once per process (keyed by content, so no stale answer is
    possible even if a database is replaced)."""
    return TileLevels(split_hashes(data))


class TileHashReader:
    """Full-subtree hashes of a tree of ``size`` read from its tiles (``fetch(tile) -> bytes``), for
    the proofs and root computations of ``merkle``. Each tile is fetched and expanded once."""

    def __init__(self, size: int, fetch: Callable[[Tile], bytes], *, dry: bool = False) -> None:
        """``dry``: only note which tiles are asked for (``self.asked``), answering zero hashes — to
        read them all in one go before the real run."""
        self.size = size
        self.fetch = fetch
        self.dry = dry
        self.asked: list[Tile] = []
        self._cache: dict[Tile, TileLevels] = {}

    def levels(self, tile: Tile) -> TileLevels:
        found = self._cache.get(tile)
        if found is None:
            data = self.fetch(tile)
            if len(data) != tile.width * HASH_SIZE:
                raise ProofError(f"{tile.path} has {len(data)} bytes, expected {tile.width * HASH_SIZE}")
            found = self._cache[tile] = tile_levels(bytes(data))
        return found

    def subtree_hash(self, height: int, index: int) -> bytes:
        level, r = divmod(height, TILE_HEIGHT)
        position = index << r  # first hash of tile level `level` under this subtree
        if (index + 1) << height > self.size:
            raise ProofError(f"no full subtree at height {height}, index {index} in size {self.size}")
        tile = tile_for(self.size, level, position // TILE_WIDTH)
        if tile is None:
            raise ProofError("tile outside the tree")
        if self.dry:
            self.asked.append(tile)
            return bytes(HASH_SIZE)
        return self.levels(tile).rows[r][(position % TILE_WIDTH) >> r]
