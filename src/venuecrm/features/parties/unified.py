"""The unified CRM's companies and contacts: mapped onto the iVvy company and contact, written
by the same code as addOrUpdateCompany/addOrUpdateContact (docs/unified.md §7).

A body becomes the iVvy request it stands for, so every rule, natural-key match and custom field
check of the contact namespace holds; problems come back named with the CRM keys.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from venuecrm.errors import (
    CompanyNotFound,
    ContactNotFound,
    InvalidParameter,
    InvalidRequest,
    RecordNotFound,
)
from venuecrm.features.opportunities.unified_schemas import CustomField
from venuecrm.features.parties.contact_namespace import save_party
from venuecrm.features.parties.records import Crm
from venuecrm.features.parties.schemas import CompanyIn, ContactIn
from venuecrm.features.parties.unified_queries import (
    COMPANY_SORTS,
    CONTACT_SORTS,
    CrmParties,
    PartyQuery,
)
from venuecrm.features.parties.unified_schemas import (
    COMPANY_EXTRAS,
    CONTACT_EXTRAS,
    Company,
    CompanyInput,
    Contact,
    ContactInput,
    PartyAddress,
)
from venuecrm.features.problems import Problems
from venuecrm.features.reference.unified import Page, record_id
from venuecrm.platform.models import Company as CompanyRow
from venuecrm.platform.models import Contact as ContactRow
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.ivvy import path_id
from venuecrm.wire.parsing import BodyError, decode_object, describe, parse_lenient

B = TypeVar("B", CompanyInput, ContactInput)
# iVvy key to the CRM key it came from, per entity, to name problems as the client sent them.
_COMPANY_PATHS = {"businessName": "name", "primaryAccountManagerId": "owner_id",
                  "businessNumber": "vat_number", "industryId": "industry",
                  "website": "websites[0].url", "email": "emails[0].email",
                  "phone": "phone_numbers", "otherPhone": "phone_numbers",
                  "address": "addresses[0]", "customFields": "custom_fields"}  # fmt: skip
_CONTACT_PATHS = {"firstName": "first_name", "lastName": "last_name", "email": "emails[0].email",
                  "phone": "phone_numbers[0].number", "companies": "company_id",
                  "customFields": "custom_fields"}  # fmt: skip
# A contact's company_name is written as a company: its problems are named after the key.
_JOINED_PATHS = {"businessName": "company_name"}
_ADDRESS = {"line1": "line1", "line2": "line2", "line3": "line3", "line4": "line4", "city": "city",
            "postalCode": "postal_code", "countryCode": "country"}  # fmt: skip
_OTHER_PHONE, _FAX = {"secondary", "other"}, "fax"


def parse_body(model: type[B], body: bytes) -> B:
    """A company or contact body; 400 with every problem when it does not fit the schema."""
    try:
        return model.model_validate(decode_object(body))
    except BodyError as exc:
        raise InvalidRequest("Invalid Params", exc.problems) from None
    except ValidationError as exc:
        problems = [describe(error) for error in exc.errors(include_url=False)]
        raise InvalidRequest("Invalid Params", problems) from None


def _crm_path(problem: str, paths: Mapping[str, str]) -> str:
    """An iVvy ``path: reason`` named with the CRM key it came from."""
    path, _, reason = problem.partition(": ")
    head, dot, rest = path.partition(".")
    head, bracket, index = head.partition("[")
    if head == "address" and rest:
        return f"addresses[0].{_ADDRESS.get(rest, 'state')}: {reason}"
    rest = rest.replace("fieldValue", "value").replace("fieldId", "id")
    if head == "companies":  # a contact's one company_id stands for iVvy's list
        bracket = index = ""
    return paths.get(head, head) + bracket + index + dot + rest + ": " + reason


def _update_if_exists(body: CompanyInput | ContactInput) -> bool:
    """Natural-key matching is on unless ``pass_through`` for venuecrm turns it off."""
    for item in body.pass_through or []:
        if item.get("service_id") == "venuecrm":
            extend = item.get("extend_object") or {}
            if "update_if_exists" in extend:
                return bool(extend["update_if_exists"])
    return True


def _one(items: list[Any] | None, key: str, problems: Problems, what: str) -> Any:
    """The single value a list carries (None for none); more than one is a problem."""
    values = [getattr(item, key) for item in items or []]
    if len(values) > 1:
        problems.add(what, f"venuecrm keeps one per record; {len(values)} were given")
    return values[0] if values else None


def _custom_fields(
    crm: Crm, entity: str, items: list[CustomField], problems: Problems
) -> list[dict[str, Any]]:
    fields = []
    for index, item in enumerate(items):
        field_id: Any = item.id
        if field_id is None and item.name is not None:
            field_id = crm.id_named("custom_field", item.name, entity=entity)
            if field_id is None:
                problems.add(f"custom_fields[{index}].name", f"no {entity} field {item.name!r}")
        elif field_id is None:
            problems.add(f"custom_fields[{index}]", "give id or name")
        fields.append({"fieldId": field_id or 0, "value": item.value})
    return fields


def _company_data(crm: Crm, body: CompanyInput, problems: Problems) -> dict[str, Any]:
    """The addOrUpdateCompany request a CRM company body stands for."""
    sent, data = body.sent, dict[str, Any]()
    for crm_key, key in (("name", "businessName"), ("owner_id", "primaryAccountManagerId"),
                         ("vat_number", "businessNumber"), ("fax", "fax")):  # fmt: skip
        if sent(crm_key):
            data[key] = getattr(body, crm_key)
    if sent("industry"):
        found = body.industry and crm.id_named("industry", body.industry)
        if body.industry and found is None:
            problems.add("industry", f"no industry named {body.industry!r} in this account")
        data["industryId"] = found
    if sent("websites"):
        data["website"] = _one(body.websites, "url", problems, "websites")
    if sent("emails"):
        data["email"] = _one(body.emails, "email", problems, "emails")
    if sent("phone_numbers"):
        phones = body.phone_numbers or []
        slots = {"phone": [p for p in phones if (p.type or "") not in {*_OTHER_PHONE, _FAX}],
                 "otherPhone": [p for p in phones if p.type in _OTHER_PHONE],
                 "fax": [p for p in phones if p.type == _FAX]}  # fmt: skip
        for key, in_slot in slots.items():
            if key == "fax" and not in_slot and sent("fax"):
                continue
            number = _one(in_slot, "number", problems, "phone_numbers")
            if key == "fax" and sent("fax") and number != body.fax:
                problems.add("fax", "differs from the fax of phone_numbers")
            data[key] = number
    if sent("addresses"):
        _one(body.addresses, "type", problems, "addresses")
        data["address"] = _address(body.addresses[0]) if body.addresses else None
    if sent("custom_fields"):
        data["customFields"] = _custom_fields(crm, "company", body.custom_fields or [], problems)
    return data


def _address(item: PartyAddress) -> dict[str, Any]:
    """iVvy's address object: a short ``state`` is its code, a longer one its name."""
    address = {key: getattr(item, crm_key) for key, crm_key in _ADDRESS.items()}
    state = item.state
    address["stateCode" if state is not None and len(state) <= 3 else "stateName"] = state
    return {key: value for key, value in address.items() if value is not None}


def _contact_data(crm: Crm, body: ContactInput, problems: Problems) -> dict[str, Any]:
    """The addOrUpdateContact request a CRM contact body stands for."""
    sent, data = body.sent, dict[str, Any]()
    if sent("name") and not (sent("first_name") or sent("last_name")) and body.name:
        # The unified model's full name, when the parts are not given: the last word is the
        # last name, as most CRMs split it.
        first, _, last = body.name.strip().rpartition(" ")
        first, last = (first or last), (last if first else "")
        data.update(firstName=first, lastName=last)
    for crm_key, key in (("first_name", "firstName"), ("last_name", "lastName")):
        if sent(crm_key):
            data[key] = getattr(body, crm_key)
    if sent("emails"):
        data["email"] = _one(body.emails, "email", problems, "emails")
    if sent("phone_numbers"):
        data["phone"] = _one(body.phone_numbers, "number", problems, "phone_numbers")
    if body.company_id is not None:
        data["companies"] = [body.company_id]
    if body.opportunity_ids:
        problems.add("opportunity_ids", "set an opportunity's contact on the opportunity")
    if sent("custom_fields"):
        data["customFields"] = _custom_fields(crm, "contact", body.custom_fields or [], problems)
    return data


def _extras(body: BaseModel, names: tuple[str, ...]) -> dict[str, Any]:
    """The CRM-only keys sent, as JSON, to merge into what is kept."""
    sent = body.model_fields_set
    return body.model_dump(mode="json", include=set(names) & sent)


def save_company(
    uow: UnitOfWork,
    *,
    account_id: int,
    body: CompanyInput,
    company_id: str | None = None,
) -> str:
    """Create (or, by default, match by name) or update a company from a CRM body; its id."""
    with uow:
        crm = Crm(uow.session, account_id)
        problems = Problems()
        data = _company_data(crm, body, problems)
        if company_id is not None:
            data["id"] = record_id("company", company_id)
        else:
            data.setdefault("businessName", None)
            data["updateIfExists"] = _update_if_exists(body)
        saved = _write(crm, CompanyIn, data, problems, _COMPANY_PATHS, "company", company_id)
        _keep_extras(crm, CompanyRow, saved, _extras(body, COMPANY_EXTRAS))
        uow.commit()
    return str(saved)


def save_contact(
    uow: UnitOfWork,
    *,
    account_id: int,
    body: ContactInput,
    contact_id: str | None = None,
) -> str:
    """Create (or, by default, match by name and e-mail) or update a contact; its id.

    ``company_name`` names a company matched by name, or created, that the contact joins.
    """
    with uow:
        crm = Crm(uow.session, account_id)
        problems = Problems()
        existing = None
        if contact_id is not None:
            found = record_id("contact", contact_id)
            existing = crm.lock_rows(ContactRow, [found]).get(found)
            if existing is None:
                raise RecordNotFound("contact", contact_id)
        data = _contact_data(crm, body, problems)
        if existing is not None:
            data["id"] = existing.id
        else:
            data["updateIfExists"] = _update_if_exists(body)
        if body.company_id is None and body.company_name:
            company = {"businessName": body.company_name, "updateIfExists": True}
            joined = _write(crm, CompanyIn, company, problems, _JOINED_PATHS, "company", None)
            data["companies"] = [joined]
        saved = _write(crm, ContactIn, data, problems, _CONTACT_PATHS, "contact", contact_id)
        _keep_extras(crm, ContactRow, saved, _extras(body, CONTACT_EXTRAS))
        uow.commit()
    return str(saved)


def _write(
    crm: Crm,
    request: type[CompanyIn] | type[ContactIn],
    data: dict[str, Any],
    problems: Problems,
    paths: Mapping[str, str],
    entity: str,
    raw_id: str | None,
) -> int:
    """Write through the contact namespace's code; 422 naming every problem by its CRM key."""
    parsed = parse_lenient(request, data)
    for problem in parsed.problems:
        problems.add(*problem.split(": ", 1))
    saved = None
    if parsed.model is not None:
        try:
            saved = save_party(crm, parsed.model, problems, not_found=_not_found(entity))
        except (CompanyNotFound, ContactNotFound):
            raise RecordNotFound(entity, raw_id or "") from None
    if saved is None or problems:
        renamed = [_crm_path(p, paths) for p in problems.items]
        if problems.only_missing:
            # What the schema itself would have required: a bad request, as for a title.
            raise InvalidRequest("Invalid Params", renamed)
        raise InvalidParameter("Invalid State", renamed)
    return saved


def _not_found(entity: str) -> type[CompanyNotFound] | type[ContactNotFound]:
    return CompanyNotFound if entity == "company" else ContactNotFound


def _keep_extras(
    crm: Crm, model: type[CompanyRow] | type[ContactRow], record: int, extras: dict[str, Any]
) -> None:
    """Merge the CRM-only keys sent into the record's kept ones."""
    if extras:
        row = crm.lock_rows(model, [record])[record]
        row.crm_extras = {**(row.crm_extras or {}), **extras}
        crm.flush()


def delete_party(uow: UnitOfWork, *, account_id: int, entity: str, raw_id: str) -> str:
    """Soft-delete a company or contact no live opportunity names; 404 / 422 otherwise."""
    with uow:
        crm = Crm(uow.session, account_id)
        found = record_id(entity, raw_id)
        row: CompanyRow | ContactRow | None = (
            crm.lock_rows(CompanyRow, [found]).get(found)
            if entity == "company"
            else crm.lock_rows(ContactRow, [found]).get(found)
        )
        if row is None:
            raise RecordNotFound(entity, raw_id)
        parties = CrmParties(uow.session, account_id)
        used = parties.referenced_by_opportunities(entity, found)
        if used:
            raise InvalidParameter(
                "Invalid State",
                [f"id: {used} live opportunities name this {entity}; change or delete them first"],
            )
        parties.delete(row)
        uow.commit()
    return raw_id


# -- reads -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lists:
    sorts: Mapping[str, Any]
    filters: tuple[str, ...]


COMPANY_FILTERS = ("name", "updated_since", "created_since")
CONTACT_FILTERS = ("name", "first_name", "last_name", "email", "phone_number", "company_id",
                   "owner_id", "updated_since", "created_since")  # fmt: skip
_COMPANIES = _Lists(COMPANY_SORTS, COMPANY_FILTERS)
_CONTACTS = _Lists(CONTACT_SORTS, CONTACT_FILTERS)


def _query(resource: str, spec: _Lists, params: Iterable[tuple[str, str]]) -> PartyQuery:
    """``limit``, ``cursor``, ``filter[...]`` and ``sort[...]`` checked; 400 for any problem."""
    query, cursor, problems, seen = PartyQuery(), None, [], set()
    for key, value in params:
        if key in seen:
            problems.append(f"{key}: given more than once")
            continue
        seen.add(key)
        if key == "limit":
            if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 200:
                problems.append("limit: must be a whole number from 1 to 200")
            else:
                query.limit = int(value)
        elif key == "cursor":
            cursor = value or None
        elif key.startswith("filter[") and key.endswith("]"):
            _filter(resource, spec, query, key[7:-1], value, problems)
        elif key == "sort[by]":
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
    if problems:
        raise InvalidRequest("Invalid Params", problems)
    if cursor is not None:
        query.after = _decode(resource, query, cursor)
    return query


def _filter(
    resource: str, spec: _Lists, query: PartyQuery, name: str, value: str, problems: list[str]
) -> None:
    if name not in spec.filters:
        raise InvalidRequest(
            f"Unsupported filter: {name}",
            [f"filter[{name}]: unknown; the {resource} filters are: {', '.join(spec.filters)}"],
            type_name="UnsupportedFiltersError",
        )
    if name in ("updated_since", "created_since"):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            problems.append(f"filter[{name}]: must be an ISO 8601 date-time")
            return
        setattr(query, name, moment)
    elif name == "company_id":
        company_id = path_id(value)
        if company_id is None:
            problems.append("filter[company_id]: must be an id (digits)")
            return
        query.equals[name] = company_id
    else:
        query.equals[name] = value


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
        return f"{record.first_name} {record.last_name}".strip()
    if sort == "updated_at":
        return record.modified_at
    return getattr(record, sort)


def _encode(resource: str, query: PartyQuery, position: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in position]
    payload = {"r": resource, "sort": query.sort, "desc": query.descending, "after": plain}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def _decode(resource: str, query: PartyQuery, cursor: str) -> tuple[Any, ...]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if (payload["r"], payload["sort"], payload["desc"]) != (
            resource,
            query.sort,
            query.descending,
        ):
            raise ValueError("another list's cursor")
        after = list(payload["after"])
        if len(after) != (1 if query.sort is None else 3) or not isinstance(after[-1], int):
            raise ValueError("malformed position")
        if query.sort in ("created_at", "updated_at") and after[1] is not None:
            after[1] = datetime.fromisoformat(after[1])
        return tuple(after)
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidRequest(
            "Invalid cursor",
            ["cursor: not a cursor of this list (take it from meta.cursors.next)"],
            type_name="InvalidCursorError",
        ) from None


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _custom(values: list[dict[str, Any]] | None) -> list[CustomField]:
    return [
        CustomField(id=str(v["fieldId"]), name=v["displayName"], value=v["value"])
        for v in values or []
    ]


def _str(value: int | None) -> str | None:
    return None if value is None else str(value)


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
        owner_id=_str(c.primary_account_manager_id), vat_number=c.business_number, fax=c.fax,
        industry=row[1],
        websites=[{"id": None, "url": c.website, "type": "primary"}] if c.website else [],
        addresses=addresses,
        phone_numbers=[{"id": None, "number": number, "country_code": None, "area_code": None,
                        "extension": None, "type": kind} for number, kind in phones if number],
        emails=[{"id": None, "email": c.email, "type": "primary"}] if c.email else [],
        custom_fields=_custom(row[2]), read_only=None, last_activity_at=None, deleted=False,
        custom_mappings=None, updated_by=None, created_by=None, updated_at=_utc(c.modified_at),
        created_at=_utc(c.created_at), pass_through=[],
    )  # fmt: skip


def to_contact(row: Any) -> Contact:
    """A contact row (with its first company, opportunities, custom values) as ``Contact``."""
    c: ContactRow = row[0]
    extras = {key: (c.crm_extras or {}).get(key) for key in CONTACT_EXTRAS}
    name = f"{c.first_name} {c.last_name}".strip() or None
    return Contact(
        **{**extras, "birthday": _birthday(extras), "websites": extras["websites"] or [],
           "addresses": extras["addresses"] or [], "social_links": extras["social_links"] or []},
        id=str(c.id), name=name, company_id=_str(row[1]), company_name=row[2],
        first_name=c.first_name or None, last_name=c.last_name or None,
        phone_numbers=[{"id": None, "number": c.phone, "country_code": None, "area_code": None,
                        "extension": None, "type": "primary"}] if c.phone else [],
        emails=[{"id": None, "email": c.email, "type": "primary"}] if c.email else [],
        email_domain=c.email.rpartition("@")[2] or None if c.email else None,
        custom_fields=_custom(row[4]), first_call_at=None, first_email_at=None,
        last_activity_at=None, custom_mappings=None, updated_at=_utc(c.modified_at),
        created_at=_utc(c.created_at), opportunity_ids=[str(i) for i in row[3] or []],
        pass_through=[],
    )  # fmt: skip


def list_companies(
    uow: UnitOfWork, *, account_id: int, params: Iterable[tuple[str, str]]
) -> Page[Company]:
    """A page of the account's companies."""
    query = _query("companies", _COMPANIES, params)
    with uow:
        rows, total, more = CrmParties(uow.session, account_id).companies(query)
        cursor = _encode("companies", query, _position(rows[-1], query.sort)) if more else None
        return Page([to_company(r) for r in rows], total, cursor)


def list_contacts(
    uow: UnitOfWork, *, account_id: int, params: Iterable[tuple[str, str]]
) -> Page[Contact]:
    """A page of the account's contacts."""
    query = _query("contacts", _CONTACTS, params)
    with uow:
        rows, total, more = CrmParties(uow.session, account_id).contacts(query)
        cursor = _encode("contacts", query, _position(rows[-1], query.sort)) if more else None
        return Page([to_contact(r) for r in rows], total, cursor)


def get_company(uow: UnitOfWork, *, account_id: int, company_id: str) -> Company:
    """One live company of the account; 404 otherwise."""
    with uow:
        row = CrmParties(uow.session, account_id).company(record_id("company", company_id))
        if row is None:
            raise RecordNotFound("company", company_id)
        return to_company(row)


def get_contact(uow: UnitOfWork, *, account_id: int, contact_id: str) -> Contact:
    """One live contact of the account; 404 otherwise."""
    with uow:
        row = CrmParties(uow.session, account_id).contact(record_id("contact", contact_id))
        if row is None:
            raise RecordNotFound("contact", contact_id)
        return to_contact(row)
