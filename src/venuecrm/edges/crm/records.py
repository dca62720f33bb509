"""``/crm/users``, ``/crm/pipelines``, ``/crm/notes``: the unified CRM view beside opportunities."""

from __future__ import annotations

from fastapi import APIRouter

from venuecrm.edges.crm.resources import (
    Doc,
    Resource,
    add_not_supported,
    add_routes,
    list_parameters,
)
from venuecrm.features.notes import unified as notes
from venuecrm.features.notes.unified_queries import NOTE_FILTERS
from venuecrm.features.notes.unified_schemas import (
    GetNoteResponse,
    GetNotesResponse,
    Note,
    NoteInput,
    WriteNoteResponse,
)
from venuecrm.features.reference import unified as service
from venuecrm.features.reference.unified_queries import USER_FILTERS
from venuecrm.features.reference.unified_schemas import (
    GetPipelineResponse,
    GetPipelinesResponse,
    GetUserResponse,
    GetUsersResponse,
    Pipeline,
    User,
)

router = APIRouter(prefix="/crm", tags=["crm"])
_USERS = Resource(
    name="users", path_id="user_id", item=User, lister=service.list_users, getter=service.get_user
)
_PIPELINES = Resource(
    name="pipelines",
    path_id="pipeline_id",
    item=Pipeline,
    lister=service.list_pipelines,
    getter=service.get_pipeline,
)
add_routes(
    router,
    _USERS,
    {
        "All": Doc(
            summary="List users (the account's owners)",
            description="A page of users by id; "
            "``filter[email]`` and ``filter[name]`` match case-insensitively.",
            reply=GetUsersResponse,
        ),
        "One": Doc(
            summary="Get a user", description="One user of the account.", reply=GetUserResponse
        ),
    },
    list_extra=list_parameters(USER_FILTERS),
)
add_routes(
    router,
    _PIPELINES,
    {
        "All": Doc(
            summary="List pipelines (venues, with the account's opportunity stages)",
            description="A page of the account's active venues as pipelines, by id.",
            reply=GetPipelinesResponse,
        ),
        "One": Doc(
            summary="Get a pipeline",
            description="One active venue as a pipeline.",
            reply=GetPipelineResponse,
        ),
    },
    list_extra=list_parameters(),
)
_CONFIGURATION = "Users are the account's configuration: 501."
add_not_supported(
    router,
    _USERS,
    {"Add": _CONFIGURATION, "Update": _CONFIGURATION, "Delete": _CONFIGURATION},
    refusal=service.not_supported,
)
add_not_supported(
    router,
    _PIPELINES,
    {
        "Add": "A pipeline is a venue with account-wide stages, which Apideck's model cannot "
        "say: 501.",
        "Update": "Pipelines are read-only: 501.",
        "Delete": "Pipelines are read-only: 501.",
    },
    refusal=service.not_supported,
)
add_routes(
    router,
    Resource(
        name="notes",
        path_id="note_id",
        item=Note,
        lister=notes.list_notes,
        getter=notes.get_note,
        body=NoteInput,
        saver=notes.save_note,
        deleter=notes.delete_note,
    ),
    {
        "All": Doc(
            summary="List notes (of opportunities)",
            description="A page of the notes of the account's live opportunities, by id.",
            reply=GetNotesResponse,
        ),
        "Add": Doc(
            summary="Create a note on an opportunity",
            description="Create; ``content`` and "
            "``opportunity_id`` are required. Answers 201 with the new id.",
            reply=WriteNoteResponse,
        ),
        "One": Doc(summary="Get a note", description="One note.", reply=GetNoteResponse),
        "Update": Doc(
            summary="Update a note (absent keys unchanged)",
            description="Update only the keys sent.",
            reply=WriteNoteResponse,
        ),
        "Delete": Doc(
            summary="Delete a note",
            description="Remove a note: gone from both APIs.",
            reply=WriteNoteResponse,
        ),
    },
    list_extra=list_parameters(NOTE_FILTERS),
)
