"""Appending to the log and reading it back (issue 19 items 1-3; X2, R3.8).

Appends are serialised by a row lock on the single `LogState` row (``select_for_update``; SQLite's
``BEGIN IMMEDIATE`` transactions already serialise writers) and happen inside the caller's transaction:
`publish_release` appends its leaves, so a release and its leaves commit together or not at all.

An append reads the right edge of the tree (the partial tile of every level and the partial entry
bundle at the current size), hashes the new leaves, carries every tile that fills up into the level
above, writes the new full tiles and the new partial tiles, computes the new root from the tiles and
signs a checkpoint for the new size. Nothing already written is changed.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from skillcert.core.errors import NotFound, SkillcertError
from skillcert.transparency import merkle, note, tiles
from skillcert.transparency.models import Checkpoint, Cosignature, Leaf, LogKey, LogState, Tile
from skillcert.transparency.services import keys as log_keys

_STATE_PK = 1


def configured_origin() -> str:
    """``SKILLCERT_TLOG_ORIGIN``, else the public base URL's host (and path) + ``/tlog``."""
    origin = getattr(settings, "SKILLCERT_TLOG_ORIGIN", "") or ""
    if origin:
        return origin.strip().rstrip("/")
    base = getattr(settings, "SKILLCERT_PUBLIC_BASE_URL", "") or f"http://{settings.ALLOWED_HOSTS[0]}"
    parts = urlsplit(base if "//" in base else f"//{base}")
    return f"{parts.netloc}{parts.path.rstrip('/')}/tlog"


def _locked_state() -> LogState:
    """The log-state row, locked; created (with the keys and the size-0 checkpoint) on first use."""
    state = LogState.objects.select_for_update().filter(pk=_STATE_PK).first()
    if state is not None:
        return state
    origin = configured_origin()
    note.check_name(origin)
    state, _created = LogState.objects.get_or_create(
        pk=_STATE_PK,
        defaults={
            "origin": origin,
            "size": 0,
            "root_hash": merkle.EMPTY_ROOT.hex(),
            "updated_at": timezone.now(),
        },
    )
    state = LogState.objects.select_for_update().get(pk=_STATE_PK)
    log_keys.ensure_keys(state.origin)
    if not Checkpoint.objects.filter(size=0).exists():
        _sign_checkpoint(state, None, timezone.now())
    return state


def ensure_log() -> LogState:
    """The log head, starting the log if it has not started yet (idempotent)."""
    state = LogState.objects.filter(pk=_STATE_PK).first()
    if state is not None and Checkpoint.objects.filter(size=state.size).exists():
        return state
    with transaction.atomic():
        return _locked_state()


# --- signing ------------------------------------------------------------------------------------------


def _sign_checkpoint(state: LogState, release_id: int | None, now: datetime.datetime) -> Checkpoint:
    keys = {k.purpose: k for k in LogKey.objects.all()}
    text = note.Checkpoint(state.origin, state.size, bytes.fromhex(state.root_hash)).text
    lines = []
    for purpose in (LogKey.Purpose.CHECKPOINT, LogKey.Purpose.CHECKPOINT_SM2, LogKey.Purpose.CLOCK):
        key = keys[purpose]
        verifier = log_keys.verifier(key)
        stamp = int(now.timestamp()) if purpose == LogKey.Purpose.CLOCK else None
        sig = note.sign(text, key.name, verifier.sig_type, log_keys.private_key(key), timestamp=stamp)
        lines.append(sig.line)
    return Checkpoint.objects.create(
        size=state.size,
        root_hash=state.root_hash,
        text=text,
        signatures="".join(lines),
        created_at=now,
        release_id=release_id,
    )


# --- reading tiles --------------------------------------------------------------------------------


def read_tile(tile: tiles.Tile) -> bytes:
    data = (
        Tile.objects.filter(level=tile.level, index=tile.index, width=tile.width)
        .values_list("data", flat=True)
        .first()
    )
    if data is None:
        raise NotFound("transparency.tile.not_found", f"没有瓦片 {tile.path}", f"No tile {tile.path}")
    return bytes(data)


def read_tiles(wanted: Iterable[tiles.Tile]) -> dict[tiles.Tile, bytes]:
    """Several tiles in one statement (a proof needs a handful: one round trip, not one each)."""
    wanted = list(dict.fromkeys(wanted))
    if not wanted:
        return {}
    table = Tile._meta.db_table
    rows = ", ".join(["(%s, %s, %s)"] * len(wanted))
    params = [v for t in wanted for v in (t.level, t.index, t.width)]
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT level, "index", width, data FROM {table} WHERE (level, "index", width) IN ({rows})',  # noqa: S608
            params,
        )
        return {tiles.Tile(int(lv), int(ix), int(w)): bytes(data) for lv, ix, w, data in cursor.fetchall()}


def prefetched_reader(
    size: int, plan: Callable[[tiles.TileHashReader], object], extra: Iterable[tiles.Tile] = ()
) -> tuple[tiles.TileHashReader, dict[tiles.Tile, bytes]]:
    """A reader whose tiles were all read in one statement: ``plan`` is run once on placeholder
    hashes to learn which tiles it touches (the access pattern does not depend on the values)."""
    dry = tiles.TileHashReader(size, read_tile, dry=True)
    plan(dry)
    found = read_tiles([*extra, *dry.asked])

    def fetch(tile: tiles.Tile) -> bytes:
        return found[tile] if tile in found else read_tile(tile)

    return tiles.TileHashReader(size, fetch), found


def tile_reader(size: int, overlay: dict[tiles.Tile, bytes] | None = None) -> tiles.TileHashReader:
    extra = overlay or {}

    def fetch(tile: tiles.Tile) -> bytes:
        return extra[tile] if tile in extra else read_tile(tile)

    return tiles.TileHashReader(size, fetch)


# --- appending ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewLeaf:
    """What one leaf is about: the entry bytes and the look-up columns of its `Leaf` row."""

    entry: bytes
    certificate_id: int
    event_id: int | None
    event: str
    version: int
    record_sm3: str
    key_id: str
    release_id: int


def _right_edge(size: int) -> tuple[dict[int, list[bytes]], list[bytes]]:
    """The hashes of the partial tile of every level, and the entries of the partial bundle."""
    pending: dict[int, list[bytes]] = {}
    level = 0
    while tiles.level_count(size, level) > 0:
        count = tiles.level_count(size, level)
        width = count % tiles.TILE_WIDTH
        if width:
            pending[level] = tiles.split_hashes(
                read_tile(tiles.Tile(level, count // tiles.TILE_WIDTH, width))
            )
        level += 1
    width = size % tiles.TILE_WIDTH
    entries = (
        tiles.decode_bundle(read_tile(tiles.Tile(tiles.ENTRIES, size // tiles.TILE_WIDTH, width)))
        if width
        else []
    )
    return pending, entries


def _new_tiles(size: int, leaf_hashes: list[bytes], entries: list[bytes]) -> dict[tiles.Tile, bytes]:
    """Every tile and bundle that the growth from ``size`` to ``new_size`` creates."""
    pending, old_entries = _right_edge(size)
    made: dict[tiles.Tile, bytes] = {}
    width = tiles.TILE_WIDTH
    carry = leaf_hashes
    level = 0
    while carry:  # once nothing is carried into a level, it and every level above stay as they are
        first = tiles.level_count(size, level) // width  # index of the tile the pending hashes are in
        run = pending.get(level, []) + carry
        carry = []
        full_end = len(run) - len(run) % width
        for start in range(0, full_end, width):
            chunk = run[start : start + width]
            made[tiles.Tile(level, first + start // width, width)] = b"".join(chunk)
            carry.append(merkle.subtree_root(chunk))
        rest = run[full_end:]
        if rest and (full_end or len(rest) != len(pending.get(level, []))):
            made[tiles.Tile(level, first + full_end // width, len(rest))] = b"".join(rest)
        level += 1
    run_entries = old_entries + entries
    first = size // width
    full_end = len(run_entries) - len(run_entries) % width
    for start in range(0, full_end, width):
        made[tiles.Tile(tiles.ENTRIES, first + start // width, width)] = tiles.encode_bundle(
            run_entries[start : start + width]
        )
    if full_end < len(run_entries):
        made[tiles.Tile(tiles.ENTRIES, first + full_end // width, len(run_entries) - full_end)] = (
            tiles.encode_bundle(run_entries[full_end:])
        )
    return made


def append(
    leaves: Sequence[NewLeaf], *, release_id: int | None, now: datetime.datetime | None = None
) -> Checkpoint:
    """Append the leaves in order and sign the checkpoint of the new size. Must run inside the caller's
    transaction (the publication's); the log-state row lock serialises concurrent appends."""
    if not transaction.get_connection().in_atomic_block:
        raise SkillcertError(
            "transparency.append.no_transaction",
            "追加日志须在发布事务内进行",
            "Appending to the log must happen inside the publication's transaction",
            [],
            500,
        )
    # The checkpoint's time is the real clock, never the caller's business time (tests and back-dated
    # publications pass their own `now`): the clock line states when the log signed (R2.1).
    del now
    now = timezone.now()
    state = _locked_state()
    if not leaves:
        return Checkpoint.objects.get(size=state.size)
    sha256 = hashlib.sha256
    entries = [leaf.entry for leaf in leaves]
    leaf_hashes = [sha256(b"\x00" + e).digest() for e in entries]
    size = state.size
    new_size = size + len(entries)
    made = _new_tiles(size, leaf_hashes, entries)
    root = merkle.tree_hash(tile_reader(new_size, made), new_size)
    _insert_tiles(made)
    _insert_leaves(size, leaves)
    state.size, state.root_hash, state.updated_at = new_size, root.hex(), now
    state.save(update_fields=["size", "root_hash", "updated_at"])
    return _sign_checkpoint(state, release_id, now)


def _insert_leaves(first_index: int, leaves: Sequence[NewLeaf]) -> None:
    """The look-up rows: on PostgreSQL one COPY of text built in one go (design.md "Bulk loads"; a
    row-by-row COPY cost more than the hashing), elsewhere one executemany."""
    table = Leaf._meta.db_table
    columns = '"index", "certificate_id", "event_id"'
    if connection.vendor == "postgresql":
        null = "\\N"  # COPY's text NULL
        lines = "".join(
            f"{first_index + i}\t{x.certificate_id}\t{null if x.event_id is None else x.event_id}\n"
            for i, x in enumerate(leaves)
        )
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            copy.write(lines)
        return
    rows = [(first_index + i, x.certificate_id, x.event_id) for i, x in enumerate(leaves)]
    with connection.cursor() as cursor:
        # only the model's own table and column names are formatted in
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s)", rows)  # noqa: S608


def _insert_tiles(made: dict[tiles.Tile, bytes]) -> None:
    """Tiles and bundles (~8 KB and ~50 KB each): binary COPY on PostgreSQL, so the bytes go as they
    are instead of hex-escaped text."""
    if connection.vendor == "postgresql":
        table = Tile._meta.db_table
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f'COPY {table} (level, "index", width, data) FROM STDIN (FORMAT BINARY)'
            ) as copy,
        ):
            copy.set_types(["int2", "int8", "int2", "bytea"])
            for t, data in made.items():
                copy.write_row((t.level, t.index, t.width, data))
        return
    Tile.objects.bulk_create(
        [Tile(level=t.level, index=t.index, width=t.width, data=data) for t, data in made.items()],
        batch_size=500,
    )


# --- the head, proofs ---------------------------------------------------------------------------------


_HEAD_CACHE: list[tuple[float, Checkpoint]] = []
HEAD_CACHE_SECONDS = 1.0


def head(*, cached: bool = False) -> Checkpoint:
    """The latest checkpoint (every append signs one in its transaction, so it is the log head).
    ``cached``: a head at most a second old will do (proofs: any checkpoint the log signed is valid
    evidence; this saves a round trip per proof)."""
    now = time.monotonic()
    if cached and _HEAD_CACHE and _HEAD_CACHE[0][0] > now:
        return _HEAD_CACHE[0][1]
    found = Checkpoint.objects.order_by("-size").first()
    if found is not None:
        _HEAD_CACHE[:] = [(now + HEAD_CACHE_SECONDS, found)]
    if found is None:
        state = ensure_log()
        return Checkpoint.objects.get(size=state.size)
    return found


def origin() -> str:
    return ensure_log().origin


def checkpoint_at(size: int) -> Checkpoint:
    found = Checkpoint.objects.filter(size=size).first()
    if found is None:
        raise NotFound(
            "transparency.checkpoint.not_found",
            f"没有大小为 {size} 的检查点",
            f"No checkpoint of size {size}",
        )
    return found


_NOTE_CACHE: dict[tuple[int, str], tuple[float, str]] = {}
NOTE_CACHE_SECONDS = 2.0


def signed_note(checkpoint: Checkpoint, *, fresh: bool = False) -> str:
    """The checkpoint as served: text, blank line, the log's signature lines, then the latest
    cosignature of each witness that cosigned exactly this checkpoint. Kept for two seconds per process
    (the HTTP answer is cached for five anyway), so proofs do not read the cosignatures every time."""
    now = time.monotonic()
    key = (checkpoint.pk, checkpoint.signatures)
    cached = _NOTE_CACHE.get(key)
    if cached is not None and cached[0] > now and not fresh:
        return cached[1]
    text = _render_note(checkpoint)
    if len(_NOTE_CACHE) > 64:
        _NOTE_CACHE.clear()
    _NOTE_CACHE[key] = (now + NOTE_CACHE_SECONDS, text)
    return text


def forget_notes() -> None:
    """Drop the cached notes and head (a cosignature was accepted, or the log grew, in this process)."""
    _NOTE_CACHE.clear()
    _HEAD_CACHE.clear()


def _render_note(checkpoint: Checkpoint) -> str:
    lines = []
    seen: set[int] = set()
    for cosig in Cosignature.objects.filter(checkpoint=checkpoint, witness__active=True).order_by(
        "witness__name", "-timestamp"
    ):
        if cosig.witness_id not in seen:
            seen.add(cosig.witness_id)
            lines.append(cosig.line)
    return checkpoint.text + "\n" + checkpoint.signatures + "".join(lines)


def inclusion(index: int, size: int) -> list[bytes]:
    hashes, _entry = inclusion_and_entry(index, size)
    return hashes


def inclusion_and_entry(index: int, size: int) -> tuple[list[bytes], bytes]:
    """The inclusion proof of leaf ``index`` in the tree of ``size`` and the leaf's entry, from the
    tiles and the bundle read in one statement."""
    if not 0 <= index < size:
        raise NotFound("transparency.leaf.not_found", f"没有第 {index} 个条目", f"No entry {index}")
    bundle = _bundle_tile(index, size)
    reader, found = prefetched_reader(size, lambda r: merkle.inclusion_proof(r, index, size), [bundle])
    hashes = merkle.inclusion_proof(reader, index, size)
    data = found.get(bundle)
    if data is None:
        data = read_tile(bundle)
    return hashes, tiles.decode_bundle(data)[index % tiles.TILE_WIDTH]


def _bundle_tile(index: int, size: int) -> tiles.Tile:
    level0 = tiles.tile_for(size, 0, index // tiles.TILE_WIDTH)
    assert level0 is not None
    return tiles.Tile(tiles.ENTRIES, level0.index, level0.width)


def consistency(old_size: int, new_size: int) -> list[bytes]:
    return merkle.consistency_proof(tile_reader(new_size), old_size, new_size)


def entry_at(index: int, size: int | None = None) -> bytes:
    """The entry bytes of leaf ``index`` from its bundle (of the tree of ``size``, default the head)."""
    size = head().size if size is None else size
    if not 0 <= index < size:
        raise NotFound("transparency.leaf.not_found", f"没有第 {index} 个条目", f"No entry {index}")
    return tiles.decode_bundle(read_tile(_bundle_tile(index, size)))[index % tiles.TILE_WIDTH]
