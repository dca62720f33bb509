"""``/crm/companies`` and ``/crm/contacts``: the iVvy contact namespace's records, unified."""

from __future__ import annotations

from fastapi import APIRouter

from venuecrm.edges.crm.resources import Doc, Resource, add_routes, list_parameters
from venuecrm.features.parties import unified as writes
from venuecrm.features.parties import unified_models as models
from venuecrm.features.parties import unified_reads as reads
from venuecrm.features.parties import unified_schemas as schemas
from venuecrm.features.parties.unified_queries import COMPANIES, CONTACTS

router = APIRouter(prefix="/crm", tags=["crm"])
add_routes(
    router,
    Resource("companies", "company_id", models.Company, reads.list_companies, reads.get_company,
             schemas.CompanyInput, writes.save_company, writes.delete_company),
    {
        "All": Doc("List companies (cursor pagination, filter, sort)",
                   "A page of the account's companies.", models.GetCompaniesResponse),
        "Add": Doc("Create a company (matched by name unless pass_through says otherwise)",
                   "Create, or update the company with the same natural key; 201 with its id.",
                   models.WritePartyResponse),
        "One": Doc("Get a company", "One company.", models.GetCompanyResponse),
        "Update": Doc("Update a company (absent keys unchanged, null clears)",
                      "Update only the keys sent.", models.WritePartyResponse),
        "Delete": Doc("Delete a company (soft: gone from both APIs)",
                      "Soft-delete a company that no live opportunity names.",
                      models.WritePartyResponse),
    },
    list_extra=list_parameters(COMPANIES.filters, sorts=COMPANIES.sorts),
)  # fmt: skip
add_routes(
    router,
    Resource("contacts", "contact_id", models.Contact, reads.list_contacts, reads.get_contact,
             schemas.ContactInput, writes.save_contact, writes.delete_contact),
    {
        "All": Doc("List contacts (cursor pagination, filter, sort)",
                   "A page of the account's contacts.", models.GetContactsResponse),
        "Add": Doc("Create a contact (matched by name and e-mail unless pass_through says "
                   "otherwise)",
                   "Create, or update the contact with the same natural key; 201 with its id.",
                   models.WritePartyResponse),
        "One": Doc("Get a contact", "One contact.", models.GetContactResponse),
        "Update": Doc("Update a contact (absent keys unchanged, null clears)",
                      "Update only the keys sent.", models.WritePartyResponse),
        "Delete": Doc("Delete a contact (soft: gone from both APIs)",
                      "Soft-delete a contact that no live opportunity names.",
                      models.WritePartyResponse),
    },
    list_extra=list_parameters(CONTACTS.filters, sorts=CONTACTS.sorts),
)  # fmt: skip
