"""The contact namespace: contacts and companies, written and read (docs/ivvy.md §4.1-4.5).

addOrUpdateContact and addOrUpdateCompany are ``features.parties.service`` applied to one object: a
contact or company sent alone is matched, checked and written exactly as the same object nested
in addOrUpdateOpportunity, in a transaction of its own. Codes per docs/ivvy.md D29: an unknown
``id`` is 24096 (contact) or 24153 (company); any other problem is 23016, or 23017 when every
problem is a required value that is missing; either lists every problem as ``"path: reason"``.

getContact and getCompany are one row of getContactList and getCompanyList. Contacts and
companies belong to the account, not to a venue: the lists accept ``venueId`` and
``venueGroupId`` filters (docs/ivvy.md §4.5) and ignore them, as getUserList does.
"""

from __future__ import annotations

from typing import TypeVar

from venuecrm.errors import CompanyNotFound, ContactNotFound, VenueCrmError
from venuecrm.features.collections import Collection, decode_params, get_one
from venuecrm.features.lookups.queries import Lists
from venuecrm.features.parties import service as party_rules
from venuecrm.features.parties.read_schemas import (
    CompanyItem,
    CompanyList,
    ContactItem,
    ContactList,
    GetCompanyIn,
    GetContactIn,
)
from venuecrm.features.parties.records import Records
from venuecrm.features.parties.schemas import CompanyIn, ContactIn
from venuecrm.features.problems import Problems, parameter_error
from venuecrm.platform.collections import Kind
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.parsing import parse_lenient

P = TypeVar("P", ContactIn, CompanyIn)
# Contacts and companies are account-wide: these filters are checked and ignored.
_VENUE_FILTERS = {"venueId": Kind.INT, "venueGroupId": Kind.INT}
CONTACTS = Collection(Lists.contacts, ContactList, ignored_filters=_VENUE_FILTERS)
COMPANIES = Collection(Lists.companies, CompanyList, ignored_filters=_VENUE_FILTERS)


def add_or_update_contact(uow: UnitOfWork, *, account_id: int, body: bytes) -> int:
    """Add, update or match one contact (with its companies and custom values); its id."""
    return _add_or_update(uow, ContactIn, ContactNotFound, account_id=account_id, body=body)


def add_or_update_company(uow: UnitOfWork, *, account_id: int, body: bytes) -> int:
    """Add, update or match one company (with its primary contact and custom values); its id."""
    return _add_or_update(uow, CompanyIn, CompanyNotFound, account_id=account_id, body=body)


def _add_or_update(
    uow: UnitOfWork,
    request: type[P],
    not_found: type[VenueCrmError],
    *,
    account_id: int,
    body: bytes,
) -> int:
    # An empty body is an add without its required fields: 23017 names them.
    parsed = parse_lenient(request, decode_params(body))
    problems = Problems(parsed.problems, parsed.invalid_paths)
    model = parsed.model
    if model is None or "id" in parsed.invalid_paths:
        # Without a usable id it is unknowable whether this was meant as an add or an update.
        raise parameter_error(problems)
    with uow:
        party = save_party(Records(uow.session, account_id), model, problems, not_found=not_found)
        if party is None:
            raise parameter_error(problems)
        uow.commit()
    return party


def save_party(
    crm: Records,
    model: CompanyIn | ContactIn,
    problems: Problems,
    *,
    not_found: type[VenueCrmError],
) -> int | None:
    """Match, check and write one company or contact in an open transaction; its id.

    ``not_found`` is raised for an ``id`` that is not the account's. With any other problem
    nothing is written, the problems are added to ``problems`` and None is returned: each API
    words its own error.
    """
    parties = party_rules.collect(model, "")
    party_rules.prepare(crm, parties, problems)
    party = parties[0]
    if model.id is not None and party.row is None:
        raise not_found(f"{not_found.default_message} {model.id}")
    if problems:
        return None
    party_rules.write(crm, parties, ())
    return party.id


def get_contact(uow: UnitOfWork, *, account_id: int, body: bytes) -> ContactItem:
    """One contact of the account; 23017 without an id, 24096 for an unknown one."""
    return get_one(
        uow,
        Lists.contacts,
        request=GetContactIn,
        item=ContactItem,
        not_found=lambda contact_id: ContactNotFound(f"Unable to find contact {contact_id}"),
        account_id=account_id,
        body=body,
    )


def get_company(uow: UnitOfWork, *, account_id: int, body: bytes) -> CompanyItem:
    """One company of the account; 23017 without an id, 24153 for an unknown one."""
    return get_one(
        uow,
        Lists.companies,
        request=GetCompanyIn,
        item=CompanyItem,
        not_found=lambda company_id: CompanyNotFound(f"Unable to find company {company_id}"),
        account_id=account_id,
        body=body,
    )
