"""``venuecrm config``: an account's configuration exported as a YAML file, and a file applied.

Applying reads the file, finds every problem (structure, ids, references), plans against the
account's rows and writes the plan, all in one transaction; a file with any problem changes
nothing. Rows are never deleted, only deactivated: ids are what integrators hard-code and
opportunities, companies and custom field values refer to, and a deactivated row comes back,
with its id, by listing it again. Subscriptions are the exception: one the file leaves out is
unsubscribed, and one it adds is subscribed as the API's action does, its secret in the plan.
"""

from __future__ import annotations

from typing import Any

from pydantic.alias_generators import to_camel

from venuecrm.features.account_config.document import check_structure, dump_yaml, load_yaml
from venuecrm.features.account_config.fields import FORMAT_VERSION, ConfigModel
from venuecrm.features.account_config.plan import (
    ADD,
    API_KEYS_SECTION,
    CHANGE,
    REMOVE,
    SUBSCRIPTIONS_SECTION,
    Change,
    FieldChange,
    Plan,
    apply_plan,
    entry_values,
    make_plan,
)
from venuecrm.features.account_config.schemas import (
    ApiKeyRecord,
    ConfigFile,
    SubscriptionRecord,
)
from venuecrm.features.account_config.tables import (
    DEFAULTS,
    TABLES,
    Entry,
    Ref,
    Table,
    children,
    columns,
    read_id,
    walk,
)
from venuecrm.features.problems import Problems
from venuecrm.platform.models import ApiKey, Subscription
from venuecrm.platform.repositories import Lookups
from venuecrm.platform.uow import UnitOfWork

__all__ = ["InvalidConfiguration", "Plan", "apply_config", "export_config"]


class InvalidConfiguration(ValueError):
    """The file is rejected as a whole; ``problems`` lists every ``"path: reason"``.

    A command-line failure, not an API one, so it is not in the ``errors`` registry.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("the configuration file is invalid: " + "; ".join(problems))
        self.problems = problems


def _lookups(uow: UnitOfWork, account_id: int) -> Lookups:
    if uow.accounts.get(account_id) is None:
        raise LookupError(f"no account with id {account_id}")
    return uow.lookups(account_id)


def _record(table: Table, row: Any, rows: dict[Table, list[Any]]) -> ConfigModel:
    """A row as its record, built without validation: export writes what is stored."""
    values = {column: getattr(row, column) for column in columns(table)}
    values |= {ref.id_field: getattr(row, ref.column) for ref in table.refs}
    for child in children(table):
        mine = [r for r in rows[child] if getattr(r, child.parent_column) == row.id]
        values[child.location[0]] = [_record(child, r, rows) for r in mine]
    values["id"] = row.id
    return table.record.model_construct(**values)


def export_config(uow: UnitOfWork, *, account_id: int) -> str:
    """The account's whole configuration as YAML, every list sorted by id."""
    with uow:
        lookups = _lookups(uow, account_id)
        rows = {table: lookups.rows(table.model, **table.fixed) for table in TABLES}
        settings = lookups.settings()
        document: dict[str, Any] = {"version": FORMAT_VERSION}
        for table in TABLES:
            if table.parent is None:
                *outer, key = table.location
                holder = document
                for name in outer:
                    holder = holder.setdefault(name, {})
                holder[key] = [_record(table, row, rows) for row in rows[table]]
        document["defaults"] = {
            to_camel(ref.id_field): getattr(settings, ref.column) if settings else None
            for ref in DEFAULTS
        }
        document["apiKeys"] = [
            ApiKeyRecord(key=row.key, php_dates=row.php_dates, time_zone=row.time_zone)
            for row in lookups.rows(ApiKey, revoked_at=None)
        ]
        document["subscriptions"] = [
            SubscriptionRecord(
                topic=row.topic,
                endpoint=row.endpoint,
                format=row.format,
                confirmed=row.confirmed_at is not None,
            )
            for row in lookups.rows(Subscription)
        ]
        return dump_yaml(ConfigFile.model_validate(document))


Claimed = dict[tuple[type, int], Entry]
_KEY_SETTINGS = {"php_dates": "phpDates", "time_zone": "timeZone"}


def _key_changes(file: ConfigFile | None, keys: list[ApiKey], problems: Problems) -> list[Change]:
    """The API key settings the file changes: a listed key takes the record's values, an
    active key left out the defaults; without an ``apiKeys`` section no key changes."""
    if file is None or file.api_keys is None:
        return []
    by_key = {row.key: row for row in keys}
    wanted: dict[str, tuple[str, ApiKeyRecord]] = {}
    for index, listed in enumerate(file.api_keys):
        at = f"apiKeys[{index}]"
        if listed.key not in by_key:
            problems.add(f"{at}.key", f"no active API key {listed.key} in this account")
        elif listed.key in wanted:
            problems.add(f"{at}.key", f"API key {listed.key} is listed twice")
        else:
            wanted[listed.key] = (at, listed)
    changes = []
    for row in keys:
        path: str | None = None
        record = ApiKeyRecord(key=row.key)
        if row.key in wanted:
            path, record = wanted[row.key]
        fields = [
            FieldChange(column, wire, getattr(row, column), getattr(record, column))
            for column, wire in _KEY_SETTINGS.items()
            if getattr(row, column) != getattr(record, column)
        ]
        if fields:
            change = Change(CHANGE, None, row.key, path, row=row, fields=fields)
            change.section = API_KEYS_SECTION
            changes.append(change)
    return changes


def _subscription_changes(
    file: ConfigFile | None, subs: list[Subscription], problems: Problems
) -> list[Change]:
    """The subscriptions the file adds, whose format it changes, and those it leaves out;
    without a ``subscriptions`` section none changes. ``confirmed`` is the receiver's doing and
    is not applied."""
    if file is None or file.subscriptions is None:
        return []
    by_name = {(row.topic, row.endpoint): row for row in subs}
    wanted: dict[tuple[str, str], str] = {}
    changes = []
    for index, listed in enumerate(file.subscriptions):
        at, name = f"subscriptions[{index}]", (listed.topic, listed.endpoint)
        label = f"{listed.topic} {listed.endpoint}"
        if name in wanted:
            problems.add(f"{at}.endpoint", f"{label} is listed twice (also at {wanted[name]})")
            continue
        wanted[name] = at
        row = by_name.get(name)
        if row is None:
            fields = [
                FieldChange(column, column, None, getattr(listed, column))
                for column in ("topic", "endpoint", "format")
            ]
            changes.append(_subscription(ADD, label, at, fields=fields))
        elif row.format != listed.format:
            fields = [FieldChange("format", "format", row.format, listed.format)]
            changes.append(_subscription(CHANGE, label, at, row=row, fields=fields))
    changes += [
        _subscription(REMOVE, f"{row.topic} {row.endpoint}", None, row=row)
        for name, row in by_name.items()
        if name not in wanted
    ]
    return changes


def _subscription(action: str, label: str, path: str | None, **rest: Any) -> Change:
    return Change(action, None, label, path, section=SUBSCRIPTIONS_SECTION, **rest)


def _match_ids(entries: list[Entry], rows: dict[Table, list[Any]], problems: Problems) -> Claimed:
    """Records with an id are that row: the account's, listed once, in its own list."""
    owners = {(t.model, row.id): (t, row) for t, table_rows in rows.items() for row in table_rows}
    claimed: Claimed = {}
    for entry in entries:
        row_id, table = entry.id, entry.table
        if row_id is None:
            continue
        at, key = f"{entry.path}.id", (table.model, row_id)
        if key in claimed:
            problems.add(at, f"{table.noun} {row_id} is listed twice (also at {claimed[key].path})")
        elif key not in owners:
            problems.add(at, f"no {table.noun} {row_id} in this account")
        elif owners[key][0] is not table:
            problems.add(at, f"{row_id} belongs in {owners[key][0].key}, not in {table.key}")
        else:
            claimed[key] = entry
            entry.row = owners[key][1]
    return claimed


def _match_names(entries: list[Entry], rows: dict[Table, list[Any]], claimed: Claimed) -> None:
    """Records without an id are the unclaimed row with their label (within their parent):
    an active row first, then the lowest id, so listing a deactivated record again brings it
    back and applying a file twice adds nothing the second time."""
    for entry in entries:
        table, parent = entry.table, entry.parent
        if entry.raw.get("id") is not None or entry.label is None:
            continue
        if parent is not None and parent.row is None:
            continue
        for row in sorted(rows[table], key=lambda r: (not r.is_active, r.id)):
            if (table.model, row.id) in claimed or getattr(row, table.label) != entry.label:
                continue
            if parent is not None and getattr(row, table.parent_column) != parent.row.id:
                continue
            claimed[(table.model, row.id)] = entry
            entry.row = row
            break


def _check_parents(entries: list[Entry], problems: Problems) -> None:
    """A subtype or stage reason stays under its own parent: moving it would leave
    opportunities with a subtype of another type (or a reason of another stage)."""
    for entry in entries:
        parent = entry.parent
        if parent is None or entry.row is None or (parent.id is not None and parent.row is None):
            continue
        owner_id = getattr(entry.row, entry.table.parent_column)
        if parent.row is None or parent.row.id != owner_id:
            problems.add(
                f"{entry.path}.id",
                f"{entry.table.noun} {entry.row.id} belongs to "
                f"{parent.table.noun} {owner_id}: list it there",
            )


def _resolve(
    path: str, raw: Any, ref: Ref, entries: list[Entry], unreadable: set[Table], problems: Problems
) -> Entry | None:
    """The record of the file a reference names, by id or by label."""
    if not isinstance(raw, dict):
        return None
    id_key, name_key = to_camel(ref.id_field), to_camel(ref.name_field)
    wanted_id, wanted_name = raw.get(id_key), raw.get(name_key)
    noun = ref.target.noun
    if wanted_id is not None and wanted_name is not None:
        problems.add(f"{path}.{name_key}", f"give {id_key} or {name_key}, not both")
        return None
    if ref.target in unreadable or (wanted_id is None and not isinstance(wanted_name, str)):
        return None
    candidates = [e for e in entries if e.table is ref.target]
    if wanted_id is not None:
        at, row_id = f"{path}.{id_key}", read_id(wanted_id)
        found = [e for e in candidates if e.id == row_id]
        if row_id is not None and not found:
            problems.add(at, f"no {noun} {row_id} in this file")
    else:
        at = f"{path}.{name_key}"
        found = [e for e in candidates if e.label == wanted_name]
        if len(found) != 1:
            many = f"{len(found)} {noun}s are named {wanted_name!r} in this file; use {id_key}"
            problems.add(at, many if found else f"no {noun} named {wanted_name!r} in this file")
            return None
    if not found:
        return None
    target = found[0]
    if not target.active:
        problems.add(at, f"{target.describe()} is inactive")
    elif ref.require is not None and target.get(ref.require[0]) != ref.require[1]:
        problems.add(at, f"{target.describe()} {ref.require[2]}")
    return target


def _check_immutable(entries: list[Entry], problems: Problems) -> None:
    for entry in entries:
        for column in entry.table.immutable if entry.row is not None else ():
            old, new = getattr(entry.row, column), entry.get(column)
            if isinstance(new, int) and new != old:
                problems.add(
                    f"{entry.path}.{to_camel(column)}",
                    f"cannot change on an existing {entry.table.noun} ({old} -> {new}); "
                    "add a new one and deactivate this one",
                )


def apply_config(uow: UnitOfWork, *, account_id: int, text: str, dry_run: bool = False) -> Plan:
    """Make the account match the file and return the plan; with ``dry_run`` only plan.

    Raise ``InvalidConfiguration`` with every problem, having changed nothing, when the file
    is invalid; ``LookupError`` when there is no such account.
    """
    data, unreadable_file = load_yaml(text)
    if unreadable_file:
        raise InvalidConfiguration(unreadable_file)
    parsed = check_structure(data)
    with uow:
        lookups = _lookups(uow, account_id)
        # Serialise applies to one account; the row locks keep the plan true until commit.
        uow.accounts.lock_config(account_id)
        rows = {t: lookups.rows(t.model, for_update=True, **t.fixed) for t in TABLES}
        entries, unreadable = walk(data)
        problems = Problems(parsed.problems, parsed.invalid_paths)
        _match_names(entries, rows, _match_ids(entries, rows, problems))
        _check_parents(entries, problems)
        for entry in entries:
            for ref in entry.table.refs:
                entry.targets[ref] = _resolve(
                    entry.path, entry.raw, ref, entries, unreadable, problems
                )
        defaults = {
            ref: _resolve("defaults", data.get("defaults"), ref, entries, unreadable, problems)
            for ref in DEFAULTS
        }
        _check_immutable(entries, problems)
        # Sections that are not lookup tables: API key settings and subscriptions.
        section_changes = _key_changes(
            parsed.model, lookups.rows(ApiKey, for_update=True, revoked_at=None), problems
        )
        section_changes += _subscription_changes(
            parsed.model, lookups.rows(Subscription, for_update=True), problems
        )
        if problems:
            raise InvalidConfiguration(problems.items)
        for entry in entries:
            entry.values = entry_values(entry)
        plan = make_plan(
            account_id=account_id,
            entries=entries,
            rows=rows,
            settings=lookups.settings(),
            defaults=defaults,
        )
        plan.changes += section_changes
        plan.dry_run = dry_run
        if plan.changes and not dry_run:
            apply_plan(uow, lookups, plan)
            uow.commit()
            plan.applied = True
        plan.settle()  # before the unit of work ends and its rows expire
    return plan


__all__ = [
    "InvalidConfiguration",
    "apply_config",
    "export_config",
]
