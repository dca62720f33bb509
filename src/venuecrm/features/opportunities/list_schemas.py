"""crm getOpportunityList: its request and result item (docs/ivvy.md §3.4, D14, D15, D26)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from venuecrm.wire.collections import (
    ListIn,
    ListReply,
    example_config,
    list_example,
)
from venuecrm.wire.ivvy import Id, IvvyModel, ReplyModel


class OpportunityListIn(ListIn):
    """Paging and filter, plus the venues to list: ``venueIds`` or ``venueId``, one or many."""

    venue_ids: Id | list[Id] | None = Field(default=None, description="Venues to list.")
    venue_id: Id | list[Id] | None = Field(default=None, description="Same as venueIds.")

    def venues(self) -> list[int]:
        """Every venue named by either key (none: every venue of the account)."""
        named: list[int] = []
        for value in (self.venue_ids, self.venue_id):
            named += value if isinstance(value, list) else [] if value is None else [value]
        return named


class Person(ReplyModel):
    """A user or contact as list items show them."""

    id: int
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None


class CompanySummary(ReplyModel):
    """A company as list items show it."""

    id: int
    business_name: str
    business_number: str | None
    phone: str | None
    email: str | None


class CustomFieldValueOut(ReplyModel):
    """A custom field's value, with the field's display name."""

    field_id: int
    display_name: str
    field_value: Any


EXAMPLE_ITEM: dict[str, Any] = {
    "id": 755, "venueId": 107, "name": "Lead By API", "description": None,
    "ownerUser": None, "contact": {"id": 33, "firstName": "First", "lastName": "Last",
                                   "email": "email8@email.com", "phone": None},
    "company": {"id": 16, "businessName": "Business Name", "businessNumber": None,
                "phone": None, "email": None},
    "stageId": 69, "stageName": "New Enquiry", "typeId": 18, "type": "Meeting",
    "closedDate": "2017-05-05 00:00:00 UTC", "lostToCompetition": None,
    "customFields": [{"fieldId": 12, "displayName": "Catering style", "fieldValue": "Buffet"}],
}  # fmt: skip


class GetOpportunityIn(IvvyModel):
    """getOpportunity: the opportunity's id."""

    id: Id | None = None


class OpportunityItem(ReplyModel):
    """One opportunity of getOpportunityList; timestamps are ``yyyy-mm-dd HH:mm:ss UTC``."""

    model_config = example_config(EXAMPLE_ITEM)

    id: int
    venue_id: int
    name: str
    description: str | None
    owner_user: Person | None
    contact: Person | None
    company: CompanySummary | None
    current_booking_id: int | None = Field(
        None, description="Always null: venuecrm holds no bookings (kept for clients that map it)."
    )
    contact_type: str = Field(description="company or contact")
    contact_id: int | None
    company_id: int | None
    owner_user_id: int | None
    quality_id: int | None
    quality: str | None
    stage_id: int
    stage_name: str | None
    stage_reason_id: int | None
    stage_reason_name: str | None
    admin_status_changed_date: str | None
    type_id: int
    type: str | None
    subtype_id: int | None
    source_id: int
    source_name: str | None
    channel_id: int | None
    channel_name: str | None
    lead_bcc_email: str | None = Field(
        None, description="Always null: venuecrm has no lead mailboxes (kept for clients)."
    )
    closed_date: str | None
    lost_to_competition: int | None = Field(description="Id of the lost reason (docs/ivvy.md D15).")
    lost_to_competition_name: str | None
    referral_contact_id: int | None
    referral_company_id: int | None
    confirmed_quote_id: int | None
    confirmed_quote_status: int | None
    cancelled_quote_id: int | None
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    utm_term: str | None
    utm_content: str | None
    created_date: str
    modified_date: str
    external_urls: list[dict[str, Any]]
    custom_fields: list[CustomFieldValueOut]
    monetary_amount: float | None
    currency: str | None
    win_probability: float | None
    priority: str | None
    status: str | None
    status_id: str | None
    tags: list[str] | None
    won_reason_id: str | None
    won_reason: str | None
    lead_id: str | None
    stage_last_changed_at: str | None


class OpportunityList(ListReply[OpportunityItem]):
    """getOpportunityList's reply."""

    model_config = example_config(list_example(EXAMPLE_ITEM))
