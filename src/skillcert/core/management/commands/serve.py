"""`skillcert serve`: the production server (design.md "Serving the hot path").

Django over WSGI under granian: 2 worker processes with 2 blocking threads each by default (measured:
more workers than cores gave nothing; without `--blocking-threads` two workers held 57 database
connections; granian beat gunicorn sync by ~1.3x). Persistent database connections and psycopg prepared
statements come from settings (DATABASE_URL on PostgreSQL). The process is replaced by granian (exec),
so signals from a supervisor reach it directly.

With more than one worker the rate limits (public verification, holder log-in) must count in a shared
cache: set CACHE_URL=redis://… — the command refuses to start several workers on a per-process cache
unless --allow-local-cache is given.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


def granian_argv(
    *, host: str, port: int, workers: int, blocking_threads: int, extra: list[str] | None = None
) -> list[str]:
    """The granian command line that serves skillcert (WSGI)."""
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(blocking_threads),
        "--no-ws",
        *(extra or []),
        "skillcert.wsgi:application",
    ]


def shared_cache() -> bool:
    backend = str(settings.CACHES.get("default", {}).get("BACKEND", ""))
    return not backend.endswith(("locmem.LocMemCache", "dummy.DummyCache"))


class Command(BaseCommand):
    help = "Serve skillcert in production: granian WSGI, 2 workers x 2 blocking threads by default."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=2, help="processes (no more than cores)")
        parser.add_argument("--blocking-threads", type=int, default=2, help="threads per worker")
        parser.add_argument(
            "--allow-local-cache",
            action="store_true",
            help="start several workers although the cache is per process (rate limits then per worker)",
        )
        parser.add_argument("--dry-run", action="store_true", help="print the granian command only")
        parser.add_argument("granian_options", nargs="*", help="passed to granian (after --)")

    def handle(self, *args: Any, **options: Any) -> None:
        workers = int(options["workers"])
        if workers < 1 or int(options["blocking_threads"]) < 1:
            raise CommandError("--workers and --blocking-threads must be at least 1")
        if workers > 1 and not shared_cache() and not options["allow_local_cache"]:
            raise CommandError(
                "Several workers need a shared cache for the rate limits: set CACHE_URL=redis://host:6379/0 "
                "(or --workers 1, or --allow-local-cache to accept per-worker limits)."
            )
        argv = granian_argv(
            host=options["host"],
            port=int(options["port"]),
            workers=workers,
            blocking_threads=int(options["blocking_threads"]),
            extra=list(options["granian_options"]),
        )
        if options["dry_run"]:
            self.stdout.write(" ".join(argv))
            return
        if shutil.which(sys.executable) is None:  # pragma: no cover - defensive
            raise CommandError(f"cannot find the Python interpreter {sys.executable}")
        self.stdout.write(
            f"serving on http://{options['host']}:{options['port']}/ with granian ({workers} workers)"
        )
        self.stdout.flush()
        os.execv(argv[0], argv)  # noqa: S606 - our own interpreter, fixed arguments
