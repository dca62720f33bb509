"""The unified CRM's companies and contacts: mapped onto the iVvy company and contact, written
by the same code as addOrUpdateCompany/addOrUpdateContact (docs/unified.md §7).

A body becomes the iVvy request it stands for, so every rule, natural-key match and custom field
check of the contact namespace holds; problems come back named with the CRM keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
from venuecrm.features.parties.unified_mapping import (
    COMPANY_PATHS,
    CONTACT_PATHS,
    JOINED_PATHS,
    company_data,
    contact_data,
    crm_path,
    extras_sent,
    update_if_exists,
)
from venuecrm.features.parties.unified_queries import (
    CrmParties,
)
from venuecrm.features.parties.unified_schemas import (
    COMPANY_EXTRAS,
    CONTACT_EXTRAS,
    CompanyInput,
    ContactInput,
)
from venuecrm.features.problems import Problems
from venuecrm.features.unified_lists import record_id
from venuecrm.platform.models import Company as CompanyRow
from venuecrm.platform.models import Contact as ContactRow
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.parsing import parse_lenient


def save_company(
    uow: UnitOfWork,
    *,
    who: Credentials,
    body: CompanyInput,
    record: str | None = None,
) -> str:
    """Create (or, by default, match by name) or update a company from a CRM body; its id."""
    with uow:
        records = Records(uow, who.account_id)
        problems = Problems()
        data = company_data(records, body, problems)
        if record is not None:
            data["id"] = record_id("company", raw=record)
        else:
            data.setdefault("businessName", None)
            data["updateIfExists"] = update_if_exists(body)
        saved = _write(records, CompanyIn, data, problems, COMPANY_PATHS, entity="company",
                       raw_id=record, extras=extras_sent(body, COMPANY_EXTRAS))  # fmt: skip
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
        records = Records(uow, who.account_id)
        problems = Problems()
        existing = None
        if record is not None:
            found = record_id("contact", raw=record)
            existing = records.lock_rows(ContactRow, [found]).get(found)
            if existing is None:
                raise RecordNotFound("contact", record)
        data = contact_data(records, body, problems)
        if existing is not None:
            data["id"] = existing.id
        else:
            data["updateIfExists"] = update_if_exists(body)
        if body.company_id is None and body.company_name:
            company = {"businessName": body.company_name, "updateIfExists": True}
            joined = _write(
                records, CompanyIn, company, problems, JOINED_PATHS, entity="company", raw_id=None
            )
            data["companies"] = [joined]
        saved = _write(records, ContactIn, data, problems, CONTACT_PATHS, entity="contact",
                       raw_id=record, extras=extras_sent(body, CONTACT_EXTRAS))  # fmt: skip
        uow.commit()
    return str(saved)


def _write(
    records: Records,
    request: type[CompanyIn] | type[ContactIn],
    data: dict[str, Any],
    problems: Problems,
    paths: Mapping[str, str],
    *,
    entity: str,
    raw_id: str | None,
    extras: dict[str, Any] | None = None,
) -> int:
    """Write through the contact namespace's code, then merge the CRM-only ``extras`` sent into
    the record's kept ones; 422 naming every problem by its CRM key."""
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
        renamed = [crm_path(p, paths) for p in problems.items]
        if problems.only_missing:
            # What the schema itself would have required: a bad request, as for a title.
            raise InvalidRequest("Invalid Params", renamed)
        raise InvalidParameter("Invalid State", renamed)
    if extras:
        model: type[CompanyRow] | type[ContactRow] = (
            CompanyRow if entity == "company" else ContactRow
        )
        row = records.lock_rows(model, [saved])[saved]
        row.crm_extras = {**(row.crm_extras or {}), **extras}
        records.flush()
    return saved


def _not_found(entity: str) -> type[CompanyNotFound] | type[ContactNotFound]:
    return CompanyNotFound if entity == "company" else ContactNotFound


def _delete(uow: UnitOfWork, *, who: Credentials, entity: str, record: str) -> str:
    """Soft-delete a company or contact no live opportunity names; 404 / 422 otherwise."""
    with uow:
        records = Records(uow, who.account_id)
        found = record_id(entity, raw=record)
        model = CompanyRow if entity == "company" else ContactRow
        if records.lock_rows(model, [found]).get(found) is None:
            raise RecordNotFound(entity, record)
        parties = CrmParties(uow.session, who.account_id)
        used = parties.referenced_by_opportunities(entity, found)
        if used:
            raise InvalidParameter(
                "Invalid State",
                [f"id: {used} live opportunities name this {entity}; change or delete them first"],
            )
        parties.delete(entity, found)
        uow.commit()
    return record


def delete_company(uow: UnitOfWork, *, who: Credentials, record: str) -> str:
    """Soft-delete a company no live opportunity names; 404 / 422 otherwise."""
    return _delete(uow, who=who, entity="company", record=record)


def delete_contact(uow: UnitOfWork, *, who: Credentials, record: str) -> str:
    """Soft-delete a contact no live opportunity names; 404 / 422 otherwise."""
    return _delete(uow, who=who, entity="contact", record=record)
