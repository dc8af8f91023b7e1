"""A witness and a monitor as separate processes against a running server (`skillcert serve`, granian)
(issue 19 "how it is checked"; X2): consistent growth is cosigned and the log serves the cosignature; a
rewritten leaf and a forked checkpoint are detected and named, with a non-zero exit code."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from skillcert.transparency import note

SRC = str(Path(__file__).resolve().parents[3])


def grow_log() -> None:
    """In the server's database (run through `skillcert shell -c`): revoke a published certificate and
    log it as the next publication would."""
    from django.db import transaction

    from skillcert.certificates.models import Certificate
    from skillcert.certificates.services import lifecycle
    from skillcert.orgs.models import Organisation
    from skillcert.transparency import services as tlog

    cert = Certificate.objects.filter(published_at__isnull=False, state="valid").order_by("number").first()
    assert cert is not None
    province = Organisation.objects.get(code="JS")
    actor = province.memberships.filter(role="leader").first() or None
    from django.contrib.auth import get_user_model

    user = actor.user if actor else get_user_model().objects.get(username="js_leader")
    lifecycle.revoke(cert, actor=user, reason="测试：见证方与监测方")
    from skillcert.publication.models import Release

    release = Release.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    with transaction.atomic():
        tlog.log_release(int(release), [])


def fork_log() -> None:
    """An operator rewriting history: the last entry changed, tiles recomputed, the checkpoint of the
    same size re-signed with the new root (raw SQL: the models refuse changes)."""
    from django.db import connection
    from django.utils import timezone

    from skillcert.transparency import merkle, tiles
    from skillcert.transparency.models import Checkpoint, Cosignature, LogState, Tile
    from skillcert.transparency.services import log

    state = LogState.objects.get()
    size = state.size
    bundle_tile = tiles.tile_for(size, 0, (size - 1) // 256)
    assert bundle_tile is not None and size < 256
    entries = tiles.decode_bundle(log.read_tile(tiles.Tile(tiles.ENTRIES, 0, bundle_tile.width)))
    entries[-1] = entries[-1].replace(b'"event":"revoked"', b'"event":"issued"')
    hashes = [merkle.leaf_hash(e) for e in entries]
    root = merkle.tree_hash(merkle.MemoryHashReader(hashes), size)
    with connection.cursor() as cursor:
        table = Tile._meta.db_table
        cursor.execute(
            f'UPDATE {table} SET data = %s WHERE level = -1 AND "index" = 0 AND width = %s',  # noqa: S608
            [tiles.encode_bundle(entries), size],
        )
        cursor.execute(
            f'UPDATE {table} SET data = %s WHERE level = 0 AND "index" = 0 AND width = %s',  # noqa: S608
            [b"".join(hashes), size],
        )
        checkpoints = Checkpoint._meta.db_table
        cursor.execute(
            f"DELETE FROM {Cosignature._meta.db_table} WHERE checkpoint_id IN "  # noqa: S608
            f"(SELECT id FROM {checkpoints} WHERE size = %s)",
            [size],
        )
        cursor.execute(f"DELETE FROM {checkpoints} WHERE size = %s", [size])  # noqa: S608
    state.root_hash = root.hex()
    state.save(update_fields=["root_hash"])
    log._sign_checkpoint(state, None, timezone.now())


def _env(var: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "SKILLCERT_VAR_DIR": str(var),
        "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _skillcert(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "skillcert.manage", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"skillcert {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
    return done


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback test server)
        return bytes(response.read())


def test_x2_witness_and_monitor_processes_against_a_running_server(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir()
    env = _env(var)
    _skillcert(env, "migrate", "--noinput")
    _skillcert(env, "demo")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "skillcert.manage", "serve", "--workers", "1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    prefix = f"http://127.0.0.1:{port}/tlog"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.3)
        key = tmp_path / "witness.key"
        witness_args = [
            "tlog",
            "witness",
            prefix,
            "--state",
            str(tmp_path / "w.json"),
            "--key",
            str(key),
            "--name",
            "witness.osta.example/1",
        ]
        first = _skillcert(env, *witness_args, "--no-submit")  # makes the key; the log knows no witness yet
        assert "cosigned 127.0.0.1/tlog size 2" in first.stdout
        public = note.ed25519_public(key.read_bytes()).hex()
        _skillcert(env, "tlog", "add-witness", "witness.osta.example/1", public, "--operator", "部中心")
        # consistent growth is cosigned, and the log serves the cosignature
        _skillcert(
            env, "shell", "-c", "from skillcert.transparency.tests.test_processes import grow_log; grow_log()"
        )
        grown = _skillcert(env, *witness_args)
        assert "cosigned 127.0.0.1/tlog size 3" in grown.stdout and "accepted" in grown.stdout, grown.stdout
        served = _get(f"{prefix}/checkpoint").decode()
        assert "\n— witness.osta.example/1 " in served
        monitor_args = ["tlog", "monitor", prefix, "--state", str(tmp_path / "m.json"), "--json"]
        ok = _skillcert(env, *monitor_args)
        report: dict[str, Any] = json.loads(ok.stdout)
        assert report["ok"] and report["size"] == 3, report
        # a leaf rewritten in the database: the monitor names the changed entry
        db = var / "skillcert.sqlite3"
        conn = sqlite3.connect(db)
        (data,) = conn.execute(
            'SELECT data FROM transparency_tile WHERE level = -1 AND "index" = 0 AND width = 3'
        ).fetchone()
        conn.execute(
            'UPDATE transparency_tile SET data = ? WHERE level = -1 AND "index" = 0 AND width = 3',
            [bytes(data).replace(b'"version":1', b'"version":7', 1)],
        )
        conn.commit()
        changed = _skillcert(env, *monitor_args, check=False)
        assert changed.returncode == 1
        kinds = {kind for kind, _ in json.loads(changed.stdout)["problems"]}
        assert "changed entry" in kinds, changed.stdout
        conn.execute(
            'UPDATE transparency_tile SET data = ? WHERE level = -1 AND "index" = 0 AND width = 3', [data]
        )
        conn.commit()
        conn.close()
        # history rewritten and re-signed: the witness and the monitor both name the fork
        _skillcert(
            env, "shell", "-c", "from skillcert.transparency.tests.test_processes import fork_log; fork_log()"
        )
        forked = _skillcert(env, *witness_args, check=False)
        assert forked.returncode == 1 and "FORK: two checkpoints of size 3" in forked.stdout, forked.stdout
        monitored = _skillcert(env, *monitor_args, check=False)
        assert monitored.returncode == 1
        assert "fork" in {kind for kind, _ in json.loads(monitored.stdout)["problems"]}, monitored.stdout
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
