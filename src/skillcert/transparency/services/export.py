"""`skillcert tlog export <dir>`: the log as static files for a mirror (issue 19 item 2)."""

from __future__ import annotations

import os
from pathlib import Path

from skillcert.transparency import tiles
from skillcert.transparency.models import Tile
from skillcert.transparency.services import keys, log


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def export(directory: Path) -> int:
    """Write every stored tile and bundle, then the vkeys and, last, the checkpoint (so a mirror never
    serves a checkpoint whose tiles are not there yet). Returns how many files were written."""
    head = log.head()
    count = 0
    for row in Tile.objects.order_by("level", "index", "width").iterator(chunk_size=500):
        _write(directory / tiles.Tile(row.level, row.index, row.width).path, bytes(row.data))
        count += 1
    _write(directory / "vkeys", "".join(f"{v.vkey}\n" for v in keys.log_verifiers()).encode())
    _write(directory / "checkpoint", log.signed_note(head).encode("utf-8"))
    return count + 2
