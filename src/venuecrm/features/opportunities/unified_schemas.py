"""The unified CRM (Apideck) Opportunity and its envelopes (docs/unified.md §2-3)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

# docs/ivvy.md D10: current ISO 4217 codes plus the spec's own extras and retired codes.
_SPEC_EXTRAS = {"UNKNOWN_CURRENCY", "BTC", "ETH", "TRC", "BYR", "LTL", "LVL", "MRO", "STD",
                "VEF", "ZMK", "HRK", "CUC", "SLL"}  # fmt: skip
CURRENCIES = frozenset({c.alpha_3 for c in pycountry.currencies} | _SPEC_EXTRAS)
_DIGITS = re.compile(r"^\d{1,10}$")


def _currency(value: str | None) -> str | None:
    if value is not None and value not in CURRENCIES:
        raise ValueError("not an ISO 4217 currency code")
    return value


def _id(value: str | None) -> str | None:
    if value is not None and not _DIGITS.match(value):
        raise ValueError("not an id of this server (digits)")
    return value


RecordId = Annotated[str, StringConstraints(strict=True), AfterValidator(_id)]
Text = Annotated[str, StringConstraints(strict=True, max_length=65535)]
Short = Annotated[str, StringConstraints(strict=True, max_length=255)]


class CustomField(BaseModel):
    """A custom field value: ``id`` is the field id, ``name`` its display name."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    name: str | None = None
    description: str | None = None
    value: Any = None


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


class OpportunityInput(BaseModel):
    """What a client may write. Read-only keys and ``pass_through`` are accepted and ignored."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "example": {
                "title": "Gala dinner",
                "pipeline_id": "12",
                "primary_contact_id": "34",
                "monetary_amount": 75000,
                "currency": "AUD",
                "win_probability": 40,
                "close_date": "2026-12-31",
                "custom_fields": [{"name": "Expected guests", "value": 120}],
            }
        },
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

    def sent(self, name: str) -> bool:
        """Whether the client sent this key (explicit null included)."""
        return name in self.model_fields_set


class _Envelope(BaseModel):
    status_code: int
    status: str = "OK"
    service: str = "venuecrm"
    resource: str = "opportunities"
    operation: str


class UnifiedId(BaseModel):
    """The id of the record written."""

    model_config = ConfigDict(json_schema_extra={"example": {"id": "755"}})

    id: str


class Cursors(BaseModel):
    """Opaque cursors; ``next`` is null on the last page."""

    previous: str | None = None
    current: str | None = None
    next: str | None = None


class Meta(BaseModel):
    """Page facts."""

    items_on_page: int
    cursors: Cursors
    total_count: int


class Links(BaseModel):
    """Full URLs of the pages."""

    previous: str | None = None
    current: str
    next: str | None = None


class GetOpportunitiesResponse(_Envelope):
    """A page of opportunities."""

    data: list[Opportunity]
    meta: Meta
    links: Links


class GetOpportunityResponse(_Envelope):
    """One opportunity."""

    data: Opportunity


class CreateOpportunityResponse(_Envelope):
    """The id of the opportunity created (HTTP 201)."""

    data: UnifiedId


class UpdateOpportunityResponse(_Envelope):
    """The id of the opportunity updated."""

    data: UnifiedId


class DeleteOpportunityResponse(_Envelope):
    """The id of the opportunity deleted."""

    data: UnifiedId


class _ErrorResponse(BaseModel):
    status_code: int
    error: str
    type_name: str
    message: str
    detail: str | dict[str, Any] = Field(
        description='Every problem as "path: reason" in detail.problems, or a message.'
    )
    ref: str


class BadRequestResponse(_ErrorResponse):
    """400: the body or query does not fit the schema."""


class UnauthorizedResponse(_ErrorResponse):
    """401: no valid Bearer token."""


class NotFoundResponse(_ErrorResponse):
    """404: no such opportunity in the account."""


class TooManyRequestsResponse(_ErrorResponse):
    """429: the key's rate limit, the address's failed-authentication limit, or a record that
    stayed locked by another request past the lock timeout; see Retry-After."""


class UnprocessableResponse(_ErrorResponse):
    """422: a rule of the account is broken."""


class ServiceUnavailableResponse(_ErrorResponse):
    """503: the database is unavailable or busy; see Retry-After."""
