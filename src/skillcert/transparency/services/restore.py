"""Checking a restored database's log against the log head (issue 19 item 5; R3.9, X2).

After `skillcert restore`, the restored log must be a prefix-consistent continuation of the head the
log had when the backup was taken: its size at least the head's, and the root its tiles give for the
head's size equal to the head's root. A restored database that lost published leaves, or whose tiles
were rewritten, fails — the restore is then reported, not trusted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from skillcert.transparency import merkle, tiles
from skillcert.transparency.models import Checkpoint, LogState, Tile


@dataclass
class RestoreCheck:
    head_size: int
    head_root: str
    restored_size: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "head_size": self.head_size,
            "head_root": self.head_root,
            "restored_size": self.restored_size,
            "problems": self.problems,
        }


def head_before(when: datetime.datetime | None) -> Checkpoint | None:
    """The live log's latest checkpoint signed at or before ``when`` (the head at backup time)."""
    found = Checkpoint.objects.all()
    if when is not None:
        found = found.filter(created_at__lte=when)
    return found.order_by("-size").first()


def check_restored_log(cursor: Any, placeholder: str, head_size: int, head_root: str) -> RestoreCheck:
    """Check the log in another database (a DB-API ``cursor`` on it; ``placeholder`` "?" for SQLite,
    "%s" for PostgreSQL) against the head (size, hex root)."""
    result = RestoreCheck(head_size, head_root)
    state_table, tile_table = LogState._meta.db_table, Tile._meta.db_table
    try:
        cursor.execute(f"SELECT size, root_hash FROM {state_table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    except Exception as exc:  # no transparency tables at all in the restored database
        result.problems.append(f"the restored database has no transparency log ({exc.__class__.__name__})")
        return result
    if row is None:
        if head_size:
            result.problems.append(f"the restored database has an empty log; the head had {head_size} leaves")
        return result
    size, root_hex = int(row[0]), str(row[1])
    result.restored_size = size

    query = (
        f'SELECT data FROM {tile_table} WHERE level = {placeholder} AND "index" = {placeholder} '  # noqa: S608
        f"AND width = {placeholder}"
    )

    def fetch(tile: tiles.Tile) -> bytes:
        cursor.execute(query, [tile.level, tile.index, tile.width])
        found = cursor.fetchone()
        if found is None:
            raise merkle.ProofError(f"{tile.path} is missing")
        return bytes(found[0])

    if size < head_size:
        result.problems.append(
            f"the restored log has {size} leaves, fewer than the {head_size} of the log head: published "
            "entries were lost"
        )
        return result
    try:
        restored_root = merkle.tree_hash(tiles.TileHashReader(size, fetch), size)
        if restored_root.hex() != root_hex:
            result.problems.append("the restored log's tiles do not give its recorded root")
        prefix_root = merkle.tree_hash(tiles.TileHashReader(size, fetch), head_size)
    except merkle.ProofError as exc:
        result.problems.append(f"the restored log's tiles are incomplete: {exc}")
        return result
    if prefix_root.hex() != head_root:
        result.problems.append(
            f"the restored log is not consistent with the log head: its first {head_size} leaves have "
            "another root (rewritten entries)"
        )
    return result
