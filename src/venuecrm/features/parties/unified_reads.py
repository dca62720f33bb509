"""The unified CRM's companies and contacts as read: lists (filtered, sorted, keyset-paged)
and single records, mapped from the iVvy rows (docs/unified.md §7)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, TypeVar

from venuecrm.errors import InvalidRequest, RecordNotFound
from venuecrm.features.parties.unified_models import (
    Company,
    Contact,
)
from venuecrm.features.parties.unified_queries import (
    COMPANIES,
    CONTACTS,
    CrmParties,
    PartyList,
    PartyQuery,
)
from venuecrm.features.parties.unified_schemas import (
    COMPANY_EXTRAS,
    CONTACT_EXTRAS,
    PartyAddress,
)
from venuecrm.features.unified_lists import (
    Page,
    decode_cursor,
    encode_cursor,
    plain,
    position,
    read_params,
    record_id,
    str_id,
    utc,
)
from venuecrm.platform.models import Company as CompanyRow
from venuecrm.platform.models import Contact as ContactRow
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.unified import CustomField

T = TypeVar("T")


def _query(spec: PartyList, params: Iterable[tuple[str, str]]) -> PartyQuery:
    """``limit``, ``cursor``, ``filter[...]`` and ``sort[...]`` checked; 400 for any problem."""
    query = PartyQuery()

    def sort(key: str, value: str, problems: list[str]) -> None:
        if key == "sort[by]":
            if value not in spec.sorts:
                raise InvalidRequest(
                    f"Unsupported sort: {value}",
                    [f"sort[by]: one of {', '.join(spec.sorts)}"],
                    type_name="UnsupportedSortFieldError",
                )
            query.sort = value
        elif key == "sort[direction]":
            if value not in ("asc", "desc"):
                problems.append("sort[direction]: asc or desc")
            query.descending = value == "desc"

    read = read_params(spec.resource, params, spec.filters, sort=sort)
    query.limit, query.conditions = read.limit, read.conditions
    if read.cursor is not None:
        query.after = _decode(spec, query, read.cursor)
    return query


def _position(row: Any, sort: str | None) -> list[Any]:
    record = row[0]
    if sort is None:
        return [record.id]
    value = _sort_value(record, sort)
    return [int(value is None), value, record.id]


def _sort_value(record: Any, sort: str) -> Any:
    if sort == "name":
        if isinstance(record, CompanyRow):
            return record.business_name
        # Exactly the SQL sort key, trim(concat(first, ' ', last)): a cursor that differed from
        # it (None as "None", tabs stripped) would skip or repeat rows across pages.
        return f"{record.first_name or ''} {record.last_name or ''}".strip(" ")
    if sort == "updated_at":
        return record.modified_at
    return getattr(record, sort)


def _encode(spec: PartyList, query: PartyQuery, row: Any) -> str:
    after = [plain(v) for v in _position(row, query.sort)]
    return encode_cursor(
        {"r": spec.resource, "sort": query.sort, "desc": query.descending, "after": after}
    )


def _decode(spec: PartyList, query: PartyQuery, cursor: str) -> tuple[Any, ...]:
    def read(payload: dict[str, Any]) -> tuple[Any, ...]:
        if (payload["r"], payload["sort"], payload["desc"]) != (
            spec.resource,
            query.sort,
            query.descending,
        ):
            raise ValueError("another list's cursor")
        return position(list(payload["after"]), spec.sorts[query.sort] if query.sort else None)

    return decode_cursor(cursor, read)


def _custom(values: list[dict[str, Any]] | None) -> list[CustomField]:
    return [
        CustomField(id=str(v["fieldId"]), name=v["displayName"], value=v["value"])
        for v in values or []
    ]


def _birthday(extras: dict[str, Any]) -> date | None:
    value = extras.get("birthday")
    return date.fromisoformat(value) if value else None


def to_company(row: Any) -> Company:
    """A company row (with its industry's name and custom values) as the CRM ``Company``."""
    c: CompanyRow = row[0]
    extras = {key: (c.crm_extras or {}).get(key) for key in COMPANY_EXTRAS}
    phones = [(c.phone, "primary"), (c.other_phone, "other"), (c.fax, "fax")]
    address = c.address or {}
    addresses = []
    if address:
        addresses.append(PartyAddress(
            type="primary", line1=address.get("line1"), line2=address.get("line2"),
            line3=address.get("line3"), line4=address.get("line4"), city=address.get("city"),
            state=address.get("stateCode") or address.get("stateName"),
            postal_code=address.get("postalCode"), country=address.get("countryCode"),
        ).model_dump())  # fmt: skip
    return Company(
        **{**extras, "birthday": _birthday(extras), "bank_accounts": extras["bank_accounts"] or [],
           "social_links": extras["social_links"] or []},
        id=str(c.id), name=c.business_name, interaction_count=None,
        owner_id=str_id(c.primary_account_manager_id), vat_number=c.business_number, fax=c.fax,
        industry=row[1],
        websites=[{"id": None, "url": c.website, "type": "primary"}] if c.website else [],
        addresses=addresses,
        phone_numbers=[{"id": None, "number": number, "country_code": None, "area_code": None,
                        "extension": None, "type": kind} for number, kind in phones if number],
        emails=[{"id": None, "email": c.email, "type": "primary"}] if c.email else [],
        custom_fields=_custom(row[2]), read_only=None, last_activity_at=None, deleted=False,
        custom_mappings=None, updated_by=None, created_by=None, updated_at=utc(c.modified_at),
        created_at=utc(c.created_at), pass_through=[],
    )  # fmt: skip


def to_contact(row: Any) -> Contact:
    """A contact row (with its first company, opportunities, custom values) as ``Contact``."""
    c: ContactRow = row[0]
    extras = {key: (c.crm_extras or {}).get(key) for key in CONTACT_EXTRAS}
    name = f"{c.first_name} {c.last_name}".strip() or None
    return Contact(
        **{**extras, "birthday": _birthday(extras), "websites": extras["websites"] or [],
           "addresses": extras["addresses"] or [], "social_links": extras["social_links"] or []},
        id=str(c.id), name=name, company_id=str_id(row[1]), company_name=row[2],
        first_name=c.first_name or None, last_name=c.last_name or None,
        phone_numbers=[{"id": None, "number": c.phone, "country_code": None, "area_code": None,
                        "extension": None, "type": "primary"}] if c.phone else [],
        emails=[{"id": None, "email": c.email, "type": "primary"}] if c.email else [],
        email_domain=c.email.rpartition("@")[2] or None if c.email else None,
        custom_fields=_custom(row[4]), first_call_at=None, first_email_at=None,
        last_activity_at=None, custom_mappings=None, updated_at=utc(c.modified_at),
        created_at=utc(c.created_at), opportunity_ids=[str(i) for i in row[3] or []],
        pass_through=[],
    )  # fmt: skip


def _list(
    uow: UnitOfWork,
    spec: PartyList,
    item: Callable[[Any], T],
    *,
    account_id: int,
    params: Iterable[tuple[str, str]],
) -> Page[T]:
    query = _query(spec, params)
    with uow:
        rows, total, more = CrmParties(uow.session, account_id).page(spec, query)
        cursor = _encode(spec, query, rows[-1]) if more else None
        return Page([item(r) for r in rows], total, cursor)


def _one(uow: UnitOfWork, spec: PartyList, item: Callable[[Any], T], *, account_id: int,
         record: str) -> T:  # fmt: skip
    with uow:
        row = CrmParties(uow.session, account_id).one(spec, record_id(spec.entity, raw=record))
        if row is None:
            raise RecordNotFound(spec.entity, record)
        return item(row)


def list_companies(
    uow: UnitOfWork, *, account_id: int, params: Iterable[tuple[str, str]]
) -> Page[Company]:
    """A page of the account's companies."""
    return _list(uow, COMPANIES, to_company, account_id=account_id, params=params)


def get_company(uow: UnitOfWork, *, account_id: int, record: str) -> Company:
    """One live company of the account; 404 otherwise."""
    return _one(uow, COMPANIES, to_company, account_id=account_id, record=record)


def list_contacts(
    uow: UnitOfWork, *, account_id: int, params: Iterable[tuple[str, str]]
) -> Page[Contact]:
    """A page of the account's contacts."""
    return _list(uow, CONTACTS, to_contact, account_id=account_id, params=params)


def get_contact(uow: UnitOfWork, *, account_id: int, record: str) -> Contact:
    """One live contact of the account; 404 otherwise."""
    return _one(uow, CONTACTS, to_contact, account_id=account_id, record=record)
