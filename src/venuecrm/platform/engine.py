"""Engine and session factory built from Settings."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from venuecrm.config import Settings
from venuecrm.platform import vault
from venuecrm.platform.embedded import start_embedded


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
    # Pre-ping: a connection the server closed (restart, pg_terminate_backend) is replaced at
    # checkout instead of failing the request that drew it; it costs one round trip per checkout
    # but no statement inside the request's transaction.
    return create_engine(
        url or database_url(settings),
        pool_size=settings.pool_size,
        max_overflow=settings.pool_max_overflow,
        pool_timeout=settings.pool_timeout_seconds,
        pool_recycle=3600,
        pool_pre_ping=True,
        # Errors (and so logs) show the statement, never its values: names, e-mails, notes.
        hide_parameters=True,
        connect_args=connect_args(settings),
    )


def make_session_factory(engine: Engine, *, autocommit: bool = False) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (replies are built after it).

    ``autocommit`` sessions are for single reads (the API key lookup): no BEGIN and no
    ROLLBACK round trips around the one query.
    """
    bind = engine.execution_options(isolation_level="AUTOCOMMIT") if autocommit else engine
    return sessionmaker(bind, expire_on_commit=False)
