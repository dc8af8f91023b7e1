"""`skillcert serve`: the production server (design.md "Serving the hot path").

Django over WSGI under granian: 2 worker processes with 2 blocking threads each by default (measured:
more workers than cores gave nothing; without `--blocking-threads` two workers held 57 database
connections; granian beat gunicorn sync by ~1.3x). Persistent database connections and psycopg prepared
statements come from settings (DATABASE_URL on PostgreSQL). The process is replaced by granian (exec),
so signals from a supervisor reach it directly.

It refuses to start with DEBUG on, and in production (SKILLCERT_ENV) unless HTTPS reaches it: through a
TLS proxy (SKILLCERT_TLS_PROXY=1) or granian's own certificate options (docs/operations.md).

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

# Django's debug pages show tracebacks, settings and SQL to anyone who asks (issue 13 item 7).
DEBUG_REFUSED = (
    "DEBUG 已开启：生产服务器不能在调试模式下启动，调试页面会向任何访问者显示程序内部信息。"
    "请取消 DEBUG 环境变量后再启动。\n"
    "DEBUG is on: the production server does not start in debug mode, whose error pages show the "
    "program's internals to anyone. Unset DEBUG and start again."
)
# In production every plain-HTTP request is redirected to https://: something must serve that.
NO_HTTPS_REFUSED = (
    "生产模式只接受 HTTPS：请在 TLS 反向代理之后运行并设置 SKILLCERT_TLS_PROXY=1，"
    "或向 granian 提供证书（-- --ssl-certificate 文件 --ssl-keyfile 文件）。见 docs/operations.md。\n"
    "Production answers HTTPS only: run behind a TLS proxy with SKILLCERT_TLS_PROXY=1, or give granian "
    "a certificate (-- --ssl-certificate FILE --ssl-keyfile FILE); otherwise every request is "
    "redirected to an https:// address nobody serves. See docs/operations.md."
)


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
        if settings.DEBUG:
            raise CommandError(DEBUG_REFUSED)
        if settings.SECURE_SSL_REDIRECT and not getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
            own_tls = os.environ.get("GRANIAN_SSL_CERTIFICATE") or any(
                o.startswith("--ssl-certificate") for o in options["granian_options"]
            )
            if not own_tls:
                raise CommandError(NO_HTTPS_REFUSED)
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
