"""changes: one row per record per write, with each changed field's old and new value

Revision ID: 0009h
Revises: 0008l
Create Date: 2026-12-02 05:00:00

The history actions read it; a later event dispatcher can read one record's changes in commit
order by (account_id, entity, record_id, id).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009h"
down_revision: str | None = "0008l"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table and its per-record index."""
    op.create_table(
        "changes",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "id", sa.BigInteger(), sa.Identity(always=False), autoincrement=True, nullable=False
        ),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column(
            "changes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "entity IN ('opportunity', 'contact', 'company', 'note')",
            name=op.f("ck_changes_entity"),
        ),
        sa.CheckConstraint(
            "action IN ('added', 'updated', 'deleted')", name=op.f("ck_changes_action")
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "api_key_id"],
            ["api_keys.account_id", "api_keys.id"],
            name=op.f("fk_changes_account_id_api_key_id_api_keys"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_changes_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_changes")),
    )
    op.create_index(
        op.f("ix_changes_account_id_entity_record_id_id"),
        "changes",
        ["account_id", "entity", "record_id", "id"],
        unique=False,
    )


def downgrade() -> None:
    """Drop the table."""
    op.drop_index(op.f("ix_changes_account_id_entity_record_id_id"), table_name="changes")
    op.drop_table("changes")
