"""Opportunity notes: venue addOrUpdateOpportunityNote and crm getOpportunityNoteList.

docs/ivvy.md §3.3 and §3.5. Which code answers what (iVvy documents the codes, not their cases):

- 24436: the body is empty (``{}``, ``[]``, ``""``, nothing), not JSON, or not a JSON object.
- 24437: the details are invalid, every problem listed as ``"path: reason"``: ``venueId``,
  ``leadId`` and ``note`` are required on add and update alike; ids must be positive whole
  numbers (digit strings too, docs/ivvy.md D10); ``note`` must be a string that is not blank, at
  most 65535 characters.
- 24438: ``venueId`` is not an active venue of the account.
- 24441: ``leadId`` is not a live opportunity of the account in that venue (another account's,
  a deleted one, or one of another venue all look the same: missing).
- 24434: ``id`` is not a note of that opportunity.

Checks run in that order, all before the first write, so a rejected request writes nothing.
"""

from __future__ import annotations

from venuecrm.errors import (
    InvalidNoteDetails,
    LeadNotFound,
    OpportunityNoteNotFound,
    VenueNotFound,
)
from venuecrm.features.collections import Collection
from venuecrm.features.lookups.queries import Lists
from venuecrm.features.notes.queries import NotedOpportunity, OpportunityNotes
from venuecrm.features.notes.schemas import (
    OpportunityNoteIn,
    OpportunityNoteList,
    OpportunityNoteListIn,
)
from venuecrm.features.problems import Problems, details_error
from venuecrm.platform.collections import Condition, Op
from venuecrm.platform.models import Venue
from venuecrm.platform.uow import UnitOfWork

_REQUIRED = {"venue_id": "venueId", "lead_id": "leadId", "note": "note"}


def add_or_update_opportunity_note(
    uow: UnitOfWork, model: OpportunityNoteIn, problems: Problems, *, api_key_id: int
) -> int:
    """Add a note to an opportunity (no ``id``) or replace one's text (``id``); return its id.

    ``model`` is the parsed request and ``problems`` what parsing found in it.
    """
    for name, wire in _REQUIRED.items():
        if getattr(model, name) is None:
            problems.add(wire, "is required")
    if model.note is not None and not model.note.strip():
        problems.add("note", "must not be blank")
    if problems or model.venue_id is None or model.lead_id is None or model.note is None:
        raise details_error(InvalidNoteDetails, problems)

    with uow:
        notes = OpportunityNotes(uow, uow.account_id)
        if uow.lookups().find(Venue, id=model.venue_id, is_active=True) is None:
            raise VenueNotFound(f"Venue {model.venue_id} does not exist")
        live_opportunity(notes, lead_id=model.lead_id, venue_id=model.venue_id, lock=True)
        if model.id is None:
            note_id = notes.add(
                opportunity_id=model.lead_id, note=model.note, api_key_id=api_key_id
            ).id
        else:
            row = notes.lock_note(model.id)
            if row is None or row.opportunity_id != model.lead_id:
                raise OpportunityNoteNotFound(
                    f"Note {model.id} does not exist on opportunity {model.lead_id}"
                )
            notes.update(row, note=model.note, api_key_id=api_key_id)
            note_id = row.id
        uow.commit()
    return note_id


def live_opportunity(
    notes: OpportunityNotes, *, lead_id: int, venue_id: int | None, lock: bool = False
) -> NotedOpportunity:
    """24441 unless ``lead_id`` is a live opportunity of the account (in ``venue_id``)."""
    found = notes.live_opportunity(lead_id, lock=lock)
    if found is None or (venue_id is not None and found.venue_id != venue_id):
        where = f" in venue {venue_id}" if venue_id is not None else ""
        raise LeadNotFound(f"Opportunity {lead_id} does not exist{where}")
    return found


def _check_lead(uow: UnitOfWork, account_id: int, request: OpportunityNoteListIn) -> None:
    """A note list of one opportunity needs that opportunity: a typo is not "no notes"."""
    if request.lead_id is not None:
        live_opportunity(
            OpportunityNotes(uow, account_id),
            lead_id=request.lead_id,
            venue_id=request.venue_id,
        )


def _scope(request: OpportunityNoteListIn) -> list[Condition]:
    """``leadId`` and ``venueId`` restrict the notes listed; neither: the whole account's."""
    conditions = []
    if request.lead_id is not None:
        conditions.append(Condition("leadId", Op.EQ, request.lead_id))
    if request.venue_id is not None:
        conditions.append(Condition("venueId", Op.EQ, request.venue_id))
    return conditions


NOTES = Collection(
    Lists.opportunity_notes,
    OpportunityNoteList,
    OpportunityNoteListIn,
    conditions=_scope,
    check=_check_lead,
)
