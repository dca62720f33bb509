"""Reads of the unified CRM's notes: notes of live opportunities with each one's contact and
company, paged by id (docs/unified.md §6)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from venuecrm.features.unified_lists import Filter, equal, read_id, since
from venuecrm.platform.keyset import IdPage, fetch_id_page
from venuecrm.platform.models import Opportunity, OpportunityNote

N, OPP = OpportunityNote, Opportunity
# The notes list's filters (docs/unified.md §6); a note's contact and company are its
# opportunity's.
NOTE_FILTERS: dict[str, Filter] = {
    "title": equal(N.title),
    "owner_id": equal(N.owner_user_id, read_id),
    "contact_id": equal(OPP.contact_id, read_id),
    "company_id": equal(OPP.company_id, read_id),
    "opportunity_id": equal(N.opportunity_id, read_id),
    "updated_since": since(N.modified_at),
    "created_since": since(N.created_at),
}


class CrmNotes:
    """An account's notes as the unified CRM view reads them."""

    def __init__(self, session: Session, account_id: int) -> None:
        self.session = session
        self.account_id = account_id

    def _notes(self) -> tuple[Any, list[Any]]:
        n, o = OpportunityNote, Opportunity
        query: Any = (
            select(n, o.contact_id, o.company_id)
            .select_from(n)
            .join(o, and_(o.account_id == n.account_id, o.id == n.opportunity_id))
        )
        # A deleted opportunity's notes stay in the table but are shown by neither API.
        return query, [n.account_id == self.account_id, o.deleted_at.is_(None)]

    def notes(
        self, conditions: Iterable[ColumnElement[bool]], *, after: int | None, limit: int
    ) -> IdPage:
        """Notes of the account's live opportunities matching ``conditions`` (of NOTE_FILTERS),
        with each one's contact and company."""
        query, where = self._notes()
        where += conditions
        return fetch_id_page(
            self.session, query, where, row_id=OpportunityNote.id, after=after, limit=limit
        )

    def note(self, note_id: int) -> Any | None:
        """One note of a live opportunity, as ``notes`` reads it; None when there is none."""
        n = OpportunityNote
        query, where = self._notes()
        return self.session.execute(query.where(*where, n.id == note_id)).first()
