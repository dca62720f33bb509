"""The unified CRM (Apideck) note and its envelopes (docs/unified.md §6).

Every key of Apideck's models is always emitted (C2): ``null`` where venuecrm holds nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, StringConstraints

from venuecrm.wire.collections import example_config
from venuecrm.wire.unified import Envelope, Input, Links, Meta, RecordId, Text, UnifiedId


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

    model_config = example_config(
        {
            "title": "Call",
            "content": "<p>Wants a quote for 120 guests</p>",
            "opportunity_id": "755",
            "owner_id": "12",
        }
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
