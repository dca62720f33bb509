"""Database failures a client can retry, as the errors they are answered with.

The one place that reads SQLSTATEs: a lock or statement timeout is contention (429 / 24299), a
connection that cannot be made, was cut or cannot be had from the pool is an outage (503 /
90503). Anything else is a bug and stays a 500.
"""

from __future__ import annotations

import psycopg
from sqlalchemy import exc as sa_exc

from venuecrm.errors import DatabaseUnavailable, RaceCondition, VenueCrmError

LOCK_NOT_AVAILABLE = "55P03"
QUERY_CANCELED = "57014"
# Server going away (pg_terminate_backend, shutdown, crash) or not accepting connections yet.
_UNAVAILABLE = {"57P01", "57P02", "57P03", "53300"}


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a database error (wrapped by SQLAlchemy or not), if it carries one."""
    orig = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    state = getattr(orig, "sqlstate", None)
    return state if isinstance(state, str) else None


def retryable(error: BaseException) -> VenueCrmError | None:
    """The client-facing error for a transient database failure; None for anything else."""
    if isinstance(error, sa_exc.TimeoutError):  # QueuePool: no connection within pool_timeout
        return DatabaseUnavailable("Every database connection is busy; retry shortly")
    if isinstance(error, sa_exc.DBAPIError):
        orig, invalidated = error.orig, error.connection_invalidated
    elif isinstance(error, psycopg.Error):  # a plain statement's (platform.sql)
        orig, invalidated = error, False
    else:
        return None
    state = sqlstate(error)
    if state == LOCK_NOT_AVAILABLE:
        return RaceCondition()
    if state == QUERY_CANCELED:
        return RaceCondition(
            "Race condition: the request ran longer than the statement timeout; retry shortly"
        )
    lost = invalidated or state in _UNAVAILABLE
    # No SQLSTATE on an OperationalError: libpq failed to connect or lost the socket.
    if lost or (isinstance(orig, psycopg.OperationalError) and state is None):
        return DatabaseUnavailable()
    if state is not None and state.startswith("08"):  # connection exception class
        return DatabaseUnavailable()
    return None
