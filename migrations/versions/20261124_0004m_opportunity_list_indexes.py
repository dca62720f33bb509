"""indexes for the filters of getOpportunityList

Revision ID: 0004m
Revises: 0004n
Create Date: 2026-11-24 01:58:27.766862
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004m"
down_revision: str | None = "0004n"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PLAIN = ("stage_id", "contact_id", "company_id", "owner_user_id")


def upgrade() -> None:
    """Apply this revision."""
    for column in _PLAIN:
        op.create_index(
            op.f(f"ix_opportunities_account_id_{column}"),
            "opportunities",
            ["account_id", column],
            unique=False,
        )
    # text_pattern_ops: LIKE 'prefix%' can use it whatever the database's collation.
    op.create_index(
        "ix_opportunities_account_id_lower_name",
        "opportunities",
        ["account_id", sa.literal_column("lower(name)").label("lower_name")],
        unique=False,
        postgresql_ops={"lower_name": "text_pattern_ops"},
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_opportunities_account_id_lower_name", table_name="opportunities")
    for column in reversed(_PLAIN):
        op.drop_index(op.f(f"ix_opportunities_account_id_{column}"), table_name="opportunities")
