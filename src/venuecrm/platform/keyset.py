"""Keyset positions for the unified CRM's sorted lists: sort keys with nulls last, and "after".

A page continues strictly after the last row's key, so rows added while a client pages are
neither skipped nor repeated among the rows already passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session


def sort_keys(column: Any | None, *, row_id: Any, descending: bool) -> list[tuple[Any, bool]]:
    """Sort keys with their direction; a null flag first keeps nulls last either way."""
    if column is None:
        return [(row_id, descending)]
    nulls_last = case((column.is_(None), 1), else_=0)
    return [(nulls_last, False), (column, descending), (row_id, descending)]


def after(keys: list[tuple[Any, bool]], values: tuple[Any, ...]) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in key order (lexicographic, per-key direction)."""
    clauses: list[ColumnElement[bool]] = []
    for index, (key, descending) in enumerate(keys):
        value = values[index]
        if value is None:
            continue  # within the null group only later keys can tell rows apart
        ahead = key < value if descending else key > value
        same_before = [
            k.is_(None) if v is None else k == v
            for (k, _), v in zip(keys[:index], values[:index], strict=True)
        ]
        clauses.append(and_(*same_before, ahead))
    return or_(false(), *clauses)


def order_by(keys: list[tuple[Any, bool]]) -> list[Any]:
    """The ORDER BY of ``keys``."""
    return [key.desc() if descending else key.asc() for key, descending in keys]


@dataclass(frozen=True, slots=True)
class IdPage:
    """Up to ``limit`` rows after the id ``after``; ``more`` when another page follows."""

    rows: list[Any]
    total: int
    more: bool


def fetch_id_page(
    session: Session,
    query: Select[Any],
    where: Sequence[Any],
    *,
    row_id: Any,
    after: int | None,
    limit: int,
) -> IdPage:
    """A page of ``query`` by ``row_id`` after ``after``: one row more than the page tells
    whether another follows, and the total comes in the same statement (a separate count
    only past the last row)."""
    total = select(func.count()).select_from(query.where(*where).subquery()).scalar_subquery()
    page = (
        query.add_columns(total.label("total"))
        .where(*where, *([row_id > after] if after is not None else []))
        .order_by(row_id)
        .limit(limit + 1)
    )
    rows = list(session.execute(page))
    if rows:
        count = int(rows[0].total)
    elif after is None:
        count = 0
    else:
        count = int(session.execute(select(total)).scalar_one())
    return IdPage(rows[:limit], count, len(rows) > limit)
