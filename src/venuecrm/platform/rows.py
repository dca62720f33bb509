"""Rows of the hot tables as plain values: locked, inserted and updated with ``platform.sql``.

The ORM models stay the schema's single source: each ``Table`` reads its columns, their Python
defaults and JSON types, and its ``modified_at`` rule from the model, and builds its statements
once. ``Row`` stands in for a model instance where the hot path used one: attributes read its
columns, and assignments are remembered for ``Table.update``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any, cast

from psycopg.types.json import Json, Jsonb
from sqlalchemy import JSON, ColumnDefault
from sqlalchemy import Table as SaTable
from sqlalchemy.dialects.postgresql import JSONB

from venuecrm.platform.base import Base
from venuecrm.platform.models import Company, Contact, Opportunity


class _Now:
    """The database's ``now()``, where a value is written (the transaction's start time)."""

    def __repr__(self) -> str:
        return "NOW"


NOW: Any = _Now()


class Row:
    """One row's columns as attributes; what is assigned is kept until the row is written."""

    __slots__ = ("_changes", "_values")

    def __init__(self, values: dict[str, Any]) -> None:
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_changes", {})

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._values[name] = value
        self._changes[name] = value

    def values(self) -> dict[str, Any]:
        """Every column's current value."""
        return dict(self._values)

    def take_changes(self) -> dict[str, Any]:
        """What was assigned since the last call, now forgotten."""
        changes = dict(self._changes)
        self._changes.clear()
        return changes


class Table:
    """Statements for one tenant table, built from its model."""

    def __init__(self, model: type[Base]) -> None:
        table = cast(SaTable, model.__table__)
        self.name: str = table.name
        self.columns: tuple[str, ...] = tuple(c.name for c in table.columns)
        self._json = {
            c.name: Jsonb if isinstance(c.type, JSONB) else Json
            for c in table.columns
            if isinstance(c.type, JSON)
        }
        # The models' Python-side defaults (ColumnDefault: a value, or a callable taking the
        # insert's context).
        self._defaults: dict[str, Any] = {}
        self._factories: dict[str, Callable[[Any], Any]] = {}
        for c in table.columns:
            if isinstance(c.default, ColumnDefault):
                into = self._factories if c.default.is_callable else self._defaults
                into[c.name] = c.default.arg
        # Columns the ORM sets to now() on every update (``Timestamped.modified_at``).
        self._touched = tuple(c.name for c in table.columns if c.onupdate is not None)
        deleted = "deleted_at" in self.columns
        # Identifiers from the model, values always bound: nothing of a request is spliced in.
        self.lock_sql = (
            f"SELECT {', '.join(self.columns)} FROM {self.name}"  # noqa: S608
            " WHERE account_id = %s AND id = ANY(%s::int[])"
            + (" AND deleted_at IS NULL" if deleted else "")
            + " ORDER BY id FOR NO KEY UPDATE"
        )

    def row(self, values: Iterable[Any]) -> Row:
        """A ``Row`` of a result of this table's ``SELECT`` of ``columns``."""
        return Row(dict(zip(self.columns, values, strict=True)))

    def new(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` completed with the model's Python defaults, as the ORM would insert them."""
        full = dict(values)
        for name, default in self._defaults.items():
            full.setdefault(name, default)
        for name, factory in self._factories.items():
            if name not in full:
                full[name] = factory(None)
        return full

    def insert(self, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
        """An INSERT of one row with these column values (``id`` included when known)."""
        names = tuple(sorted(values))
        return _insert_sql(self.name, names), [self._param(n, values[n]) for n in names]

    def update(
        self, account_id: int, row_id: int, changes: Mapping[str, Any]
    ) -> tuple[str, list[Any]]:
        """An UPDATE of one row's ``changes``; the model's ``modified_at`` rule applies."""
        names = tuple(sorted({*changes, *self._touched}))
        now = tuple(n for n in names if n not in changes or changes[n] is NOW)
        kept = tuple(n for n in names if n not in now)
        params = [self._param(n, changes[n]) for n in kept]
        return _update_sql(self.name, kept, now), [*params, account_id, row_id]

    def _param(self, name: str, value: Any) -> Any:
        wrap = self._json.get(name)
        return value if wrap is None or value is None else wrap(value)


# The tables the write path reads and writes with plain statements.
TABLES: dict[type[Base], Table] = {model: Table(model) for model in (Company, Contact, Opportunity)}


@lru_cache(maxsize=256)
def _insert_sql(table: str, names: tuple[str, ...]) -> str:
    holders = ", ".join("%s" for _ in names)
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({holders})"  # noqa: S608


@lru_cache(maxsize=256)
def _update_sql(table: str, kept: tuple[str, ...], now: tuple[str, ...]) -> str:
    sets = [f"{n} = %s" for n in kept] + [f"{n} = now()" for n in now]
    return f"UPDATE {table} SET {', '.join(sets)} WHERE account_id = %s AND id = %s"  # noqa: S608
