"""Repository of an account's records: opportunities, companies, contacts, custom values.

Reads are shaped for few round trips: every id a request names is checked in one query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    delete,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT, insert
from sqlalchemy.orm import Session

from venuecrm.features.parties.references import References, live, load_references
from venuecrm.platform.base import Tenant
from venuecrm.platform.models import (
    AccountSettings,
    Company,
    CompanyContact,
    Contact,
    CustomFieldDefinition,
    CustomFieldValue,
    Industry,
    LeadSource,
    LeadType,
    LostReason,
    Opportunity,
)
from venuecrm.platform.repositories import T
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

    def __init__(
        self,
        session: Session,
        account_id: int,
        *,
        locked: dict[tuple[type[Any], int], Any] | None = None,
    ) -> None:
        self.session = session
        self.account_id = account_id
        # Rows the transaction already holds locked: locking one again needs no query. The
        # unit of work owns them (``of``), so every repository of the transaction shares them.
        self._locked = {} if locked is None else locked

    @classmethod
    def of(cls, uow: UnitOfWork) -> Records:
        """The CRM records of the unit of work's account, sharing its transaction's locks."""
        return cls(uow.session, uow.account_id, locked=uow.locked_rows)

    def references(
        self, wanted: Mapping[str, Iterable[int]], *, definitions_for: Iterable[str] = ()
    ) -> References:
        """Every named id's row, the custom field definitions and the defaults, in one query."""
        return load_references(
            self.session, self.account_id, wanted, definitions_for=definitions_for
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

    def lock_names(self, names: Iterable[str]) -> None:
        """Take transaction-scoped locks on these names, all at once, in one global order.

        Every request takes all its locks in a single statement sorted by key, before it
        touches any row it shares with others, so two requests can never wait on each other.
        """
        keys = sorted({advisory_key(self.account_id, name) for name in names})
        if keys:
            self.session.execute(
                text(
                    "SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(:keys) AS k ORDER BY k) s"
                ).bindparams(bindparam("keys", type_=ARRAY(BIGINT))),
                {"keys": keys},
            )

    def match_natural_keys(
        self, *, companies: Iterable[str], contacts: Iterable[str]
    ) -> dict[tuple[str, str], int]:
        """The lowest id per natural key (docs/ivvy.md D24), keyed by ("company"|"contact", key)."""
        parts: list[Any] = []
        for kind, model, keys in (("company", Company, companies), ("contact", Contact, contacts)):
            key_list = sorted(set(keys))
            if key_list:
                parts.append(
                    select(literal(kind), model.natural_key, func.min(model.id))
                    .where(model.account_id == self.account_id, model.natural_key.in_(key_list))
                    .where(model.deleted_at.is_(None))
                    .group_by(model.natural_key)
                )
        if not parts:
            return {}
        return {
            (kind, key): row_id for kind, key, row_id in self.session.execute(union_all(*parts))
        }

    def lock_rows(self, model: type[T], ids: Iterable[int]) -> dict[int, T]:
        """Load rows for update, in id order, so concurrent writers lock them in the same order.

        NO KEY UPDATE, as an UPDATE takes, lets others keep inserting rows that refer to them.
        """
        id_list = sorted(set(ids))
        held = {i: self._locked[model, i] for i in id_list if (model, i) in self._locked}
        missing = [i for i in id_list if i not in held]
        if missing:
            query = (
                select(model)
                .where(model.account_id == self.account_id, model.id.in_(missing))
                .where(*live(model))
                .order_by(model.id)
                .with_for_update(key_share=True)  # FOR NO KEY UPDATE on PostgreSQL
                # A row read earlier in the session is refreshed to its locked state.
                .execution_options(populate_existing=True)
            )
            for row in self.session.scalars(query):
                held[row.id] = self._locked[model, row.id] = row
        return held

    def lock_opportunity(self, opportunity_id: int) -> Opportunity | None:
        """The opportunity, locked for this transaction, or None (also when deleted)."""
        return self.lock_rows(Opportunity, [opportunity_id]).get(opportunity_id)

    def add(self, row: T) -> T:
        """Insert a row of this account and return it with its id."""
        row.account_id = self.account_id
        self.session.add(row)
        self.session.flush()
        return row

    def add_all(self, rows: list[Tenant]) -> None:
        """Insert rows of this account (one batched statement per table)."""
        for row in rows:
            row.account_id = self.account_id
        self.session.add_all(rows)
        self.session.flush()

    def flush(self) -> None:
        """Send pending changes to the database."""
        self.session.flush()

    def link(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Make each (company, contact) pair a membership; existing ones stay as they are."""
        rows = [
            {"account_id": self.account_id, "company_id": company, "contact_id": contact}
            for company, contact in sorted(set(pairs))
        ]
        if rows:
            self.session.execute(insert(CompanyContact).on_conflict_do_nothing(), rows)

    def set_custom_values(self, entity: str, record_id: int, values: Mapping[int, Any]) -> None:
        """Write custom field values of one record; a None value removes that field's value."""
        keep = {k: v for k, v in values.items() if v is not None}
        drop = [k for k, v in values.items() if v is None]
        if keep:
            stmt = insert(CustomFieldValue)
            self.session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["account_id", "entity", "record_id", "field_id"],
                    set_={"value": stmt.excluded.value},
                ),
                [
                    {
                        "account_id": self.account_id,
                        "entity": entity,
                        "record_id": record_id,
                        "field_id": field_id,
                        "value": value,
                    }
                    for field_id, value in sorted(keep.items())
                ],
            )
        if drop:
            self.session.execute(
                delete(CustomFieldValue).where(
                    and_(
                        CustomFieldValue.account_id == self.account_id,
                        CustomFieldValue.entity == entity,
                        CustomFieldValue.record_id == record_id,
                        CustomFieldValue.field_id.in_(drop),
                    )
                )
            )
