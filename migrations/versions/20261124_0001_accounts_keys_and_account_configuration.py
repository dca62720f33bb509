"""accounts, keys and account configuration

Revision ID: 0001
Revises:
Create Date: 2026-11-24 00:47:34.620329
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("name", name=op.f("uq_accounts_name")),
    )
    op.create_table(
        "api_keys",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "id", sa.Integer(), sa.Identity(always=False), autoincrement=True, nullable=False
        ),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
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
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_api_keys_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key", name=op.f("uq_api_keys_key")),
    )
    op.create_table(
        "custom_field_definitions",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "id", sa.Integer(), sa.Identity(always=False), autoincrement=True, nullable=False
        ),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("field_type", sa.SmallInteger(), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("is_required", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("select_values", postgresql.JSON(astext_type=sa.Text()), nullable=True),
        sa.Column("file_types", postgresql.JSON(astext_type=sa.Text()), nullable=True),
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
        sa.CheckConstraint(
            "entity IN ('opportunity', 'contact', 'company')",
            name=op.f("ck_custom_field_definitions_entity"),
        ),
        sa.CheckConstraint(
            "field_type BETWEEN 0 AND 9", name=op.f("ck_custom_field_definitions_field_type")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_custom_field_definitions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_custom_field_definitions")),
    )
    op.create_table(
        "industries",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "id", sa.Integer(), sa.Identity(always=False), autoincrement=True, nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
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
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_industries_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_industries")),
    )
    op.create_table(
        "lead_channels",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "id", sa.Integer(), sa.Identity(always=False), autoincrement=True, nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
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
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_lead_channels_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_lead_channels")),
    )
    op.create_table(
        "lead_qualities",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "id", sa.Integer(), sa.Identity(always=False), autoincrement=True, nullable=False
        ),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("show_on_dash", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
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
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_lead_qualities_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_lead_qualities")),
    )
    op.create_table(
        "lead_stages",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "id", sa.Integer(), sa.Identity(always=False), autoincrement=True, nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("colour", sa.String(length=20), nullable=False),
        sa.Column("apply_to", sa.SmallInteger(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
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
        sa.CheckConstraint("apply_to IN (1, 2)", name=op.f("ck_lead_stages_apply_to")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_lead_stages_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_lead_stages")),
    )
    op.create_table(
        "lead_types",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "id", sa.Integer(), sa.Identity(always=False), autoincrement=True, nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
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
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_lead_types_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_lead_types")),
    )
    op.create_table(
        "lost_reasons",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "id", sa.Integer(), sa.Identity(always=False), autoincrement=True, nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
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
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_lost_reasons_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_lost_reasons")),
    )
    op.create_table(
        "users",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "id", sa.Integer(), sa.Identity(always=False), autoincrement=True, nullable=False
        ),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
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
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_users_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_users")),
    )
    op.create_table(
        "venues",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "id", sa.Integer(), sa.Identity(always=False), autoincrement=True, nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
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
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_venues_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_venues")),
    )
    op.create_table(
        "lead_sources",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "id", sa.Integer(), sa.Identity(always=False), autoincrement=True, nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("cost", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("colour", sa.String(length=20), nullable=False),
        sa.Column("is_referral", sa.Boolean(), nullable=False),
        sa.Column("default_type_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
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
            ["account_id", "default_type_id"],
            ["lead_types.account_id", "lead_types.id"],
            name=op.f("fk_lead_sources_account_id_default_type_id_lead_types"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_lead_sources_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_lead_sources")),
    )
    op.create_table(
        "lead_stage_reasons",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "id", sa.Integer(), sa.Identity(always=False), autoincrement=True, nullable=False
        ),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
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
            ["account_id", "stage_id"],
            ["lead_stages.account_id", "lead_stages.id"],
            name=op.f("fk_lead_stage_reasons_account_id_stage_id_lead_stages"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_lead_stage_reasons_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_lead_stage_reasons")),
    )
    op.create_table(
        "lead_subtypes",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "id", sa.Integer(), sa.Identity(always=False), autoincrement=True, nullable=False
        ),
        sa.Column("type_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
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
            ["account_id", "type_id"],
            ["lead_types.account_id", "lead_types.id"],
            name=op.f("fk_lead_subtypes_account_id_type_id_lead_types"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_lead_subtypes_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_lead_subtypes")),
    )
    op.create_table(
        "account_settings",
        sa.Column("account_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("default_stage_id", sa.Integer(), nullable=True),
        sa.Column("default_venue_id", sa.Integer(), nullable=True),
        sa.Column("default_type_id", sa.Integer(), nullable=True),
        sa.Column("default_source_id", sa.Integer(), nullable=True),
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
            ["account_id", "default_source_id"],
            ["lead_sources.account_id", "lead_sources.id"],
            name=op.f("fk_account_settings_account_id_default_source_id_lead_sources"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "default_stage_id"],
            ["lead_stages.account_id", "lead_stages.id"],
            name=op.f("fk_account_settings_account_id_default_stage_id_lead_stages"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "default_type_id"],
            ["lead_types.account_id", "lead_types.id"],
            name=op.f("fk_account_settings_account_id_default_type_id_lead_types"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "default_venue_id"],
            ["venues.account_id", "venues.id"],
            name=op.f("fk_account_settings_account_id_default_venue_id_venues"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_settings_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_settings")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("account_settings")
    op.drop_table("lead_subtypes")
    op.drop_table("lead_stage_reasons")
    op.drop_table("lead_sources")
    op.drop_table("venues")
    op.drop_table("users")
    op.drop_table("lost_reasons")
    op.drop_table("lead_types")
    op.drop_table("lead_stages")
    op.drop_table("lead_qualities")
    op.drop_table("lead_channels")
    op.drop_table("industries")
    op.drop_table("custom_field_definitions")
    op.drop_table("api_keys")
    op.drop_table("accounts")
