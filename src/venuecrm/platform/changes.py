"""What a transaction changed, one entry per record, written as change records with its COMMIT.

The write path tells the log each change as it makes it (``record``); entries of one record
merge, keeping each field's first old value and last new value, so a record written several
times in one request is one change record, and a field set back to its old value is no change.
``write`` queues one INSERT of every entry, which goes out with the COMMIT's round trip
(``platform.sql``): the change records commit with the changes or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from psycopg.types.json import Jsonb

from venuecrm.platform.sql import Sql

ADDED, UPDATED, DELETED = "added", "updated", "deleted"
# What an entry of several writes is: a record added (or deleted) and then updated in the same
# transaction was added (or deleted).
_RANK = {UPDATED: 0, ADDED: 1, DELETED: 2}
Key = tuple[int, str, int]  # (account, entity, record id)


@dataclass
class _Entry:
    action: str
    fields: dict[str, list[Any]] = field(default_factory=dict)  # field: [old, new]


class ChangeLog:
    """The changes of one transaction (one ``UnitOfWork`` at depth one), by record."""

    def __init__(self) -> None:
        self._entries: dict[Key, _Entry] = {}
        # Custom field values of records as they were before this transaction, by field id:
        # read with the records' locks, where a write that sets custom values needs them.
        self.custom_before: dict[Key, dict[int, Any]] = {}

    def record(self, key: Key, action: str, changes: Iterable[tuple[str, Any, Any]] = ()) -> None:
        """Note ``changes`` (field, old, new; values in wire form) of one record."""
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry(action)
        elif _RANK[action] > _RANK[entry.action]:
            entry.action = action
        for name, old, new in changes:
            if name in entry.fields:
                entry.fields[name][1] = new
            else:
                entry.fields[name] = [old, new]

    def added(self, key: Key) -> bool:
        """Whether this transaction created the record."""
        entry = self._entries.get(key)
        return entry is not None and entry.action == ADDED

    def rows(self) -> list[tuple[Key, str, list[dict[str, Any]]]]:
        """Each record's change: (key, action, [{field, from, to}]); an update that changed
        nothing is none."""
        rows = []
        for key, entry in self._entries.items():
            added = entry.action == ADDED
            # A record this transaction added held nothing before, whatever a later write of it
            # in the transaction read back.
            changes = [
                {"field": name, "from": None if added else old, "to": new}
                for name, (old, new) in entry.fields.items()
                if new != (None if added else old)
            ]
            if changes or entry.action != UPDATED:
                rows.append((key, entry.action, changes))
        return rows

    def write(self, sql: Sql, *, api_key_id: int | None, request_id: str | None) -> None:
        """Queue the INSERT of every change record (sent with the next round trip, the
        COMMIT's), and start afresh."""
        rows = self.rows()
        self._entries.clear()
        self.custom_before.clear()
        if rows:
            sql.defer(
                _INSERT,
                [
                    api_key_id,
                    request_id,
                    [key[0] for key, _, _ in rows],
                    [key[1] for key, _, _ in rows],
                    [key[2] for key, _, _ in rows],
                    [action for _, action, _ in rows],
                    [Jsonb(changes) for _, _, changes in rows],
                ],
            )

    def clear(self) -> None:
        """Forget everything (the transaction rolled back)."""
        self._entries.clear()
        self.custom_before.clear()


# One statement for every record of the transaction, inserted in the order recorded.
_INSERT = (
    "INSERT INTO changes (api_key_id, request_id, account_id, entity, record_id, action, changes)"
    " SELECT %s, %s, a, e, r, x, c FROM unnest(%s::int[], %s::text[], %s::int[], %s::text[],"
    " %s::jsonb[]) WITH ORDINALITY AS t(a, e, r, x, c, n) ORDER BY n"
)
