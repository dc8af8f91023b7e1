"""Backups after publication (R3.9): consistent copies with a SHA-256 manifest to the server's directory
and two further targets; verify detects tampering; restore into a fresh database gives identical row
counts and per-table checksums — on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from skillcert.publication import backups
from skillcert.publication.models import Backup

TURNER = "6-18-01-01"


def _world() -> list[Any]:
    """Catalogs, the demo tree and three certificates published through the real chain, committed."""
    from skillcert.catalog.seed import load_catalogs
    from skillcert.certificates.services.issue import issue_certificates
    from skillcert.certificates.tests.test_issue import finished_session
    from skillcert.core.demo import load_demo
    from skillcert.orgs.models import Organisation
    from skillcert.publication.testing import publish

    load_catalogs()
    load_demo(with_appraisal=False)
    from django.contrib.auth import get_user_model

    demo: dict[str, Any] = {
        "orgs": {o.code: o for o in Organisation.objects.all()},
        "users": {u.username: u for u in get_user_model().objects.all()},
    }
    session = finished_session(demo, "ST-10012003", "nj003", "nj_admin", TURNER, passed=3)
    return publish(*issue_certificates(session, actor=demo["users"]["nj_admin"]))


def _targets(settings: Any, tmp_path: Path) -> list[Path]:
    settings.SKILLCERT_BACKUP_DIR = tmp_path / "server"
    settings.SKILLCERT_BACKUP_TARGETS = [tmp_path / "usb1", tmp_path / "usb2"]
    return [tmp_path / "server", tmp_path / "usb1", tmp_path / "usb2"]


def _pg_conninfo(dbname: str) -> str:
    import psycopg

    params = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=dbname,
        host=params.get("HOST") or "127.0.0.1",
        port=params.get("PORT") or 5432,
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
    )


def _source_checksums() -> dict[str, Any]:
    """Checksums of the live database through a plain driver connection (no Django type converters),
    the same way the restored copy is read."""
    if connection.vendor == "sqlite":
        import sqlite3

        conn = sqlite3.connect(str(connection.settings_dict["NAME"]))
        try:
            return backups.table_checksums(conn.cursor(), "sqlite")
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(_pg_conninfo(str(connection.settings_dict["NAME"]))) as pg:
        return backups.table_checksums(pg.cursor(), "postgresql")


def _backup_and_compare(settings: Any, tmp_path: Path) -> tuple[Any, dict[str, Any]]:
    roots = _targets(settings, tmp_path)
    published = _world()  # publishing queued and (after commit) ran the backup job
    job_backup = Backup.objects.get()
    assert job_backup.status == Backup.Status.OK and job_backup.release is not None
    assert all(loc["verified"] for loc in job_backup.locations) and len(job_backup.locations) == 3
    assert all(c.published_at for c in published)
    before = _source_checksums()
    backup = backups.run_backup(reason="test")
    for root in roots:
        directory = root / backup.name
        manifest = json.loads((directory / "manifest.json").read_text())
        assert manifest["database_vendor"] == connection.vendor
        assert manifest["tables"] == {t: n for t, (n, _h) in before.items()}
        assert manifest["created_at"].endswith("+00:00")
        [entry] = manifest["files"]
        assert entry["size"] == (directory / entry["name"]).stat().st_size
        assert backups.verify_backup(directory).ok
    return backup, before


@pytest.mark.django_db(transaction=True)
def test_r3_9_sqlite_backup_restore_identical(settings: Any, tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip(
            "the SQLite backup path; the PostgreSQL one is test_r3_9_postgres_backup_restore_identical"
        )
    backup, before = _backup_and_compare(settings, tmp_path)
    target = tmp_path / "restored.sqlite3"
    directory = tmp_path / "usb2" / backup.name
    call_command("restore", str(directory), "--database-url", f"sqlite:///{target}")
    import sqlite3

    restored = sqlite3.connect(str(target))
    try:
        assert backups.table_checksums(restored.cursor(), "sqlite") == before
    finally:
        restored.close()
    with pytest.raises(CommandError, match=r"not_empty|not empty"):  # only into a fresh database
        call_command("restore", str(directory), "--database-url", f"sqlite:///{target}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r3_9_postgres_backup_restore_identical(settings: Any, tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://… (pg_dump/pg_restore 15)")
    import psycopg

    backup, before = _backup_and_compare(settings, tmp_path)
    params = connection.settings_dict
    scratch = f"{params['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    host, port, user = params.get("HOST") or "127.0.0.1", params.get("PORT") or 5432, params.get("USER")
    admin = _pg_conninfo("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{scratch}"')
    try:
        url = f"postgres://{user}@{host}:{port}/{scratch}"
        call_command("restore", str(tmp_path / "usb1" / backup.name), "--database-url", url)
        with psycopg.connect(_pg_conninfo(scratch), autocommit=True) as conn:
            assert backups.table_checksums(conn.cursor(), "postgresql") == before
        with pytest.raises(CommandError):  # not fresh any more
            call_command("restore", str(tmp_path / "usb1" / backup.name), "--database-url", url)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


@pytest.mark.django_db
def test_r3_9_tampered_backup_fails_verify(settings: Any, tmp_path: Path) -> None:
    """A changed byte, a changed manifest hash, a missing or an extra file: verify says so and the CLI
    exits non-zero; restore refuses."""
    from skillcert.publication.backups import MANIFEST

    # A backup directory built by hand through the same manifest writer the backups use.
    directory = tmp_path / "b"
    directory.mkdir()
    (directory / "database.sqlite3").write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    import django.utils.timezone as tz

    backups._write_manifest(directory, [directory / "database.sqlite3"], {"t": 1}, "sqlite", tz.now(), {})
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "skillcert.settings"}
    cli = [sys.executable, "-m", "skillcert.manage", "backup", "verify"]
    ok = subprocess.run([*cli, str(directory)], env=env, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    data = bytearray((directory / "database.sqlite3").read_bytes())
    data[100] ^= 0xFF
    (directory / "database.sqlite3").write_bytes(bytes(data))
    bad = subprocess.run([*cli, str(directory)], env=env, capture_output=True, text=True, check=False)
    assert bad.returncode != 0 and "SHA-256 mismatch" in bad.stderr
    with pytest.raises(CommandError, match="verification"):
        call_command("restore", str(directory), "--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    data[100] ^= 0xFF
    (directory / "database.sqlite3").write_bytes(bytes(data))
    assert backups.verify_backup(directory).ok
    (directory / "extra.txt").write_text("x")
    assert backups.verify_backup(directory).problems == ["extra.txt: not in the manifest"]
    (directory / "extra.txt").unlink()
    (directory / "database.sqlite3").unlink()
    assert backups.verify_backup(directory).problems == ["database.sqlite3: missing"]
    (directory / MANIFEST).write_text("{not json")
    assert not backups.verify_backup(directory).ok


@pytest.mark.django_db
def test_r3_9_backup_refuses_inside_a_transaction(settings: Any, tmp_path: Path) -> None:
    """A backup never captures uncommitted data (the job runs after commit)."""
    _targets(settings, tmp_path)
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL dumps read their own committed snapshot; covered by the restore test")
    with pytest.raises(backups.BackupFailed):
        backups.run_backup()


@pytest.mark.django_db(transaction=True)
def test_r3_9_restore_checks_the_transparency_log_against_the_head(settings: Any, tmp_path: Path) -> None:
    """Issue 19: a backup rewritten on the removable copy (tiles changed, manifest re-hashed) passes the
    file checks but its log is not consistent with the log head: the restore reports it and fails."""
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite path; the check itself is vendor-neutral")
    import sqlite3

    backup, _before = _backup_and_compare(settings, tmp_path)
    good = tmp_path / "good.sqlite3"
    out = StringIO()
    call_command(
        "restore", str(tmp_path / "usb1" / backup.name), "--database-url", f"sqlite:///{good}", stdout=out
    )
    assert "consistent with the head of size" in out.getvalue()
    directory = tmp_path / "usb2" / backup.name
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["tlog_head"]["size"] >= 1
    db_file = directory / manifest["files"][0]["name"]
    conn = sqlite3.connect(str(db_file))
    conn.execute("UPDATE transparency_tile SET data = zeroblob(length(data)) WHERE level = 0")
    conn.commit()
    conn.close()
    manifest["files"][0].update(size=db_file.stat().st_size, sha256=backups.sha256_file(db_file))
    (directory / "manifest.json").write_text(json.dumps(manifest))
    assert backups.verify_backup(directory).ok
    with pytest.raises(CommandError, match="transparency log does not match the log head"):
        call_command("restore", str(directory), "--database-url", f"sqlite:///{tmp_path / 'bad.sqlite3'}")
