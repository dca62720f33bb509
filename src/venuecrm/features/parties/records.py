"""Repository of an account's records: opportunities, companies, contacts, custom values.

The write path's statements: plain SQL through ``platform.sql`` (rows as ``platform.rows.Row``),
shaped for few round trips: every natural key is matched and every record locked in one, and
writes wait for the COMMIT's round trip (docs/performance.md §1 counts them). Every write is
also told to the transaction's change log (``platform.changes``) with the old values it
replaces; custom values a write will replace are read with the lock, in the same round trip.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from psycopg.types.json import Json
from sqlalchemy import func, select

from venuecrm.features.history.fields import (
    ENTITIES,
    OPPORTUNITY,
    added_values,
    column_changes,
    custom_field,
    wire_value,
)
from venuecrm.features.parties.references import (
    Lookups,
    References,
    load_lookups,
    load_references,
)
from venuecrm.platform.base import Base, Tenant
from venuecrm.platform.changes import ADDED, DELETED, UPDATED
from venuecrm.platform.models import (
    AccountSettings,
    Company,
    Contact,
    CustomFieldDefinition,
    Industry,
    LeadSource,
    LeadType,
    LostReason,
    Opportunity,
)
from venuecrm.platform.rows import NOW, TABLES, Row, Table
from venuecrm.platform.uow import UnitOfWork

# Records a client may name instead of giving an id (the unified CRM view does).
_NAMED: dict[str, tuple[type[Tenant], Any]] = {
    "type": (LeadType, LeadType.name),
    "source": (LeadSource, LeadSource.name),
    "lost_reason": (LostReason, LostReason.name),
    "industry": (Industry, Industry.name),
    "custom_field": (CustomFieldDefinition, CustomFieldDefinition.display_name),
}


def advisory_key(account_id: int, name: str) -> int:
    """A stable signed 64-bit lock key for ``name`` in the account, the same in every process."""
    digest = hashlib.blake2b(f"{account_id}:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Records:
    """An account's CRM records; every query is filtered by the account."""

    def __init__(self, uow: UnitOfWork, account_id: int | None = None) -> None:
        self.uow = uow
        self.session = uow.session
        self.sql = uow.sql
        self.account_id = uow.account_id if account_id is None else account_id
        # Rows the transaction already holds locked: locking one again needs no query. The
        # unit of work owns them, so every repository of the transaction shares them.
        self._locked = uow.locked_rows
        self.changes = uow.changes

    def references(self, wanted: Mapping[str, Iterable[int]]) -> References:
        """What the rules check ``wanted`` ids against: lookups, definitions, defaults, and the
        named companies and contacts."""
        return load_references(self.session, self.account_id, wanted, self.lookups())

    def lookups(self) -> Lookups:
        """The account's lookups, from the process's cache while its version is unchanged."""
        uow = self.uow
        version = uow.config_version(self.account_id)
        if version is None:
            return load_lookups(self.session, self.account_id)
        return uow.cache.get(
            ("lookups", self.account_id),
            version,
            lambda: load_lookups(self.session, self.account_id),
        )

    def defaults(self) -> dict[str, int | None]:
        """The account's default venue, type and source, for clients that leave them out."""
        s = AccountSettings
        row = self.session.execute(
            select(s.default_venue_id, s.default_type_id, s.default_source_id).where(
                s.account_id == self.account_id
            )
        ).first()
        venue, kind, source = row if row is not None else (None, None, None)
        return {"venueId": venue, "typeId": kind, "sourceId": source}

    def id_named(self, kind: str, *, name: str, entity: str = "opportunity") -> int | None:
        """The lowest-id active record of ``kind`` with this name, compared case-insensitively.

        A custom field is looked up among the definitions of ``entity``.
        """
        model, column = _NAMED[kind]
        query = (
            select(model.id)
            .where(model.account_id == self.account_id, model.is_active)  # type: ignore[attr-defined]
            .where(func.lower(column) == name.lower())
            .order_by(model.id)
            .limit(1)
        )
        if model is CustomFieldDefinition:
            query = query.where(CustomFieldDefinition.entity == entity)
        return self.session.execute(query).scalar_one_or_none()

    def match_and_lock(
        self,
        keys: Mapping[str, Iterable[str]],
        ids: Mapping[str, Iterable[int]],
        *,
        custom: Collection[str] = (),
    ) -> tuple[dict[tuple[str, str], int], dict[str, dict[int, Row]]]:
        """Serialise on the natural keys, match them and lock the records, in one round trip.

        ``keys`` and ``ids`` are by kind ("company", "contact"). Every natural key is locked
        first (transaction-scoped advisory locks, all in one statement sorted by key, so two
        requests never wait on each other), then each kind's records, the lowest live id per
        key and the ids named, are locked in id order, companies first: requests sharing records
        always lock them in the same order and never deadlock. The current custom values of the
        records locked of the kinds in ``custom`` are read after the locks, in the same round
        trip. Returns the lowest id per (kind, key) found, and the locked rows by kind and id.
        """
        names = sorted(
            {advisory_key(self.account_id, f"{kind}:{key}") for kind, ks in keys.items()
             for key in ks}
        )  # fmt: skip
        cursors = {}
        custom_cursors = {}
        with self.sql.together():
            if names:
                self.sql.conn.execute(_LOCK_NAMES, [names])
            for kind in (COMPANY, CONTACT):
                wanted_keys = sorted(set(keys.get(kind, ())))
                wanted_ids = sorted(
                    set(ids.get(kind, ())) - {i for m, i in self._locked if m is _TABLE[kind]}
                )
                if wanted_keys or wanted_ids:
                    params = {"a": self.account_id, "ids": wanted_ids, "keys": wanted_keys}
                    cursors[kind] = self.sql.conn.execute(_MATCH_AND_LOCK[kind], params)
                    if kind in custom:
                        # After the lock: a statement of its own sees what a writer that held
                        # the lock before committed.
                        custom_cursors[kind] = self.sql.conn.execute(_MATCHED_CUSTOM[kind], params)
        matches: dict[tuple[str, str], int] = {}
        locked: dict[str, dict[int, Row]] = {}
        for kind in (COMPANY, CONTACT):
            table = _TABLE[kind]
            held = locked.setdefault(kind, {})
            fresh = []
            for values in cursors[kind].fetchall() if kind in cursors else ():
                row = table.row(values)
                # A row this transaction locked before keeps its object (and what was assigned).
                held[row.id] = self._locked.setdefault((table, row.id), row)
                fresh.append(row.id)
            if kind in custom_cursors:
                self._keep_custom(kind, fresh, custom_cursors[kind].fetchall())
            for row_id in ids.get(kind, ()):
                if (table, row_id) in self._locked:
                    held[row_id] = self._locked[table, row_id]
            for key in keys.get(kind, ()):
                found = [r.id for r in held.values() if r.natural_key == key]
                if found:
                    matches[kind, key] = min(found)
        return matches, locked

    def lock_rows(
        self, model: type[Base], ids: Iterable[int], *, custom: bool = False
    ) -> dict[int, Row]:
        """Load rows for update, in id order, so concurrent writers lock them in the same order.

        NO KEY UPDATE, as an UPDATE takes, lets others keep inserting rows that refer to them.
        With ``custom``, their current custom values are read too, in the same round trip.
        """
        table = TABLES[model]
        entity = ENTITIES[table.name]
        id_list = sorted(set(ids))
        held = {i: self._locked[table, i] for i in id_list if (table, i) in self._locked}
        missing = [i for i in id_list if i not in held]
        unknown = [i for i in id_list if custom and not self._custom_known(entity, i)]
        if not unknown:
            found = self.sql.execute(table.lock_sql, [self.account_id, missing]) if missing else ()
        else:
            with self.sql.together():
                if missing:
                    found = self.sql.conn.execute(table.lock_sql, [self.account_id, missing])
                # After the lock, as in match_and_lock.
                values = self.sql.conn.execute(_CUSTOM, [self.account_id, entity, unknown])
            self._keep_custom(entity, unknown, values.fetchall())
        for columns in found if missing else ():
            row = table.row(columns)
            held[row.id] = self._locked.setdefault((table, row.id), row)
        return held

    def lock_opportunity(self, opportunity_id: int, *, custom: bool = False) -> Row | None:
        """The opportunity, locked for this transaction, or None (also when deleted); with
        ``custom``, its custom values are read too."""
        return self.lock_rows(Opportunity, [opportunity_id], custom=custom).get(opportunity_id)

    def new_ids(self, counts: Mapping[type[Base], int]) -> dict[type[Base], list[int]]:
        """Fresh ids from each table's identity, ``counts[model]`` of them, in one statement."""
        wanted = {model: n for model, n in counts.items() if n}
        found: dict[type[Base], list[int]] = {model: [] for model in counts}
        if wanted:
            names = [TABLES[model].name for model in wanted]
            result = self.sql.execute(_NEW_IDS, [names, list(wanted.values())])
            by_name = {TABLES[model].name: model for model in wanted}
            for name, row_id in result:
                found[by_name[name]].append(row_id)
        return found

    def insert(self, model: type[Base], values: Mapping[str, Any]) -> None:
        """Insert a row of this account (``values`` hold its id); sent with the next round trip."""
        table = TABLES[model]
        self.sql.defer(*table.insert({**values, "account_id": self.account_id}))
        entity = ENTITIES[table.name]
        self.changes.record(self._key(entity, values["id"]), ADDED, added_values(entity, values))

    def flush(self) -> None:
        """Write what was assigned to the locked rows (sent with the next round trip)."""
        for (table, row_id), row in self._locked.items():
            changes = row.take_changes()
            if changes and isinstance(table, Table):
                self.sql.defer(*table.update(self.account_id, row_id, changes))
                self._record_update(ENTITIES[table.name], row, changes)

    def _record_update(self, entity: str, row: Row, changes: Mapping[str, Any]) -> None:
        deleted = changes.get("deleted_at") is NOW and row.original("deleted_at") is None
        self.changes.record(
            self._key(entity, row.id),
            DELETED if deleted else UPDATED,
            column_changes(entity, {n: (row.original(n), v) for n, v in changes.items()}),
        )

    def link(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Make each (company, contact) pair a membership; existing ones stay as they are."""
        ordered = sorted(set(pairs))
        if ordered:
            companies, contacts = zip(*ordered, strict=True)
            self.sql.defer(_LINK, [self.account_id, list(companies), list(contacts)])

    def set_custom_values(self, entity: str, record_id: int, values: Mapping[int, Any]) -> None:
        """Write custom field values of one record; a None value removes that field's value."""
        if not values:
            return
        key = self._key(entity, record_id)
        if not self.changes.added(key) and not self._custom_known(entity, record_id):
            # Not read with the lock (a caller that locked it without ``custom``): read now.
            self.lock_rows(_MODELS[entity], [record_id], custom=True)
        before = self.changes.custom_before.get(key, {})
        self.changes.record(
            key,
            UPDATED,
            [
                (custom_field(f), wire_value(before.get(f)), wire_value(v))
                for f, v in values.items()
            ],
        )
        keep = sorted((k, v) for k, v in values.items() if v is not None)
        drop = sorted(k for k, v in values.items() if v is None)
        if keep:
            fields = [k for k, _ in keep]
            self.sql.defer(
                _SET_VALUES,
                [self.account_id, entity, record_id, fields, [Json(v) for _, v in keep]],
            )
        if drop:
            self.sql.defer(_DROP_VALUES, [self.account_id, entity, record_id, drop])

    def delete_party(self, kind: str, row_id: int) -> None:
        """Soft-delete a company or contact (locked by the caller): its memberships go, and so
        does a primary-contact link to it, so nothing the APIs still show points at a record
        they no longer show. Each company unlinked is a change of its own."""
        row = self.lock_rows(_MODELS[kind], [row_id])[row_id]
        if kind == CONTACT:
            for values in self.sql.execute(_LOCK_LED, [self.account_id, row_id]):
                company = TABLES[Company].row(values)
                company = self._locked.setdefault((TABLES[Company], company.id), company)
                company.primary_contact_id = None
                company.modified_at = NOW
        self.sql.defer(_UNLINK[kind], [self.account_id, row_id])
        row.deleted_at = NOW
        row.modified_at = NOW
        self.flush()

    def _key(self, entity: str, record_id: int) -> tuple[int, str, int]:
        return (self.account_id, entity, record_id)

    def _custom_known(self, entity: str, record_id: int) -> bool:
        return self._key(entity, record_id) in self.changes.custom_before

    def _keep_custom(
        self, entity: str, record_ids: Iterable[int], found: Iterable[tuple[int, int, Any]]
    ) -> None:
        """Remember the custom values read for these records (none read: none held)."""
        before = self.changes.custom_before
        for record_id in record_ids:
            before.setdefault(self._key(entity, record_id), {})
        for record_id, field_id, value in found:
            held = before.get(self._key(entity, record_id))
            if held is not None:
                held[field_id] = value


COMPANY, CONTACT = "company", "contact"
_TABLE = {COMPANY: TABLES[Company], CONTACT: TABLES[Contact]}
_MODELS: dict[str, type[Base]] = {OPPORTUNITY: Opportunity, COMPANY: Company, CONTACT: Contact}
_CUSTOM = (
    "SELECT record_id, field_id, value FROM custom_field_values"
    " WHERE account_id = %s AND entity = %s AND record_id = ANY(%s::int[])"
)
_LOCK_NAMES = "SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(%s::bigint[]) AS k ORDER BY k) s"
# The lowest live id per natural key and the ids named, locked in id order (see match_and_lock).
_MATCH_AND_LOCK = {
    kind: f"SELECT {', '.join(table.columns)} FROM {table.name}"  # noqa: S608
    " WHERE account_id = %(a)s AND deleted_at IS NULL AND (id = ANY(%(ids)s::int[]) OR id IN ("
    f"  SELECT min(id) FROM {table.name} WHERE account_id = %(a)s AND deleted_at IS NULL"
    "   AND natural_key = ANY(%(keys)s::text[]) GROUP BY natural_key))"
    " ORDER BY id FOR NO KEY UPDATE"
    for kind, table in _TABLE.items()
}
# The custom values of the records _MATCH_AND_LOCK locks (the same parameters).
_MATCHED_CUSTOM = {
    kind: "SELECT record_id, field_id, value FROM custom_field_values"  # noqa: S608
    f" WHERE account_id = %(a)s AND entity = '{kind}' AND record_id IN ("
    f"  SELECT id FROM {table.name} WHERE account_id = %(a)s AND deleted_at IS NULL"
    "   AND (id = ANY(%(ids)s::int[]) OR id IN ("
    f"    SELECT min(id) FROM {table.name} WHERE account_id = %(a)s AND deleted_at IS NULL"
    "     AND natural_key = ANY(%(keys)s::text[]) GROUP BY natural_key)))"
    for kind, table in _TABLE.items()
}
# The live companies whose primary contact a contact is, locked to unlink it.
_LOCK_LED = (
    f"SELECT {', '.join(TABLES[Company].columns)} FROM companies"  # noqa: S608
    " WHERE account_id = %s AND primary_contact_id = %s AND deleted_at IS NULL"
    " ORDER BY id FOR NO KEY UPDATE"
)
_UNLINK = {
    COMPANY: "DELETE FROM company_contacts WHERE account_id = %s AND company_id = %s",
    CONTACT: "DELETE FROM company_contacts WHERE account_id = %s AND contact_id = %s",
}
_NEW_IDS = (
    "SELECT t.name, nextval(pg_get_serial_sequence(t.name, 'id'))::int"
    " FROM unnest(%s::text[], %s::int[]) AS t(name, n), generate_series(1, t.n)"
)
_LINK = (
    "INSERT INTO company_contacts (account_id, company_id, contact_id)"
    " SELECT %s, c, p FROM unnest(%s::int[], %s::int[]) AS t(c, p) ON CONFLICT DO NOTHING"
)
_SET_VALUES = (
    "INSERT INTO custom_field_values (account_id, entity, record_id, field_id, value)"
    " SELECT %s, %s, %s, f, v FROM unnest(%s::int[], %s::json[]) AS t(f, v)"
    " ON CONFLICT (account_id, entity, record_id, field_id) DO UPDATE SET value = excluded.value"
)
_DROP_VALUES = (
    "DELETE FROM custom_field_values WHERE account_id = %s AND entity = %s AND record_id = %s"
    " AND field_id = ANY(%s::int[])"
)
