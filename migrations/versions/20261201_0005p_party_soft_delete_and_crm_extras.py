"""companies and contacts: soft delete, and the unified CRM's keys iVvy has no place for

Revision ID: 0005p
Revises: 0005n
Create Date: 2026-12-01 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005p"
down_revision: str | None = "0005n"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    for table in ("companies", "contacts"):
        op.add_column(
            table,
            sa.Column(
                "crm_extras",
                postgresql.JSONB(astext_type=sa.Text()),
                server_default=sa.text("'{}'::jsonb"),
                nullable=False,
            ),
        )
        op.add_column(table, sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    for table in ("companies", "contacts"):
        op.drop_column(table, "deleted_at")
        op.drop_column(table, "crm_extras")
