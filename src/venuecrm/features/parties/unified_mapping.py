"""A unified CRM company or contact body as the addOrUpdateCompany/addOrUpdateContact request
it stands for, and the iVvy problem paths named back with the CRM keys (docs/unified.md §7).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from venuecrm.features.parties.records import Records
from venuecrm.features.parties.unified_schemas import CompanyInput, ContactInput, PartyAddress
from venuecrm.features.problems import Problems
from venuecrm.wire.unified import CustomField

# iVvy key to the CRM key it came from, per entity, to name problems as the client sent them.
COMPANY_PATHS = {"businessName": "name", "primaryAccountManagerId": "owner_id",
                  "businessNumber": "vat_number", "industryId": "industry",
                  "website": "websites[0].url", "email": "emails[0].email",
                  "phone": "phone_numbers", "otherPhone": "phone_numbers",
                  "address": "addresses[0]", "customFields": "custom_fields"}  # fmt: skip
CONTACT_PATHS = {"firstName": "first_name", "lastName": "last_name", "email": "emails[0].email",
                  "phone": "phone_numbers[0].number", "companies": "company_id",
                  "customFields": "custom_fields"}  # fmt: skip
# A contact's company_name is written as a company: its problems are named after the key.
JOINED_PATHS = {"businessName": "company_name"}
_ADDRESS = {"line1": "line1", "line2": "line2", "line3": "line3", "line4": "line4", "city": "city",
            "postalCode": "postal_code", "countryCode": "country"}  # fmt: skip
_OTHER_PHONE, _FAX = {"secondary", "other"}, "fax"


def crm_path(problem: str, paths: Mapping[str, str]) -> str:
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


def update_if_exists(body: CompanyInput | ContactInput) -> bool:
    """Natural-key matching is on unless ``pass_through`` for venuecrm turns it off."""
    for item in body.pass_through or []:
        if item.get("service_id") == "venuecrm":
            extend = item.get("extend_object") or {}
            if "update_if_exists" in extend:
                return bool(extend["update_if_exists"])
    return True


def _one(items: list[Any] | None, problems: Problems, *, key: str, what: str) -> Any:
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
            field_id = records.id_named("custom_field", name=item.name, entity=entity)
            if field_id is None:
                problems.add(f"custom_fields[{index}].name", f"no {entity} field {item.name!r}")
        elif field_id is None:
            problems.add(f"custom_fields[{index}]", "give id or name")
        fields.append({"fieldId": field_id or 0, "value": item.value})
    return fields


def company_data(records: Records, body: CompanyInput, problems: Problems) -> dict[str, Any]:
    """The addOrUpdateCompany request a CRM company body stands for."""
    sent, data = body.sent, dict[str, Any]()
    for crm_key, key in (("name", "businessName"), ("owner_id", "primaryAccountManagerId"),
                         ("vat_number", "businessNumber"), ("fax", "fax")):  # fmt: skip
        if sent(crm_key):
            data[key] = getattr(body, crm_key)
    if sent("industry"):
        found = body.industry and records.id_named("industry", name=body.industry)
        if body.industry and found is None:
            problems.add("industry", f"no industry named {body.industry!r} in this account")
        data["industryId"] = found
    if sent("websites"):
        data["website"] = _one(body.websites, problems, key="url", what="websites")
    if sent("emails"):
        data["email"] = _one(body.emails, problems, key="email", what="emails")
    if sent("phone_numbers"):
        phones = body.phone_numbers or []
        slots = {"phone": [p for p in phones if (p.type or "") not in {*_OTHER_PHONE, _FAX}],
                 "otherPhone": [p for p in phones if p.type in _OTHER_PHONE],
                 "fax": [p for p in phones if p.type == _FAX]}  # fmt: skip
        for key, in_slot in slots.items():
            if key == "fax" and not in_slot and sent("fax"):
                continue
            number = _one(in_slot, problems, key="number", what="phone_numbers")
            if key == "fax" and sent("fax") and number != body.fax:
                problems.add("fax", "differs from the fax of phone_numbers")
            data[key] = number
    if sent("addresses"):
        _one(body.addresses, problems, key="type", what="addresses")
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


def contact_data(records: Records, body: ContactInput, problems: Problems) -> dict[str, Any]:
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
        data["email"] = _one(body.emails, problems, key="email", what="emails")
    if sent("phone_numbers"):
        data["phone"] = _one(body.phone_numbers, problems, key="number", what="phone_numbers")
    if body.company_id is not None:
        data["companies"] = [body.company_id]
    if body.opportunity_ids:
        problems.add("opportunity_ids", "set an opportunity's contact on the opportunity")
    if sent("custom_fields"):
        data["customFields"] = _custom_fields(
            records, "contact", body.custom_fields or [], problems
        )
    return data


def extras_sent(body: BaseModel, names: tuple[str, ...]) -> dict[str, Any]:
    """The CRM-only keys sent, as JSON, to merge into what is kept."""
    sent = body.model_fields_set
    return body.model_dump(mode="json", include=set(names) & sent)
