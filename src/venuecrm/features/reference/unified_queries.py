"""Reads of the unified CRM's users, pipelines (venues with stages) and notes, paged by id.

Every query is filtered by the account. Pages are keyset pages on the id: a page reads one row
more than it returns, so the caller knows whether another page follows, and the total of the
matching rows comes in the same statement (a separate count only past the last row).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from venuecrm.features.unified_lists import IdPage
from venuecrm.platform.models import APPLY_TO_OPPORTUNITY, LeadStage, Opportunity, OpportunityNote
from venuecrm.platform.models import User as UserRow
from venuecrm.platform.models import Venue as VenueRow


@dataclass(frozen=True, slots=True)
class NoteFilter:
    """The conditions a notes list may carry (docs/unified.md §6)."""

    title: str | None = None
    owner_user_id: int | None = None
    contact_id: int | None = None
    company_id: int | None = None
    opportunity_id: int | None = None
    updated_since: datetime | None = None
    created_since: datetime | None = None


class CrmRecords:
    """An account's users, venues, stages and notes as the unified CRM view reads them."""

    def __init__(self, session: Session, account_id: int) -> None:
        self.session = session
        self.account_id = account_id

    def _page(
        self,
        query: Select[Any],
        row_id: Any,
        where: Sequence[Any],
        *,
        after: int | None,
        limit: int,
    ) -> IdPage:
        total = select(func.count()).select_from(query.where(*where).subquery()).scalar_subquery()
        page = (
            query.add_columns(total.label("total"))
            .where(*where, *([row_id > after] if after is not None else []))
            .order_by(row_id)
            .limit(limit + 1)
        )
        rows = list(self.session.execute(page))
        if rows:
            count = int(rows[0].total)
        elif after is None:
            count = 0
        else:
            count = int(self.session.execute(select(total)).scalar_one())
        return IdPage(rows[:limit], count, len(rows) > limit)

    def users(
        self, *, after: int | None, limit: int, email: str | None = None, name: str | None = None
    ) -> IdPage:
        """The account's users, active or not; ``email`` and ``name`` compare case-insensitively."""
        u = UserRow
        where: list[ColumnElement[bool]] = [u.account_id == self.account_id]
        if email is not None:
            where.append(func.lower(u.email) == email.lower())
        if name is not None:
            full = func.trim(func.concat(u.first_name, " ", u.last_name))
            where.append(func.lower(full) == name.strip().lower())
        return self._page(select(u), u.id, where, after=after, limit=limit)

    def venues(self, *, after: int | None, limit: int) -> IdPage:
        """The account's active venues: inactive ones are gone from every list, as in iVvy."""
        v = VenueRow
        where = [v.account_id == self.account_id, v.is_active]
        return self._page(select(v), v.id, where, after=after, limit=limit)

    def stages(self) -> list[LeadStage]:
        """Every stage of the account that applies to opportunities, active or not, by id."""
        s = LeadStage
        query = (
            select(s)
            .where(s.account_id == self.account_id, s.apply_to == APPLY_TO_OPPORTUNITY)
            .order_by(s.id)
        )
        return list(self.session.scalars(query))

    def _notes(self) -> tuple[Any, list[Any]]:
        n, o = OpportunityNote, Opportunity
        query: Any = (
            select(n, o.contact_id, o.company_id)
            .select_from(n)
            .join(o, and_(o.account_id == n.account_id, o.id == n.opportunity_id))
        )
        # A deleted opportunity's notes stay in the table but are shown by neither API.
        return query, [n.account_id == self.account_id, o.deleted_at.is_(None)]

    def notes(self, found: NoteFilter, *, after: int | None, limit: int) -> IdPage:
        """Notes of the account's live opportunities, with each one's contact and company."""
        n, o = OpportunityNote, Opportunity
        query, where = self._notes()
        equal: list[tuple[Any, Any]] = [
            (n.title, found.title),
            (n.owner_user_id, found.owner_user_id),
            (o.contact_id, found.contact_id),
            (o.company_id, found.company_id),
            (n.opportunity_id, found.opportunity_id),
        ]
        where += [column == value for column, value in equal if value is not None]
        if found.updated_since is not None:
            where.append(n.modified_at >= found.updated_since)
        if found.created_since is not None:
            where.append(n.created_at >= found.created_since)
        return self._page(query, n.id, where, after=after, limit=limit)

    def note(self, note_id: int) -> Any | None:
        """One note of a live opportunity, as ``notes`` reads it; None when there is none."""
        n = OpportunityNote
        query, where = self._notes()
        return self.session.execute(query.where(*where, n.id == note_id)).first()
