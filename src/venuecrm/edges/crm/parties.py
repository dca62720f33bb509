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
    Resource(
        name="companies",
        path_id="company_id",
        item=models.Company,
        lister=reads.list_companies,
        getter=reads.get_company,
        body=schemas.CompanyInput,
        saver=writes.save_company,
        deleter=writes.delete_company,
    ),
    {
        "All": Doc(
            summary="List companies (cursor pagination, filter, sort)",
            description="A page of the account's companies.",
            reply=models.GetCompaniesResponse,
        ),
        "Add": Doc(
            summary="Create a company (matched by name unless pass_through says otherwise)",
            description="Create, or update the company with the same natural key; 201 with its id.",
            reply=models.WritePartyResponse,
        ),
        "One": Doc(
            summary="Get a company", description="One company.", reply=models.GetCompanyResponse
        ),
        "Update": Doc(
            summary="Update a company (absent keys unchanged, null clears)",
            description="Update only the keys sent.",
            reply=models.WritePartyResponse,
        ),
        "Delete": Doc(
            summary="Delete a company (soft: gone from both APIs)",
            description="Soft-delete a company that no live opportunity names.",
            reply=models.WritePartyResponse,
        ),
    },
    list_extra=list_parameters(COMPANIES.filters, sorts=COMPANIES.sorts),
)
add_routes(
    router,
    Resource(
        name="contacts",
        path_id="contact_id",
        item=models.Contact,
        lister=reads.list_contacts,
        getter=reads.get_contact,
        body=schemas.ContactInput,
        saver=writes.save_contact,
        deleter=writes.delete_contact,
    ),
    {
        "All": Doc(
            summary="List contacts (cursor pagination, filter, sort)",
            description="A page of the account's contacts.",
            reply=models.GetContactsResponse,
        ),
        "Add": Doc(
            summary="Create a contact (matched by name and e-mail unless pass_through says "
            "otherwise)",
            description="Create, or update the contact with the same natural key; 201 with its id.",
            reply=models.WritePartyResponse,
        ),
        "One": Doc(
            summary="Get a contact", description="One contact.", reply=models.GetContactResponse
        ),
        "Update": Doc(
            summary="Update a contact (absent keys unchanged, null clears)",
            description="Update only the keys sent.",
            reply=models.WritePartyResponse,
        ),
        "Delete": Doc(
            summary="Delete a contact (soft: gone from both APIs)",
            description="Soft-delete a contact that no live opportunity names.",
            reply=models.WritePartyResponse,
        ),
    },
    list_extra=list_parameters(CONTACTS.filters, sorts=CONTACTS.sorts),
)
