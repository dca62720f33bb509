"""``/crm/companies`` and ``/crm/contacts``: the iVvy contact namespace's records, unified."""

from __future__ import annotations

from fastapi import APIRouter

from venuecrm.edges.crm.resources import Doc, Resource, add_routes, list_parameters
from venuecrm.features.parties import unified as writes
from venuecrm.features.parties import unified_reads as reads
from venuecrm.features.parties.unified_models import (
    Company,
    Contact,
    GetCompaniesResponse,
    GetCompanyResponse,
    GetContactResponse,
    GetContactsResponse,
    WritePartyResponse,
)
from venuecrm.features.parties.unified_queries import COMPANIES, CONTACTS
from venuecrm.features.parties.unified_schemas import (
    CompanyInput,
    ContactInput,
)

router = APIRouter(prefix="/crm", tags=["crm"])
add_routes(
    router,
    Resource("companies", "company_id", Company, reads.list_companies, reads.get_company,
             CompanyInput, writes.save_company, writes.delete_company),
    {
        "All": Doc("List companies (cursor pagination, filter, sort)",
                   "A page of the account's companies.", GetCompaniesResponse),
        "Add": Doc("Create a company (matched by name unless pass_through says otherwise)",
                   "Create, or update the company with the same natural key; 201 with its id.",
                   WritePartyResponse),
        "One": Doc("Get a company", "One company.", GetCompanyResponse),
        "Update": Doc("Update a company (absent keys unchanged, null clears)",
                      "Update only the keys sent.", WritePartyResponse),
        "Delete": Doc("Delete a company (soft: gone from both APIs)",
                      "Soft-delete a company that no live opportunity names.",
                      WritePartyResponse),
    },
    list_extra=list_parameters(COMPANIES.filters, sorts=COMPANIES.sorts),
)  # fmt: skip
add_routes(
    router,
    Resource("contacts", "contact_id", Contact, reads.list_contacts, reads.get_contact,
             ContactInput, writes.save_contact, writes.delete_contact),
    {
        "All": Doc("List contacts (cursor pagination, filter, sort)",
                   "A page of the account's contacts.", GetContactsResponse),
        "Add": Doc("Create a contact (matched by name and e-mail unless pass_through says "
                   "otherwise)",
                   "Create, or update the contact with the same natural key; 201 with its id.",
                   WritePartyResponse),
        "One": Doc("Get a contact", "One contact.", GetContactResponse),
        "Update": Doc("Update a contact (absent keys unchanged, null clears)",
                      "Update only the keys sent.", WritePartyResponse),
        "Delete": Doc("Delete a contact (soft: gone from both APIs)",
                      "Soft-delete a contact that no live opportunity names.",
                      WritePartyResponse),
    },
    list_extra=list_parameters(CONTACTS.filters, sorts=CONTACTS.sorts),
)  # fmt: skip
