"""The outbox: a write's events, queued with its change records in its own transaction.

Before a transaction commits (``platform.uow.BEFORE_COMMIT``), its changed opportunities,
contacts and companies become one event per confirmed subscription of their topic. Whether
anyone subscribes comes from the cached account snapshot, so without subscribers nothing is
sent. With subscribers, the changed records are read back as their list items (the list's own
query and serializer, so ``data`` cannot drift from getOpportunityList): one more round trip
per entity changed; the events' INSERT is deferred to the COMMIT's round trip. An update's
``previousData`` is the ``data`` of the subscription's previous event of the record, read by
that INSERT: the record's row lock orders its writers, so it is the event committed before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from venuecrm.features.collections import Record, to_wire
from venuecrm.features.events.subscriptions import subscribers
from venuecrm.features.lookups.queries import Lists
from venuecrm.features.opportunities.listing import OPPORTUNITY
from venuecrm.features.parties.contact_namespace import COMPANY, CONTACT
from venuecrm.platform import uow as uow_module
from venuecrm.platform.changes import ADDED, DELETED
from venuecrm.platform.collections import Condition, Op
from venuecrm.platform.uow import UnitOfWork


@dataclass(frozen=True)
class _Subject:
    """An entity that has events: its topic, subject prefix, list item and id's wire key."""

    topic: str
    prefix: str
    record: Record[Any]
    key: str


SUBJECTS = {
    "opportunity": _Subject("crm", "Opportunity", OPPORTUNITY, "opportunityId"),
    "contact": _Subject("contacts", "Contact", CONTACT, "contactId"),
    "company": _Subject("companies", "Company", COMPANY, "companyId"),
}
_VERB = {ADDED: "Added", DELETED: "Deleted"}


def publish(uow: UnitOfWork) -> None:
    """Queue the transaction's events for the account's confirmed subscribers."""
    rows = [row for row in uow.changes.rows() if row[0][1] in SUBJECTS]
    if not rows:
        return
    for account_id in sorted({key[0] for key, _, _ in rows}):
        subs = subscribers(uow, account_id)
        mine = [
            row for row in rows if row[0][0] == account_id and SUBJECTS[row[0][1]].topic in subs
        ]
        if mine:
            _queue(uow, account_id, subs, mine)


def _queue(
    uow: UnitOfWork,
    account_id: int,
    subs: dict[str, tuple[int, ...]],
    rows: list[tuple[tuple[int, str, int], str, Any]],
) -> None:
    items = _items(uow, account_id, rows)
    params: list[list[Any]] = [[], [], [], [], [], []]
    for (_, entity, record_id), action, _ in rows:
        subject = SUBJECTS[entity]
        if action == DELETED:
            body: dict[str, Any] = {subject.key: record_id}
        elif (entity, record_id) in items:
            body = {"data": items[entity, record_id]}
        else:
            continue  # not listed (a record changed and deleted in one go is "deleted")
        for sub_id in subs[subject.topic]:
            for column, value in zip(
                params,
                (
                    sub_id,
                    entity,
                    record_id,
                    action,
                    subject.prefix + _VERB.get(action, "Updated"),
                    Jsonb(body),
                ),
                strict=True,
            ):
                column.append(value)
    if params[0]:
        uow.sql.defer(_INSERT, {"a": account_id, **dict(zip("serxjd", params, strict=True))})


def _items(
    uow: UnitOfWork, account_id: int, rows: list[tuple[tuple[int, str, int], str, Any]]
) -> dict[tuple[str, int], dict[str, Any]]:
    """The list items of the records added or updated, by (entity, id): the list's own
    statement (compiled once per shape, ``platform.collections``), one round trip per entity."""
    wanted: dict[str, list[int]] = {}
    for (_, entity, record_id), action, _ in rows:
        if action != DELETED:
            wanted.setdefault(entity, []).append(record_id)
    lists = Lists(uow.session, account_id)
    items = {}
    for entity, ids in wanted.items():
        record = SUBJECTS[entity].record
        page = lists.page(
            record.query(lists), [Condition("id", Op.IN, ids)], start=0, limit=len(ids)
        )
        for row in page.rows:
            item = record.item.model_validate(to_wire(row))
            items[entity, row["id"]] = item.model_dump(mode="json", by_alias=True)
    return items


# One statement for every event of the transaction, in the order recorded. An update carries the
# subscription's previous data of the record; a deleted opportunity its venue.
_INSERT = """
INSERT INTO deliveries (account_id, subscription_id, entity, record_id, subject, body)
SELECT %(a)s, s, e, r, j, CASE
    WHEN x = 'updated' THEN d || jsonb_build_object('previousData', (
        SELECT p.body -> 'data' FROM deliveries p
        WHERE p.account_id = %(a)s AND p.subscription_id = s AND p.entity = e
          AND p.record_id = r AND p.body ? 'data'
        ORDER BY p.id DESC LIMIT 1))
    WHEN x = 'deleted' AND e = 'opportunity' THEN jsonb_build_object('venueId', (
        SELECT o.venue_id FROM opportunities o WHERE o.account_id = %(a)s AND o.id = r)) || d
    ELSE d END
FROM unnest(%(s)s::int[], %(e)s::text[], %(r)s::int[], %(x)s::text[], %(j)s::text[],
            %(d)s::jsonb[]) WITH ORDINALITY AS t(s, e, r, x, j, d, n)
ORDER BY n
"""


def install() -> None:
    """Have every unit of work of this process queue its events before it commits."""
    if publish not in uow_module.BEFORE_COMMIT:
        uow_module.BEFORE_COMMIT.append(publish)


install()
