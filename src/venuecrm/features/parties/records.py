"""Repository of an account's CRM records: opportunities, companies, contacts, custom values.

Reads are shaped for few round trips: every id a request names is checked in one query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    delete,
    exists,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT, insert
from sqlalchemy.orm import Session

from venuecrm.platform.base import Tenant
from venuecrm.platform.json_sql import json_array, json_object
from venuecrm.platform.models import (
    AccountSettings,
    Company,
    CompanyContact,
    Contact,
    CustomFieldDefinition,
    CustomFieldValue,
    Industry,
    LeadChannel,
    LeadQuality,
    LeadSource,
    LeadStage,
    LeadStageReason,
    LeadSubtype,
    LeadType,
    LostReason,
    Opportunity,
    User,
    Venue,
)
from venuecrm.platform.repositories import T


@dataclass(frozen=True, slots=True)
class Definition:
    """A custom field definition, as validation needs it."""

    id: int
    entity: str
    field_type: int
    display_name: str
    is_required: bool
    is_active: bool
    select_values: dict[str, Any] | None


@dataclass
class References:
    """What the account holds for the ids a request names: ``rows[kind][id]`` is its attributes."""

    rows: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    definitions: dict[int, Definition] = field(default_factory=dict)
    default_stage_id: int | None = None

    def get(self, kind: str, row_id: int) -> dict[str, Any] | None:
        """Attributes of the ``kind`` row with this id, or None when the account has none."""
        return self.rows.get(kind, {}).get(row_id)


def _active(model: type[Tenant]) -> dict[str, ColumnElement[Any]]:
    return {"active": model.is_active}  # type: ignore[attr-defined]


_ACCOUNT = bindparam("account_id", type_=Integer)


def _reference_queries() -> dict[str, tuple[type[Tenant], dict[str, Any]]]:
    """Per kind: the table and the attributes a rule needs of its rows."""
    linked_companies = json_array(
        CompanyContact.company_id,
        (CompanyContact.account_id == _ACCOUNT, CompanyContact.contact_id == Contact.id),
    )
    has_subtypes = exists().where(
        LeadSubtype.account_id == LeadType.account_id,
        LeadSubtype.type_id == LeadType.id,
        LeadSubtype.is_active,
    )
    return {
        "venue": (Venue, _active(Venue)),
        "user": (User, _active(User)),
        "type": (LeadType, {**_active(LeadType), "has_subtypes": has_subtypes}),
        "subtype": (LeadSubtype, {**_active(LeadSubtype), "type_id": LeadSubtype.type_id}),
        "source": (LeadSource, {**_active(LeadSource), "is_referral": LeadSource.is_referral}),
        "stage": (LeadStage, {**_active(LeadStage), "apply_to": LeadStage.apply_to}),
        "stage_reason": (
            LeadStageReason,
            {**_active(LeadStageReason), "stage_id": LeadStageReason.stage_id},
        ),
        "channel": (LeadChannel, _active(LeadChannel)),
        "quality": (LeadQuality, _active(LeadQuality)),
        "industry": (Industry, _active(Industry)),
        "lost_reason": (LostReason, _active(LostReason)),
        "company": (Company, {"active": literal(True)}),
        "contact": (Contact, {"active": literal(True), "company_ids": linked_companies}),
    }


@lru_cache(maxsize=512)
def _references_statement(kinds: tuple[str, ...], entities: tuple[str, ...]) -> Any:
    """The one query ``Crm.references`` runs, built once per combination of kinds.

    Ids and the account are bound parameters, so a hot path does not rebuild the expression.
    """
    queries = _reference_queries()
    parts: list[Any] = []
    for kind in kinds:
        model, attributes = queries[kind]
        attrs = json_object(attributes)
        ids = bindparam(f"ids_{kind}", type_=ARRAY(Integer))
        parts.append(
            select(literal(kind).label("kind"), model.id.label("id"), attrs.label("attrs")).where(
                model.account_id == _ACCOUNT, model.id == any_(ids), *_live(model)
            )
        )
    if entities:
        d = CustomFieldDefinition
        parts.append(
            select(
                literal("definition"),
                d.id,
                json_object({
                    "entity": d.entity, "field_type": d.field_type,
                    "display_name": d.display_name, "is_required": d.is_required,
                    "is_active": d.is_active, "select_values": d.select_values,
                }),
            ).where(d.account_id == _ACCOUNT, d.entity == any_(bindparam("entities",
                                                                         type_=ARRAY(String))))
        )  # fmt: skip
    s = AccountSettings
    parts.append(
        select(
            literal("settings"),
            s.account_id,
            json_object({"default_stage_id": s.default_stage_id}),
        ).where(s.account_id == _ACCOUNT)
    )
    return union_all(*parts)


def _live(model: type[Tenant]) -> list[ColumnElement[bool]]:
    """A soft-deleted opportunity, company or contact is not there for any rule or write."""
    deleted = getattr(model, "deleted_at", None)
    return [] if deleted is None else [deleted.is_(None)]


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


class Crm:
    """An account's CRM records; every query is filtered by the account."""

    def __init__(self, session: Session, account_id: int) -> None:
        self.session = session
        self.account_id = account_id
        # Rows this transaction already holds locked: locking one again needs no query.
        self._locked: dict[tuple[type[Tenant], int], Any] = {}

    def references(
        self, wanted: Mapping[str, Iterable[int]], *, definitions_for: Iterable[str] = ()
    ) -> References:
        """Every named id's row, the custom field definitions and the defaults, in one query."""
        ids = {kind: sorted(set(values)) for kind, values in wanted.items()}
        kinds = tuple(sorted(kind for kind, values in ids.items() if values))
        entities = tuple(sorted(set(definitions_for)))
        params: dict[str, Any] = {"account_id": self.account_id, "entities": list(entities)}
        params.update({f"ids_{kind}": ids[kind] for kind in kinds})
        refs = References()
        for kind, row_id, attrs in self.session.execute(
            _references_statement(kinds, entities), params
        ):
            if kind == "settings":
                refs.default_stage_id = attrs["default_stage_id"]
            elif kind == "definition":
                refs.definitions[row_id] = Definition(id=row_id, **attrs)
            else:
                refs.rows.setdefault(kind, {})[row_id] = attrs
        return refs

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

    def id_named(self, kind: str, name: str, *, entity: str = "opportunity") -> int | None:
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
                .where(*_live(model))
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
