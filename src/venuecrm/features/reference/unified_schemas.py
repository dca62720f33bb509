"""The unified CRM (Apideck) users, pipelines and notes, and their envelopes (docs/unified.md §6).

Every key of Apideck's models is always emitted (C2): ``null`` where venuecrm holds nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from venuecrm.wire.collections import example_config
from venuecrm.wire.unified import Envelope, Input, Links, Meta, RecordId, Text, UnifiedId


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


class Note(BaseModel):
    """An opportunity note as Apideck's ``Note``."""

    model_config = example_config({
        "id": "2", "title": "Call", "content": "<p>Wants a quote</p>", "owner_id": "12",
        "contact_id": "33", "company_id": None, "opportunity_id": "755", "active": True,
        "created_at": "2026-11-24T10:00:00Z", "updated_at": "2026-11-24T10:00:00Z",
    })  # fmt: skip

    id: str
    title: str | None
    content: str
    owner_id: str | None
    contact_id: str | None
    company_id: str | None
    opportunity_id: str
    activity_id: str | None
    lead_id: str | None
    active: bool
    custom_mappings: dict[str, Any] | None
    updated_by: str | None
    created_by: str | None
    updated_at: datetime
    created_at: datetime
    pass_through: list[dict[str, Any]]


class NoteInput(Input):
    """What a client may write of a note; read-only keys and ``pass_through`` are ignored."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "example": {
                "title": "Call",
                "content": "<p>Wants a quote for 120 guests</p>",
                "opportunity_id": "755",
                "owner_id": "12",
            }
        },
    )

    title: Annotated[str, StringConstraints(strict=True, max_length=255)] | None = None
    content: Text | None = None
    owner_id: RecordId | None = None
    contact_id: RecordId | None = None
    company_id: RecordId | None = None
    opportunity_id: RecordId | None = None
    activity_id: str | None = None
    lead_id: str | None = None
    active: bool | None = None


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


class GetNotesResponse(Envelope):
    """A page of notes."""

    data: list[Note]
    meta: Meta
    links: Links


class GetNoteResponse(Envelope):
    """One note."""

    data: Note


class WriteNoteResponse(Envelope):
    """The id of the note created (201), updated or deleted."""

    data: UnifiedId
