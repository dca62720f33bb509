"""Apply Alembic migrations from code (``venuecrm db upgrade``, ``serve``, tests)."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from venuecrm.config import Settings
from venuecrm.platform import vault


def alembic_config(settings: Settings, url: str) -> Config:
    """An Alembic configuration for ``url`` using the migrations directory from settings."""
    config = Config()
    config.set_main_option("script_location", str(settings.migrations_dir))
    config.attributes["url"] = url
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, url: str) -> list[str]:
    """Apply every pending migration to ``url``; return the applied ones as ``"id: title"``.

    With the settings' secret keys installed: a migration may encrypt stored API secrets.
    """
    vault.install(settings)
    config = alembic_config(settings, url)
    applied: list[str] = []

    def record(*, step: Any, **_: Any) -> None:
        # migrations/env.py passes this to Alembic as on_version_apply: one call per revision.
        if step.is_upgrade:
            applied.append(f"{step.up_revision_id}: {step.up_revision.doc}")

    config.attributes["on_version_apply"] = record
    command.upgrade(config, "head")
    return applied


def is_current(settings: Settings, engine: Engine) -> bool:
    """Whether the database behind ``engine`` is at the latest revision (nothing is changed)."""
    head = ScriptDirectory.from_config(alembic_config(settings, "")).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head
