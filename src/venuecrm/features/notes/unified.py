"""The unified CRM's notes: the rows of addOrUpdateOpportunityNote, read, listed and written
with its rules (docs/unified.md §6)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from venuecrm.errors import InvalidNoteDetails, InvalidRequest, LeadNotFound, RecordNotFound
from venuecrm.features.accounts.service import Credentials
from venuecrm.features.notes.queries import OpportunityNotes
from venuecrm.features.notes.service import live_opportunity
from venuecrm.features.notes.unified_queries import NOTE_FILTERS, CrmNotes
from venuecrm.features.notes.unified_schemas import Note, NoteInput
from venuecrm.features.problems import Problems
from venuecrm.features.unified_lists import (
    Page,
    id_page,
    parse_query,
    record_id,
    str_id,
    utc,
)
from venuecrm.platform.models import OpportunityNote
from venuecrm.platform.models import User as UserRow
from venuecrm.platform.uow import UnitOfWork


def to_note(row: Any) -> Note:
    """A note row (with its opportunity's contact and company) as the unified CRM's ``Note``."""
    note: OpportunityNote = row[0]
    return Note(
        id=str(note.id), title=note.title, content=note.note,
        owner_id=str_id(note.owner_user_id), contact_id=str_id(row[1]),
        company_id=str_id(row[2]), opportunity_id=str(note.opportunity_id),
        activity_id=None, lead_id=None, active=True, custom_mappings=None,
        updated_by=str_id(note.modified_by_key_id), created_by=str_id(note.created_by_key_id),
        updated_at=utc(note.modified_at), created_at=utc(note.created_at), pass_through=[],
    )  # fmt: skip


def list_notes(
    uow: UnitOfWork, *, account_id: int, params: Iterable[tuple[str, str]]
) -> Page[Note]:
    """A page of the notes of the account's live opportunities, by id."""
    query = parse_query("notes", params, NOTE_FILTERS)
    with uow:
        page = CrmNotes(uow.session, account_id).notes(
            query.conditions.values(), after=query.after, limit=query.limit
        )
        items = [to_note(row) for row in page.rows]
        return id_page("notes", page, items, page.rows[-1][0].id if page.rows else None)


def get_note(uow: UnitOfWork, *, account_id: int, record: str) -> Note:
    """One note of a live opportunity of the account; 404 otherwise."""
    found = record_id("note", raw=record)
    with uow:
        row = CrmNotes(uow.session, account_id).note(found)
        if row is None:
            raise RecordNotFound("note", record)
        return to_note(row)


def save_note(
    uow: UnitOfWork,
    *,
    who: Credentials,
    body: NoteInput,
    record: str | None = None,
) -> str:
    """Create (no id) or update a note with addOrUpdateOpportunityNote's rules; its id."""
    with uow:
        notes = OpportunityNotes(uow, who.account_id)
        row = None
        if record is not None:
            row = notes.lock_note(record_id("note", raw=record))
            if row is None or notes.live_opportunity(row.opportunity_id) is None:
                raise RecordNotFound("note", record)
        elif body.opportunity_id is None or not body.content:
            missing = [f"{k}: is required" for k in ("content", "opportunity_id")
                       if getattr(body, k) in (None, "")]  # fmt: skip
            raise InvalidRequest("Invalid Params", missing)
        problems = Problems()
        values = _note_values(uow, who.account_id, body, row, problems)
        if problems:
            raise InvalidNoteDetails("Invalid State", problems.items)
        if row is None:
            assert body.opportunity_id is not None
            saved = notes.add(
                opportunity_id=int(body.opportunity_id), api_key_id=who.key_id, **values
            )
        else:
            notes.update(row, api_key_id=who.key_id, **values)
            saved = row
        uow.commit()
        return str(saved.id)


def _note_values(
    uow: UnitOfWork,
    account_id: int,
    body: NoteInput,
    row: OpportunityNote | None,
    problems: Problems,
) -> dict[str, Any]:
    """The columns a note body sets, after every rule of the account; problems collected."""
    sent = body.sent
    values: dict[str, Any] = {}
    if sent("content"):
        if body.content is None or not body.content.strip():
            problems.add("content", "must not be blank")
        values["note"] = body.content
    if sent("title"):
        values["title"] = body.title
    opportunity_id = row.opportunity_id if row is not None else int(body.opportunity_id or 0)
    if row is not None and sent("opportunity_id") and body.opportunity_id != str(opportunity_id):
        problems.add("opportunity_id", "a note cannot move to another opportunity")
    try:
        # FOR SHARE: a concurrent delete of the opportunity waits for this note, as in iVvy.
        noted = live_opportunity(
            OpportunityNotes(uow, account_id),
            lead_id=opportunity_id,
            venue_id=None,
            lock=True,
        )
    except LeadNotFound:
        problems.add("opportunity_id", f"no live opportunity {opportunity_id} in this account")
        noted = None
    if noted is not None:
        for name, have in (("contact_id", noted.contact_id), ("company_id", noted.company_id)):
            if sent(name) and getattr(body, name) != str_id(have):
                problems.add(name, f"must be its opportunity's ({str_id(have) or 'none'})")
    if sent("owner_id"):
        owner = int(body.owner_id) if body.owner_id is not None else None
        if (
            owner is not None
            and uow.lookups(account_id).find(UserRow, id=owner, is_active=True) is None
        ):
            problems.add("owner_id", f"no active user {owner} in this account")
        values["owner_user_id"] = owner
    for name in ("activity_id", "lead_id"):
        if getattr(body, name) is not None:
            problems.add(name, "venuecrm's notes belong to opportunities only")
    if body.active is False:
        problems.add("active", "a note cannot be made inactive; delete it")
    return values


def delete_note(uow: UnitOfWork, *, who: Credentials, record: str) -> str:
    """Remove a note of a live opportunity; 404 when there is none."""
    with uow:
        notes = OpportunityNotes(uow, who.account_id)
        row = notes.lock_note(record_id("note", raw=record))
        if row is None or notes.live_opportunity(row.opportunity_id, lock=True) is None:
            raise RecordNotFound("note", record)
        notes.delete(row)
        uow.commit()
    return record
