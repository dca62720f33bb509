"""companies, contacts, opportunities and custom field values

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 00:55:24.618752
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "contacts",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "id", sa.Integer(), sa.Identity(always=False), autoincrement=True, nullable=False
        ),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("first_name", sa.String(length=200), nullable=False),
        sa.Column("last_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("status", sa.SmallInteger(), nullable=True),
        sa.Column("sms_status", sa.SmallInteger(), nullable=True),
        sa.Column("privacy_consent", sa.Boolean(), nullable=True),
        sa.Column("external_urls", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("natural_key", sa.Text(), nullable=False),
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
            name=op.f("fk_contacts_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_contacts")),
    )
    op.create_index(
        op.f("ix_contacts_account_id_natural_key"),
        "contacts",
        ["account_id", "natural_key"],
        unique=False,
    )
    op.create_table(
        "companies",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "id", sa.Integer(), sa.Identity(always=False), autoincrement=True, nullable=False
        ),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("business_name", sa.String(length=255), nullable=False),
        sa.Column("trading_name", sa.String(length=255), nullable=True),
        sa.Column("business_number", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("other_phone", sa.String(length=50), nullable=True),
        sa.Column("fax", sa.String(length=50), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("address", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("primary_contact_id", sa.Integer(), nullable=True),
        sa.Column("primary_account_manager_id", sa.Integer(), nullable=True),
        sa.Column("secondary_account_manager_id", sa.Integer(), nullable=True),
        sa.Column("industry_id", sa.Integer(), nullable=True),
        sa.Column("is_agent", sa.Boolean(), nullable=False),
        sa.Column("commissions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("iata_number", sa.String(length=50), nullable=True),
        sa.Column("external_urls", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("natural_key", sa.Text(), nullable=False),
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
            ["account_id", "industry_id"],
            ["industries.account_id", "industries.id"],
            name=op.f("fk_companies_account_id_industry_id_industries"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "primary_account_manager_id"],
            ["users.account_id", "users.id"],
            name=op.f("fk_companies_account_id_primary_account_manager_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "primary_contact_id"],
            ["contacts.account_id", "contacts.id"],
            name=op.f("fk_companies_account_id_primary_contact_id_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "secondary_account_manager_id"],
            ["users.account_id", "users.id"],
            name=op.f("fk_companies_account_id_secondary_account_manager_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_companies_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_companies")),
    )
    op.create_index(
        op.f("ix_companies_account_id_natural_key"),
        "companies",
        ["account_id", "natural_key"],
        unique=False,
    )
    op.create_table(
        "custom_field_values",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("value", postgresql.JSON(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint(
            "entity IN ('opportunity', 'contact', 'company')",
            name=op.f("ck_custom_field_values_entity"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "field_id"],
            ["custom_field_definitions.account_id", "custom_field_definitions.id"],
            name=op.f("fk_custom_field_values_account_id_field_id_custom_field_definitions"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_custom_field_values_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "account_id", "entity", "record_id", "field_id", name=op.f("pk_custom_field_values")
        ),
    )
    op.create_table(
        "company_contacts",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "company_id"],
            ["companies.account_id", "companies.id"],
            name=op.f("fk_company_contacts_account_id_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "contact_id"],
            ["contacts.account_id", "contacts.id"],
            name=op.f("fk_company_contacts_account_id_contact_id_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_company_contacts_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "account_id", "company_id", "contact_id", name=op.f("pk_company_contacts")
        ),
    )
    op.create_table(
        "opportunities",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "id", sa.Integer(), sa.Identity(always=False), autoincrement=True, nullable=False
        ),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("contact_type", sa.String(length=10), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("quality_id", sa.Integer(), nullable=True),
        sa.Column("industry_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("type_id", sa.Integer(), nullable=False),
        sa.Column("subtype_id", sa.Integer(), nullable=True),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("stage_reason_id", sa.Integer(), nullable=True),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("utm_source", sa.String(length=255), nullable=True),
        sa.Column("utm_medium", sa.String(length=255), nullable=True),
        sa.Column("utm_campaign", sa.String(length=255), nullable=True),
        sa.Column("utm_term", sa.String(length=255), nullable=True),
        sa.Column("utm_content", sa.String(length=255), nullable=True),
        sa.Column("referral_contact_id", sa.Integer(), nullable=True),
        sa.Column("referral_company_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_quote_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_quote_status", sa.Integer(), nullable=True),
        sa.Column("cancelled_quote_id", sa.Integer(), nullable=True),
        sa.Column("lost_reason_id", sa.Integer(), nullable=True),
        sa.Column("closed_date", sa.Date(), nullable=True),
        sa.Column("external_urls", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "stage_changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by_key_id", sa.Integer(), nullable=True),
        sa.Column("modified_by_key_id", sa.Integer(), nullable=True),
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
            "contact_type IN ('company', 'contact')", name=op.f("ck_opportunities_contact_type")
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "channel_id"],
            ["lead_channels.account_id", "lead_channels.id"],
            name=op.f("fk_opportunities_account_id_channel_id_lead_channels"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "company_id"],
            ["companies.account_id", "companies.id"],
            name=op.f("fk_opportunities_account_id_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "contact_id"],
            ["contacts.account_id", "contacts.id"],
            name=op.f("fk_opportunities_account_id_contact_id_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "created_by_key_id"],
            ["api_keys.account_id", "api_keys.id"],
            name=op.f("fk_opportunities_account_id_created_by_key_id_api_keys"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "industry_id"],
            ["industries.account_id", "industries.id"],
            name=op.f("fk_opportunities_account_id_industry_id_industries"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "lost_reason_id"],
            ["lost_reasons.account_id", "lost_reasons.id"],
            name=op.f("fk_opportunities_account_id_lost_reason_id_lost_reasons"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "modified_by_key_id"],
            ["api_keys.account_id", "api_keys.id"],
            name=op.f("fk_opportunities_account_id_modified_by_key_id_api_keys"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "owner_user_id"],
            ["users.account_id", "users.id"],
            name=op.f("fk_opportunities_account_id_owner_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "quality_id"],
            ["lead_qualities.account_id", "lead_qualities.id"],
            name=op.f("fk_opportunities_account_id_quality_id_lead_qualities"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "referral_company_id"],
            ["companies.account_id", "companies.id"],
            name=op.f("fk_opportunities_account_id_referral_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "referral_contact_id"],
            ["contacts.account_id", "contacts.id"],
            name=op.f("fk_opportunities_account_id_referral_contact_id_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "source_id"],
            ["lead_sources.account_id", "lead_sources.id"],
            name=op.f("fk_opportunities_account_id_source_id_lead_sources"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "stage_id"],
            ["lead_stages.account_id", "lead_stages.id"],
            name=op.f("fk_opportunities_account_id_stage_id_lead_stages"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "stage_reason_id"],
            ["lead_stage_reasons.account_id", "lead_stage_reasons.id"],
            name=op.f("fk_opportunities_account_id_stage_reason_id_lead_stage_reasons"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "subtype_id"],
            ["lead_subtypes.account_id", "lead_subtypes.id"],
            name=op.f("fk_opportunities_account_id_subtype_id_lead_subtypes"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "type_id"],
            ["lead_types.account_id", "lead_types.id"],
            name=op.f("fk_opportunities_account_id_type_id_lead_types"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "venue_id"],
            ["venues.account_id", "venues.id"],
            name=op.f("fk_opportunities_account_id_venue_id_venues"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_opportunities_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_opportunities")),
    )
    op.create_index(
        op.f("ix_opportunities_account_id_venue_id_id"),
        "opportunities",
        ["account_id", "venue_id", "id"],
        unique=False,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_opportunities_account_id_venue_id_id"), table_name="opportunities")
    op.drop_table("opportunities")
    op.drop_table("company_contacts")
    op.drop_table("custom_field_values")
    op.drop_index(op.f("ix_companies_account_id_natural_key"), table_name="companies")
    op.drop_table("companies")
    op.drop_index(op.f("ix_contacts_account_id_natural_key"), table_name="contacts")
    op.drop_table("contacts")
