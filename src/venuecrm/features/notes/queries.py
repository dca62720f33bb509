"""Repository of an account's opportunity notes, and the SQL of crm getOpportunityNoteList.

A note belongs to an opportunity of the same account (composite key). Notes of a soft-deleted
opportunity stay in the table but are neither listed nor writable. Every write of a note is told
to the transaction's change log.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, cast, null, select

from venuecrm.features.history.fields import NOTE, added_values, column_changes
from venuecrm.platform.changes import ADDED, DELETED, UPDATED
from venuecrm.platform.collections import ListQuery
from venuecrm.platform.models import Opportunity, OpportunityNote
from venuecrm.platform.uow import UnitOfWork

# The note's columns a write may set, as change records name them.
_WRITTEN = ("opportunity_id", "note", "title", "owner_user_id")


@dataclass(frozen=True, slots=True)
class NotedOpportunity:
    """What a note takes from its opportunity."""

    id: int
    venue_id: int
    contact_id: int | None
    company_id: int | None


class OpportunityNotes:
    """An account's notes and what writing one checks; every query is filtered by the account."""

    def __init__(self, uow: UnitOfWork, account_id: int) -> None:
        self.session = uow.session
        self.changes = uow.changes
        self.account_id = account_id

    def live_opportunity(
        self, opportunity_id: int, *, lock: bool = False
    ) -> NotedOpportunity | None:
        """This live (not deleted) opportunity's venue, contact and company; None when none.

        ``lock`` takes FOR SHARE until the transaction ends: a soft delete (FOR NO KEY UPDATE)
        then waits for the note being written, or the note sees the opportunity as deleted.
        KEY SHARE would not do: it does not conflict with the delete's lock.
        """
        o = Opportunity
        query = select(o.venue_id, o.contact_id, o.company_id).where(
            o.account_id == self.account_id, o.id == opportunity_id, o.deleted_at.is_(None)
        )
        if lock:
            query = query.with_for_update(read=True)
        row = self.session.execute(query).first()
        return None if row is None else NotedOpportunity(opportunity_id, *row)

    def lock_note(self, note_id: int) -> OpportunityNote | None:
        """The note, locked for this transaction, or None."""
        query = (
            select(OpportunityNote)
            .where(OpportunityNote.account_id == self.account_id, OpportunityNote.id == note_id)
            .with_for_update(key_share=True)  # FOR NO KEY UPDATE
        )
        return self.session.scalars(query).one_or_none()

    def add(self, *, opportunity_id: int, api_key_id: int, **values: Any) -> OpportunityNote:
        """Insert a note on the opportunity (``note``, and ``title``, ``owner_user_id``)."""
        row = OpportunityNote(
            account_id=self.account_id,
            opportunity_id=opportunity_id,
            created_by_key_id=api_key_id,
            modified_by_key_id=api_key_id,
            **values,
        )
        self.session.add(row)
        self.session.flush()
        added = {name: getattr(row, name) for name in _WRITTEN}
        self.changes.record(self._key(row.id), ADDED, added_values(NOTE, added))
        return row

    def update(self, row: OpportunityNote, *, api_key_id: int, **values: Any) -> None:
        """Set columns of a note; ``modified_at`` moves with it."""
        assert row.account_id == self.account_id
        old = {column: getattr(row, column) for column in values}
        for column, value in values.items():
            setattr(row, column, value)
        row.modified_by_key_id = api_key_id
        self.session.flush()
        changed = {column: (old[column], value) for column, value in values.items()}
        self.changes.record(self._key(row.id), UPDATED, column_changes(NOTE, changed))

    def delete(self, row: OpportunityNote) -> None:
        """Remove a note: nothing refers to one, and iVvy has no state for a removed note."""
        assert row.account_id == self.account_id
        self.session.delete(row)
        self.session.flush()
        self.changes.record(self._key(row.id), DELETED)

    def _key(self, note_id: int) -> tuple[int, str, int]:
        return (self.account_id, NOTE, note_id)


# Built once per account: constructing the statement costs more than a small page read.
@lru_cache(maxsize=1024)
def opportunity_note_list(account_id: int) -> ListQuery:
    """getOpportunityNoteList's rows: the notes of the account's live opportunities."""
    n, o = OpportunityNote, Opportunity
    columns: list[ColumnElement[Any]] = [
        n.id.label("id"),
        n.opportunity_id.label("leadId"),
        o.venue_id.label("venueId"),
        n.note.label("note"),
        # Notes are written by API keys, and a key is no user (see the model).
        cast(null(), Integer).label("createdByUserId"),
        n.created_at.label("createdDate"),
        n.modified_at.label("modifiedDate"),
    ]
    rows = (
        select(*columns)
        .select_from(n)
        .join(o, and_(o.account_id == n.account_id, o.id == n.opportunity_id))
        .where(n.account_id == account_id, o.deleted_at.is_(None))
    )
    return ListQuery(rows)
