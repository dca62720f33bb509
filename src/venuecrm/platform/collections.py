"""iVvy collections in SQL: filter a select's labelled columns, count and page it, by id.

A collection is a ``ListQuery``: ``rows``, a select whose columns are labelled with their wire
names (tenancy already applied by the repository that built it), and optional ``details``,
columns computed only for the rows of the page (nested arrays). The scalar columns of ``rows``
are the filterable fields; their SQL types say how a filter compares them. ``many`` adds
fields a row has several values of (a contact's companies), filterable but not columns.

One round trip answers a page and the total (``count(*) OVER ()`` over the matching ids only,
see ``page_select``); a second one only when the page is empty, to count what lies before it.
Rows are ordered by ``id``: ids only grow, so rows added between page requests land after the
ones already paged and none is skipped or repeated. A list of what happened (a record's
history) is read newest first instead (``ListQuery.newest_first``): there a row added between
page requests shifts the later pages by one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    Integer,
    Numeric,
    Select,
    String,
    Subquery,
    and_,
    any_,
    cast,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

TOTAL = "__total__"


class Kind(StrEnum):
    """How a filterable field compares; derived from its SQL type."""

    TEXT = "text"
    INT = "whole number"
    NUMBER = "number"
    BOOL = "boolean"
    TIMESTAMP = "timestamp"


class Op(StrEnum):
    """A filter modifier (docs/ivvy.md §5); EQ is a key without one."""

    EQ = ""
    NOT = "NOT"
    CONTAINS = "CONTAINS"
    NOTCONTAINS = "NOTCONTAINS"
    BEGINS = "BEGINS"
    ENDS = "ENDS"
    LESSTHAN = "LESSTHAN"
    GREATERTHAN = "GREATERTHAN"
    EMPTY = "EMPTY"
    IN = "IN"  # not a wire modifier: parameters such as venueIds become one


@dataclass(frozen=True, slots=True)
class Condition:
    """``field`` compared by ``op`` with ``value``, already of the field's kind.

    ``None`` is the null search value; a TIMESTAMP value is the ``(start, end)`` interval the
    client named (one second, or a whole day for a bare date); EMPTY's value is a bool.
    """

    field: str
    op: Op
    value: Any


@dataclass(frozen=True, slots=True)
class ManyField:
    """A field with any number of values per row: ``values`` selects them, given the row's id.

    A row matches a condition when one of its values does; ``__NOT`` means none is the value,
    and a null search (or ``__EMPTY``) means the row has no value at all.
    """

    kind: Kind
    values: Callable[[ColumnElement[Any]], Select[Any]]


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The rows of one collection and the per-row details computed for a page only."""

    rows: Select[Any]
    details: Callable[[Subquery], Sequence[ColumnElement[Any]]] | None = None
    many: Mapping[str, ManyField] = field(default_factory=dict)
    newest_first: bool = False  # by id descending

    @property
    def fields(self) -> dict[str, Kind]:
        """The filterable fields: every labelled scalar column of ``rows``, and ``many``."""
        found: dict[str, Kind] = {}
        for column in self.rows.selected_columns:
            kind = kind_of(column.type)
            if kind is not None and column.key is not None:
                found[column.key] = kind
        found.update({name: many.kind for name, many in self.many.items()})
        return found


@dataclass(frozen=True, slots=True)
class Page:
    """One page of rows (as wire-named mappings) and how many rows match in all."""

    total: int
    rows: list[dict[str, Any]]


def kind_of(sql_type: TypeEngine[Any]) -> Kind | None:
    """The filter kind of a column type; None for what cannot be filtered (JSON)."""
    for base, kind in (
        (Boolean, Kind.BOOL),
        (Integer, Kind.INT),
        (Numeric, Kind.NUMBER),
        (String, Kind.TEXT),
        (DateTime, Kind.TIMESTAMP),
    ):
        if isinstance(sql_type, base):
            return kind
    return None


def fetch_page(
    session: Session, query: ListQuery, conditions: Sequence[Condition], *, start: int, limit: int
) -> Page:
    """The rows ``start`` to ``start + limit`` of ``query`` matching every condition, by id
    (descending for a ``newest_first`` list)."""
    statement = page_select(query, conditions, start=start, limit=limit)
    found = [dict(row) for row in session.execute(statement).mappings()]
    if found:
        total = found[0][TOTAL]
    elif start == 0:
        total = 0
    else:
        total = session.execute(count_select(query, conditions)).scalar_one()
    return Page(total, [{k: v for k, v in row.items() if k != TOTAL} for row in found])


def page_select(
    query: ListQuery, conditions: Sequence[Condition], *, start: int, limit: int
) -> Select[Any]:
    """The one statement that reads a page: its rows, their details, and the total (``TOTAL``).

    Two steps in one statement. ``ids`` finds the page's ids and counts every match, reading
    only ``id`` and the filtered columns, so PostgreSQL drops the joins nothing reads (the
    names of a list's lookups) and the window runs over narrow rows. Then the full rows are
    read for those ids only, named as one array (``id = ANY(...)``, an index lookup) rather than
    joined: a join with a list's many lookup joins exceeds ``join_collapse_limit``, and the
    planner would then build every full row first. Counting over the full rows, as this did
    before, made every match carry every join: 230 ms instead of 30 ms for 80,000 matches
    (bench/list_opportunities.py).
    """
    rows, where = _filtered(query, conditions)
    ids = (
        select(rows.c.id, func.count().over().label(TOTAL))
        .where(*where)
        .order_by(rows.c.id.desc() if query.newest_first else rows.c.id)
        .offset(start)
        .limit(limit)
        .cte("ids")
    )
    full = query.rows.subquery("f")
    # An array, not "= ANY (subquery)", which would be a semi-join again.
    page_ids = select(func.array_agg(ids.c.id)).scalar_subquery()
    page = (
        select(full, select(ids.c[TOTAL]).limit(1).scalar_subquery().label(TOTAL))
        .where(full.c.id == any_(cast(page_ids, ARRAY(full.c.id.type))))
        .subquery("p")
    )
    details = query.details(page) if query.details is not None else ()
    return select(page, *details).order_by(page.c.id.desc() if query.newest_first else page.c.id)


def count_select(query: ListQuery, conditions: Sequence[Condition]) -> Select[Any]:
    """How many rows match: read when a page is empty, which leaves the total unknown."""
    rows, where = _filtered(query, conditions)
    return select(func.count()).select_from(rows).where(*where)


def _filtered(
    query: ListQuery, conditions: Sequence[Condition]
) -> tuple[Subquery, list[ColumnElement[bool]]]:
    rows = query.rows.subquery("r")
    fields = query.fields
    return rows, [
        _many_clause(query.many[c.field], rows.c.id, c)
        if c.field in query.many
        else _clause(rows.c[c.field], fields[c.field], c)
        for c in conditions
    ]


def _clause(column: ColumnElement[Any], kind: Kind, condition: Condition) -> ColumnElement[bool]:
    op, value = condition.op, condition.value
    if op is Op.IN:
        return column.in_(value)
    if op is Op.EMPTY:
        empty: ColumnElement[bool] = column.is_(None)
        if kind is Kind.TEXT:
            empty = or_(empty, column == "")
        return empty if value else not_(empty)
    if value is None:
        return column.is_(None) if op is Op.EQ else column.is_not(None)
    if kind is Kind.TEXT:
        return _text_clause(column, op, value)
    if kind is Kind.TIMESTAMP:
        return _span_clause(column, op, value)
    bound = literal(value, column.type)
    if op is Op.EQ:
        return column == bound
    if op is Op.NOT:
        return column.is_distinct_from(bound)
    return column <= bound if op is Op.LESSTHAN else column >= bound


def _many_clause(
    many: ManyField, row_id: ColumnElement[Any], condition: Condition
) -> ColumnElement[bool]:
    values = many.values(row_id)
    op, value = condition.op, condition.value
    if op is Op.EMPTY or value is None:
        # EMPTY true, or a null search, finds rows without values; NOT null the others.
        none = value if op is Op.EMPTY else op is Op.EQ
        return not_(values.exists()) if none else values.exists()
    column = values.selected_columns[0]
    if op is Op.NOT:
        return not_(values.where(_clause(column, many.kind, replace(condition, op=Op.EQ))).exists())
    return values.where(_clause(column, many.kind, condition)).exists()


def _text_clause(column: ColumnElement[Any], op: Op, value: str) -> ColumnElement[bool]:
    """Case-insensitive (iVvy does not say which); NOT and NOTCONTAINS keep null rows.

    Every comparison is on ``lower(column)``, patterns included (what ILIKE does in a UTF-8
    database), so one expression index on ``lower(column) text_pattern_ops`` serves equality
    and __BEGINS alike; ILIKE could use no b-tree index at all.
    """
    lowered = func.lower(column)
    if op is Op.EQ:
        return lowered == func.lower(literal(value))
    if op is Op.NOT:
        return lowered.is_distinct_from(func.lower(literal(value)))
    if op is Op.NOTCONTAINS:
        return not_(func.lower(func.coalesce(column, "")).like(_pattern(op, value), escape="/"))
    return lowered.like(_pattern(op, value), escape="/")


def _pattern(op: Op, value: str) -> ColumnElement[str]:
    """The LIKE pattern, lower-cased in SQL, with ``%``, ``_`` and the escape ``/`` literal."""
    escaped = value.replace("/", "//").replace("%", "/%").replace("_", "/_")
    before = "" if op is Op.BEGINS else "%"
    after = "" if op is Op.ENDS else "%"
    return func.lower(literal(before + escaped + after))


def _span_clause(
    column: ColumnElement[Any], op: Op, value: tuple[datetime, datetime]
) -> ColumnElement[bool]:
    """A timestamp matches a value when it lies in the second (or day) the value names."""
    start, end = value
    inside = and_(column >= start, column < end)
    if op is Op.EQ:
        return inside
    if op is Op.NOT:
        return or_(column.is_(None), not_(inside))
    return column < end if op is Op.LESSTHAN else column >= start
