"""ORM tables. Every tenant table's keys lead with ``account_id`` (see ``base.Tenant``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.orm import Mapped, mapped_column

from venuecrm.db.base import Base, Tenant, Timestamped


def _fk(column: str, table: str) -> ForeignKeyConstraint:
    """A same-account foreign key: an id of another account can never be linked."""
    return ForeignKeyConstraint(["account_id", column], [f"{table}.account_id", f"{table}.id"])


class Account(Timestamped, Base):
    """A tenant: one venue operator's CRM."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class ApiKey(Tenant):
    """An iVvy-style key and secret. The secret is kept as is: HMAC needs it to verify."""

    __tablename__ = "api_keys"

    # Unique on its own (not led by account): the key is how a request finds its account.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    secret: Mapped[str] = mapped_column(String(128))
    label: Mapped[str] = mapped_column(String(200), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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
    """A pipeline stage; ``apply_to`` 1 is opportunities, 2 leads (reference 3.6)."""

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
    """Why an opportunity was lost (``lostToCompetition``, decision 15)."""

    __tablename__ = "lost_reasons"

    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


CUSTOM_FIELD_ENTITIES = ("opportunity", "contact", "company")


class CustomFieldDefinition(Tenant):
    """A custom field of opportunities, contacts or companies (reference 4.4)."""

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
