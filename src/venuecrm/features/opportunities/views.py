"""Opportunities as read models: each row with the names of what it refers to.

One query per page, whatever the page size: lookups are joined and custom values aggregated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from venuecrm.features.unified_lists import Filter, equal, read_id, read_number, since
from venuecrm.platform.json_sql import custom_values
from venuecrm.platform.keyset import after, order_by, sort_keys
from venuecrm.platform.models import (
    Company,
    LeadSource,
    LeadType,
    LostReason,
    Opportunity,
)

# The opportunity list's filters and sorts by their /crm names (docs/unified.md §4): the one
# place the reads, the checks and the OpenAPI parameters take them from.
FILTERS: dict[str, Filter] = {
    "title": equal(Opportunity.name),
    "status": equal(Opportunity.status),
    "status_id": equal(Opportunity.status_id),
    "monetary_amount": equal(Opportunity.monetary_amount, read_number),
    "win_probability": equal(Opportunity.win_probability, read_number),
    "company_id": equal(Opportunity.company_id, read_id),
    "owner_id": equal(Opportunity.owner_user_id, read_id),
    "primary_contact_id": equal(Opportunity.contact_id, read_id),
    "updated_since": since(Opportunity.modified_at),
}
SORTS: dict[str, Any] = {
    "created_at": Opportunity.created_at,
    "updated_at": Opportunity.modified_at,
    "title": Opportunity.name,
    "win_probability": Opportunity.win_probability,
    "monetary_amount": Opportunity.monetary_amount,
    "status": Opportunity.status,
}
# By column name, as a cursor names its sort.
SORTABLE = {column.key: column for column in SORTS.values()}


@dataclass
class OpportunityView:
    """An opportunity and the names of its type, source, company and lost reason."""

    row: Opportunity
    type_name: str | None
    source_name: str | None
    company_name: str | None
    lost_reason_name: str | None
    custom_fields: list[dict[str, Any]]  # {fieldId, displayName, fieldValue}, in display order


@dataclass
class OpportunityQuery:
    """What a list asks for; ``after`` is the sort key of the last row already seen."""

    conditions: dict[str, ColumnElement[bool]] = field(default_factory=dict)  # by filter
    sort: str | None = None
    descending: bool = False
    after: tuple[Any, ...] | None = None
    limit: int = 20


def sort_key(view: OpportunityView, sort: str | None) -> tuple[Any, ...]:
    """The keyset position of a row: nulls sort last in both directions, ties break on id."""
    if sort is None:
        return (view.row.id,)
    value = getattr(view.row, SORTABLE[sort].key)
    return (int(value is None), value, view.row.id)


class OpportunityViews:
    """Reads of an account's live (not deleted) opportunities."""

    def __init__(self, session: Session, account_id: int) -> None:
        self.session = session
        self.account_id = account_id

    def _where(self) -> list[ColumnElement[bool]]:
        return [Opportunity.account_id == self.account_id, Opportunity.deleted_at.is_(None)]

    def _select(self) -> Any:
        acct = self.account_id
        custom = custom_values(
            acct, "opportunity", Opportunity.id.expression, value_key="fieldValue"
        )

        def named(model: Any, column: Any, key: Any) -> Any:
            return select(column).where(model.account_id == acct, model.id == key).scalar_subquery()

        return select(
            Opportunity,
            named(LeadType, LeadType.name, Opportunity.type_id),
            named(LeadSource, LeadSource.name, Opportunity.source_id),
            named(Company, Company.business_name, Opportunity.company_id),
            named(LostReason, LostReason.name, Opportunity.lost_reason_id),
            custom,
        )

    def _views(self, query: Any) -> list[OpportunityView]:
        return [OpportunityView(*row) for row in self.session.execute(query)]

    def get(self, opportunity_id: int) -> OpportunityView | None:
        """One live opportunity, or None."""
        found = self._views(self._select().where(*self._where(), Opportunity.id == opportunity_id))
        return found[0] if found else None

    def _filters(self, query: OpportunityQuery) -> list[ColumnElement[bool]]:
        where = self._where()
        return where + list(query.conditions.values())

    def page(self, query: OpportunityQuery) -> tuple[list[OpportunityView], int]:
        """Up to ``limit + 1`` rows after ``after`` in the requested order (keyset pagination),
        and how many rows match the filters in all, in one query when the page has rows."""
        where = self._filters(query)
        keys = _keys(query)
        if query.after is not None:
            where.append(after(keys, query.after))
        statement = (
            self._select()
            .add_columns(self._count(query).scalar_subquery().label("total"))
            .where(*where)
            .order_by(*order_by(keys))
            # One row more than the page: its presence is how the caller knows a next page
            # exists, so the last page never hands out a cursor to an empty one.
            .limit(query.limit + 1)
        )
        rows = self.session.execute(statement).all()
        if rows:
            total = int(rows[0][-1])
        elif query.after is None:
            total = 0
        else:  # past the last row: the page cannot carry the total
            total = int(self.session.execute(self._count(query)).scalar_one())
        return [OpportunityView(*row[:-1]) for row in rows], total

    def _count(self, query: OpportunityQuery) -> Any:
        # Not correlated with a page's rows: PostgreSQL runs it once per statement.
        return (
            select(func.count())
            .select_from(Opportunity)
            .where(*self._filters(query))
            .correlate(None)
        )


def _keys(query: OpportunityQuery) -> list[tuple[Any, bool]]:
    column = SORTABLE[query.sort] if query.sort is not None else None
    return sort_keys(column, row_id=Opportunity.id, descending=query.descending)
