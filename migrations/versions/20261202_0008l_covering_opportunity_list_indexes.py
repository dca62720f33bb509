"""opportunity list indexes that answer a count and a page of ids on their own

Revision ID: 0008l
Revises: 0007c
Create Date: 2026-12-02 05:00:00

Each filter index of the opportunity lists also holds id and deleted_at (the stage's also the
venue and modified date, the name's the venue and name), so PostgreSQL counts and pages the
matches by an index-only scan instead of visiting each matching row.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008l"
down_revision: str | None = "0007c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "opportunities"
_NAME = "ix_opportunities_account_id_lower_name"
# (column, its key columns before; now they are account_id, column, id), included columns
_INDEXES = (
    ("venue_id", ["account_id", "venue_id", "id"], ["deleted_at"]),
    ("modified_at", ["account_id", "modified_at", "id"], ["deleted_at"]),
    ("contact_id", ["account_id", "contact_id"], ["deleted_at"]),
    ("company_id", ["account_id", "company_id"], ["deleted_at"]),
    ("owner_user_id", ["account_id", "owner_user_id"], ["deleted_at"]),
    ("stage_id", ["account_id", "stage_id"], ["venue_id", "modified_at", "deleted_at"]),
)


def _name(columns: list[str]) -> str:
    return f"ix_{_TABLE}_{'_'.join(columns)}"


def _lower_name(include: list[str] | None) -> None:
    op.create_index(
        _NAME,
        _TABLE,
        ["account_id", sa.literal_column("lower(name)").label("lower_name")],
        unique=False,
        postgresql_ops={"lower_name": "text_pattern_ops"},
        postgresql_include=include or [],
    )


def upgrade() -> None:
    """Apply this revision."""
    for column, before, include in _INDEXES:
        op.drop_index(_name(before), table_name=_TABLE)
        now = ["account_id", column, "id"]
        op.create_index(_name(now), _TABLE, now, unique=False, postgresql_include=include)
    op.drop_index(_NAME, table_name=_TABLE)
    _lower_name(["venue_id", "id", "deleted_at", "name"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(_NAME, table_name=_TABLE)
    _lower_name(None)
    for column, before, _ in reversed(_INDEXES):
        op.drop_index(_name(["account_id", column, "id"]), table_name=_TABLE)
        op.create_index(_name(before), _TABLE, before, unique=False)
