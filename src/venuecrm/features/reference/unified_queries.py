"""Reads of the unified CRM's users and pipelines (venues with stages), paged by id.

Every query is filtered by the account. Pages are keyset pages on the id: a page reads one row
more than it returns, so the caller knows whether another page follows, and the total of the
matching rows comes in the same statement (a separate count only past the last row).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from venuecrm.features.unified_lists import same_text
from venuecrm.platform.keyset import IdPage, fetch_id_page
from venuecrm.platform.models import APPLY_TO_OPPORTUNITY, LeadStage
from venuecrm.platform.models import User as UserRow
from venuecrm.platform.models import Venue as VenueRow

_FULL_NAME = func.trim(func.concat(UserRow.first_name, " ", UserRow.last_name))
# The users list's filters (docs/unified.md §6): both compare case-insensitively.
USER_FILTERS = {"email": same_text(UserRow.email, strip=False), "name": same_text(_FULL_NAME)}


class CrmRecords:
    """An account's users, venues and stages as the unified CRM view reads them."""

    def __init__(self, session: Session, account_id: int) -> None:
        self.session = session
        self.account_id = account_id

    def users(
        self, conditions: Iterable[ColumnElement[bool]], *, after: int | None, limit: int
    ) -> IdPage:
        """The account's users, active or not, matching ``conditions`` (of USER_FILTERS)."""
        u = UserRow
        where = [u.account_id == self.account_id, *conditions]
        return fetch_id_page(self.session, select(u), where, row_id=u.id, after=after, limit=limit)

    def venues(self, *, after: int | None, limit: int) -> IdPage:
        """The account's active venues: inactive ones are gone from every list, as in iVvy."""
        v = VenueRow
        where = [v.account_id == self.account_id, v.is_active]
        return fetch_id_page(self.session, select(v), where, row_id=v.id, after=after, limit=limit)

    def stages(self) -> list[LeadStage]:
        """Every stage of the account that applies to opportunities, active or not, by id."""
        s = LeadStage
        query = (
            select(s)
            .where(s.account_id == self.account_id, s.apply_to == APPLY_TO_OPPORTUNITY)
            .order_by(s.id)
        )
        return list(self.session.scalars(query))
