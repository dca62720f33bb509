"""``/crm/opportunities``: the unified CRM (Apideck) view over the same opportunities."""

from __future__ import annotations

from fastapi import APIRouter

from venuecrm.edges.crm.resources import Doc, Resource, add_routes, list_parameters
from venuecrm.features.opportunities import unified as service
from venuecrm.features.opportunities import unified_schemas as schemas
from venuecrm.features.opportunities.views import FILTERS, SORTS

router = APIRouter(prefix="/crm", tags=["crm"])
add_routes(
    router,
    Resource("opportunities", "opportunity_id", schemas.Opportunity, service.list_page, service.get,
             schemas.OpportunityInput, service.save, service.delete),
    {
        "All": Doc("List opportunities (cursor pagination, filter, sort)",
                   "A page of opportunities; ``meta.cursors.next`` fetches the next one.",
                   schemas.GetOpportunitiesResponse),
        "Add": Doc("Create an opportunity",
                   "Create; every iVvy rule applies. Answers 201 with the new id.",
                   schemas.CreateOpportunityResponse),
        "One": Doc("Get an opportunity", "One opportunity.", schemas.GetOpportunityResponse),
        "Update": Doc("Update an opportunity (absent keys unchanged, null clears)",
                      "Update only the keys sent; read-only keys are ignored.",
                      schemas.UpdateOpportunityResponse),
        "Delete": Doc("Delete an opportunity (soft: gone from both APIs)",
                      "Soft-delete; answers 200 with the id.", schemas.DeleteOpportunityResponse),
    },
    list_extra=list_parameters(FILTERS, sorts=SORTS, example="id,title"),
)  # fmt: skip
