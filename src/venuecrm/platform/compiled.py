"""Statements built and compiled once, then run with each request's values as parameters.

Building a wide SQLAlchemy statement and compiling it can cost several times what PostgreSQL
takes to run it (10 ms for getOpportunityList's page); a list's statement depends only on
the shape of a request (which filters, which sort), so it is built once per shape. Its SQL
holds no request value. They run through psycopg itself, as the hot path's statements do
(``platform.sql``).
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
    # Whether PostgreSQL may run it as a prepared statement, with a generic plan (``run``).
    prepare: bool = True

    def run(self, session: Session, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The rows for ``values``, as dicts of their labels, in the session's transaction.

        Sent through psycopg itself, as the hot path's statements are (``platform.sql``):
        SQLAlchemy's execution and result layers cost more CPU than reading the rows.
        Without ``prepare`` it is planned for each request's values: PostgreSQL switches a
        prepared statement to a generic plan, which cannot see a LIKE prefix or how selective
        a date is, and chose scans 3 to 12 times slower (name__BEGINS: 130 ms instead of 10,
        bench/list_opportunities.py); planning a list's statement costs 2-4 ms.
        """
        connection = session.connection()
        send_deferred_before(connection)  # the transaction's pending writes go first
        driver = connection.connection.driver_connection
        assert isinstance(driver, psycopg.Connection)
        with driver.cursor(row_factory=dict_row) as cursor:
            params = {**self.params, **values}
            return cursor.execute(
                self.sql, params, prepare=None if self.prepare else False
            ).fetchall()


class Statements:
    """Compiled statements by key, at most ``size`` of them: past that the oldest goes, so a
    client trying every combination of filters costs only recompiles."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._found: dict[Hashable, Compiled] = {}
        self._lock = threading.Lock()

    def get(
        self,
        key: Hashable,
        build: Callable[[], Select[Any]],
        dialect: Dialect,
        *,
        prepare: bool = True,
    ) -> Compiled:
        """The statement for ``key`` compiled for ``dialect``; ``build`` makes it the first time.

        ``prepare``: whether a generic plan serves it (``Compiled.run``).
        """
        key = (key, dialect.name, dialect.paramstyle)
        found = self._found.get(key)
        if found is None:
            compiled = build().compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
            found = Compiled(compiled.string, dict(compiled.params), prepare)
            with self._lock:
                while len(self._found) >= self._size:
                    del self._found[next(iter(self._found))]
                self._found[key] = found
        return found
