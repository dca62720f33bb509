"""The unified CRM's companies and contacts: mapped onto the iVvy company and contact, written
by the same code as addOrUpdateCompany/addOrUpdateContact (docs/unified.md §7).

A body becomes the iVvy request it stands for, so every rule, natural-key match and custom field
check of the contact namespace holds; problems come back named with the CRM keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from venuecrm.errors import (
    CompanyNotFound,
    ContactNotFound,
    InvalidParameter,
    InvalidRequest,
    RecordNotFound,
)
from venuecrm.features.accounts.service import Credentials
from venuecrm.features.parties.contact_namespace import save_party
from venuecrm.features.parties.records import Records
from venuecrm.features.parties.schemas import CompanyIn, ContactIn
from venuecrm.features.parties.unified_queries import (
    CrmParties,
)
from venuecrm.features.parties.unified_schemas import (
    COMPANY_EXTRAS,
    CONTACT_EXTRAS,
    CompanyInput,
    ContactInput,
    PartyAddress,
)
from venuecrm.features.problems import Problems
from venuecrm.features.unified_lists import record_id
from venuecrm.platform.models import Company as CompanyRow
from venuecrm.platform.models import Contact as ContactRow
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.parsing import parse_lenient
from venuecrm.wire.unified import CustomField

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
    records: Records, entity: str, items: list[CustomField], problems: Problems
) -> list[dict[str, Any]]:
    fields = []
    for index, item in enumerate(items):
        field_id: Any = item.id
        if field_id is None and item.name is not None:
            field_id = records.id_named("custom_field", item.name, entity=entity)
            if field_id is None:
                problems.add(f"custom_fields[{index}].name", f"no {entity} field {item.name!r}")
        elif field_id is None:
            problems.add(f"custom_fields[{index}]", "give id or name")
        fields.append({"fieldId": field_id or 0, "value": item.value})
    return fields


def _company_data(records: Records, body: CompanyInput, problems: Problems) -> dict[str, Any]:
    """The addOrUpdateCompany request a CRM company body stands for."""
    sent, data = body.sent, dict[str, Any]()
    for crm_key, key in (("name", "businessName"), ("owner_id", "primaryAccountManagerId"),
                         ("vat_number", "businessNumber"), ("fax", "fax")):  # fmt: skip
        if sent(crm_key):
            data[key] = getattr(body, crm_key)
    if sent("industry"):
        found = body.industry and records.id_named("industry", body.industry)
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
        data["customFields"] = _custom_fields(
            records, "company", body.custom_fields or [], problems
        )
    return data


def _address(item: PartyAddress) -> dict[str, Any]:
    """iVvy's address object: a short ``state`` is its code, a longer one its name."""
    address = {key: getattr(item, crm_key) for key, crm_key in _ADDRESS.items()}
    state = item.state
    address["stateCode" if state is not None and len(state) <= 3 else "stateName"] = state
    return {key: value for key, value in address.items() if value is not None}


def _contact_data(records: Records, body: ContactInput, problems: Problems) -> dict[str, Any]:
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
        data["customFields"] = _custom_fields(
            records, "contact", body.custom_fields or [], problems
        )
    return data


def _extras(body: BaseModel, names: tuple[str, ...]) -> dict[str, Any]:
    """The CRM-only keys sent, as JSON, to merge into what is kept."""
    sent = body.model_fields_set
    return body.model_dump(mode="json", include=set(names) & sent)


def save_company(
    uow: UnitOfWork,
    *,
    who: Credentials,
    body: CompanyInput,
    record: str | None = None,
) -> str:
    """Create (or, by default, match by name) or update a company from a CRM body; its id."""
    with uow:
        records = Records(uow.session, who.account_id)
        problems = Problems()
        data = _company_data(records, body, problems)
        if record is not None:
            data["id"] = record_id("company", record)
        else:
            data.setdefault("businessName", None)
            data["updateIfExists"] = _update_if_exists(body)
        saved = _write(records, CompanyIn, data, problems, _COMPANY_PATHS, "company", record)
        _keep_extras(records, CompanyRow, saved, _extras(body, COMPANY_EXTRAS))
        uow.commit()
    return str(saved)


def save_contact(
    uow: UnitOfWork,
    *,
    who: Credentials,
    body: ContactInput,
    record: str | None = None,
) -> str:
    """Create (or, by default, match by name and e-mail) or update a contact; its id.

    ``company_name`` names a company matched by name, or created, that the contact joins.
    """
    with uow:
        records = Records(uow.session, who.account_id)
        problems = Problems()
        existing = None
        if record is not None:
            found = record_id("contact", record)
            existing = records.lock_rows(ContactRow, [found]).get(found)
            if existing is None:
                raise RecordNotFound("contact", record)
        data = _contact_data(records, body, problems)
        if existing is not None:
            data["id"] = existing.id
        else:
            data["updateIfExists"] = _update_if_exists(body)
        if body.company_id is None and body.company_name:
            company = {"businessName": body.company_name, "updateIfExists": True}
            joined = _write(records, CompanyIn, company, problems, _JOINED_PATHS, "company", None)
            data["companies"] = [joined]
        saved = _write(records, ContactIn, data, problems, _CONTACT_PATHS, "contact", record)
        _keep_extras(records, ContactRow, saved, _extras(body, CONTACT_EXTRAS))
        uow.commit()
    return str(saved)


def _write(
    records: Records,
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
            saved = save_party(records, parsed.model, problems, not_found=_not_found(entity))
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
    records: Records,
    model: type[CompanyRow] | type[ContactRow],
    record: int,
    extras: dict[str, Any],
) -> None:
    """Merge the CRM-only keys sent into the record's kept ones."""
    if extras:
        row = records.lock_rows(model, [record])[record]
        row.crm_extras = {**(row.crm_extras or {}), **extras}
        records.flush()


def _delete(uow: UnitOfWork, *, who: Credentials, entity: str, record: str) -> str:
    """Soft-delete a company or contact no live opportunity names; 404 / 422 otherwise."""
    with uow:
        records = Records(uow.session, who.account_id)
        found = record_id(entity, record)
        row: CompanyRow | ContactRow | None = (
            records.lock_rows(CompanyRow, [found]).get(found)
            if entity == "company"
            else records.lock_rows(ContactRow, [found]).get(found)
        )
        if row is None:
            raise RecordNotFound(entity, record)
        parties = CrmParties(uow.session, who.account_id)
        used = parties.referenced_by_opportunities(entity, found)
        if used:
            raise InvalidParameter(
                "Invalid State",
                [f"id: {used} live opportunities name this {entity}; change or delete them first"],
            )
        parties.delete(row)
        uow.commit()
    return record


def delete_company(uow: UnitOfWork, *, who: Credentials, record: str) -> str:
    """Soft-delete a company no live opportunity names; 404 / 422 otherwise."""
    return _delete(uow, who=who, entity="company", record=record)


def delete_contact(uow: UnitOfWork, *, who: Credentials, record: str) -> str:
    """Soft-delete a contact no live opportunity names; 404 / 422 otherwise."""
    return _delete(uow, who=who, entity="contact", record=record)
