"""What the PostgreSQL benchmarks share: the bench database they may drop and recreate, and logging.

Imported as a sibling module (`python bench/<name>.py` puts bench/ first on sys.path)."""

from __future__ import annotations

import sys
from urllib.parse import urlsplit, urlunsplit


def log(message: str) -> None:
    print(message, flush=True)


def bench_database(url: str, script: str, example: str) -> tuple[str, str]:
    """(database name, URL of the `postgres` maintenance database) for `url`, or exit with a clear
    message: the benchmarks measure against PostgreSQL and drop their database, so only a PostgreSQL
    database whose name starts with `skillcert_bench` is accepted."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(
            f"bench/{script} needs PostgreSQL: set DATABASE_URL=postgres://user@host:port/{example} "
            f"(got {url or 'nothing'!r}); it never runs on SQLite."
        )
    name = parts.path.lstrip("/")
    if not name.startswith("skillcert_bench"):
        sys.exit(
            f"bench/{script} drops and recreates its database; refusing to touch {name!r} "
            "(the database name must start with 'skillcert_bench')."
        )
    return name, urlunsplit(parts._replace(path="/postgres"))


def recreate_database(name: str, maintenance_url: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
