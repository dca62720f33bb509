"""The hot path's statements, sent straight through psycopg in the unit of work's transaction.

SQLAlchemy costs about a millisecond of CPU per statement; a prepared psycopg statement a tenth
of that (architecture §3a). Statements here are plain SQL strings, so psycopg prepares each one
on the server after a few runs. Round trips are saved two ways:

- ``together()``: statements executed in the block are sent at once (psycopg pipeline mode) and
  each one's cursor is read after the block;
- ``defer()``: writes whose result nobody reads wait, and go out with the next round trip the
  transaction makes anyway, at the latest with its COMMIT.

SQLAlchemy statements still work in the same transaction: any deferred writes are sent before
one runs (``send_deferred_before``, installed on every engine), so the order of writes is
always the order the code made them in.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import Connection
from sqlalchemy.orm import Session

Params = Sequence[Any] | dict[str, Any]
_KEY = "venuecrm.sql"


class Sql:
    """Plain statements of one transaction (one ``UnitOfWork`` at depth one)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._deferred: list[tuple[str, Params]] = []
        self._conn: psycopg.Connection[Any] | None = None
        self._info: dict[Any, Any] | None = None  # the pooled connection's, while we use it

    @property
    def conn(self) -> psycopg.Connection[Any]:
        """The transaction's psycopg connection (checked out of the pool on first use)."""
        if self._conn is None:
            connection = self._session.connection()
            self._info = connection.info
            self._info[_KEY] = self
            driver = connection.connection.driver_connection
            assert isinstance(driver, psycopg.Connection)
            self._conn = driver
        return self._conn

    def execute(self, query: str, params: Params = ()) -> psycopg.Cursor[Any]:
        """Run one statement now (deferred writes go first, in the same round trip)."""
        if not self._deferred:
            return self.conn.execute(query, params)
        with self.together():
            cursor = self.conn.execute(query, params)
        return cursor

    @contextmanager
    def together(self) -> Iterator[None]:
        """Send the block's statements (after any deferred ones) in one round trip."""
        conn = self.conn
        with conn.pipeline():
            self._send(conn)
            yield

    def defer(self, query: str, params: Params) -> None:
        """Run this write later, with the next round trip (its result is not read)."""
        self._deferred.append((query, params))

    def send_deferred(self) -> None:
        """Send the deferred writes now, in one round trip."""
        if self._deferred:
            with self.together():
                pass

    def commit(self) -> None:
        """Send the deferred writes and COMMIT in one round trip."""
        if self._deferred:
            with self.together():
                # As a statement: conn.commit() would wait for it before the block's own Sync.
                # The caller's commit() then finds the transaction closed and sends nothing.
                self.conn.execute("COMMIT")

    def discard(self) -> None:
        """Forget the deferred writes (the transaction rolls back) and the connection."""
        self._deferred.clear()
        # Not through the session: after a failed statement it refuses to hand out its
        # connection, and this runs while that error is on its way to the client.
        if self._info is not None:
            self._info.pop(_KEY, None)
        self._conn = self._info = None

    def _send(self, conn: psycopg.Connection[Any]) -> None:
        deferred, self._deferred = self._deferred, []
        for query, params in deferred:
            conn.execute(query, params)


def send_deferred_before(conn: Connection, *_: Any) -> None:
    """SQLAlchemy's ``before_cursor_execute`` hook: deferred writes run before its statement."""
    sql = conn.info.get(_KEY)
    if sql is not None:
        sql.send_deferred()
