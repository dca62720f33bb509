"""contact and company list indexes; names and external ids as long as the API takes them

Revision ID: 0004c
Revises: 0003
Create Date: 2026-11-24 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004c"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# addOrUpdateContact/Company accept 255 characters for these (schemas.parties).
_WIDENED = (
    ("contacts", "external_id", True),
    ("contacts", "first_name", False),
    ("contacts", "last_name", False),
    ("companies", "external_id", True),
)


def upgrade() -> None:
    """Apply this revision."""
    for table, column, nullable in _WIDENED:
        op.alter_column(
            table,
            column,
            existing_type=sa.String(length=200),
            type_=sa.String(length=255),
            existing_nullable=nullable,
        )
    for table in ("contacts", "companies"):
        op.create_index(
            f"ix_{table}_account_id_lower_external_id",
            table,
            ["account_id", sa.text("lower(external_id)")],
            unique=False,
        )
        op.create_index(
            op.f(f"ix_{table}_account_id_modified_at_id"),
            table,
            ["account_id", "modified_at", "id"],
            unique=False,
        )
    op.create_index(
        op.f("ix_company_contacts_account_id_contact_id"),
        "company_contacts",
        ["account_id", "contact_id"],
        unique=False,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_company_contacts_account_id_contact_id"), table_name="company_contacts")
    for table in ("contacts", "companies"):
        op.drop_index(op.f(f"ix_{table}_account_id_modified_at_id"), table_name=table)
        op.drop_index(f"ix_{table}_account_id_lower_external_id", table_name=table)
    for table, column, nullable in _WIDENED:
        op.alter_column(
            table,
            column,
            existing_type=sa.String(length=255),
            type_=sa.String(length=200),
            existing_nullable=nullable,
        )
