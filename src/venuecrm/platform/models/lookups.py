"""The account's configuration: venues, users, the lead lookups and custom field definitions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.orm import Mapped, mapped_column

from venuecrm.platform.base import Tenant
from venuecrm.platform.base import same_account_fk as _fk


class _NamedLookup(Tenant):
    """A lookup that is a name and whether it is active (its columns in that order)."""

    __abstract__ = True

    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Venue(_NamedLookup):
    """A venue of the account; opportunities belong to one."""

    __tablename__ = "venues"


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


class LeadType(_NamedLookup):
    """An opportunity type; when it has subtypes, a subtype is required."""

    __tablename__ = "lead_types"


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


class LeadChannel(_NamedLookup):
    """A marketing channel."""

    __tablename__ = "lead_channels"


class LeadQuality(Tenant):
    """A lead quality label."""

    __tablename__ = "lead_qualities"

    label: Mapped[str] = mapped_column(String(200))
    show_on_dash: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Industry(_NamedLookup):
    """An industry companies and opportunities are classified by."""

    __tablename__ = "industries"


class LostReason(_NamedLookup):
    """Why an opportunity was lost (``lostToCompetition``, docs/ivvy.md D15)."""

    __tablename__ = "lost_reasons"


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


# Every table of this module: an account's configuration, cached per process (models.CONFIG_TABLES).
LOOKUP_TABLES: tuple[type[Tenant], ...] = (
    Venue, User, LeadSource, LeadType, LeadSubtype, LeadStage, LeadStageReason, LeadChannel,
    LeadQuality, Industry, LostReason, CustomFieldDefinition,
)  # fmt: skip

__all__ = [
    "APPLY_TO_LEAD",
    "APPLY_TO_OPPORTUNITY",
    "CUSTOM_FIELD_ENTITIES",
    "LOOKUP_TABLES",
    "CustomFieldDefinition",
    "Industry",
    "LeadChannel",
    "LeadQuality",
    "LeadSource",
    "LeadStage",
    "LeadStageReason",
    "LeadSubtype",
    "LeadType",
    "LostReason",
    "User",
    "Venue",
]
