"""opportunity notes: the unified CRM note's title and owner

Revision ID: 0005n
Revises: 0004m
Create Date: 2026-12-01 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005n"
down_revision: str | None = "0004m"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("opportunity_notes", sa.Column("title", sa.String(length=255), nullable=True))
    op.add_column("opportunity_notes", sa.Column("owner_user_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_opportunity_notes_account_id_owner_user_id_users"),
        "opportunity_notes",
        "users",
        ["account_id", "owner_user_id"],
        ["account_id", "id"],
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_constraint(
        op.f("fk_opportunity_notes_account_id_owner_user_id_users"),
        "opportunity_notes",
        type_="foreignkey",
    )
    op.drop_column("opportunity_notes", "owner_user_id")
    op.drop_column("opportunity_notes", "title")
