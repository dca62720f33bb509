"""The unified CRM (Apideck) company and contact, and their envelopes (docs/unified.md §7).

Every key of Apideck's models is always emitted (C2). Keys iVvy has a place for map onto the
company and contact rows; the others are kept as sent (``crm_extras``) so they read back.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from venuecrm.wire.collections import example_config
from venuecrm.wire.unified import (
    CustomField,
    Input,
    RecordId,
    Short,
    Text,
)

Tiny = Annotated[str, StringConstraints(strict=True, max_length=100)]
MAX_ITEMS = 10  # items of one list (phone numbers, addresses...): more is a 400


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Website(_Item):
    """A website; venuecrm keeps one per company."""

    id: str | None = None
    url: Annotated[str, StringConstraints(strict=True, max_length=255)]
    type: Tiny | None = None


class PartyEmail(_Item):
    """An e-mail address; venuecrm keeps one per company or contact."""

    id: str | None = None
    email: Short | None
    type: Tiny | None = None


class PartyPhone(_Item):
    """A phone number: a company keeps a main, an other and a fax number; a contact one."""

    id: str | None = None
    number: Annotated[str, StringConstraints(strict=True, max_length=50)]
    country_code: Tiny | None = None
    area_code: Tiny | None = None
    extension: Tiny | None = None
    type: Tiny | None = None


class PartyAddress(_Item):
    """An address; a company keeps one (iVvy's address object), a contact's are kept as sent."""

    id: str | None = None
    type: Tiny | None = None
    string: Short | None = None
    name: Short | None = None
    line1: Short | None = None
    line2: Short | None = None
    line3: Short | None = None
    line4: Short | None = None
    street_number: Tiny | None = None
    city: Tiny | None = None
    state: Tiny | None = None
    postal_code: Tiny | None = None
    country: Tiny | None = None
    latitude: Tiny | None = None
    longitude: Tiny | None = None
    county: Tiny | None = None
    contact_name: Short | None = None
    salutation: Tiny | None = None
    phone_number: Tiny | None = None
    fax: Tiny | None = None
    email: Short | None = None
    website: Short | None = None
    notes: Text | None = None
    row_version: Tiny | None = None


Websites = Annotated[list[Website], Field(max_length=MAX_ITEMS)]
Emails = Annotated[list[PartyEmail], Field(max_length=MAX_ITEMS)]
Phones = Annotated[list[PartyPhone], Field(max_length=MAX_ITEMS)]
Addresses = Annotated[list[PartyAddress], Field(max_length=MAX_ITEMS)]
Loose = Annotated[list[dict[str, Any]], Field(max_length=MAX_ITEMS)]
Tags = Annotated[list[Short], Field(max_length=50)]


class _Input(Input):
    """A company or contact body: its custom fields and ``pass_through``."""

    custom_fields: Annotated[list[CustomField], Field(max_length=200)] | None = None
    pass_through: Loose | None = None


class CompanyInput(_Input):
    """What a client may write of a company."""

    model_config = example_config(
        {
                "name": "Acme Events Pty Ltd",
                "vat_number": "51 824 753 556",
                "industry": "Technology",
                "websites": [{"url": "https://acme.example", "type": "primary"}],
                "phone_numbers": [{"number": "07 5555 0000", "type": "primary"}],
                "emails": [{"email": "events@acme.example", "type": "primary"}],
                "addresses": [{"type": "primary", "line1": "1 Queen St", "city": "Brisbane",
                               "state": "QLD", "postal_code": "4000", "country": "AU"}],
        }
    )  # fmt: skip

    name: Short | None = None
    owner_id: RecordId | None = None
    vat_number: Tiny | None = None
    fax: Tiny | None = None
    industry: Short | None = None
    websites: Websites | None = None
    addresses: Addresses | None = None
    phone_numbers: Phones | None = None
    emails: Emails | None = None
    # Kept as sent: iVvy's company has no place for these.
    image: Short | None = None
    description: Text | None = None
    currency: Tiny | None = None
    status: Tiny | None = None
    annual_revenue: Tiny | None = None
    number_of_employees: Tiny | None = None
    ownership: Tiny | None = None
    sales_tax_number: Tiny | None = None
    payee_number: Tiny | None = None
    abn_or_tfn: Tiny | None = None
    abn_branch: Tiny | None = None
    acn: Tiny | None = None
    first_name: Short | None = None
    last_name: Short | None = None
    parent_id: Tiny | None = None
    bank_accounts: Loose | None = None
    social_links: Loose | None = None
    row_type: dict[str, Any] | None = None
    tags: Tags | None = None
    salutation: Tiny | None = None
    birthday: date | None = None


COMPANY_EXTRAS = ("image", "description", "currency", "status", "annual_revenue",
                  "number_of_employees", "ownership", "sales_tax_number", "payee_number",
                  "abn_or_tfn", "abn_branch", "acn", "first_name", "last_name", "parent_id",
                  "bank_accounts", "social_links", "row_type", "tags", "salutation",
                  "birthday")  # fmt: skip


class ContactInput(_Input):
    """What a client may write of a contact."""

    model_config = example_config(
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "emails": [{"email": "ada@example.com", "type": "primary"}],
            "phone_numbers": [{"number": "0455 550 000", "type": "mobile"}],
            "company_name": "Acme Events Pty Ltd",
        }
    )

    name: Short | None = None
    first_name: Short | None = None
    last_name: Short | None = None
    company_id: RecordId | None = None
    company_name: Short | None = None
    phone_numbers: Phones | None = None
    emails: Emails | None = None
    opportunity_ids: Annotated[list[str], Field(max_length=MAX_ITEMS)] | None = None
    # Kept as sent: iVvy's contact has no place for these.
    owner_id: Tiny | None = None
    type: Tiny | None = None
    lead_id: Tiny | None = None
    middle_name: Short | None = None
    prefix: Tiny | None = None
    suffix: Tiny | None = None
    title: Short | None = None
    department: Short | None = None
    language: Tiny | None = None
    gender: Tiny | None = None
    birthday: date | None = None
    image: Short | None = None
    photo_url: Short | None = None
    lead_source: Short | None = None
    fax: Tiny | None = None
    description: Text | None = None
    current_balance: float | None = Field(None, allow_inf_nan=False)
    status: Tiny | None = None
    active: bool | None = None
    websites: Websites | None = None
    addresses: Addresses | None = None
    social_links: Loose | None = None
    tags: Tags | None = None


CONTACT_EXTRAS = ("owner_id", "type", "lead_id", "middle_name", "prefix", "suffix", "title",
                  "department", "language", "gender", "birthday", "image", "photo_url",
                  "lead_source", "fax", "description", "current_balance", "status", "active",
                  "websites", "addresses", "social_links", "tags")  # fmt: skip
