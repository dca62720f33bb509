"""stored responses (idempotency keys, replayed signatures) and per-key PHP date compatibility

Revision ID: 0005r
Revises: 0004m
Create Date: 2026-12-01 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005r"
down_revision: str | None = "0005p"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "stored_responses",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('key', 'signature')", name=op.f("ck_stored_responses_kind")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_stored_responses_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "kind", "key", name=op.f("pk_stored_responses")),
    )
    op.create_index(
        op.f("ix_stored_responses_expires_at"), "stored_responses", ["expires_at"], unique=False
    )
    op.add_column(
        "api_keys",
        sa.Column("php_dates", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column(
        "api_keys",
        sa.Column("time_zone", sa.String(length=64), server_default="UTC", nullable=False),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_column("api_keys", "time_zone")
    op.drop_column("api_keys", "php_dates")
    op.drop_index(op.f("ix_stored_responses_expires_at"), table_name="stored_responses")
    op.drop_table("stored_responses")
