"""A TrueType subset of the project font for embedding in OFD files (GB/T 33190 ``FontFile``).

The LXGW WenKai font (``core/fonts/LXGWWenKai-Regular.ttf``, glyf outlines, ~15 MB) is far too large
to put whole into every certificate, so each OFD embeds a subset holding only the characters it draws,
as PDFs do. The subset is a complete, standalone TrueType font: glyphs are renumbered (``.notdef``
first, then the used glyphs in original order, composite components included and remapped), with a new
``cmap`` (format 4 for the BMP and format 12 for every character, so U+20BB7 𠮷 is found too), ``loca``
(long offsets), ``glyf``, ``hmtx``, ``hhea``/``maxp`` counts and ``post`` version 3 (no glyph names).
``head``, ``hhea``, ``OS/2`` and ``name`` are copied. Table checksums and ``checkSumAdjustment`` are
computed, the table order is fixed: the same characters give the same bytes.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Iterable

from skillcert.core.pdf import FONT_FILE

_COPIED = (b"OS/2", b"head", b"hhea", b"name")
ARG_WORDS, HAVE_SCALE, MORE, XY_SCALE, TWO_BY_TWO = 0x0001, 0x0008, 0x0020, 0x0040, 0x0080


class _Font:
    """The parsed source font (tables kept as bytes; parsed once per process)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        count = struct.unpack_from(">H", data, 4)[0]
        self.tables: dict[bytes, bytes] = {}
        for i in range(count):
            tag, _checksum, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
            self.tables[tag] = data[offset : offset + length]
        head = self.tables[b"head"]
        long_loca = struct.unpack_from(">h", head, 50)[0] == 1
        self.num_glyphs = struct.unpack_from(">H", self.tables[b"maxp"], 4)[0]
        loca = self.tables[b"loca"]
        if long_loca:
            self.loca = struct.unpack_from(f">{self.num_glyphs + 1}I", loca)
        else:
            self.loca = tuple(2 * v for v in struct.unpack_from(f">{self.num_glyphs + 1}H", loca))
        self.glyf = self.tables[b"glyf"]
        self.num_hmetrics = struct.unpack_from(">H", self.tables[b"hhea"], 34)[0]
        self.cmap = _read_cmap(self.tables[b"cmap"])

    def glyph(self, gid: int) -> bytes:
        return self.glyf[self.loca[gid] : self.loca[gid + 1]]

    def metric(self, gid: int) -> tuple[int, int]:
        hmtx = self.tables[b"hmtx"]
        if gid < self.num_hmetrics:
            return struct.unpack_from(">Hh", hmtx, 4 * gid)
        advance = struct.unpack_from(">H", hmtx, 4 * (self.num_hmetrics - 1))[0]
        lsb = struct.unpack_from(">h", hmtx, 4 * self.num_hmetrics + 2 * (gid - self.num_hmetrics))[0]
        return advance, lsb


def _read_cmap(table: bytes) -> dict[int, int]:
    """Unicode → glyph from the (3,10) format 12 subtable, else the (3,1) format 4 one."""
    count = struct.unpack_from(">H", table, 2)[0]
    subtables = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", table, 4 + 8 * i)
        subtables[(platform, encoding)] = offset
    out: dict[int, int] = {}
    if (3, 10) in subtables:
        base = subtables[(3, 10)]
        assert struct.unpack_from(">H", table, base)[0] == 12
        groups = struct.unpack_from(">I", table, base + 12)[0]
        for g in range(groups):
            start, end, gid = struct.unpack_from(">III", table, base + 16 + 12 * g)
            for code in range(start, end + 1):
                out[code] = gid + code - start
        return out
    base = subtables[(3, 1)]
    segs = struct.unpack_from(">H", table, base + 6)[0] // 2
    ends = struct.unpack_from(f">{segs}H", table, base + 14)
    starts = struct.unpack_from(f">{segs}H", table, base + 16 + 2 * segs)
    deltas = struct.unpack_from(f">{segs}h", table, base + 16 + 4 * segs)
    range_pos = base + 16 + 6 * segs
    offsets = struct.unpack_from(f">{segs}H", table, range_pos)
    for i in range(segs):
        for code in range(starts[i], ends[i] + 1):
            if code == 0xFFFF:
                continue
            if offsets[i] == 0:
                gid = (code + deltas[i]) & 0xFFFF
            else:
                pos = range_pos + 2 * i + offsets[i] + 2 * (code - starts[i])
                gid = struct.unpack_from(">H", table, pos)[0]
                gid = (gid + deltas[i]) & 0xFFFF if gid else 0
            if gid:
                out[code] = gid
    return out


@functools.cache
def _source() -> _Font:
    return _Font(FONT_FILE.read_bytes())


def _components(glyph: bytes) -> list[tuple[int, int]]:
    """(offset of the glyph index, glyph index) of each component of a composite glyph."""
    if len(glyph) < 10 or struct.unpack_from(">h", glyph, 0)[0] >= 0:
        return []
    out = []
    pos = 10
    while True:
        flags, gid = struct.unpack_from(">HH", glyph, pos)
        out.append((pos + 2, gid))
        pos += 4 + (4 if flags & ARG_WORDS else 2)
        if flags & HAVE_SCALE:
            pos += 2
        elif flags & XY_SCALE:
            pos += 4
        elif flags & TWO_BY_TWO:
            pos += 8
        if not flags & MORE:
            return out


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF


def _cmap(mapping: dict[int, int]) -> bytes:
    codes = sorted(mapping)
    # format 12: one group per run of consecutive codes and glyphs
    groups: list[list[int]] = []
    for code in codes:
        gid = mapping[code]
        if groups and groups[-1][1] == code - 1 and groups[-1][2] + (code - groups[-1][0]) == gid:
            groups[-1][1] = code
        else:
            groups.append([code, code, gid])
    f12 = struct.pack(">HHIII", 12, 0, 16 + 12 * len(groups), 0, len(groups))
    f12 += b"".join(struct.pack(">III", *g) for g in groups)
    # format 4: one segment per BMP code (idDelta), then the 0xFFFF terminator
    bmp = [c for c in codes if c < 0xFFFF]
    segs = len(bmp) + 1
    ends = [*bmp, 0xFFFF]
    deltas = [(mapping[c] - c) & 0xFFFF for c in bmp] + [1]
    search = 2 ** (segs.bit_length() - 1)
    f4_body = struct.pack(f">{segs}H", *ends) + b"\0\0" + struct.pack(f">{segs}H", *ends)
    f4_body += struct.pack(f">{segs}H", *deltas) + struct.pack(f">{segs}H", *([0] * segs))
    head4 = struct.pack(
        ">HHHHHHH",
        4,
        14 + len(f4_body),
        0,
        2 * segs,
        2 * search,
        search.bit_length() - 1,
        2 * segs - 2 * search,
    )
    f4 = head4 + f4_body
    header = (
        struct.pack(">HH", 0, 2) + struct.pack(">HHI", 3, 1, 20) + struct.pack(">HHI", 3, 10, 20 + len(f4))
    )
    return header + f4 + f12


def subset(characters: Iterable[str]) -> bytes:
    """A standalone TrueType font with the glyphs of `characters` (unknown characters are skipped)."""
    return _subset(frozenset(ord(ch) for ch in characters))


@functools.lru_cache(maxsize=256)
def _subset(codes: frozenset[int]) -> bytes:
    font = _source()
    mapping = {code: font.cmap[code] for code in codes if code in font.cmap}
    wanted = {0, *mapping.values()}
    todo = list(wanted)
    while todo:  # composite components
        for _pos, component in _components(font.glyph(todo.pop())):
            if component not in wanted:
                wanted.add(component)
                todo.append(component)
    order = sorted(wanted)
    new_id = {gid: i for i, gid in enumerate(order)}

    glyf = bytearray()
    loca = [0]
    hmtx = bytearray()
    for gid in order:
        glyph = bytearray(font.glyph(gid))
        for pos, component in _components(bytes(glyph)):
            struct.pack_into(">H", glyph, pos, new_id[component])
        glyf += glyph + b"\0" * (-len(glyph) % 4)
        loca.append(len(glyf))
        hmtx += struct.pack(">Hh", *font.metric(gid))
    tables = {tag: font.tables[tag] for tag in _COPIED}
    head = bytearray(tables[b"head"])
    struct.pack_into(">I", head, 8, 0)  # checkSumAdjustment, set below
    struct.pack_into(">h", head, 50, 1)  # long loca
    tables[b"head"] = bytes(head)
    hhea = bytearray(tables[b"hhea"])
    struct.pack_into(">H", hhea, 34, len(order))
    tables[b"hhea"] = bytes(hhea)
    maxp = bytearray(font.tables[b"maxp"])
    struct.pack_into(">H", maxp, 4, len(order))
    tables[b"maxp"] = bytes(maxp)
    tables[b"post"] = struct.pack(">I", 0x00030000) + font.tables[b"post"][4:32]
    tables[b"glyf"] = bytes(glyf)
    tables[b"loca"] = struct.pack(f">{len(loca)}I", *loca)
    tables[b"hmtx"] = bytes(hmtx)
    tables[b"cmap"] = _cmap({code: new_id[gid] for code, gid in mapping.items()})
    return _assemble(tables)


def _assemble(tables: dict[bytes, bytes]) -> bytes:
    tags = sorted(tables)
    n = len(tags)
    search = 2 ** (n.bit_length() - 1)
    out = bytearray(
        struct.pack(">IHHHH", 0x00010000, n, 16 * search, search.bit_length() - 1, 16 * (n - search))
    )
    offset = 12 + 16 * n
    body = bytearray()
    head_at = 0
    for tag in tags:
        data = tables[tag]
        if tag == b"head":
            head_at = offset + len(body)
        out += struct.pack(">4sIII", tag, _checksum(data), offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    font = out + body
    adjustment = (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF
    struct.pack_into(">I", font, head_at + 8, adjustment)
    return bytes(font)
