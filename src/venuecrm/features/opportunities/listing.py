"""crm getOpportunityList and getOpportunity: the account's live opportunities, iVvy's way."""

from __future__ import annotations

from venuecrm.errors import OpportunityNotFound
from venuecrm.features.collections import Collection, get_one
from venuecrm.features.lookups.queries import Lists
from venuecrm.features.opportunities.list_schemas import (
    OpportunityItem,
    OpportunityList,
    OpportunityListIn,
)
from venuecrm.platform.collections import Condition, Op
from venuecrm.platform.uow import UnitOfWork


def _venue_conditions(request: OpportunityListIn) -> list[Condition]:
    """venueIds or venueId, one or many, restrict the venues listed (docs/ivvy.md D26)."""
    venues = request.venues()
    return [Condition("venueId", Op.IN, venues)] if venues else []


OPPORTUNITIES = Collection(
    Lists.opportunities, OpportunityList, OpportunityListIn, conditions=_venue_conditions
)


def get_opportunity(
    uow: UnitOfWork, *, account_id: int, opportunity_id: int | None
) -> OpportunityItem:
    """getOpportunityList's item for one live opportunity; 23017 without an id, else 24222."""
    return get_one(
        uow,
        Lists.opportunities,
        item=OpportunityItem,
        not_found=lambda found: OpportunityNotFound(f"Opportunity {found} does not exist"),
        account_id=account_id,
        row_id=opportunity_id,
    )
