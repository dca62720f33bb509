"""The unified CRM (Apideck) company and contact as read, and their envelopes
(docs/unified.md §7): every key of Apideck's models is always emitted (C2)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from venuecrm.wire.collections import example_config
from venuecrm.wire.unified import (
    CustomField,
    Envelope,
    Links,
    Meta,
    UnifiedId,
)


class Company(BaseModel):
    """A company as the unified CRM API returns it: every key of Apideck's model."""

    model_config = example_config({
        "id": "1618", "name": "Acme Events Pty Ltd", "vat_number": "51 824 753 556",
        "industry": "Technology", "websites": [{"id": None, "url": "https://acme.example",
                                                "type": "primary"}],
        "emails": [{"id": None, "email": "events@acme.example", "type": "primary"}],
        "custom_fields": [{"id": "102", "name": "Tier", "value": "Gold"}], "deleted": False,
        "created_at": "2026-11-24T10:00:00Z", "updated_at": "2026-11-24T10:00:00Z",
    })  # fmt: skip

    id: str
    name: str
    interaction_count: int | None
    owner_id: str | None
    image: str | None
    description: str | None
    vat_number: str | None
    currency: str | None
    status: str | None
    fax: str | None
    annual_revenue: str | None
    number_of_employees: str | None
    industry: str | None
    ownership: str | None
    sales_tax_number: str | None
    payee_number: str | None
    abn_or_tfn: str | None
    abn_branch: str | None
    acn: str | None
    first_name: str | None
    last_name: str | None
    parent_id: str | None
    bank_accounts: list[dict[str, Any]]
    websites: list[dict[str, Any]]
    addresses: list[dict[str, Any]]
    social_links: list[dict[str, Any]]
    phone_numbers: list[dict[str, Any]]
    emails: list[dict[str, Any]]
    row_type: dict[str, Any] | None
    custom_fields: list[CustomField]
    tags: list[str] | None
    read_only: bool | None
    last_activity_at: datetime | None
    deleted: bool
    salutation: str | None
    birthday: date | None
    custom_mappings: dict[str, Any] | None
    updated_by: str | None
    created_by: str | None
    updated_at: datetime
    created_at: datetime
    pass_through: list[dict[str, Any]]


class Contact(BaseModel):
    """A contact as the unified CRM API returns it: every key of Apideck's model."""

    model_config = example_config({
        "id": "33884", "name": "Ada Lovelace", "first_name": "Ada", "last_name": "Lovelace",
        "company_id": "1618", "company_name": "Acme Events Pty Ltd",
        "emails": [{"id": None, "email": "ada@example.com", "type": "primary"}],
        "email_domain": "example.com", "opportunity_ids": ["755"],
        "created_at": "2026-11-24T10:00:00Z", "updated_at": "2026-11-24T10:00:00Z",
    })  # fmt: skip

    id: str
    name: str | None
    owner_id: str | None
    type: str | None
    company_id: str | None
    company_name: str | None
    lead_id: str | None
    first_name: str | None
    middle_name: str | None
    last_name: str | None
    prefix: str | None
    suffix: str | None
    title: str | None
    department: str | None
    language: str | None
    gender: str | None
    birthday: date | None
    image: str | None
    photo_url: str | None
    lead_source: str | None
    fax: str | None
    description: str | None
    current_balance: float | None
    status: str | None
    active: bool | None
    websites: list[dict[str, Any]]
    addresses: list[dict[str, Any]]
    social_links: list[dict[str, Any]]
    phone_numbers: list[dict[str, Any]]
    emails: list[dict[str, Any]]
    email_domain: str | None
    custom_fields: list[CustomField]
    tags: list[str] | None
    first_call_at: datetime | None
    first_email_at: datetime | None
    last_activity_at: datetime | None
    custom_mappings: dict[str, Any] | None
    updated_at: datetime
    created_at: datetime
    opportunity_ids: list[str]
    pass_through: list[dict[str, Any]]


class GetCompaniesResponse(Envelope):
    """A page of companies."""

    data: list[Company]
    meta: Meta
    links: Links


class GetCompanyResponse(Envelope):
    """One company."""

    data: Company


class GetContactsResponse(Envelope):
    """A page of contacts."""

    data: list[Contact]
    meta: Meta
    links: Links


class GetContactResponse(Envelope):
    """One contact."""

    data: Contact


class WritePartyResponse(Envelope):
    """The id of the company or contact created (201), updated or deleted."""

    data: UnifiedId
