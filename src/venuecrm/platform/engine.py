"""Engine and session factory built from Settings."""

from __future__ import annotations

import select
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from venuecrm.config import Settings
from venuecrm.platform import vault
from venuecrm.platform.embedded import start_embedded
from venuecrm.platform.sql import send_deferred_before


def database_url(settings: Settings) -> str:
    """``DATABASE_URL`` if set, else the embedded server's URL (starting it if needed)."""
    return settings.database_url or start_embedded(settings.data_dir)


def connect_args(settings: Settings) -> dict[str, object]:
    """libpq options for every connection: a short connect timeout and the request timeouts.

    The timeouts travel in the startup packet (``options``), so they cost no statement and no
    round trip on any request, and hold for every transaction on the connection (a ``SET
    LOCAL`` per transaction would cost a round trip each). Behind a transaction-pooling
    PgBouncer, which does not forward ``options``, set them on the role instead (README).
    """
    return {
        "connect_timeout": settings.connect_timeout_seconds,
        "options": (
            f"-c lock_timeout={settings.lock_timeout_ms} "
            f"-c statement_timeout={settings.statement_timeout_ms}"
        ),
        **prepare_args(settings),
    }


def prepare_args(settings: Settings) -> dict[str, object]:
    """psycopg's prepared statements, off when ``settings.prepared_statements`` is false.

    psycopg prepares a query on the server after its fifth run on a connection; behind a
    transaction-pooling PgBouncer the next transaction may run on another server connection,
    where that statement does not exist (docs/deployment.md §3). None never prepares.
    """
    return {} if settings.prepared_statements else {"prepare_threshold": None}


def make_engine(settings: Settings, url: str | None = None) -> Engine:
    """A pooled psycopg 3 engine for ``url`` (default: ``database_url(settings)``).

    Also installs the settings' secret keys: API secrets in this database are encrypted with
    them (``platform.vault``).
    """
    vault.install(settings)
    engine = create_engine(
        url or database_url(settings),
        pool_size=settings.pool_size,
        max_overflow=settings.pool_max_overflow,
        pool_timeout=settings.pool_timeout_seconds,
        pool_recycle=3600,
        # Errors (and so logs) show the statement, never its values: names, e-mails, notes.
        hide_parameters=True,
        connect_args=connect_args(settings),
    )
    event.listen(engine, "checkout", _closed_by_server)
    event.listen(engine, "before_cursor_execute", send_deferred_before)
    return engine


def _closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Replace a pooled connection the server closed (restart, pg_terminate_backend) at checkout.

    An idle connection has nothing to read: the server's goodbye (an error, then end of file)
    makes its socket readable. Checking that costs no round trip, unlike a pre-ping ``SELECT 1``
    per checkout; the pool retries the checkout with a fresh connection.
    """
    if dbapi_connection.closed:
        raise DisconnectionError()
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    if poller.poll(0):
        raise DisconnectionError()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (replies are built after it)."""
    return sessionmaker(engine, expire_on_commit=False)
