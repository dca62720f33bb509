"""opportunity notes: what integrators write about an opportunity

Revision ID: 0004n
Revises: 0003
Create Date: 2026-11-24 01:39:20.485937
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004n"
down_revision: str | None = "0004c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "opportunity_notes",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "id", sa.Integer(), sa.Identity(always=False), autoincrement=True, nullable=False
        ),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_key_id", sa.Integer(), nullable=False),
        sa.Column("modified_by_key_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "modified_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "created_by_key_id"],
            ["api_keys.account_id", "api_keys.id"],
            name=op.f("fk_opportunity_notes_account_id_created_by_key_id_api_keys"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "modified_by_key_id"],
            ["api_keys.account_id", "api_keys.id"],
            name=op.f("fk_opportunity_notes_account_id_modified_by_key_id_api_keys"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "opportunity_id"],
            ["opportunities.account_id", "opportunities.id"],
            name=op.f("fk_opportunity_notes_account_id_opportunity_id_opportunities"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_opportunity_notes_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_opportunity_notes")),
    )
    op.create_index(
        op.f("ix_opportunity_notes_account_id_opportunity_id_id"),
        "opportunity_notes",
        ["account_id", "opportunity_id", "id"],
        unique=False,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(
        op.f("ix_opportunity_notes_account_id_opportunity_id_id"), table_name="opportunity_notes"
    )
    op.drop_table("opportunity_notes")
