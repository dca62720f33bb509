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
_USERS = Resource("users", "user_id", User, service.list_users, service.get_user)
_PIPELINES = Resource("pipelines", "pipeline_id", Pipeline, service.list_pipelines,
                      service.get_pipeline)  # fmt: skip
add_routes(
    router,
    _USERS,
    {
        "All": Doc("List users (the account's owners)", "A page of users by id; "
                   "``filter[email]`` and ``filter[name]`` match case-insensitively.",
                   GetUsersResponse),
        "One": Doc("Get a user", "One user of the account.", GetUserResponse),
    },
    list_extra=list_parameters(USER_FILTERS),
)  # fmt: skip
add_routes(
    router,
    _PIPELINES,
    {
        "All": Doc("List pipelines (venues, with the account's opportunity stages)",
                   "A page of the account's active venues as pipelines, by id.",
                   GetPipelinesResponse),
        "One": Doc("Get a pipeline", "One active venue as a pipeline.", GetPipelineResponse),
    },
    list_extra=list_parameters(),
)  # fmt: skip
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
    {"Add": "A pipeline is a venue with account-wide stages, which Apideck's model cannot "
            "say: 501.",
     "Update": "Pipelines are read-only: 501.", "Delete": "Pipelines are read-only: 501."},
    refusal=service.not_supported,
)  # fmt: skip
add_routes(
    router,
    Resource("notes", "note_id", Note, notes.list_notes, notes.get_note, NoteInput,
             notes.save_note, notes.delete_note),
    {
        "All": Doc("List notes (of opportunities)",
                   "A page of the notes of the account's live opportunities, by id.",
                   GetNotesResponse),
        "Add": Doc("Create a note on an opportunity", "Create; ``content`` and "
                   "``opportunity_id`` are required. Answers 201 with the new id.",
                   WriteNoteResponse),
        "One": Doc("Get a note", "One note.", GetNoteResponse),
        "Update": Doc("Update a note (absent keys unchanged)", "Update only the keys sent.",
                      WriteNoteResponse),
        "Delete": Doc("Delete a note", "Remove a note: gone from both APIs.", WriteNoteResponse),
    },
    list_extra=list_parameters(NOTE_FILTERS),
)  # fmt: skip
