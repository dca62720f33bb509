"""Account and venue reference data: industries, users, venues, custom field definitions.

Read-only: nothing here commits. Collections follow ``services.listing``.
"""

from __future__ import annotations

from venuecrm.db.listing import Kind
from venuecrm.db.lists import Lists
from venuecrm.db.uow import UnitOfWork
from venuecrm.errors import VenueNotFound
from venuecrm.schemas.account import (
    CustomFieldDefinitionList,
    IndustryList,
    UserList,
    VenueIn,
    VenueItem,
    VenueList,
)
from venuecrm.schemas.listing import UserListIn
from venuecrm.services.listing import Collection, get_one

INDUSTRIES = Collection(Lists.industries, IndustryList)
# Users belong to the account, not a venue: venueId (top level or filter) is checked and ignored.
USERS = Collection(Lists.users, UserList, UserListIn, {"venueId": Kind.INT})
VENUES = Collection(Lists.venues, VenueList)


def get_venue(uow: UnitOfWork, *, account_id: int, body: bytes) -> VenueItem:
    """One active venue of the account; 23017 without an id, 24438 for an unknown one."""
    return get_one(
        uow,
        Lists.venues,
        request=VenueIn,
        item=VenueItem,
        not_found=lambda venue_id: VenueNotFound(f"Venue {venue_id} does not exist"),
        account_id=account_id,
        body=body,
    )


def get_custom_field_definitions(
    uow: UnitOfWork, *, account_id: int, entity: str
) -> CustomFieldDefinitionList:
    """Every custom field definition of ``entity`` in the account, active or not, in order."""
    with uow:
        rows = uow.lists(account_id).custom_field_definitions(entity)
    return CustomFieldDefinitionList.model_validate(rows)
