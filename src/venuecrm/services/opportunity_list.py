"""crm getOpportunityList: the account's live opportunities as an iVvy collection."""

from __future__ import annotations

from venuecrm.db.listing import Condition, Op
from venuecrm.db.lists import Lists
from venuecrm.schemas.opportunity_list import OpportunityList, OpportunityListIn
from venuecrm.services.listing import Collection


def _venue_conditions(request: OpportunityListIn) -> list[Condition]:
    """venueIds or venueId, one or many, restrict the venues listed (docs/ivvy.md D26)."""
    venues = request.venues()
    return [Condition("venueId", Op.IN, venues)] if venues else []


OPPORTUNITIES = Collection(
    Lists.opportunities, OpportunityList, OpportunityListIn, conditions=_venue_conditions
)
