"""accounts.config_version: bumped by every change to an account's keys, settings and lookups

Revision ID: 0007c
Revises: 0006s
Create Date: 2026-12-02 04:30:00

Processes cache what rarely changes (API keys, lookups, custom field definitions, settings) and
check this one number on each request; triggers bump it, so no writer can forget to.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007c"
down_revision: str | None = "0006s"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables an account snapshot is cached from (models.CONFIG_TABLES at this revision).
TABLES = (
    "api_keys", "account_settings", "venues", "users", "lead_sources", "lead_types",
    "lead_subtypes", "lead_stages", "lead_stage_reasons", "lead_channels", "lead_qualities",
    "industries", "lost_reasons", "custom_field_definitions",
)  # fmt: skip

_FUNCTION = """
CREATE FUNCTION bump_config_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Row-level: config changes are rare and small; NEW is null on DELETE, OLD on INSERT.
    UPDATE accounts SET config_version = config_version + 1
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.account_id ELSE NEW.account_id END;
    IF TG_OP = 'UPDATE' AND OLD.account_id <> NEW.account_id THEN
        UPDATE accounts SET config_version = config_version + 1 WHERE id = OLD.account_id;
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    """Add the version and a trigger on every cached table."""
    op.add_column(
        "accounts",
        sa.Column("config_version", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.execute(_FUNCTION)
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER bump_config_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION bump_config_version()"
        )


def downgrade() -> None:
    """Drop the triggers, the function and the column."""
    for table in TABLES:
        op.execute(f"DROP TRIGGER bump_config_version ON {table}")
    op.execute("DROP FUNCTION bump_config_version()")
    op.drop_column("accounts", "config_version")
