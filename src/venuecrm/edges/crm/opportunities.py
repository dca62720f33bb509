"""``/crm/opportunities``: the unified CRM (Apideck) view over the same opportunities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from venuecrm.edges.http import idempotency
from venuecrm.edges.http.deps import authenticate_bearer_request, read_body, runtime, write_slot
from venuecrm.errors import InvalidRequest
from venuecrm.features.accounts.service import Credentials
from venuecrm.features.opportunities import unified as service
from venuecrm.features.opportunities.unified_schemas import (
    BadRequestResponse,
    CreateOpportunityResponse,
    DeleteOpportunityResponse,
    GetOpportunitiesResponse,
    GetOpportunityResponse,
    NotFoundResponse,
    Opportunity,
    ServiceUnavailableResponse,
    TooManyRequestsResponse,
    UnauthorizedResponse,
    UnprocessableResponse,
    UpdateOpportunityResponse,
)
from venuecrm.platform.uow import UnitOfWork

R = TypeVar("R")
router = APIRouter(prefix="/crm", tags=["crm"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": BadRequestResponse, "description": "Bad Request: see detail.problems"},
    401: {"model": UnauthorizedResponse, "description": "Unauthorized"},
    404: {"model": NotFoundResponse, "description": "Not Found"},
    422: {"model": UnprocessableResponse, "description": "A rule of the account is broken"},
    429: {"model": TooManyRequestsResponse, "description": "Rate limited, or the record stayed "
          "busy past the lock timeout: see Retry-After"},
    503: {"model": ServiceUnavailableResponse, "description": "Database unavailable: see "
          "Retry-After"},
}  # fmt: skip
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/OpportunityInput"}}
        },
    }
}
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "A retry with this key gets the first response instead of running again "
    "(24 h); another request with it is 422, one while the first runs 409.",
}
_WRITE = {**_BODY, "parameters": [_IDEMPOTENCY_KEY]}
_LIST_PARAMS = {
    "parameters": [
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                     "maximum": 200, "default": 20}},
        {"name": "cursor", "in": "query", "schema": {"type": "string"},
         "description": "meta.cursors.next of the previous page"},
        {"name": "filter", "in": "query", "style": "deepObject", "explode": True,
         "schema": {"type": "object", "additionalProperties": False, "properties": {
             name: {"type": "string"} for name in
             ("title", "status", "status_id", "monetary_amount", "win_probability",
              "company_id", "owner_id", "primary_contact_id", "updated_since")}}},
        {"name": "sort", "in": "query", "style": "deepObject", "explode": True,
         "schema": {"type": "object", "properties": {
             "by": {"type": "string", "enum": ["created_at", "updated_at", "title",
                                               "win_probability", "monetary_amount", "status"]},
             "direction": {"type": "string", "enum": ["asc", "desc"], "default": "asc"}}}},
        {"name": "fields", "in": "query", "schema": {"type": "string"},
         "description": "Comma-separated keys to return, e.g. id,title: each item then "
     "has only those keys (its schema's required keys do not apply); an unknown key is 400"},
    ]
}  # fmt: skip


def _envelope(
    operation: str, status: int, *, resource: str = "opportunities", **body: Any
) -> JSONResponse:
    return JSONResponse(
        {"status_code": status, "status": "OK", "service": "venuecrm",
         "resource": resource, "operation": operation, **body},
        status_code=status,
    )  # fmt: skip


async def _authorized(request: Request, work: Callable[[UnitOfWork, Credentials], R]) -> R:
    """Run ``work`` for the caller's key in the threadpool (the database stack is synchronous)."""
    rt = runtime(request)

    def run() -> R:
        credentials = authenticate_bearer_request(request)
        return work(rt.uow(), credentials)

    return await run_in_threadpool(run)


async def _write(
    request: Request, body: bytes, work: Callable[[UnitOfWork, Credentials], JSONResponse]
) -> Response:
    """Run a write for the caller's key; with an Idempotency-Key, at most once (see README)."""
    rt = runtime(request)

    def run() -> idempotency.Outcome:
        credentials = authenticate_bearer_request(request)
        now = rt.clock()
        key = idempotency.idempotency_key(request.headers, (idempotency.IDEMPOTENCY_KEY,))
        guards = (
            []
            if key is None
            else [idempotency.key_guard(key, now, rt.settings.idempotency_ttl_seconds)]
        )

        def reply(uow: UnitOfWork) -> tuple[int, bytes]:
            response = work(uow, credentials)
            return response.status_code, bytes(response.body)

        return idempotency.run_once(
            rt.uow(),
            account_id=credentials.account_id,
            guards=guards,
            fingerprint=idempotency.fingerprint(request, body),
            now=now,
            work=reply,
        )

    async with write_slot(request):
        outcome = await run_in_threadpool(run)
    return outcome.response()


def requested_fields(request: Request, model: type[BaseModel]) -> list[str] | None:
    """The keys ``fields=`` asks for (None: all); 400 naming any ``model`` does not have.

    An unknown key used to be dropped silently, leaving items without any key at all.
    """
    raw = request.query_params.get("fields")
    if not raw:
        return None
    wanted = [f.strip().split(".", 1)[0] for f in raw.split(",") if f.strip()]
    unknown = [key for key in wanted if key not in model.model_fields]
    if unknown:
        raise InvalidRequest(
            "Invalid Params",
            [f"fields: '{key}' is not a key of {model.__name__}" for key in unknown],
        )
    return wanted


def select_fields(item: BaseModel, wanted: list[str] | None) -> dict[str, Any]:
    """``item`` as JSON, limited to the ``wanted`` keys when ``fields=`` named some."""
    data = item.model_dump(mode="json")
    return data if wanted is None else {key: data[key] for key in wanted}


@router.get(
    "/opportunities",
    operation_id="opportunitiesAll",
    summary="List opportunities (cursor pagination, filter, sort)",
    response_model=GetOpportunitiesResponse,
    responses=_ERRORS,
    openapi_extra=_LIST_PARAMS,
)
async def list_opportunities(request: Request) -> JSONResponse:
    """A page of opportunities; ``meta.cursors.next`` fetches the next one."""
    params = list(request.query_params.multi_items())
    page = await _authorized(
        request,
        lambda uow, who: service.list_page(uow, account_id=who.account_id, params=params),
    )
    wanted = requested_fields(request, Opportunity)
    current = str(request.url)
    next_url = (
        str(request.url.include_query_params(cursor=page.next_cursor)) if page.next_cursor else None
    )
    return _envelope(
        "all",
        200,
        data=[select_fields(item, wanted) for item in page.items],
        meta={
            "items_on_page": len(page.items),
            "cursors": {
                "previous": None,
                "current": request.query_params.get("cursor"),
                "next": page.next_cursor,
            },
            "total_count": page.total,
        },
        links={"previous": None, "current": current, "next": next_url},
    )


@router.post(
    "/opportunities",
    operation_id="opportunitiesAdd",
    summary="Create an opportunity",
    status_code=201,
    response_model=CreateOpportunityResponse,
    responses=_ERRORS,
    openapi_extra=_WRITE,
)
async def create_opportunity(request: Request) -> Response:
    """Create; every iVvy rule applies. Answers 201 with the new id."""
    raw = await read_body(request, runtime(request).settings.max_body_bytes)
    # The body is parsed only after authentication: an anonymous caller learns nothing of
    # the schema, it gets 401 like on every other route.
    return await _write(
        request,
        raw,
        lambda uow, who: _envelope(
            "add",
            201,
            data={
                "id": service.save(
                    uow,
                    account_id=who.account_id,
                    api_key_id=who.key_id,
                    body=service.parse_body(raw),
                )
            },
        ),
    )


@router.get(
    "/opportunities/{opportunity_id}",
    operation_id="opportunitiesOne",
    summary="Get an opportunity",
    response_model=GetOpportunityResponse,
    responses=_ERRORS,
)
async def get_opportunity(request: Request, opportunity_id: str) -> JSONResponse:
    """One opportunity."""
    item = await _authorized(
        request,
        lambda uow, who: service.get(uow, account_id=who.account_id, opportunity_id=opportunity_id),
    )
    return _envelope("one", 200, data=select_fields(item, requested_fields(request, Opportunity)))


@router.patch(
    "/opportunities/{opportunity_id}",
    operation_id="opportunitiesUpdate",
    summary="Update an opportunity (absent keys unchanged, null clears)",
    response_model=UpdateOpportunityResponse,
    responses=_ERRORS,
    openapi_extra=_WRITE,
)
async def update_opportunity(request: Request, opportunity_id: str) -> Response:
    """Update only the keys sent; read-only keys are ignored."""
    raw = await read_body(request, runtime(request).settings.max_body_bytes)
    return await _write(
        request,
        raw,
        lambda uow, who: _envelope(
            "update",
            200,
            data={
                "id": service.save(
                    uow,
                    account_id=who.account_id,
                    api_key_id=who.key_id,
                    body=service.parse_body(raw),
                    opportunity_id=opportunity_id,
                )
            },
        ),
    )


@router.delete(
    "/opportunities/{opportunity_id}",
    operation_id="opportunitiesDelete",
    summary="Delete an opportunity (soft: gone from both APIs)",
    response_model=DeleteOpportunityResponse,
    responses=_ERRORS,
    openapi_extra={"parameters": [_IDEMPOTENCY_KEY]},
)
async def delete_opportunity(request: Request, opportunity_id: str) -> Response:
    """Soft-delete; answers 200 with the id."""
    return await _write(
        request,
        b"",
        lambda uow, who: _envelope(
            "delete",
            200,
            data={
                "id": service.delete(
                    uow,
                    account_id=who.account_id,
                    api_key_id=who.key_id,
                    opportunity_id=opportunity_id,
                )
            },
        ),
    )
