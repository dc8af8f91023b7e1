"""`skillcert serve`: the production server is granian WSGI with 2 workers x 2 blocking threads
(design.md "Serving the hot path"; issue 5 item 5) and refuses several workers on a per-process cache,
where the verification rate limit (X7) would count per worker."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command


def test_serve_builds_the_granian_command() -> None:
    out = StringIO()
    call_command("serve", "--dry-run", "--allow-local-cache", "--port", "8123", stdout=out)
    argv = out.getvalue().split()
    assert argv[1:3] == ["-m", "granian"]
    joined = " ".join(argv)
    assert "--interface wsgi" in joined and "--workers 2" in joined and "--blocking-threads 2" in joined
    assert "--port 8123" in joined and argv[-1] == "skillcert.wsgi:application"


def test_x7_several_workers_need_a_shared_cache(settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with pytest.raises(CommandError) as refused:
        call_command("serve", "--dry-run")
    assert "CACHE_URL" in str(refused.value)
    out = StringIO()
    call_command("serve", "--dry-run", "--workers", "1", stdout=out)
    assert "--workers 1" in out.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_really_serves(tmp_path: Path) -> None:
    """The command starts granian (exec, so the process is granian itself), which answers over HTTP."""
    port = _free_port()
    env = {**os.environ, "SKILLCERT_VAR_DIR": str(tmp_path), "DATABASE_URL": ""}
    env.pop("DATABASE_URL")
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    command = [sys.executable, "-m", "skillcert.manage", "serve", "--workers", "1", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        body = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = json.loads(r.read())
            except OSError:
                assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
                time.sleep(0.2)
        assert body is not None and body["status"] == "ok" and body["database"]["reachable"]
    finally:
        # granian and its worker processes: the whole process group, gracefully, then for sure
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
