"""crm getOpportunityList and getOpportunity: the account's live opportunities, iVvy's way."""

from __future__ import annotations

from venuecrm.errors import OpportunityNotFound
from venuecrm.features.collections import Collection, Record
from venuecrm.features.lookups.queries import Lists
from venuecrm.features.opportunities.list_schemas import (
    OpportunityItem,
    OpportunityList,
    OpportunityListIn,
)
from venuecrm.platform.collections import Condition, Op


def _venue_conditions(request: OpportunityListIn) -> list[Condition]:
    """venueIds or venueId, one or many, restrict the venues listed (docs/ivvy.md D26)."""
    venues = request.venues()
    return [Condition("venueId", Op.IN, venues)] if venues else []


OPPORTUNITIES = Collection(
    Lists.opportunities, OpportunityList, OpportunityListIn, conditions=_venue_conditions
)
# getOpportunity: one item of getOpportunityList.
OPPORTUNITY = Record(
    Lists.opportunities, OpportunityItem, OpportunityNotFound, "Opportunity {id} does not exist"
)
