"""The unified CRM (Apideck) Opportunity and its envelopes (docs/unified.md §2-3)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from venuecrm.wire.collections import example_config
from venuecrm.wire.unified import (
    CustomField,
    Envelope,
    Input,
    Links,
    Meta,
    RecordId,
    Short,
    Text,
    UnifiedId,
)

# docs/ivvy.md D10: current ISO 4217 codes plus the spec's own extras and retired codes.
_SPEC_EXTRAS = {"UNKNOWN_CURRENCY", "BTC", "ETH", "TRC", "BYR", "LTL", "LVL", "MRO", "STD",
                "VEF", "ZMK", "HRK", "CUC", "SLL"}  # fmt: skip
CURRENCIES = frozenset({c.alpha_3 for c in pycountry.currencies} | _SPEC_EXTRAS)


def _currency(value: str | None) -> str | None:
    if value is not None and value not in CURRENCIES:
        raise ValueError("not an ISO 4217 currency code")
    return value


class Opportunity(BaseModel):
    """An opportunity as the unified CRM API returns it: all 42 keys, always present."""

    model_config = ConfigDict(json_schema_extra={"example": {
        "id": "755", "title": "Gala dinner", "primary_contact_id": "33", "pipeline_id": "107",
        "pipeline_stage_id": "69", "type": "Meeting", "monetary_amount": 75000,
        "currency": "AUD", "win_probability": 40, "expected_revenue": 30000,
        "contact_ids": ["33"], "custom_fields": [], "deleted": False,
        "created_at": "2026-11-24T10:00:00Z", "updated_at": "2026-11-24T10:00:00Z",
    }})  # fmt: skip

    id: str
    title: str
    primary_contact_id: str | None
    description: str | None
    type: str | None
    monetary_amount: float | None
    currency: str | None
    win_probability: float | None
    expected_revenue: float | None
    close_date: date | None
    loss_reason_id: str | None
    loss_reason: str | None
    won_reason_id: str | None
    won_reason: str | None
    pipeline_id: str | None
    pipeline_stage_id: str | None
    source_id: str | None
    lead_id: str | None
    lead_source: str | None
    contact_id: str | None
    contact_ids: list[str]
    company_id: str | None
    company_name: str | None
    owner_id: str | None
    priority: str | None
    status: str | None
    status_id: str | None
    tags: list[str] | None
    interaction_count: float | None
    custom_fields: list[CustomField]
    stage_last_changed_at: datetime | None
    last_activity_at: str | None
    deleted: bool
    date_stage_changed: datetime | None
    date_last_contacted: datetime | None
    date_lead_created: datetime | None
    custom_mappings: dict[str, Any] | None
    updated_by: str | None
    created_by: str | None
    updated_at: datetime | None
    created_at: datetime | None
    pass_through: list[dict[str, Any]]


class OpportunityInput(Input):
    """What a client may write. Read-only keys and ``pass_through`` are accepted and ignored."""

    model_config = example_config(
        {
            "title": "Gala dinner",
            "pipeline_id": "12",
            "primary_contact_id": "34",
            "monetary_amount": 75000,
            "currency": "AUD",
            "win_probability": 40,
            "close_date": "2026-12-31",
            "custom_fields": [{"name": "Expected guests", "value": 120}],
        }
    )

    title: Short | None = None
    primary_contact_id: RecordId | None = None
    description: Text | None = None
    type: Short | None = None
    monetary_amount: float | None = Field(None, allow_inf_nan=False)
    currency: Annotated[str, AfterValidator(_currency)] | None = None
    win_probability: float | None = Field(None, ge=0, le=100, allow_inf_nan=False)
    close_date: date | None = None
    loss_reason_id: RecordId | None = None
    loss_reason: Short | None = None
    won_reason_id: Annotated[str, StringConstraints(max_length=100)] | None = None
    won_reason: Short | None = None
    pipeline_id: RecordId | None = None
    pipeline_stage_id: RecordId | None = None
    source_id: RecordId | None = None
    lead_id: Annotated[str, StringConstraints(max_length=100)] | None = None
    lead_source: Short | None = None
    contact_id: RecordId | None = None
    company_id: RecordId | None = None
    company_name: Short | None = None
    owner_id: RecordId | None = None
    priority: Annotated[str, StringConstraints(max_length=100)] | None = None
    status: Annotated[str, StringConstraints(max_length=100)] | None = None
    status_id: Annotated[str, StringConstraints(max_length=100)] | None = None
    tags: list[Short] | None = None
    custom_fields: list[CustomField] | None = None
    stage_last_changed_at: datetime | None = None


class _OpportunityEnvelope(Envelope):
    resource: str = "opportunities"


class GetOpportunitiesResponse(_OpportunityEnvelope):
    """A page of opportunities."""

    data: list[Opportunity]
    meta: Meta
    links: Links


class GetOpportunityResponse(_OpportunityEnvelope):
    """One opportunity."""

    data: Opportunity


class CreateOpportunityResponse(_OpportunityEnvelope):
    """The id of the opportunity created (HTTP 201)."""

    data: UnifiedId


class UpdateOpportunityResponse(_OpportunityEnvelope):
    """The id of the opportunity updated."""

    data: UnifiedId


class DeleteOpportunityResponse(_OpportunityEnvelope):
    """The id of the opportunity deleted."""

    data: UnifiedId
