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
    Resource(
        name="opportunities",
        path_id="opportunity_id",
        item=schemas.Opportunity,
        lister=service.list_page,
        getter=service.get,
        body=schemas.OpportunityInput,
        saver=service.save,
        deleter=service.delete,
    ),
    {
        "All": Doc(
            summary="List opportunities (cursor pagination, filter, sort)",
            description="A page of opportunities; ``meta.cursors.next`` fetches the next one.",
            reply=schemas.GetOpportunitiesResponse,
        ),
        "Add": Doc(
            summary="Create an opportunity",
            description="Create; every iVvy rule applies. Answers 201 with the new id.",
            reply=schemas.CreateOpportunityResponse,
        ),
        "One": Doc(
            summary="Get an opportunity",
            description="One opportunity.",
            reply=schemas.GetOpportunityResponse,
        ),
        "Update": Doc(
            summary="Update an opportunity (absent keys unchanged, null clears)",
            description="Update only the keys sent; read-only keys are ignored.",
            reply=schemas.UpdateOpportunityResponse,
        ),
        "Delete": Doc(
            summary="Delete an opportunity (soft: gone from both APIs)",
            description="Soft-delete; answers 200 with the id.",
            reply=schemas.DeleteOpportunityResponse,
        ),
    },
    list_extra=list_parameters(FILTERS, sorts=SORTS, example="id,title"),
)
