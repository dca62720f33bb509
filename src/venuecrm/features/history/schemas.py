"""The history actions' requests and replies: an iVvy collection of change records."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from venuecrm.wire.collections import ListIn, ListReply, example_config, list_example
from venuecrm.wire.ivvy import Id, ReplyModel


class OpportunityHistoryIn(ListIn):
    """getOpportunityHistory: the opportunity (and its venue), paging and filter."""

    venue_id: Id | None = Field(default=None, description="The opportunity's venue, if given.")
    opportunity_id: Id | None = Field(default=None, description="The opportunity (required).")


class ContactHistoryIn(ListIn):
    """getContactHistory: the contact, paging and filter."""

    contact_id: Id | None = Field(default=None, description="The contact (required).")


class CompanyHistoryIn(ListIn):
    """getCompanyHistory: the company, paging and filter."""

    company_id: Id | None = Field(default=None, description="The company (required).")


class FieldChange(ReplyModel):
    """One field's old and new value, as the record's reads show them (null: none)."""

    field: str = Field(description="The iVvy wire name; customFields.{fieldId} for custom fields.")
    from_: Any = Field(alias="from")
    to: Any


class ChangeItem(ReplyModel):
    """One write of the record: who, when, which request, and what it changed."""

    id: int = Field(description="Change records' ids grow in commit order.")
    action: str = Field(description="added, updated or deleted")
    api_key_id: int | None = Field(description="The API key that made the change.")
    api_key_label: str | None
    request_id: str | None = Field(description="The X-Request-Id of the request.")
    changed_date: str = Field(description="When it committed, yyyy-mm-dd HH:mm:ss UTC.")
    changes: list[FieldChange] = Field(description="Empty for a deletion.")


_EXAMPLE: dict[str, Any] = {
    "id": 9021, "action": "updated", "apiKeyId": 3, "apiKeyLabel": "Website form",
    "requestId": "5b0c1f3e2d4a4c7e9f60a1b2c3d4e5f6", "changedDate": "2026-12-02 04:31:07 UTC",
    "changes": [{"field": "stageId", "from": 69, "to": 71},
                {"field": "customFields.12", "from": "Buffet", "to": "Plated"}],
}  # fmt: skip


class OpportunityChange(ChangeItem):
    """One change of an opportunity."""

    model_config = example_config({**_EXAMPLE, "opportunityId": 755})

    opportunity_id: int


class ContactChange(ChangeItem):
    """One change of a contact."""

    model_config = example_config({**_EXAMPLE, "contactId": 33})

    contact_id: int


class CompanyChange(ChangeItem):
    """One change of a company."""

    model_config = example_config({**_EXAMPLE, "companyId": 16})

    company_id: int


class OpportunityHistory(ListReply[OpportunityChange]):
    """getOpportunityHistory's reply, newest first."""

    model_config = example_config(list_example({**_EXAMPLE, "opportunityId": 755}))


class ContactHistory(ListReply[ContactChange]):
    """getContactHistory's reply, newest first."""

    model_config = example_config(list_example({**_EXAMPLE, "contactId": 33}))


class CompanyHistory(ListReply[CompanyChange]):
    """getCompanyHistory's reply, newest first."""

    model_config = example_config(list_example({**_EXAMPLE, "companyId": 16}))
