"""Files that may hold full ID numbers, photos or keys are the service user's alone (issue 13 item 9, X7).

The process umask (0o077, set in settings) is the cause-level fix: whatever the platform, SQLite or a
library writes is created without group or other bits. These helpers say the same explicitly where the
platform writes files by hand, so the mode does not depend on who started the process, and tighten what
an older installation left readable.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """`path` as a directory that only the owner can enter; missing parents are made the same way
    (`mkdir(parents=True)` would give them the umask's mode, not `mode`)."""
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir(mode=DIR_MODE, exist_ok=True)
    path = missing[0] if missing else path
    if path.stat().st_mode & 0o077:
        with contextlib.suppress(PermissionError):  # not ours: leave it to its owner
            path.chmod(DIR_MODE)
    return path


def write_private(path: Path, data: bytes) -> Path:
    """Write `data` to `path` with mode 0600, atomically (a temporary file in the same directory, then
    renamed): a reader sees the old file or the whole new one, never a part."""
    private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE), "wb") as out:
            os.fchmod(out.fileno(), FILE_MODE)  # O_CREAT's mode does not apply to a file left by a crash
            out.write(data)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, path)
    return path


def make_private(path: Path) -> Path:
    """Take group and other bits off a file or a directory tree that was written elsewhere (a library,
    a subprocess)."""
    paths = [path, *path.rglob("*")] if path.is_dir() else [path]
    for item in paths:
        item.chmod(DIR_MODE if item.is_dir() else FILE_MODE)
    return path
