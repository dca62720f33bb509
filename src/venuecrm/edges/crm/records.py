"""``/crm/users``, ``/crm/pipelines``, ``/crm/notes``: the unified CRM view beside opportunities."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from venuecrm.edges.crm.opportunities import (
    _ERRORS,
    _IDEMPOTENCY_KEY,
    _authorized,
    _envelope,
    _write,
    requested_fields,
    select_fields,
)
from venuecrm.edges.http.deps import read_body, runtime
from venuecrm.features.reference import unified as service
from venuecrm.features.reference.unified_schemas import (
    GetNoteResponse,
    GetNotesResponse,
    GetPipelineResponse,
    GetPipelinesResponse,
    GetUserResponse,
    GetUsersResponse,
    Note,
    Pipeline,
    User,
    WriteNoteResponse,
)

router = APIRouter(prefix="/crm", tags=["crm"])
_NOT_IMPLEMENTED: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    501: {"description": "Not supported: users and pipelines are the account's configuration"},
}
_NOTE_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NoteInput"}}},
    },
    "parameters": [_IDEMPOTENCY_KEY],
}
_LIST_PARAMS = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200,
                                                  "default": 20}},
    {"name": "cursor", "in": "query", "schema": {"type": "string"},
     "description": "meta.cursors.next of the previous page"},
    {"name": "fields", "in": "query", "schema": {"type": "string"},
     "description": "Comma-separated keys to return, e.g. id,name: each item then "
     "has only those keys (its schema's required keys do not apply); an unknown key is 400"},
]  # fmt: skip


def list_parameters(*names: str, sorts: tuple[str, ...] = ()) -> dict[str, Any]:
    """The list parameters with ``filter[...]`` of ``names`` and ``sort[...]`` by ``sorts``
    (deep objects, as Apideck has them)."""
    schema = {"type": "object", "additionalProperties": False,
              "properties": {name: {"type": "string"} for name in names}}  # fmt: skip
    deep = {"in": "query", "style": "deepObject", "explode": True}
    sort = {"type": "object", "properties": {
        "by": {"type": "string", "enum": list(sorts)},
        "direction": {"type": "string", "enum": ["asc", "desc"], "default": "asc"}}}  # fmt: skip
    return {"parameters": [
        *_LIST_PARAMS,
        *([{"name": "filter", **deep, "schema": schema}] if names else []),
        *([{"name": "sort", **deep, "schema": sort}] if sorts else []),
    ]}  # fmt: skip


def list_response(
    request: Request, resource: str, page: service.Page[Any], item: type[BaseModel]
) -> JSONResponse:
    """A page in Apideck's list envelope; ``links.next`` repeats the request at the next cursor."""
    wanted = requested_fields(request, item)
    cursor = page.next_cursor
    return _envelope(
        "all",
        200,
        resource=resource,
        data=[select_fields(row, wanted) for row in page.items],
        meta={
            "items_on_page": len(page.items),
            "cursors": {
                "previous": None,
                "current": request.query_params.get("cursor"),
                "next": cursor,
            },
            "total_count": page.total,
        },
        links={
            "previous": None,
            "current": str(request.url),
            "next": str(request.url.include_query_params(cursor=cursor)) if cursor else None,
        },
    )


def one_response(request: Request, resource: str, item: BaseModel) -> JSONResponse:
    """One record in Apideck's envelope, limited to ``fields`` when asked."""
    data = select_fields(item, requested_fields(request, type(item)))
    return _envelope("one", 200, resource=resource, data=data)


async def _not_supported(request: Request, resource: str, operation: str) -> JSONResponse:
    """Authenticate, then answer 501: the caller learns nothing before it is known."""

    def refuse(*_: object) -> JSONResponse:
        raise service.not_supported(resource, operation)

    return await _authorized(request, refuse)


@router.get("/users", operation_id="usersAll", summary="List users (the account's owners)",
            response_model=GetUsersResponse, responses=_ERRORS,
            openapi_extra=list_parameters("email", "name"))  # fmt: skip
async def list_users(request: Request) -> JSONResponse:
    """A page of users by id; ``filter[email]`` and ``filter[name]`` match case-insensitively."""
    params = list(request.query_params.multi_items())
    page = await _authorized(
        request, lambda uow, who: service.list_users(uow, account_id=who.account_id, params=params)
    )
    return list_response(request, "users", page, User)


@router.get("/users/{user_id}", operation_id="usersOne", summary="Get a user",
            response_model=GetUserResponse, responses=_ERRORS)  # fmt: skip
async def get_user(request: Request, user_id: str) -> JSONResponse:
    """One user of the account."""
    user = await _authorized(
        request, lambda uow, who: service.get_user(uow, account_id=who.account_id, user_id=user_id)
    )
    return one_response(request, "users", user)


@router.get("/pipelines", operation_id="pipelinesAll",
            summary="List pipelines (venues, with the account's opportunity stages)",
            response_model=GetPipelinesResponse, responses=_ERRORS,
            openapi_extra=list_parameters())  # fmt: skip
async def list_pipelines(request: Request) -> JSONResponse:
    """A page of the account's active venues as pipelines, by id."""
    params = list(request.query_params.multi_items())
    page = await _authorized(
        request,
        lambda uow, who: service.list_pipelines(uow, account_id=who.account_id, params=params),
    )
    return list_response(request, "pipelines", page, Pipeline)


@router.get("/pipelines/{pipeline_id}", operation_id="pipelinesOne", summary="Get a pipeline",
            response_model=GetPipelineResponse, responses=_ERRORS)  # fmt: skip
async def get_pipeline(request: Request, pipeline_id: str) -> JSONResponse:
    """One active venue as a pipeline."""
    pipeline = await _authorized(
        request,
        lambda uow, who: service.get_pipeline(
            uow, account_id=who.account_id, pipeline_id=pipeline_id
        ),
    )
    return one_response(request, "pipelines", pipeline)


@router.post("/users", operation_id="usersAdd", summary="Not supported (501)",
             responses=_NOT_IMPLEMENTED, status_code=501)  # fmt: skip
async def add_user(request: Request) -> JSONResponse:
    """Users are the account's configuration: 501."""
    return await _not_supported(request, "users", "Creation")


@router.patch("/users/{user_id}", operation_id="usersUpdate", summary="Not supported (501)",
              responses=_NOT_IMPLEMENTED, status_code=501)  # fmt: skip
async def update_user(request: Request, user_id: str) -> JSONResponse:
    """Users are the account's configuration: 501."""
    return await _not_supported(request, "users", "Update")


@router.delete("/users/{user_id}", operation_id="usersDelete", summary="Not supported (501)",
               responses=_NOT_IMPLEMENTED, status_code=501)  # fmt: skip
async def delete_user(request: Request, user_id: str) -> JSONResponse:
    """Users are the account's configuration: 501."""
    return await _not_supported(request, "users", "Deletion")


@router.post("/pipelines", operation_id="pipelinesAdd", summary="Not supported (501)",
             responses=_NOT_IMPLEMENTED, status_code=501)  # fmt: skip
async def add_pipeline(request: Request) -> JSONResponse:
    """A pipeline is a venue with account-wide stages, which Apideck's model cannot say: 501."""
    return await _not_supported(request, "pipelines", "Creation")


@router.patch("/pipelines/{pipeline_id}", operation_id="pipelinesUpdate",
              summary="Not supported (501)", responses=_NOT_IMPLEMENTED,
              status_code=501)  # fmt: skip
async def update_pipeline(request: Request, pipeline_id: str) -> JSONResponse:
    """Pipelines are read-only: 501."""
    return await _not_supported(request, "pipelines", "Update")


@router.delete("/pipelines/{pipeline_id}", operation_id="pipelinesDelete",
               summary="Not supported (501)", responses=_NOT_IMPLEMENTED,
               status_code=501)  # fmt: skip
async def delete_pipeline(request: Request, pipeline_id: str) -> JSONResponse:
    """Pipelines are read-only: 501."""
    return await _not_supported(request, "pipelines", "Deletion")


@router.get("/notes", operation_id="notesAll", summary="List notes (of opportunities)",
            response_model=GetNotesResponse, responses=_ERRORS,
            openapi_extra=list_parameters(*service.NOTE_FILTERS))  # fmt: skip
async def list_notes(request: Request) -> JSONResponse:
    """A page of the notes of the account's live opportunities, by id."""
    params = list(request.query_params.multi_items())
    page = await _authorized(
        request, lambda uow, who: service.list_notes(uow, account_id=who.account_id, params=params)
    )
    return list_response(request, "notes", page, Note)


@router.post("/notes", operation_id="notesAdd", summary="Create a note on an opportunity",
             status_code=201, response_model=WriteNoteResponse, responses=_ERRORS,
             openapi_extra=_NOTE_BODY)  # fmt: skip
async def create_note(request: Request) -> Response:
    """Create; ``content`` and ``opportunity_id`` are required. Answers 201 with the new id."""
    raw = await read_body(request, runtime(request).settings.max_body_bytes)
    return await _write(
        request,
        raw,
        lambda uow, who: _envelope(
            "add",
            201,
            resource="notes",
            data={
                "id": service.save_note(
                    uow,
                    account_id=who.account_id,
                    api_key_id=who.key_id,
                    body=service.parse_note(raw),
                )
            },
        ),
    )


@router.get("/notes/{note_id}", operation_id="notesOne", summary="Get a note",
            response_model=GetNoteResponse, responses=_ERRORS)  # fmt: skip
async def get_note(request: Request, note_id: str) -> JSONResponse:
    """One note."""
    note = await _authorized(
        request, lambda uow, who: service.get_note(uow, account_id=who.account_id, note_id=note_id)
    )
    return one_response(request, "notes", note)


@router.patch("/notes/{note_id}", operation_id="notesUpdate",
              summary="Update a note (absent keys unchanged)", response_model=WriteNoteResponse,
              responses=_ERRORS, openapi_extra=_NOTE_BODY)  # fmt: skip
async def update_note(request: Request, note_id: str) -> Response:
    """Update only the keys sent."""
    raw = await read_body(request, runtime(request).settings.max_body_bytes)
    return await _write(
        request,
        raw,
        lambda uow, who: _envelope(
            "update",
            200,
            resource="notes",
            data={
                "id": service.save_note(
                    uow,
                    account_id=who.account_id,
                    api_key_id=who.key_id,
                    body=service.parse_note(raw),
                    note_id=note_id,
                )
            },
        ),
    )


@router.delete("/notes/{note_id}", operation_id="notesDelete", summary="Delete a note",
               response_model=WriteNoteResponse, responses=_ERRORS,
               openapi_extra={"parameters": [_IDEMPOTENCY_KEY]})  # fmt: skip
async def delete_note(request: Request, note_id: str) -> Response:
    """Remove a note: gone from both APIs."""
    return await _write(
        request,
        b"",
        lambda uow, who: _envelope(
            "delete",
            200,
            resource="notes",
            data={"id": service.delete_note(uow, account_id=who.account_id, note_id=note_id)},
        ),
    )
