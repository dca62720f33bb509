"""The unified CRM (Apideck) users and pipelines, and their envelopes (docs/unified.md §6).

Every key of Apideck's models is always emitted (C2): ``null`` where venuecrm holds nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from venuecrm.wire.collections import example_config
from venuecrm.wire.unified import Envelope, Links, Meta


class Email(BaseModel):
    """An e-mail address of a user."""

    id: str | None
    email: str | None
    type: str | None


class PhoneNumber(BaseModel):
    """A phone number of a user."""

    id: str | None
    number: str
    country_code: str | None
    area_code: str | None
    extension: str | None
    type: str | None


class User(BaseModel):
    """A user of the account (an opportunity's owner), as Apideck's ``User``."""

    model_config = example_config({
        "id": "12", "name": "Sam Seller", "first_name": "Sam", "last_name": "Seller",
        "status": "active", "emails": [{"id": None, "email": "sam@example.com", "type": "primary"}],
        "phone_numbers": [], "updated_at": "2026-11-24T10:00:00Z",
        "created_at": "2026-11-24T10:00:00Z",
    })  # fmt: skip

    id: str
    parent_id: str | None
    username: str | None
    name: str | None
    first_name: str | None
    last_name: str | None
    title: str | None
    division: str | None
    department: str | None
    company_name: str | None
    employee_number: str | None
    description: str | None
    image: str | None
    language: str | None
    status: str | None
    emails: list[Email]
    phone_numbers: list[PhoneNumber]
    addresses: list[dict[str, Any]]
    custom_mappings: dict[str, Any] | None
    updated_at: str | None
    created_at: str | None
    pass_through: list[dict[str, Any]]


class Stage(BaseModel):
    """An opportunity stage of the account, as a stage of every pipeline."""

    id: str
    name: str
    value: str | None
    win_probability: int | None
    display_order: int
    archived: bool
    created_at: datetime
    updated_at: datetime


class Pipeline(BaseModel):
    """A venue as Apideck's ``Pipeline``: its stages are the account's opportunity stages."""

    model_config = example_config({
        "id": "107", "name": "Grand Hall", "archived": False, "active": True,
        "stages": [{"id": "69", "name": "New Enquiry", "value": None, "win_probability": None,
                    "display_order": 1, "archived": False,
                    "created_at": "2026-11-24T10:00:00Z", "updated_at": "2026-11-24T10:00:00Z"}],
    })  # fmt: skip

    id: str
    name: str
    currency: str | None
    archived: bool
    active: bool
    display_order: int | None
    win_probability_enabled: bool
    stages: list[Stage]
    updated_at: datetime
    created_at: datetime
    pass_through: list[dict[str, Any]]


class GetUsersResponse(Envelope):
    """A page of users."""

    data: list[User]
    meta: Meta
    links: Links


class GetUserResponse(Envelope):
    """One user."""

    data: User


class GetPipelinesResponse(Envelope):
    """A page of pipelines."""

    data: list[Pipeline]
    meta: Meta
    links: Links


class GetPipelineResponse(Envelope):
    """One pipeline."""

    data: Pipeline
