"""Opportunity notes on the wire: addOrUpdateOpportunityNote's request, getOpportunityNoteList's
request and item (docs/ivvy.md §3.3, 3.5)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from venuecrm.wire.collections import (
    ListIn,
    ListReply,
    example_config,
    list_example,
)
from venuecrm.wire.ivvy import Id, IvvyModel, ReplyModel, Text


class OpportunityNoteIn(IvvyModel):
    """Add a note (no ``id``) or replace the text of one (``id``)."""

    id: Id | None = Field(default=None, description="The note to update; none to add one.")
    venue_id: Id | None = Field(default=None, description="Required: the opportunity's venue.")
    lead_id: Id | None = Field(default=None, description="Required: the opportunity's id.")
    note: Text | None = Field(
        default=None,
        description="Required, not blank: the note's text, kept exactly as sent (HTML allowed).",
    )


class OpportunityNoteListIn(ListIn):
    """Paging and filter, plus the opportunity (``leadId``) and venue (``venueId``) to list."""

    venue_id: Id | None = Field(default=None, description="Only notes of this venue.")
    lead_id: Id | None = Field(
        default=None,
        description="Only this opportunity's notes; it must be a live opportunity of the "
        "account (in venueId, if given), else 24441.",
    )


class OpportunityNoteItem(ReplyModel):
    """One note; timestamps are ``yyyy-mm-dd HH:mm:ss UTC``."""

    id: int
    lead_id: int = Field(description="The opportunity's id.")
    venue_id: int = Field(description="The opportunity's venue (a venuecrm extra key).")
    note: str
    created_by_user_id: int | None = Field(
        description="Always null: notes are written through API keys, not by users."
    )
    created_date: str
    modified_date: str


EXAMPLE_ITEM: dict[str, Any] = {
    "id": 2, "leadId": 755, "venueId": 107, "note": "<p>Called: wants a quote</p>",
    "createdByUserId": None, "createdDate": "2026-06-12 06:06:03 UTC",
    "modifiedDate": "2026-07-13 01:32:10 UTC",
}  # fmt: skip


class OpportunityNoteList(ListReply[OpportunityNoteItem]):
    """getOpportunityNoteList's reply."""

    model_config = example_config(list_example(EXAMPLE_ITEM))
