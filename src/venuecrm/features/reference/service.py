"""Account and venue reference data: industries, users, venues, custom field definitions.

Read-only: nothing here commits. Collections follow ``features.collections``.
"""

from __future__ import annotations

from venuecrm.errors import VenueNotFound
from venuecrm.features.collections import Collection, Record
from venuecrm.features.lookups.queries import Lists
from venuecrm.features.reference.schemas import (
    CustomFieldDefinitionList,
    IndustryList,
    UserList,
    VenueItem,
    VenueList,
)
from venuecrm.platform.collections import Kind
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.collections import UserListIn

INDUSTRIES = Collection(Lists.industries, IndustryList)
# Users belong to the account, not a venue: venueId (top level or filter) is checked and ignored.
USERS = Collection(Lists.users, UserList, UserListIn, {"venueId": Kind.INT})
VENUES = Collection(Lists.venues, VenueList)
VENUE = Record(Lists.venues, VenueItem, VenueNotFound, "Venue {id} does not exist")  # getVenue


def get_custom_field_definitions(
    uow: UnitOfWork, *, account_id: int, entity: str
) -> CustomFieldDefinitionList:
    """Every custom field definition of ``entity`` in the account, active or not, in order."""
    with uow:
        rows = Lists(uow.session, account_id).custom_field_definitions(entity)
    return CustomFieldDefinitionList.model_validate(rows)
