"""The plan that makes an account match a checked configuration file, and its execution.

A plan adds the file's new records, changes the ones that differ and deactivates the rows the
file leaves out (or marks ``isActive: false``). Nothing is ever deleted but subscriptions, which
are not records anything refers to: one the file leaves out is removed (unsubscribed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic.alias_generators import to_camel

from venuecrm.features.account_config.tables import DEFAULTS, TABLES, Entry, Ref, Table, columns
from venuecrm.features.events.subscriptions import end, start
from venuecrm.platform.models import AccountSettings
from venuecrm.platform.repositories import Lookups
from venuecrm.platform.uow import UnitOfWork

ADD, CHANGE, DEACTIVATE, REMOVE = "add", "change", "deactivate", "remove"
DEFAULTS_SECTION, API_KEYS_SECTION, SUBSCRIPTIONS_SECTION = "defaults", "apiKeys", "subscriptions"
_GROUPS = {ADD: "added", CHANGE: "changed", DEACTIVATE: "deactivated", REMOVE: "removed"}


@dataclass(frozen=True)
class FieldChange:
    """One column's old and new value; ``new`` is an ``Entry`` when it is a record being added."""

    column: str
    wire: str
    old: Any
    new: Any


@dataclass(eq=False)
class Change:
    """One row to add, change, deactivate or remove; without a ``table``, the ``section`` names
    it (the account's defaults, an API key's settings, or a subscription).

    ``row`` and ``entry`` serve applying; ``settle`` drops them, leaving plain values. ``secret``
    is an added subscription's, once it is made: this plan is the only place it is shown.
    """

    action: str
    table: Table | None
    label: str
    path: str | None
    entry: Entry | None = None
    row: Any = None
    fields: list[FieldChange] = field(default_factory=list)
    id: int | None = None
    section: str = DEFAULTS_SECTION
    secret: str | None = None

    def settle(self) -> None:
        """Keep only plain values: the row's id (an added row's once inserted) and fields."""
        row = self.row if self.row is not None else (self.entry.row if self.entry else None)
        self.id = None if row is None else int(row.id)
        self.fields = [FieldChange(f.column, f.wire, f.old, _plain(f.new)) for f in self.fields]
        self.row = self.entry = None

    def as_dict(self) -> dict[str, Any]:
        """The change for ``--json``; an added subscription's has its ``secret`` (null in a dry
        run)."""
        change = {
            "table": self.table.key if self.table else self.section,
            "id": self.id,
            "name": self.label,
            "path": self.path,
            "changes": {f.wire: {"from": _plain(f.old), "to": _plain(f.new)} for f in self.fields},
        }
        if self.section == SUBSCRIPTIONS_SECTION and self.action == ADD:
            change["secret"] = self.secret
        return change

    def line(self) -> str:
        """The change as one line for people."""
        if self.table is None:
            where = (
                self.section if self.section == DEFAULTS_SECTION else f"{self.section} {self.label}"
            )
        else:
            ident = f" {self.id}" if self.id is not None else ""
            where = f"{self.table.key}{ident} {_show(self.label)}"
        if self.action == ADD:
            secret = f", secret {self.secret}" if self.secret else ""
            return f"{ADD:<10}  {where} ({self.path}){secret}"
        if self.path is None:
            return f"{self.action:<10}  {where} (not in the file)"
        details = ", ".join(f"{f.wire} {_show(f.old)} -> {_show(f.new)}" for f in self.fields)
        return f"{self.action:<10}  {where}: {details}"


@dataclass
class Plan:
    """Everything ``config apply`` changes, in the order it is done."""

    account_id: int
    changes: list[Change]
    dry_run: bool = False
    applied: bool = False

    def settle(self) -> None:
        """Detach the plan from the unit of work, whose rows expire when it ends."""
        for change in self.changes:
            change.settle()

    def as_dict(self) -> dict[str, Any]:
        """The plan for ``--json``: added, changed, deactivated and removed records."""
        plan: dict[str, Any] = {
            "accountId": self.account_id,
            "dryRun": self.dry_run,
            "applied": self.applied,
        }
        for action, group in _GROUPS.items():
            plan[group] = [c.as_dict() for c in self.changes if c.action == action]
        return plan

    def lines(self) -> list[str]:
        """The plan for people: a summary, one line per change, and what was done."""
        if not self.changes:
            return [f"account {self.account_id}: no changes, it already matches the file"]
        counts = ", ".join(
            f"{sum(c.action == action for c in self.changes)} to {action}" for action in _GROUPS
        )
        lines = [f"account {self.account_id}: {counts}"]
        lines += [f"  {change.line()}" for change in self.changes]
        lines.append("dry run: nothing was changed" if self.dry_run else "applied")
        if any(change.secret for change in self.changes):
            lines.append("store the subscriptions' secrets now: they are never shown again")
        return lines


def _plain(value: Any) -> Any:
    """A value as JSON: a record being added is ``(new) name`` until it has an id."""
    if isinstance(value, Entry):
        return int(value.row.id) if value.row is not None else f"(new) {value.label}"
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _show(value: Any) -> str:
    return json.dumps(_plain(value), ensure_ascii=False)


def _same(old: Any, new: Any) -> bool:
    # Select values keep their order: reordering them is a change.
    if isinstance(old, dict) and isinstance(new, dict):
        return list(old.items()) == list(new.items())
    return bool(old == new)


def _target(entry: Entry | None) -> Any:
    """A reference's new value: the id of an existing row, the entry of a new one, or None."""
    if entry is None:
        return None
    return entry.row.id if entry.row is not None else entry


def _ref_changes(
    row: Any, targets: dict[Ref, Entry | None], refs: tuple[Ref, ...]
) -> list[FieldChange]:
    found = []
    for ref in refs:
        old = getattr(row, ref.column) if row is not None else None
        new = _target(targets.get(ref))
        if old != new:
            found.append(FieldChange(ref.column, to_camel(ref.id_field), old, new))
    return found


def _entry_change(entry: Entry) -> Change | None:
    table, row, label = entry.table, entry.row, entry.label or ""
    if row is None:
        return Change(ADD, table, label, entry.path, entry=entry)
    fields = [
        FieldChange(column, to_camel(column), getattr(row, column), new)
        for column, new in entry.values.items()
        if not _same(getattr(row, column), new)
    ]
    fields += _ref_changes(row, entry.targets, table.refs)
    if not fields:
        return None
    action = DEACTIVATE if row.is_active and not entry.values["is_active"] else CHANGE
    return Change(action, table, label, entry.path, entry=entry, row=row, fields=fields)


def make_plan(
    *,
    account_id: int,
    entries: list[Entry],
    rows: dict[Table, list[Any]],
    settings: AccountSettings | None,
    defaults: dict[Ref, Entry | None],
) -> Plan:
    """What makes the account match the file: entries in file order, then absent rows, then
    the defaults (which may name records the plan adds)."""
    changes = [change for entry in entries if (change := _entry_change(entry)) is not None]
    in_file = {id(entry.row) for entry in entries if entry.row is not None}
    for table in TABLES:
        for row in rows[table]:
            if id(row) not in in_file and row.is_active:
                gone = FieldChange("is_active", "isActive", True, False)
                label = getattr(row, table.label)
                changes.append(Change(DEACTIVATE, table, label, None, row=row, fields=[gone]))
    fields = _ref_changes(settings, defaults, DEFAULTS)
    if fields:
        changes.append(Change(CHANGE, None, "defaults", "defaults", fields=fields))
    return Plan(account_id, changes)


def _resolved(value: Any) -> Any:
    return value.row.id if isinstance(value, Entry) else value


def apply_plan(uow: UnitOfWork, lookups: Lookups, plan: Plan) -> None:
    """Write the plan: inserts in file order, so parents and referenced records come first."""
    for change in plan.changes:
        if change.section == SUBSCRIPTIONS_SECTION and change.action != CHANGE:
            _subscribe(uow, lookups.account_id, change)
            continue
        entry = change.entry
        if change.action == ADD and entry is not None:
            table = entry.table
            values = {**entry.values, **table.fixed}
            if table.parent is not None and entry.parent is not None:
                values[table.parent_column] = entry.parent.row.id
            for ref in table.refs:
                values[ref.column] = _resolved(_target(entry.targets.get(ref)))
            entry.row = lookups.add(table.model, **values)
            continue
        row = change.row
        if change.table is None and change.section == DEFAULTS_SECTION:
            row = lookups.settings() or lookups.add_settings()
        lookups.update(row, **{f.column: _resolved(f.new) for f in change.fields})


def _subscribe(uow: UnitOfWork, account_id: int, change: Change) -> None:
    """(Un)subscribe as the notification actions do; a subscription a file makes belongs to
    no API key."""
    if change.action == REMOVE:
        end(uow, change.row)
        return
    values = {f.column: f.new for f in change.fields}
    change.row = start(uow, None, account_id=account_id, api_key_id=None, **values)
    change.secret = change.row.secret


def entry_values(entry: Entry) -> dict[str, Any]:
    """The validated plain columns of a record (the file passed the structure check)."""
    record = entry.table.record.model_validate(entry.raw)
    return {column: getattr(record, column) for column in columns(entry.table)}
