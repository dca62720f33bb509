"""What a write checks its named ids against, read in one query: each referenced row's
attributes, the custom field definitions and the account's defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    any_,
    bindparam,
    exists,
    literal,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from venuecrm.features.problems import Problems
from venuecrm.platform import models as m
from venuecrm.platform.base import Tenant
from venuecrm.platform.json_sql import json_array, json_object


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
        m.CompanyContact.company_id,
        (m.CompanyContact.account_id == _ACCOUNT, m.CompanyContact.contact_id == m.Contact.id),
    )
    has_subtypes = exists().where(
        m.LeadSubtype.account_id == m.LeadType.account_id,
        m.LeadSubtype.type_id == m.LeadType.id,
        m.LeadSubtype.is_active,
    )
    return {
        "venue": (m.Venue, _active(m.Venue)),
        "user": (m.User, _active(m.User)),
        "type": (m.LeadType, {**_active(m.LeadType), "has_subtypes": has_subtypes}),
        "subtype": (m.LeadSubtype, {**_active(m.LeadSubtype), "type_id": m.LeadSubtype.type_id}),
        "source": (
            m.LeadSource,
            {**_active(m.LeadSource), "is_referral": m.LeadSource.is_referral},
        ),
        "stage": (m.LeadStage, {**_active(m.LeadStage), "apply_to": m.LeadStage.apply_to}),
        "stage_reason": (
            m.LeadStageReason,
            {**_active(m.LeadStageReason), "stage_id": m.LeadStageReason.stage_id},
        ),
        "channel": (m.LeadChannel, _active(m.LeadChannel)),
        "quality": (m.LeadQuality, _active(m.LeadQuality)),
        "industry": (m.Industry, _active(m.Industry)),
        "lost_reason": (m.LostReason, _active(m.LostReason)),
        "company": (m.Company, {"active": literal(True)}),
        "contact": (m.Contact, {"active": literal(True), "company_ids": linked_companies}),
    }


# Kinds that are an account's records, read per request; every other kind is configuration,
# read once per configuration version (``Lookups``).
RECORD_KINDS = ("company", "contact")


@dataclass(frozen=True, slots=True)
class Lookups:
    """An account's configuration as the rules need it, cached per process (``load_lookups``)."""

    rows: dict[str, dict[int, dict[str, Any]]]
    definitions: dict[int, Definition]
    default_stage_id: int | None


@lru_cache(maxsize=1)
def _lookups_statement() -> Any:
    """Every lookup row of an account, every custom field definition and the defaults."""
    parts: list[Any] = []
    for kind, (model, attributes) in _reference_queries().items():
        if kind not in RECORD_KINDS:
            parts.append(
                select(literal(kind).label("kind"), model.id.label("id"),
                       json_object(attributes).label("attrs"))
                .where(model.account_id == _ACCOUNT)
            )  # fmt: skip
    d = m.CustomFieldDefinition
    parts.append(
        select(
            literal("definition"),
            d.id,
            json_object({
                "entity": d.entity, "field_type": d.field_type,
                "display_name": d.display_name, "is_required": d.is_required,
                "is_active": d.is_active, "select_values": d.select_values,
            }),
        ).where(d.account_id == _ACCOUNT)
    )  # fmt: skip
    s = m.AccountSettings
    parts.append(
        select(
            literal("settings"),
            s.account_id,
            json_object({"default_stage_id": s.default_stage_id}),
        ).where(s.account_id == _ACCOUNT)
    )
    return union_all(*parts)


def load_lookups(session: Session, account_id: int) -> Lookups:
    """The account's lookups, definitions and default stage, in one query."""
    rows: dict[str, dict[int, dict[str, Any]]] = {}
    definitions: dict[int, Definition] = {}
    default_stage_id = None
    for kind, row_id, attrs in session.execute(_lookups_statement(), {"account_id": account_id}):
        if kind == "settings":
            default_stage_id = attrs["default_stage_id"]
        elif kind == "definition":
            definitions[row_id] = Definition(id=row_id, **attrs)
        else:
            rows.setdefault(kind, {})[row_id] = attrs
    return Lookups(rows, definitions, default_stage_id)


@lru_cache(maxsize=4)
def _records_statement(kinds: tuple[str, ...]) -> Any:
    """The companies and contacts a request names, built once per combination of kinds."""
    queries = _reference_queries()
    parts: list[Any] = []
    for kind in kinds:
        model, attributes = queries[kind]
        ids = bindparam(f"ids_{kind}", type_=ARRAY(Integer))
        parts.append(
            select(literal(kind).label("kind"), model.id.label("id"),
                   json_object(attributes).label("attrs"))
            .where(model.account_id == _ACCOUNT, model.id == any_(ids), *live(model))
        )  # fmt: skip
    return union_all(*parts) if len(parts) > 1 else parts[0]


def live(model: type[Tenant]) -> list[ColumnElement[bool]]:
    """A soft-deleted opportunity, company or contact is not there for any rule or write."""
    deleted = getattr(model, "deleted_at", None)
    return [] if deleted is None else [deleted.is_(None)]


def load_references(
    session: Session, account_id: int, wanted: Mapping[str, Iterable[int]], lookups: Lookups
) -> References:
    """What the rules check ``wanted`` ids against: the account's ``lookups``, and the
    companies and contacts named, read in one query (none when no record is named)."""
    refs = References(dict(lookups.rows), lookups.definitions, lookups.default_stage_id)
    ids = {kind: sorted(set(wanted.get(kind, ()))) for kind in RECORD_KINDS}
    kinds = tuple(kind for kind in RECORD_KINDS if ids[kind])
    if kinds:
        params: dict[str, Any] = {"account_id": account_id}
        params.update({f"ids_{kind}": ids[kind] for kind in kinds})
        for kind, row_id, attrs in session.execute(_records_statement(kinds), params):
            refs.rows.setdefault(kind, {})[row_id] = attrs
    return refs


def check_reference(
    refs: References, problems: Problems, *, kind: str, value: int | None, path: str
) -> None:
    """A named id must be a record of the account, and active (docs/ivvy.md D19)."""
    if value is None:
        return
    row = refs.get(kind, value)
    if row is None:
        problems.add(path, f"no {kind.replace('_', ' ')} {value} in this account")
    elif not row["active"]:
        problems.add(path, f"{kind.replace('_', ' ')} {value} is inactive")
