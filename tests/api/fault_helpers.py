"""Helpers for the fault tests: a row lock held from outside the app, waiting backends."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL as psycopg wants it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def row_locked(database_url: str, table: str, row_id: int) -> Iterator[psycopg.Connection]:
    """Hold ``FOR UPDATE`` on one row from a separate connection until the block ends."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        query = sql.SQL("SELECT id FROM {} WHERE id = %s FOR UPDATE").format(sql.Identifier(table))
        assert conn.execute(query, (row_id,)).fetchone() is not None
        try:
            yield conn
        finally:
            conn.rollback()


def lock_waiters(database_url: str) -> int:
    """How many backends of the database wait on a lock (row lock waiters queue behind the
    first one, so they are not all blocked by the holder itself)."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    assert row is not None
    return int(row[0])


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)  # polling interval; the condition decides
