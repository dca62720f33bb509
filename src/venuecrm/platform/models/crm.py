"""The CRM records: contacts, companies, their memberships, opportunities, custom values."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSON, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from venuecrm.platform.base import Base, Tenant
from venuecrm.platform.base import same_account_fk as _fk


def _party_indexes(table: str) -> tuple[Index, ...]:
    """Contacts' and companies' indexes: natural-key matching (docs/ivvy.md D24), and the list
    filters on externalId (compared case-insensitively) and modifiedDate."""
    return (
        Index(None, "account_id", "natural_key"),
        Index(f"ix_{table}_account_id_lower_external_id", "account_id", text("lower(external_id)")),
        Index(None, "account_id", "modified_at", "id"),
    )


class Contact(Tenant):
    """A person; ``natural_key`` is normalised firstName + lastName + email (docs/ivvy.md D24)."""

    __tablename__ = "contacts"
    __table_args__ = _party_indexes("contacts")

    external_id: Mapped[str | None] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    phone: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[int | None] = mapped_column(SmallInteger)
    sms_status: Mapped[int | None] = mapped_column(SmallInteger)
    privacy_consent: Mapped[bool | None] = mapped_column(Boolean)
    external_urls: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    natural_key: Mapped[str] = mapped_column(Text)
    # The unified CRM contact's keys iVvy has no place for, as last sent (docs/unified.md §7).
    crm_extras: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    # Soft delete: a deleted contact is gone from both APIs but its row stays.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Company(Tenant):
    """An organisation; ``natural_key`` is the normalised businessName (docs/ivvy.md D24)."""

    __tablename__ = "companies"
    __table_args__ = (
        *_party_indexes("companies"),
        _fk("primary_contact_id", "contacts"),
        _fk("primary_account_manager_id", "users"),
        _fk("secondary_account_manager_id", "users"),
        _fk("industry_id", "industries"),
    )

    external_id: Mapped[str | None] = mapped_column(String(255))
    business_name: Mapped[str] = mapped_column(String(255))
    trading_name: Mapped[str | None] = mapped_column(String(255))
    business_number: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(50))
    other_phone: Mapped[str | None] = mapped_column(String(50))
    fax: Mapped[str | None] = mapped_column(String(50))
    website: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(320))
    address: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    primary_contact_id: Mapped[int | None] = mapped_column(Integer)
    primary_account_manager_id: Mapped[int | None] = mapped_column(Integer)
    secondary_account_manager_id: Mapped[int | None] = mapped_column(Integer)
    industry_id: Mapped[int | None] = mapped_column(Integer)
    is_agent: Mapped[bool] = mapped_column(Boolean, default=False)
    # commissionSpace ... commissionAccommodationType, as sent (types are undocumented).
    commissions: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    iata_number: Mapped[str | None] = mapped_column(String(50))
    external_urls: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    natural_key: Mapped[str] = mapped_column(Text)
    # The unified CRM company's keys iVvy has no place for, as last sent (docs/unified.md §7).
    crm_extras: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    # Soft delete: a deleted company is gone from both APIs but its row stays.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CompanyContact(Base):
    """A contact belongs to a company (``companies`` of addOrUpdateContact)."""

    __tablename__ = "company_contacts"
    __table_args__ = (
        _fk("company_id", "companies"),
        _fk("contact_id", "contacts"),
        # A contact's companies (getContact, the companyId filter); the key leads by company.
        Index(None, "account_id", "contact_id"),
    )

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(Integer, primary_key=True)


CONTACT_TYPE_COMPANY = "company"
CONTACT_TYPE_CONTACT = "contact"


class Opportunity(Tenant):
    """A sales opportunity of one venue (docs/ivvy.md §3.1)."""

    __tablename__ = "opportunities"
    __table_args__ = (
        CheckConstraint("contact_type IN ('company', 'contact')", name="contact_type"),
        _fk("venue_id", "venues"),
        _fk("company_id", "companies"),
        _fk("contact_id", "contacts"),
        _fk("quality_id", "lead_qualities"),
        _fk("industry_id", "industries"),
        _fk("source_id", "lead_sources"),
        _fk("owner_user_id", "users"),
        _fk("type_id", "lead_types"),
        _fk("subtype_id", "lead_subtypes"),
        _fk("stage_id", "lead_stages"),
        _fk("stage_reason_id", "lead_stage_reasons"),
        _fk("channel_id", "lead_channels"),
        _fk("referral_contact_id", "contacts"),
        _fk("referral_company_id", "companies"),
        _fk("lost_reason_id", "lost_reasons"),
        _fk("created_by_key_id", "api_keys"),
        _fk("modified_by_key_id", "api_keys"),
        # The list filters of getOpportunityList and /crm/opportunities (bench/
        # list_opportunities.py): a venue, a modified date, a stage's pipeline, one contact's,
        # company's or owner's. Each index also holds id and deleted_at, so counting the
        # matches and paging their ids, in id order, reads the index alone (an index-only
        # scan, 2 ms for 20,000 matches instead of 11 ms through the table); the stage's also
        # holds the venue and modified date a pipeline view filters on with it.
        *[
            Index(None, "account_id", column, "id", postgresql_include=["deleted_at"])
            for column in ("venue_id", "modified_at", "contact_id", "company_id", "owner_user_id")
        ],
        Index(
            None,
            "account_id",
            "stage_id",
            "id",
            postgresql_include=["venue_id", "modified_at", "deleted_at"],
        ),
    )

    venue_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    contact_type: Mapped[str] = mapped_column(String(10))
    company_id: Mapped[int | None] = mapped_column(Integer)
    # The contact of a contact opportunity, or the lead contact of a company opportunity.
    contact_id: Mapped[int | None] = mapped_column(Integer)
    quality_id: Mapped[int | None] = mapped_column(Integer)
    industry_id: Mapped[int | None] = mapped_column(Integer)
    source_id: Mapped[int] = mapped_column(Integer)
    owner_user_id: Mapped[int | None] = mapped_column(Integer)
    type_id: Mapped[int] = mapped_column(Integer)
    subtype_id: Mapped[int | None] = mapped_column(Integer)
    stage_id: Mapped[int] = mapped_column(Integer)
    stage_reason_id: Mapped[int | None] = mapped_column(Integer)
    channel_id: Mapped[int | None] = mapped_column(Integer)
    utm_source: Mapped[str | None] = mapped_column(String(255))
    utm_medium: Mapped[str | None] = mapped_column(String(255))
    utm_campaign: Mapped[str | None] = mapped_column(String(255))
    utm_term: Mapped[str | None] = mapped_column(String(255))
    utm_content: Mapped[str | None] = mapped_column(String(255))
    referral_contact_id: Mapped[int | None] = mapped_column(Integer)
    referral_company_id: Mapped[int | None] = mapped_column(Integer)
    confirmed_quote_id: Mapped[int | None] = mapped_column(Integer)
    confirmed_quote_status: Mapped[int | None] = mapped_column(Integer)
    cancelled_quote_id: Mapped[int | None] = mapped_column(Integer)
    lost_reason_id: Mapped[int | None] = mapped_column(Integer)
    closed_date: Mapped[date | None] = mapped_column(Date)
    external_urls: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    stage_changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    created_by_key_id: Mapped[int | None] = mapped_column(Integer)
    modified_by_key_id: Mapped[int | None] = mapped_column(Integer)
    # Fields of the unified CRM model (Apideck) that iVvy has no place for.
    monetary_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str | None] = mapped_column(String(20))
    win_probability: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    priority: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str | None] = mapped_column(String(100))
    status_id: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[list[str] | None] = mapped_column(JSONB)
    won_reason_id: Mapped[str | None] = mapped_column(String(100))
    won_reason: Mapped[str | None] = mapped_column(String(255))
    lead_id: Mapped[str | None] = mapped_column(String(100))
    stage_last_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Soft delete: a deleted opportunity is gone from both APIs but its row stays.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# Name searches: listing.py compares text as lower(...) and __BEGINS with LIKE, which this
# serves in any collation (text_pattern_ops), for equality too. It holds what an index-only
# count and page of a name search read (name too: PostgreSQL only counts an expression's
# column as available when the index holds the column itself).
Index(
    "ix_opportunities_account_id_lower_name",
    Opportunity.account_id,
    func.lower(Opportunity.name).label("lower_name"),
    postgresql_ops={"lower_name": "text_pattern_ops"},
    postgresql_include=["venue_id", "id", "deleted_at", "name"],
)


class CustomFieldValue(Base):
    """A custom field's value on an opportunity, contact or company (``entity``)."""

    __tablename__ = "custom_field_values"
    __table_args__ = (
        CheckConstraint("entity IN ('opportunity', 'contact', 'company')", name="entity"),
        _fk("field_id", "custom_field_definitions"),
    )

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    entity: Mapped[str] = mapped_column(String(20), primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    field_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # json, not jsonb: a value reads back exactly as it was written.
    value: Mapped[Any] = mapped_column(JSON)


__all__ = [
    "CONTACT_TYPE_COMPANY",
    "CONTACT_TYPE_CONTACT",
    "Company",
    "CompanyContact",
    "Contact",
    "CustomFieldValue",
    "Opportunity",
]
