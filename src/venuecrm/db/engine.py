"""Engine and session factory built from Settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from venuecrm.auth import vault
from venuecrm.config import Settings
from venuecrm.db.embedded import start_embedded


def database_url(settings: Settings) -> str:
    """``DATABASE_URL`` if set, else the embedded server's URL (starting it if needed)."""
    return settings.database_url or start_embedded(settings.data_dir)


def connect_args(settings: Settings) -> dict[str, Any]:
    """psycopg connection arguments every engine on ``settings`` uses."""
    # psycopg prepares a query server-side after its fifth run on a connection; None never does.
    return {} if settings.prepared_statements else {"prepare_threshold": None}


def make_engine(settings: Settings, url: str | None = None) -> Engine:
    """A pooled psycopg 3 engine for ``url`` (default: ``database_url(settings)``).

    Also installs the settings' secret keys: API secrets in this database are encrypted with
    them (``auth.vault``).
    """
    vault.install(settings)
    # No pre-ping: it costs a round trip per checkout. A connection the server dropped fails
    # one request, and SQLAlchemy then discards the pool's stale connections.
    return create_engine(
        url or database_url(settings),
        pool_size=settings.pool_size,
        max_overflow=settings.pool_max_overflow,
        pool_recycle=3600,
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
