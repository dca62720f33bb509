"""unified CRM fields and soft delete on opportunities

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 01:11:11.510832
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column(
        "opportunities",
        sa.Column("monetary_amount", sa.Numeric(precision=18, scale=2), nullable=True),
    )
    op.add_column("opportunities", sa.Column("currency", sa.String(length=20), nullable=True))
    op.add_column(
        "opportunities",
        sa.Column("win_probability", sa.Numeric(precision=7, scale=4), nullable=True),
    )
    op.add_column("opportunities", sa.Column("priority", sa.String(length=100), nullable=True))
    op.add_column("opportunities", sa.Column("status", sa.String(length=100), nullable=True))
    op.add_column("opportunities", sa.Column("status_id", sa.String(length=100), nullable=True))
    op.add_column(
        "opportunities", sa.Column("tags", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )
    op.add_column("opportunities", sa.Column("won_reason_id", sa.String(length=100), nullable=True))
    op.add_column("opportunities", sa.Column("won_reason", sa.String(length=255), nullable=True))
    op.add_column("opportunities", sa.Column("lead_id", sa.String(length=100), nullable=True))
    op.add_column(
        "opportunities",
        sa.Column("stage_last_changed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "opportunities", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        op.f("ix_opportunities_account_id_modified_at_id"),
        "opportunities",
        ["account_id", "modified_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_opportunities_account_id_modified_at_id"), table_name="opportunities")
    op.drop_column("opportunities", "deleted_at")
    op.drop_column("opportunities", "stage_last_changed_at")
    op.drop_column("opportunities", "lead_id")
    op.drop_column("opportunities", "won_reason")
    op.drop_column("opportunities", "won_reason_id")
    op.drop_column("opportunities", "tags")
    op.drop_column("opportunities", "status_id")
    op.drop_column("opportunities", "status")
    op.drop_column("opportunities", "priority")
    op.drop_column("opportunities", "win_probability")
    op.drop_column("opportunities", "currency")
    op.drop_column("opportunities", "monetary_amount")
