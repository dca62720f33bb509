"""ORM tables. Every tenant table's keys lead with ``account_id`` (see ``base.Tenant``)."""

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
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSON, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from venuecrm.platform.base import Base, Tenant, Timestamped
from venuecrm.platform.vault import EncryptedSecret


def _fk(column: str, table: str) -> ForeignKeyConstraint:
    """A same-account foreign key: an id of another account can never be linked."""
    return ForeignKeyConstraint(["account_id", column], [f"{table}.account_id", f"{table}.id"])


class Account(Timestamped, Base):
    """A tenant: one venue operator's CRM."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class ApiKey(Tenant):
    """An iVvy-style key and secret. HMAC needs the secret itself, so it is stored encrypted
    (``platform.vault``), not hashed."""

    __tablename__ = "api_keys"

    # Unique on its own (not led by account): the key is how a request finds its account.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    secret: Mapped[str] = mapped_column(EncryptedSecret())
    label: Mapped[str] = mapped_column(String(200), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Opt-in for clients that send IVVY-Date as PHP's date('Y-m-d hh:mm:ss') (README: PHP SDK
    # compatibility); such dates are read in ``time_zone``.
    php_dates: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")


class Venue(Tenant):
    """A venue of the account; opportunities belong to one."""

    __tablename__ = "venues"

    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(Tenant):
    """A user of the account (sales people own opportunities)."""

    __tablename__ = "users"

    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class LeadSource(Tenant):
    """Where leads come from; a referral source requires a referral contact or company."""

    __tablename__ = "lead_sources"
    __table_args__ = (_fk("default_type_id", "lead_types"),)

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    colour: Mapped[str] = mapped_column(String(20), default="")
    is_referral: Mapped[bool] = mapped_column(Boolean, default=False)
    default_type_id: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class LeadType(Tenant):
    """An opportunity type; when it has subtypes, a subtype is required."""

    __tablename__ = "lead_types"

    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class LeadSubtype(Tenant):
    """A subtype of a lead type."""

    __tablename__ = "lead_subtypes"
    __table_args__ = (_fk("type_id", "lead_types"),)

    type_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


APPLY_TO_OPPORTUNITY = 1
APPLY_TO_LEAD = 2


class LeadStage(Tenant):
    """A pipeline stage; ``apply_to`` 1 is opportunities, 2 leads (docs/ivvy.md §3.6)."""

    __tablename__ = "lead_stages"
    __table_args__ = (CheckConstraint("apply_to IN (1, 2)", name="apply_to"),)

    name: Mapped[str] = mapped_column(String(200))
    colour: Mapped[str] = mapped_column(String(20), default="")
    apply_to: Mapped[int] = mapped_column(SmallInteger, default=APPLY_TO_OPPORTUNITY)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class LeadStageReason(Tenant):
    """A reason within one stage; an opportunity's reason must belong to its stage."""

    __tablename__ = "lead_stage_reasons"
    __table_args__ = (_fk("stage_id", "lead_stages"),)

    stage_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class LeadChannel(Tenant):
    """A marketing channel."""

    __tablename__ = "lead_channels"

    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class LeadQuality(Tenant):
    """A lead quality label."""

    __tablename__ = "lead_qualities"

    label: Mapped[str] = mapped_column(String(200))
    show_on_dash: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Industry(Tenant):
    """An industry companies and opportunities are classified by."""

    __tablename__ = "industries"

    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class LostReason(Tenant):
    """Why an opportunity was lost (``lostToCompetition``, docs/ivvy.md D15)."""

    __tablename__ = "lost_reasons"

    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


CUSTOM_FIELD_ENTITIES = ("opportunity", "contact", "company")


class CustomFieldDefinition(Tenant):
    """A custom field of opportunities, contacts or companies (docs/ivvy.md §4.4)."""

    __tablename__ = "custom_field_definitions"
    __table_args__ = (
        CheckConstraint("field_type BETWEEN 0 AND 9", name="field_type"),
        CheckConstraint("entity IN ('opportunity', 'contact', 'company')", name="entity"),
    )

    entity: Mapped[str] = mapped_column(String(20))
    field_type: Mapped[int] = mapped_column(SmallInteger)
    display_name: Mapped[str] = mapped_column(String(200))
    is_required: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # json, not jsonb: the order of select values is the order a user sees them in.
    select_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    file_types: Mapped[list[str] | None] = mapped_column(JSON)


class AccountSettings(Timestamped, Base):
    """Per-account defaults for clients that leave fields out."""

    __tablename__ = "account_settings"
    __table_args__ = (
        _fk("default_stage_id", "lead_stages"),
        _fk("default_venue_id", "venues"),
        _fk("default_type_id", "lead_types"),
        _fk("default_source_id", "lead_sources"),
    )

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    default_stage_id: Mapped[int | None] = mapped_column(Integer)
    default_venue_id: Mapped[int | None] = mapped_column(Integer)
    default_type_id: Mapped[int | None] = mapped_column(Integer)
    default_source_id: Mapped[int | None] = mapped_column(Integer)


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
        Index(None, "account_id", "venue_id", "id"),
        Index(None, "account_id", "modified_at", "id"),
        # getOpportunityList filters (bench/list_opportunities.py): a stage's pipeline, and the
        # opportunities of one contact, company or owner, without reading the whole account.
        Index(None, "account_id", "stage_id"),
        Index(None, "account_id", "contact_id"),
        Index(None, "account_id", "company_id"),
        Index(None, "account_id", "owner_user_id"),
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
# serves in any collation (text_pattern_ops), for equality too.
Index(
    "ix_opportunities_account_id_lower_name",
    Opportunity.account_id,
    func.lower(Opportunity.name).label("lower_name"),
    postgresql_ops={"lower_name": "text_pattern_ops"},
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


class OpportunityNote(Tenant):
    """A note on an opportunity (docs/ivvy.md §3.3, 3.5); ``note`` is kept as sent, HTML included.

    Notes are written by API keys, not users: the keys that created and last changed one are
    kept, and iVvy's ``createdByUserId`` has nothing to show.
    """

    __tablename__ = "opportunity_notes"
    __table_args__ = (
        _fk("opportunity_id", "opportunities"),
        _fk("created_by_key_id", "api_keys"),
        _fk("modified_by_key_id", "api_keys"),
        _fk("owner_user_id", "users"),
        # getOpportunityNoteList pages one opportunity's notes by id.
        Index(None, "account_id", "opportunity_id", "id"),
    )

    opportunity_id: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text)
    # The unified CRM note's title and owner; iVvy's note has neither.
    title: Mapped[str | None] = mapped_column(String(255))
    owner_user_id: Mapped[int | None] = mapped_column(Integer)
    created_by_key_id: Mapped[int] = mapped_column(Integer)
    modified_by_key_id: Mapped[int] = mapped_column(Integer)


class StoredResponse(Base):
    """A write's response, kept so that a retry or a replay is answered without running again.

    ``kind`` says what identifies the request: ``key`` an Idempotency-Key (``key`` is its value),
    ``signature`` an accepted iVvy signature (``key`` is "{api key id}:{signature}").
    """

    __tablename__ = "stored_responses"
    __table_args__ = (
        CheckConstraint("kind IN ('key', 'signature')", name="kind"),
        # The opportunistic clean-up deletes expired rows of every account, oldest first.
        Index(None, "expires_at"),
    )

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(SmallInteger)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
