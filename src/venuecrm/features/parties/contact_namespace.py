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

from venuecrm.errors import CompanyNotFound, ContactNotFound, VenueCrmError
from venuecrm.features.collections import Collection, Record
from venuecrm.features.lookups.queries import Lists
from venuecrm.features.parties import service as party_rules
from venuecrm.features.parties.read_schemas import (
    CompanyItem,
    CompanyList,
    ContactItem,
    ContactList,
)
from venuecrm.features.parties.records import Records
from venuecrm.features.parties.schemas import CompanyIn, ContactIn
from venuecrm.features.problems import Problems, parameter_error
from venuecrm.platform.collections import Kind
from venuecrm.platform.uow import UnitOfWork

# Contacts and companies are account-wide: these filters are checked and ignored.
_VENUE_FILTERS = {"venueId": Kind.INT, "venueGroupId": Kind.INT}
CONTACTS = Collection(Lists.contacts, ContactList, ignored_filters=_VENUE_FILTERS)
COMPANIES = Collection(Lists.companies, CompanyList, ignored_filters=_VENUE_FILTERS)
# getContact and getCompany: one row of those lists.
CONTACT = Record(Lists.contacts, ContactItem, ContactNotFound, "Unable to find contact {id}")
COMPANY = Record(Lists.companies, CompanyItem, CompanyNotFound, "Unable to find company {id}")


def add_or_update_party(
    uow: UnitOfWork,
    model: ContactIn | CompanyIn,
    problems: Problems,
) -> int:
    """Add, update or match one contact or company (with what it carries); return its id.

    ``model`` is the parsed request and ``problems`` what parsing found in it; an unknown
    ``id`` is 24096 for a contact, 24153 for a company.
    """
    not_found = ContactNotFound if isinstance(model, ContactIn) else CompanyNotFound
    with uow:
        party = save_party(Records(uow), model, problems, not_found=not_found)
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
