"""``/crm/users``, ``/crm/pipelines``, ``/crm/notes``: the unified CRM view beside opportunities."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from venuecrm.edges.crm.handlers import (
    DELETE,
    ERRORS,
    authorized,
    body_of,
    delete_reply,
    list_parameters,
    list_reply,
    one_reply,
    save_reply,
)
from venuecrm.features.notes import unified as notes
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
    **ERRORS,
    501: {"description": "Not supported: users and pipelines are the account's configuration"},
}


async def _not_supported(request: Request, resource: str, operation: str) -> JSONResponse:
    """Authenticate, then answer 501: the caller learns nothing before it is known."""

    def refuse(*_: object) -> JSONResponse:
        raise service.not_supported(resource, operation)

    return await authorized(request, refuse)


@router.get("/users", operation_id="usersAll", summary="List users (the account's owners)",
            response_model=GetUsersResponse, responses=ERRORS,
            openapi_extra=list_parameters(service.USER_FILTERS))  # fmt: skip
async def list_users(request: Request) -> JSONResponse:
    """A page of users by id; ``filter[email]`` and ``filter[name]`` match case-insensitively."""
    return await list_reply(request, "users", User, service.list_users)


@router.get("/users/{user_id}", operation_id="usersOne", summary="Get a user",
            response_model=GetUserResponse, responses=ERRORS)  # fmt: skip
async def get_user(request: Request, user_id: str) -> JSONResponse:
    """One user of the account."""
    return await one_reply(
        request,
        "users",
        lambda uow, account: service.get_user(uow, account_id=account, user_id=user_id),
    )


@router.get("/pipelines", operation_id="pipelinesAll",
            summary="List pipelines (venues, with the account's opportunity stages)",
            response_model=GetPipelinesResponse, responses=ERRORS,
            openapi_extra=list_parameters())  # fmt: skip
async def list_pipelines(request: Request) -> JSONResponse:
    """A page of the account's active venues as pipelines, by id."""
    return await list_reply(request, "pipelines", Pipeline, service.list_pipelines)


@router.get("/pipelines/{pipeline_id}", operation_id="pipelinesOne", summary="Get a pipeline",
            response_model=GetPipelineResponse, responses=ERRORS)  # fmt: skip
async def get_pipeline(request: Request, pipeline_id: str) -> JSONResponse:
    """One active venue as a pipeline."""
    return await one_reply(
        request,
        "pipelines",
        lambda uow, account: service.get_pipeline(uow, account_id=account, pipeline_id=pipeline_id),
    )


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
            response_model=GetNotesResponse, responses=ERRORS,
            openapi_extra=list_parameters(notes.NOTE_FILTERS))  # fmt: skip
async def list_notes(request: Request) -> JSONResponse:
    """A page of the notes of the account's live opportunities, by id."""
    return await list_reply(request, "notes", Note, notes.list_notes)


@router.post("/notes", operation_id="notesAdd", summary="Create a note on an opportunity",
             status_code=201, response_model=WriteNoteResponse, responses=ERRORS,
             openapi_extra=body_of("NoteInput"))  # fmt: skip
async def create_note(request: Request) -> Response:
    """Create; ``content`` and ``opportunity_id`` are required. Answers 201 with the new id."""
    return await save_reply(
        request,
        "notes",
        lambda uow, who, raw: notes.save_note(
            uow, account_id=who.account_id, api_key_id=who.key_id, body=notes.parse_note(raw)
        ),
        created=True,
    )


@router.get("/notes/{note_id}", operation_id="notesOne", summary="Get a note",
            response_model=GetNoteResponse, responses=ERRORS)  # fmt: skip
async def get_note(request: Request, note_id: str) -> JSONResponse:
    """One note."""
    return await one_reply(
        request,
        "notes",
        lambda uow, account: notes.get_note(uow, account_id=account, note_id=note_id),
    )


@router.patch("/notes/{note_id}", operation_id="notesUpdate",
              summary="Update a note (absent keys unchanged)", response_model=WriteNoteResponse,
              responses=ERRORS, openapi_extra=body_of("NoteInput"))  # fmt: skip
async def update_note(request: Request, note_id: str) -> Response:
    """Update only the keys sent."""
    return await save_reply(
        request,
        "notes",
        lambda uow, who, raw: notes.save_note(
            uow,
            account_id=who.account_id,
            api_key_id=who.key_id,
            body=notes.parse_note(raw),
            note_id=note_id,
        ),
        created=False,
    )


@router.delete("/notes/{note_id}", operation_id="notesDelete", summary="Delete a note",
               response_model=WriteNoteResponse, responses=ERRORS,
               openapi_extra=DELETE)  # fmt: skip
async def delete_note(request: Request, note_id: str) -> Response:
    """Remove a note: gone from both APIs."""
    return await delete_reply(
        request,
        "notes",
        lambda uow, who: notes.delete_note(uow, account_id=who.account_id, note_id=note_id),
    )
