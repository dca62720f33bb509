"""Account and venue reference data: industries, users, venues, opportunity custom fields.

Read-only: nothing here commits. Collections follow ``services.listing``.
"""

from __future__ import annotations

from venuecrm.db.listing import Condition, Kind, Op
from venuecrm.db.lists import Lists
from venuecrm.db.uow import UnitOfWork
from venuecrm.errors import MissingParameter, VenueNotFound
from venuecrm.schemas.account import (
    CustomFieldDefinitionList,
    IndustryList,
    UserList,
    VenueIn,
    VenueItem,
    VenueList,
)
from venuecrm.schemas.listing import UserListIn
from venuecrm.schemas.parsing import parse_lenient
from venuecrm.services.listing import Collection, decode_params, to_wire
from venuecrm.services.problems import invalid_parameters

INDUSTRIES = Collection(Lists.industries, IndustryList)
# Users belong to the account, not a venue: venueId (top level or filter) is checked and ignored.
USERS = Collection(Lists.users, UserList, UserListIn, {"venueId": Kind.INT})
VENUES = Collection(Lists.venues, VenueList)
OPPORTUNITY = "opportunity"


def get_venue(uow: UnitOfWork, *, account_id: int, body: bytes) -> VenueItem:
    """One active venue of the account; 23017 without an id, 24438 for an unknown one."""
    parsed = parse_lenient(VenueIn, decode_params(body))
    if parsed.problems:
        raise invalid_parameters(parsed.problems)
    venue_id = parsed.model.id if parsed.model is not None else None
    if venue_id is None:
        raise MissingParameter("'id' is required", ["id: is required"])
    with uow:
        lists = uow.lists(account_id)
        page = lists.page(lists.venues(), [Condition("id", Op.EQ, venue_id)], start=0, limit=1)
    if not page.rows:
        raise VenueNotFound(f"Venue {venue_id} does not exist")
    return VenueItem.model_validate(to_wire(page.rows[0]))


def get_opportunity_custom_field_definitions(
    uow: UnitOfWork, *, account_id: int
) -> CustomFieldDefinitionList:
    """Every opportunity custom field definition of the account, active or not, in order."""
    with uow:
        rows = uow.lists(account_id).custom_field_definitions(OPPORTUNITY)
    return CustomFieldDefinitionList.model_validate(rows)
