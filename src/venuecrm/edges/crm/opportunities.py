"""``/crm/opportunities``: the unified CRM (Apideck) view over the same opportunities."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from venuecrm.edges.crm.handlers import (
    DELETE,
    ERRORS,
    body_of,
    delete_reply,
    list_parameters,
    list_reply,
    one_reply,
    save_reply,
)
from venuecrm.features.opportunities import unified as service
from venuecrm.features.opportunities.unified_schemas import (
    CreateOpportunityResponse,
    DeleteOpportunityResponse,
    GetOpportunitiesResponse,
    GetOpportunityResponse,
    Opportunity,
    UpdateOpportunityResponse,
)
from venuecrm.features.opportunities.views import FILTERS, SORTS

router = APIRouter(prefix="/crm", tags=["crm"])
_RESOURCE = "opportunities"


@router.get("/opportunities", operation_id="opportunitiesAll",
            summary="List opportunities (cursor pagination, filter, sort)",
            response_model=GetOpportunitiesResponse, responses=ERRORS,
            openapi_extra=list_parameters(FILTERS, sorts=SORTS, example="id,title"))  # fmt: skip
async def list_opportunities(request: Request) -> JSONResponse:
    """A page of opportunities; ``meta.cursors.next`` fetches the next one."""
    return await list_reply(request, _RESOURCE, Opportunity, service.list_page)


@router.post("/opportunities", operation_id="opportunitiesAdd", summary="Create an opportunity",
             status_code=201, response_model=CreateOpportunityResponse, responses=ERRORS,
             openapi_extra=body_of("OpportunityInput"))  # fmt: skip
async def create_opportunity(request: Request) -> Response:
    """Create; every iVvy rule applies. Answers 201 with the new id."""
    return await save_reply(
        request,
        _RESOURCE,
        lambda uow, who, raw: service.save(
            uow, account_id=who.account_id, api_key_id=who.key_id, body=service.parse_body(raw)
        ),
        created=True,
    )


@router.get("/opportunities/{opportunity_id}", operation_id="opportunitiesOne",
            summary="Get an opportunity", response_model=GetOpportunityResponse,
            responses=ERRORS)  # fmt: skip
async def get_opportunity(request: Request, opportunity_id: str) -> JSONResponse:
    """One opportunity."""
    return await one_reply(
        request,
        _RESOURCE,
        lambda uow, account: service.get(uow, account_id=account, opportunity_id=opportunity_id),
    )


@router.patch("/opportunities/{opportunity_id}", operation_id="opportunitiesUpdate",
              summary="Update an opportunity (absent keys unchanged, null clears)",
              response_model=UpdateOpportunityResponse, responses=ERRORS,
              openapi_extra=body_of("OpportunityInput"))  # fmt: skip
async def update_opportunity(request: Request, opportunity_id: str) -> Response:
    """Update only the keys sent; read-only keys are ignored."""
    return await save_reply(
        request,
        _RESOURCE,
        lambda uow, who, raw: service.save(
            uow,
            account_id=who.account_id,
            api_key_id=who.key_id,
            body=service.parse_body(raw),
            opportunity_id=opportunity_id,
        ),
        created=False,
    )


@router.delete("/opportunities/{opportunity_id}", operation_id="opportunitiesDelete",
               summary="Delete an opportunity (soft: gone from both APIs)",
               response_model=DeleteOpportunityResponse, responses=ERRORS,
               openapi_extra=DELETE)  # fmt: skip
async def delete_opportunity(request: Request, opportunity_id: str) -> Response:
    """Soft-delete; answers 200 with the id."""
    return await delete_reply(
        request,
        _RESOURCE,
        lambda uow, who: service.delete(
            uow, account_id=who.account_id, api_key_id=who.key_id, opportunity_id=opportunity_id
        ),
    )
