"""Statements built and compiled once, then run with each request's values as parameters.

Building a wide SQLAlchemy statement and compiling it can cost several times what PostgreSQL
takes to run it (10 ms for getOpportunityList's page); a list's statement depends only on
the shape of a request (which filters, which sort), so it is built once per shape. Its SQL
holds no request value, so psycopg also prepares it once per connection.
They run through psycopg itself, as the hot path's statements do (``platform.sql``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row
from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from venuecrm.platform.sql import send_deferred_before


@dataclass(frozen=True, slots=True)
class Compiled:
    """A statement compiled for the driver, with the values it holds itself (an account, JSON
    keys...); a request adds its own."""

    sql: str
    params: dict[str, Any]

    def run(self, session: Session, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The rows for ``values``, as dicts of their labels, in the session's transaction.

        Sent through psycopg itself, as the hot path's statements are (``platform.sql``):
        SQLAlchemy's execution and result layers cost more CPU than reading the rows.
        """
        connection = session.connection()
        send_deferred_before(connection)  # the transaction's pending writes go first
        driver = connection.connection.driver_connection
        assert isinstance(driver, psycopg.Connection)
        with driver.cursor(row_factory=dict_row) as cursor:
            return cursor.execute(self.sql, {**self.params, **values}).fetchall()


class Statements:
    """Compiled statements by key, at most ``size`` of them: past that the oldest goes, so a
    client trying every combination of filters costs only recompiles."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._found: dict[Hashable, Compiled] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Select[Any]], dialect: Dialect) -> Compiled:
        """The statement for ``key`` compiled for ``dialect``; ``build`` makes it the first time."""
        key = (key, dialect.name, dialect.paramstyle)
        found = self._found.get(key)
        if found is None:
            compiled = build().compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
            found = Compiled(compiled.string, dict(compiled.params))
            with self._lock:
                while len(self._found) >= self._size:
                    del self._found[next(iter(self._found))]
                self._found[key] = found
        return found
