"""Opportunities as read models: each row with the names of what it refers to.

One query per page, whatever the page size: lookups are joined and custom values aggregated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.orm import Session

from venuecrm.features.unified_lists import (
    Filter,
    equal,
    read_id,
    read_moment,
    read_number,
    since,
)
from venuecrm.platform.compiled import Statements
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
    """An opportunity and the names of its type, source, company and lost reason.

    ``row`` is the stored row, its columns read as attributes named as ``Opportunity``'s (a
    database row, not an ORM object: a page of 100 of those cost as much as reading them).
    """

    row: Any
    type_name: str | None
    source_name: str | None
    company_name: str | None
    lost_reason_name: str | None
    custom_fields: list[dict[str, Any]]  # {fieldId, displayName, fieldValue}, in display order


@dataclass
class OpportunityQuery:
    """What a list asks for; ``after`` is the sort key of the last row already seen."""

    filters: dict[str, Any] = field(default_factory=dict)  # values read by FILTERS, by name
    sort: str | None = None
    descending: bool = False
    after: tuple[Any, ...] | None = None
    limit: int = 20

    def shape(self) -> tuple[Any, ...]:
        """What the list's statement depends on besides its parameters (``parameters``)."""
        after = None if self.after is None else tuple(v is None for v in self.after)
        return self.sort, self.descending, after, tuple(sorted(self.filters))


def sort_key(view: OpportunityView, sort: str | None) -> tuple[Any, ...]:
    """The keyset position of a row: nulls sort last in both directions, ties break on id."""
    if sort is None:
        return (view.row.id,)
    value = getattr(view.row, SORTABLE[sort].key)
    return (int(value is None), value, view.row.id)


_NAMES = ("type_name", "source_name", "company_name", "lost_reason_name", "custom_fields")
TOTAL, LIMIT, ID = "total", "page_limit", "opportunity_id"
# Compiled statements by account and shape (platform.compiled).
_STATEMENTS = Statements(1024)


class OpportunityViews:
    """Reads of an account's live (not deleted) opportunities.

    Each statement is built and compiled once per account and shape of request, and run with
    the request's values as parameters (``platform.compiled``).
    """

    def __init__(self, session: Session, account_id: int) -> None:
        self.session = session
        self.account_id = account_id

    def _where(self) -> list[ColumnElement[bool]]:
        return [Opportunity.account_id == self.account_id, Opportunity.deleted_at.is_(None)]

    def _select(self) -> Select[Any]:
        acct = self.account_id
        custom = custom_values(
            acct, "opportunity", Opportunity.id.expression, value_key="fieldValue"
        )

        def named(model: Any, column: Any, key: Any) -> Any:
            return select(column).where(model.account_id == acct, model.id == key).scalar_subquery()

        names = (
            named(LeadType, LeadType.name, Opportunity.type_id),
            named(LeadSource, LeadSource.name, Opportunity.source_id),
            named(Company, Company.business_name, Opportunity.company_id),
            named(LostReason, LostReason.name, Opportunity.lost_reason_id),
            custom,
        )
        columns = Opportunity.__table__.columns
        return select(*columns, *[n.label(k) for k, n in zip(_NAMES, names, strict=True)])

    def _run(
        self, key: tuple[Any, ...], build: Any, values: dict[str, Any], *, prepare: bool = True
    ) -> list[Any]:
        dialect = self.session.get_bind().dialect
        compiled = _STATEMENTS.get((self.account_id, *key), build, dialect, prepare=prepare)
        return compiled.run(self.session, values)

    def _view(self, row: dict[str, Any]) -> OpportunityView:
        return OpportunityView(SimpleNamespace(**row), *[row[name] for name in _NAMES])

    def get(self, opportunity_id: int) -> OpportunityView | None:
        """One live opportunity, or None."""

        def build() -> Select[Any]:
            return self._select().where(*self._where(), Opportunity.id == bindparam(ID))

        found = self._run(("get",), build, {ID: opportunity_id})
        return self._view(found[0]) if found else None

    def _filters(self, query: OpportunityQuery) -> list[ColumnElement[bool]]:
        return self._where() + [
            FILTERS[name].where(bindparam(_param(name))) for name in sorted(query.filters)
        ]

    def page(self, query: OpportunityQuery) -> tuple[list[OpportunityView], int]:
        """Up to ``limit + 1`` rows after ``after`` in the requested order (keyset pagination),
        and how many rows match the filters in all, in one query when the page has rows."""
        values = parameters(query)
        # A date range is planned for its value: a generic plan cannot see where it starts.
        prepare = not any(FILTERS[name].read is read_moment for name in query.filters)
        rows = self._run(
            ("page", *query.shape()), lambda: self.page_select(query), values, prepare=prepare
        )
        if rows:
            total = int(rows[0][TOTAL])
        elif query.after is None:
            total = 0
        else:  # past the last row: the page cannot carry the total
            count = self._run(("count", *query.shape()), lambda: self._count(query), values)
            total = int(count[0][TOTAL])
        return [self._view(row) for row in rows], total

    def page_select(self, query: OpportunityQuery) -> Select[Any]:
        """The statement ``page`` runs for queries shaped like ``query``; its parameters are
        ``parameters(query)``."""
        where = self._filters(query)
        keys = _keys(query)
        if query.after is not None:
            where.append(after(keys, _positions(query.after)))
        return (
            self._select()
            .add_columns(self._count(query).scalar_subquery().label(TOTAL))
            .where(*where)
            .order_by(*order_by(keys))
            # One row more than the page: its presence is how the caller knows a next page
            # exists, so the last page never hands out a cursor to an empty one.
            .limit(bindparam(LIMIT))
        )

    def _count(self, query: OpportunityQuery) -> Select[Any]:
        # Not correlated with a page's rows: PostgreSQL runs it once per statement.
        return (
            select(func.count().label(TOTAL))
            .select_from(Opportunity)
            .where(*self._filters(query))
            .correlate(None)
        )


def _positions(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """A keyset position as parameters (``parameters``); a null stays a null, which ``after``
    compares differently."""
    return tuple(None if v is None else bindparam(f"after_{i}") for i, v in enumerate(values))


def _param(name: str) -> str:
    return f"filter_{name}"


def parameters(query: OpportunityQuery) -> dict[str, Any]:
    """The parameters of ``query``'s statements: its filter values, position and limit."""
    values = {_param(name): value for name, value in query.filters.items()}
    for index, value in enumerate(query.after or ()):
        if value is not None:
            values[f"after_{index}"] = value
    return {**values, LIMIT: query.limit + 1}


def _keys(query: OpportunityQuery) -> list[tuple[Any, bool]]:
    column = SORTABLE[query.sort] if query.sort is not None else None
    return sort_keys(column, row_id=Opportunity.id, descending=query.descending)
