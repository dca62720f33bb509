"""Apply Alembic migrations from code (``venuecrm db upgrade``, ``serve``, tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from venuecrm.auth import vault
from venuecrm.config import Settings


def alembic_config(settings: Settings, url: str) -> Config:
    """An Alembic configuration for ``url`` using the migrations directory from settings."""
    config = Config()
    config.set_main_option("script_location", str(settings.migrations_dir))
    config.attributes["url"] = url
    return config


def upgrade(settings: Settings, url: str) -> None:
    """Apply every pending migration to the database at ``url``.

    With the settings' secret keys installed: a migration may encrypt stored API secrets.
    """
    vault.install(settings)
    command.upgrade(alembic_config(settings, url), "head")
