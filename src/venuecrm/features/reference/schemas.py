"""Account and venue reference data (docs/ivvy.md §3.7, 3.8, 4.4): industries, users, venues and
opportunity custom field definitions."""

from __future__ import annotations

from typing import Any

from pydantic import Field, RootModel
from pydantic.config import JsonDict

from venuecrm.wire.collections import ListReply, example_config, list_example
from venuecrm.wire.ivvy import Id, IvvyModel, ReplyModel

_CREATED = "2026-11-24 10:00:00 UTC"
_MODIFIED = "2026-11-24 11:30:00 UTC"
TIMESTAMP_NOTE = "An iVvy timestamp, yyyy-mm-dd HH:mm:ss UTC."


class IndustryItem(ReplyModel):
    """An industry companies and opportunities are classified by."""

    id: int
    name: str
    created_date: str = Field(description=TIMESTAMP_NOTE)
    modified_date: str = Field(description=TIMESTAMP_NOTE)


class UserItem(ReplyModel):
    """A user of the account: the fields of docs/ivvy.md §3.7 that venuecrm stores."""

    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    current_status: int = Field(description="1 active, 2 inactive.")
    created_date: str = Field(description=TIMESTAMP_NOTE)
    modified_date: str = Field(description=TIMESTAMP_NOTE)


_VENUE: JsonDict = {
    "id": 107,
    "businessName": "Grand Hall",
    "createdDate": _CREATED,
    "modifiedDate": _MODIFIED,
}


class VenueItem(ReplyModel):
    """A venue: the fields of docs/ivvy.md §3.8 that venuecrm stores (its name is businessName)."""

    model_config = example_config(_VENUE)

    id: int
    business_name: str
    created_date: str = Field(description=TIMESTAMP_NOTE)
    modified_date: str = Field(description=TIMESTAMP_NOTE)


class IndustryList(ListReply[IndustryItem]):
    """Reply of account getIndustryList."""

    model_config = example_config(
        list_example(
            {"id": 77, "name": "Technology", "createdDate": _CREATED, "modifiedDate": _MODIFIED}
        )
    )


class UserList(ListReply[UserItem]):
    """Reply of account getUserList."""

    model_config = example_config(
        list_example(
            {
                "id": 12,
                "firstName": "Sam",
                "lastName": "Seller",
                "email": "sam.seller@example.com",
                "phone": "",
                "currentStatus": 1,
                "createdDate": _CREATED,
                "modifiedDate": _MODIFIED,
            }
        )
    )


class VenueList(ListReply[VenueItem]):
    """Reply of venue getVenueList."""

    model_config = example_config(list_example(_VENUE))


class VenueIn(IvvyModel):
    """getVenue: the venue's id."""

    id: Id | None = None


class CustomFieldDefinitionItem(ReplyModel):
    """A custom field definition, like iVvy's contact and company ones (docs/ivvy.md §4.4)."""

    field_id: int
    field_type: int = Field(
        description="0 text, 1 large text, 2 select, 3 multi-select, 4 address, 5 date, "
        "6 file, 7 static text, 8 whole number, 9 large select."
    )
    display_name: str
    is_required: bool
    is_active: bool
    sort_order: int
    select_values: dict[str, Any] | None
    file_types: list[str] | None


class CustomFieldDefinitionList(RootModel[list[CustomFieldDefinitionItem]]):
    """A bare JSON array of definitions, like iVvy's getCustomFieldDefinition calls."""

    model_config = example_config(
        [
            {
                "fieldId": 12,
                "fieldType": 2,
                "displayName": "Catering style",
                "isRequired": False,
                "isActive": True,
                "sortOrder": 1,
                "selectValues": {"Buffet": "Buffet", "Plated": "Plated"},
                "fileTypes": None,
            }
        ]
    )
