"""Consistent backups after publication, their verification and restore (R3.9, X2).

A backup is a directory `<UTC time stamp>/` holding the database file and `manifest.json`:

* SQLite: the online backup API (`sqlite3.Connection.backup`) copies a consistent image to
  `database.sqlite3`;
* PostgreSQL: inside one REPEATABLE READ transaction the row counts are taken and the snapshot is
  exported; `pg_dump -Fc --snapshot=…` dumps exactly that snapshot to `database.pgdump`, so the
  counts in the manifest describe the dump.

The manifest lists every file with its size and SHA-256, the row count of every table, the creation
time (UTC) and the database vendor. The backup is written to `SKILLCERT_BACKUP_DIR` and copied to
each directory of `SKILLCERT_BACKUP_TARGETS` (the removable copies; R3.9 asks for two); every copy
is verified after writing. `verify_backup` re-hashes a directory against its manifest;
`restore_backup` loads a verified backup into a fresh (empty) database of the same vendor and checks
the row counts against the manifest.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.core.errors import Conflict, SkillcertError, field_error
from skillcert.core.files import make_private, private_dir

MANIFEST = "manifest.json"
FORMAT = 1
BACKUP_CREATED = "publication.backup.created"
BACKUP_RESTORED = "publication.backup.restored"
_CHUNK = 1 << 20


class BackupFailed(SkillcertError):
    def __init__(self, en: str, zh: str | None = None) -> None:
        super().__init__(
            "publication.backup.failed", zh or f"备份失败：{en}", f"Backup failed: {en}", [], 500
        )


def backup_dir() -> Path:
    configured = getattr(settings, "SKILLCERT_BACKUP_DIR", None) or os.environ.get("SKILLCERT_BACKUP_DIR")
    return Path(configured or Path(settings.VAR_DIR) / "backups")


def backup_targets() -> list[Path]:
    configured = getattr(settings, "SKILLCERT_BACKUP_TARGETS", None)
    if configured is None:
        configured = [p for p in os.environ.get("SKILLCERT_BACKUP_TARGETS", "").split(os.pathsep) if p]
    return [Path(p) for p in configured]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- table inventory (shared by manifests, restore checks and tests) ---------------------------------


def _tables(cursor: Any, vendor: str) -> list[str]:
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [row[0] for row in cursor.fetchall()]


def row_counts(cursor: Any, vendor: str) -> dict[str, int]:
    counts = {}
    for table in _tables(cursor, vendor):
        cursor.execute(f"SELECT count(*) FROM {_quote(table)}")  # noqa: S608 - names from the catalog
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _canonical(value: Any) -> str:
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return "b:" + value.hex()
    return repr(value)


def table_checksums(cursor: Any, vendor: str) -> dict[str, tuple[int, str]]:
    """(row count, SHA-256 over the sorted rows) per table — equal for a database and its restore."""
    result = {}
    for table in _tables(cursor, vendor):
        cursor.execute(f"SELECT * FROM {_quote(table)}")  # noqa: S608 - names from the catalog
        rows = sorted("\x1f".join(_canonical(v) for v in row) for row in cursor.fetchall())
        digest = hashlib.sha256("\x1e".join(rows).encode("utf-8", "surrogatepass")).hexdigest()
        result[table] = (len(rows), digest)
    return result


# --- taking a backup ----------------------------------------------------------------------------------


def _pg_env(params: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    args = []
    if params.get("HOST"):
        args += ["-h", str(params["HOST"])]
    if params.get("PORT"):
        args += ["-p", str(params["PORT"])]
    if params.get("USER"):
        args += ["-U", str(params["USER"])]
    return args, env


def _dump_sqlite(dest: Path) -> dict[str, int]:
    if connection.in_atomic_block:
        # The backup API would wait forever for this connection's own write lock; and a backup taken
        # inside a transaction would hold data that may yet roll back. Jobs run after commit.
        raise BackupFailed("a SQLite backup cannot run inside an open transaction")
    connection.ensure_connection()
    raw = connection.connection
    target = sqlite3.connect(str(dest))
    try:
        raw.backup(target)
        return row_counts(target.cursor(), "sqlite")
    finally:
        target.close()


def _dump_postgres(dest: Path) -> dict[str, int]:
    import psycopg

    params = connection.settings_dict
    args, env = _pg_env(params)
    conninfo = psycopg.conninfo.make_conninfo(
        dbname=params["NAME"],
        host=params.get("HOST") or None,
        port=params.get("PORT") or None,
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
    )
    with psycopg.connect(conninfo, autocommit=False) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        snapshot_id = row[0]
        counts = row_counts(conn.cursor(), "postgresql")
        command = [
            "pg_dump",
            "-Fc",
            "--no-owner",
            "--snapshot",
            snapshot_id,
            "-f",
            str(dest),
            *args,
            "-d",
            str(params["NAME"]),
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        conn.rollback()
    if done.returncode != 0:
        raise BackupFailed(f"pg_dump: {done.stderr.strip()[:500]}")
    return counts


def _write_manifest(
    directory: Path,
    files: list[Path],
    counts: dict[str, int],
    vendor: str,
    created: datetime.datetime,
    extra: dict[str, Any],
) -> dict[str, Any]:
    manifest = {
        "format": FORMAT,
        "created_at": created.astimezone(datetime.UTC).isoformat(),
        "database_vendor": vendor,
        "files": [{"name": f.name, "size": f.stat().st_size, "sha256": sha256_file(f)} for f in files],
        "tables": counts,
        **extra,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True))
    return manifest


def _copy_to(source: Path, target_root: Path) -> dict[str, Any]:
    destination = target_root / source.name
    try:
        private_dir(target_root)
        tmp = target_root / f".{source.name}.partial"
        if tmp.exists():
            shutil.rmtree(tmp)
        shutil.copytree(source, tmp)
        make_private(tmp).rename(destination)  # removable media travel: the copy stays 0600/0700
    except OSError as exc:
        return {"path": str(destination), "verified": False, "error": str(exc)}
    problems = verify_backup(destination).problems
    return {"path": str(destination), "verified": not problems, "error": "; ".join(problems)}


def run_backup(*, actor: Any = None, release: Any = None, reason: str = "") -> Any:
    """Take one backup to the backup directory and copy it to every configured target."""
    from skillcert.publication.models import Backup

    vendor = connection.vendor
    created = timezone.now()
    name = created.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    root = backup_dir()
    directory = root / name
    partial = root / f".{name}.partial"
    try:
        private_dir(root)
        partial.mkdir(mode=0o700)
        if vendor == "sqlite":
            db_file = partial / "database.sqlite3"
            counts = _dump_sqlite(db_file)
        elif vendor == "postgresql":
            db_file = partial / "database.pgdump"
            counts = _dump_postgres(db_file)
        else:  # pragma: no cover - only the two supported vendors
            raise BackupFailed(f"unsupported database vendor {vendor}")
        manifest = _write_manifest(
            partial,
            [db_file],
            counts,
            vendor,
            created,
            {"release": getattr(release, "pk", None), "reason": reason, "tlog_head": _tlog_head()},
        )
        # The whole register (names, photos' hashes, encrypted ID numbers): the owner's alone, whatever
        # wrote it (sqlite3, pg_dump) and whatever the umask (issue 13 item 9).
        make_private(partial).rename(directory)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupFailed(str(exc)) from exc
    primary = verify_backup(directory)
    locations = [
        {"path": str(directory), "verified": not primary.problems, "error": "; ".join(primary.problems)}
    ]
    locations += [_copy_to(directory, target) for target in backup_targets()]
    all_ok = all(loc["verified"] for loc in locations)
    status = (
        Backup.Status.OK
        if all_ok and len(locations) >= 3
        else (Backup.Status.PARTIAL if locations[0]["verified"] else Backup.Status.FAILED)
    )
    backup = Backup.objects.create(
        name=name,
        created_at=created,
        vendor=vendor,
        release=release,
        status=status,
        size=manifest["files"][0]["size"],
        sha256=manifest["files"][0]["sha256"],
        locations=locations,
        tables=counts,
    )
    log_action(
        BACKUP_CREATED,
        backup,
        actor=actor,
        data={"name": name, "status": status, "locations": locations, "sha256": backup.sha256},
    )
    return backup


# --- verifying ----------------------------------------------------------------------------------------


@dataclass
class Verification:
    directory: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_backup(directory: Path | str) -> Verification:
    """Check every file against the manifest (size and SHA-256) and that no file is missing or extra."""
    directory = Path(directory)
    result = Verification(directory)
    try:
        result.manifest = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        result.problems.append(f"{MANIFEST}: unreadable ({exc})")
        return result
    listed = {f.get("name") for f in result.manifest.get("files", [])}
    for entry in result.manifest.get("files", []):
        path = directory / str(entry.get("name"))
        if "/" in str(entry.get("name")) or not path.is_file():
            result.problems.append(f"{entry.get('name')}: missing")
            continue
        if path.stat().st_size != entry.get("size"):
            result.problems.append(f"{path.name}: size {path.stat().st_size} != {entry.get('size')}")
        if sha256_file(path) != entry.get("sha256"):
            result.problems.append(f"{path.name}: SHA-256 mismatch")
    for path in directory.iterdir():
        if path.name != MANIFEST and path.name not in listed:
            result.problems.append(f"{path.name}: not in the manifest")
    if not listed:
        result.problems.append("the manifest lists no files")
    return result


# --- restoring ----------------------------------------------------------------------------------------


def _fresh_error(url: str) -> Conflict:
    return Conflict(
        "publication.restore.not_empty",
        f"目标数据库不是空库，拒绝恢复：{url.split('@')[-1]}",
        f"The target database is not empty; restore only into a fresh database: {url.split('@')[-1]}",
    )


def _pg_conninfo(params: dict[str, Any]) -> str:
    import psycopg

    return psycopg.conninfo.make_conninfo(
        dbname=params["NAME"],
        host=params.get("HOST") or None,
        port=params.get("PORT") or None,
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
    )


def restore_backup(directory: Path | str, database_url: str, *, actor: Any = None) -> dict[str, int]:
    """Load a verified backup into a fresh database; returns the restored row counts (equal to the
    manifest's, else BackupFailed)."""
    checked = verify_backup(directory)
    if not checked.ok:
        raise Conflict(
            "publication.restore.verify_failed",
            "备份校验未通过，拒绝恢复：" + "；".join(checked.problems),
            "The backup fails verification; not restoring: " + "; ".join(checked.problems),
        )
    manifest = checked.manifest
    vendor = manifest.get("database_vendor")
    try:
        params: dict[str, Any] = dict(dj_database_url.parse(database_url))
    except Exception as exc:
        raise field_error(
            None,
            "database_url",
            "publication.restore.url_invalid",
            "数据库地址无效",
            f"Not a database URL: {exc}",
        ) from exc
    engine = params.get("ENGINE", "")
    target_vendor = "sqlite" if engine.endswith("sqlite3") else "postgresql" if "postgresql" in engine else ""
    if target_vendor != vendor:
        raise field_error(
            None,
            "database_url",
            "publication.restore.vendor_mismatch",
            f"备份来自 {vendor}，目标数据库为 {target_vendor or engine}，不能恢复",
            f"The backup is from {vendor}; the target is {target_vendor or engine}",
        )
    db_file = Path(checked.directory) / str(manifest["files"][0]["name"])
    if vendor == "sqlite":
        target = Path(str(params["NAME"]))
        if target.exists() and target.stat().st_size > 0:
            raise _fresh_error(database_url)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
            tmp_path = Path(tmp.name)
        shutil.copyfile(db_file, tmp_path)
        tmp_path.replace(target)
        conn = sqlite3.connect(str(target))
        try:
            counts = row_counts(conn.cursor(), "sqlite")
        finally:
            conn.close()
    else:
        import psycopg

        conninfo = _pg_conninfo(params)
        with psycopg.connect(conninfo, autocommit=True) as pg:
            if _tables(pg.cursor(), "postgresql"):
                raise _fresh_error(database_url)
        args, env = _pg_env(params)
        command = [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            *args,
            "-d",
            str(params["NAME"]),
            str(db_file),
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise BackupFailed(f"pg_restore: {done.stderr.strip()[:500]}")
        with psycopg.connect(conninfo, autocommit=True) as pg:
            counts = row_counts(pg.cursor(), "postgresql")
    if counts != manifest.get("tables"):
        differing = sorted(
            t
            for t in set(counts) | set(manifest.get("tables", {}))
            if counts.get(t) != manifest["tables"].get(t)
        )
        raise BackupFailed(f"restored row counts differ from the manifest in {', '.join(differing[:10])}")
    # Recorded where this installation keeps its log; the restore stands even if that is unreachable.
    with contextlib.suppress(DatabaseError):
        log_action(
            BACKUP_RESTORED,
            None,
            actor=actor,
            data={
                "backup": Path(checked.directory).name,
                "target": database_url.split("@")[-1],
                "tables": len(counts),
            },
        )
    return counts


def _tlog_head() -> dict[str, Any] | None:
    """The transparency log head at backup time (issue 19), kept in the manifest for the restore check."""
    from skillcert.transparency.models import Checkpoint

    head = Checkpoint.objects.order_by("-size").first()
    return {"size": head.size, "root": head.root_hash} if head is not None else None


def check_restored_log(directory: Path | str, database_url: str) -> Any:
    """Issue 19, R3.9: the restored database's transparency log against the log head — the latest
    checkpoint this installation signed at or before the backup (else the one the manifest recorded).
    Returns a `transparency.services.RestoreCheck`; its `problems` say what is wrong."""
    from skillcert.transparency import services as tlog
    from skillcert.transparency.services.restore import head_before

    manifest = json.loads((Path(directory) / MANIFEST).read_text(encoding="utf-8"))
    created = datetime.datetime.fromisoformat(manifest["created_at"])
    head = None
    with contextlib.suppress(DatabaseError):
        head = head_before(created)
    recorded = manifest.get("tlog_head") or {"size": 0, "root": ""}
    size, root = (head.size, head.root_hash) if head is not None else (recorded["size"], recorded["root"])
    params: dict[str, Any] = dict(dj_database_url.parse(database_url))
    if manifest.get("database_vendor") == "sqlite":
        conn: Any = sqlite3.connect(str(params["NAME"]))
        placeholder = "?"
    else:
        import psycopg

        conn = psycopg.connect(_pg_conninfo(params), autocommit=True)
        placeholder = "%s"
    try:
        result = tlog.check_restored_log(conn.cursor(), placeholder, size, root)
    finally:
        conn.close()
    with contextlib.suppress(DatabaseError):
        log_action("publication.backup.restore_log_checked", None, data=result.as_dict())
    return result


def list_backups(roots: Iterable[Path] | None = None) -> list[Path]:
    roots = list(roots) if roots is not None else [backup_dir()]
    found: list[Path] = []
    for root in roots:
        if root.is_dir():
            found += sorted(p for p in root.iterdir() if p.is_dir() and (p / MANIFEST).exists())
    return found
