"""Statements and round trips the app sends to PostgreSQL, read from libpq's own trace.

Every pooled connection is traced while the block runs. A statement is an Execute (extended
protocol) or a Query (simple protocol); a round trip is the client sending, then reading the
server's answer: each switch from frontend to backend messages in the trace is one.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from psycopg.pq import Trace
from sqlalchemy import event


@contextmanager
def traced(app: FastAPI) -> Iterator[Counter[str]]:
    """Counts of the protocol messages every pooled connection sends while the block runs."""
    engine = app.state.runtime.engine
    counts: Counter[str] = Counter()
    with tempfile.TemporaryFile("w+") as log:

        def start(dbapi_connection: Any, *_: Any) -> None:
            pgconn = dbapi_connection.pgconn
            pgconn.trace(log.fileno())
            pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS | Trace.REGRESS_MODE)

        def stop(dbapi_connection: Any, *_: Any) -> None:
            dbapi_connection.pgconn.untrace()

        event.listen(engine.pool, "checkout", start)
        event.listen(engine.pool, "checkin", stop)
        try:
            yield counts
        finally:
            event.remove(engine.pool, "checkout", start)
            event.remove(engine.pool, "checkin", stop)
        log.flush()
        os.fsync(log.fileno())
        log.seek(0)
        sending = False
        for line in log:
            direction, _, kind = [*line.split("\t"), "", ""][:3]
            if direction == "F":
                counts[kind.split()[0]] += 1
                # psycopg's own upkeep: after a ROLLBACK it drops the connection's prepared
                # statements (whether it had any depends on what the connection ran before).
                counts["upkeep"] += "DEALLOCATE" in line
                sending = True
            elif direction == "B" and sending:
                # The server answers what the client sent: one round trip.
                counts["round trips"] += 1
                sending = False


def cost(counts: Counter[str]) -> tuple[int, int]:
    """(statements, round trips) of the traced messages."""
    return (
        counts["Execute"] + counts["Query"] - counts["upkeep"],
        counts["round trips"] - counts["upkeep"],
    )
