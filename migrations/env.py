"""Alembic environment: migrates the database venuecrm is configured for."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from venuecrm.config import get_settings
from venuecrm.platform.engine import database_url, prepare_args
from venuecrm.platform.models import Base

config = context.config
settings = config.attributes.get("settings") or get_settings()
url = config.attributes.get("url") or database_url(settings)


def run_migrations_online() -> None:
    """Run every pending migration in one transaction."""
    # Not the request timeouts of connect_args: a migration may rightly take longer.
    connectable = create_engine(
        url, poolclass=pool.NullPool, hide_parameters=True, connect_args=prepare_args(settings)
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            compare_server_default=True,
            # platform.migrate collects what was applied, for `venuecrm db upgrade` to print.
            on_version_apply=config.attributes.get("on_version_apply"),
        )
        with context.begin_transaction():
            # Concurrent starts (several workers, a CLI beside the server) migrate one at a time.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7215524)")
            context.run_migrations()


run_migrations_online()
