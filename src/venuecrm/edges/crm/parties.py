"""``/crm/companies`` and ``/crm/contacts``: the iVvy contact namespace's records, unified."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from venuecrm.edges.crm.handlers import (
    DELETE,
    ERRORS,
    body_of,
    delete_reply,
    list_parameters,
    list_reply,
    one_reply,
    save_reply,
)
from venuecrm.features.parties import unified as service
from venuecrm.features.parties import unified_reads as reads
from venuecrm.features.parties.unified_queries import COMPANIES, CONTACTS
from venuecrm.features.parties.unified_schemas import (
    Company,
    CompanyInput,
    Contact,
    ContactInput,
    GetCompaniesResponse,
    GetCompanyResponse,
    GetContactResponse,
    GetContactsResponse,
    WritePartyResponse,
)
from venuecrm.features.unified_lists import parse_body

router = APIRouter(prefix="/crm", tags=["crm"])


@router.get("/companies", operation_id="companiesAll",
            summary="List companies (cursor pagination, filter, sort)",
            response_model=GetCompaniesResponse, responses=ERRORS,
            openapi_extra=list_parameters(COMPANIES.filters, sorts=COMPANIES.sorts))  # fmt: skip
async def list_companies(request: Request) -> JSONResponse:
    """A page of the account's companies."""
    return await list_reply(request, "companies", Company, reads.list_companies)


@router.post("/companies", operation_id="companiesAdd",
             summary="Create a company (matched by name unless pass_through says otherwise)",
             status_code=201, response_model=WritePartyResponse, responses=ERRORS,
             openapi_extra=body_of("CompanyInput"))  # fmt: skip
async def create_company(request: Request) -> Response:
    """Create, or update the company with the same natural key; 201 with its id."""
    return await save_reply(
        request,
        "companies",
        lambda uow, who, raw: service.save_company(
            uow, account_id=who.account_id, body=parse_body(CompanyInput, raw)
        ),
        created=True,
    )


@router.get("/companies/{company_id}", operation_id="companiesOne", summary="Get a company",
            response_model=GetCompanyResponse, responses=ERRORS)  # fmt: skip
async def get_company(request: Request, company_id: str) -> JSONResponse:
    """One company."""
    return await one_reply(
        request,
        "companies",
        lambda uow, account: reads.get_company(uow, account_id=account, company_id=company_id),
    )


@router.patch("/companies/{company_id}", operation_id="companiesUpdate",
              summary="Update a company (absent keys unchanged, null clears)",
              response_model=WritePartyResponse, responses=ERRORS,
              openapi_extra=body_of("CompanyInput"))  # fmt: skip
async def update_company(request: Request, company_id: str) -> Response:
    """Update only the keys sent."""
    return await save_reply(
        request,
        "companies",
        lambda uow, who, raw: service.save_company(
            uow,
            account_id=who.account_id,
            body=parse_body(CompanyInput, raw),
            company_id=company_id,
        ),
        created=False,
    )


@router.delete("/companies/{company_id}", operation_id="companiesDelete",
               summary="Delete a company (soft: gone from both APIs)",
               response_model=WritePartyResponse, responses=ERRORS,
               openapi_extra=DELETE)  # fmt: skip
async def delete_company(request: Request, company_id: str) -> Response:
    """Soft-delete a company that no live opportunity names."""
    return await delete_reply(
        request,
        "companies",
        lambda uow, who: service.delete_party(
            uow, account_id=who.account_id, entity="company", raw_id=company_id
        ),
    )


@router.get("/contacts", operation_id="contactsAll",
            summary="List contacts (cursor pagination, filter, sort)",
            response_model=GetContactsResponse, responses=ERRORS,
            openapi_extra=list_parameters(CONTACTS.filters, sorts=CONTACTS.sorts))  # fmt: skip
async def list_contacts(request: Request) -> JSONResponse:
    """A page of the account's contacts."""
    return await list_reply(request, "contacts", Contact, reads.list_contacts)


@router.post("/contacts", operation_id="contactsAdd",
             summary="Create a contact (matched by name and e-mail unless pass_through says "
             "otherwise)", status_code=201, response_model=WritePartyResponse,
             responses=ERRORS, openapi_extra=body_of("ContactInput"))  # fmt: skip
async def create_contact(request: Request) -> Response:
    """Create, or update the contact with the same natural key; 201 with its id."""
    return await save_reply(
        request,
        "contacts",
        lambda uow, who, raw: service.save_contact(
            uow, account_id=who.account_id, body=parse_body(ContactInput, raw)
        ),
        created=True,
    )


@router.get("/contacts/{contact_id}", operation_id="contactsOne", summary="Get a contact",
            response_model=GetContactResponse, responses=ERRORS)  # fmt: skip
async def get_contact(request: Request, contact_id: str) -> JSONResponse:
    """One contact."""
    return await one_reply(
        request,
        "contacts",
        lambda uow, account: reads.get_contact(uow, account_id=account, contact_id=contact_id),
    )


@router.patch("/contacts/{contact_id}", operation_id="contactsUpdate",
              summary="Update a contact (absent keys unchanged, null clears)",
              response_model=WritePartyResponse, responses=ERRORS,
              openapi_extra=body_of("ContactInput"))  # fmt: skip
async def update_contact(request: Request, contact_id: str) -> Response:
    """Update only the keys sent."""
    return await save_reply(
        request,
        "contacts",
        lambda uow, who, raw: service.save_contact(
            uow,
            account_id=who.account_id,
            body=parse_body(ContactInput, raw),
            contact_id=contact_id,
        ),
        created=False,
    )


@router.delete("/contacts/{contact_id}", operation_id="contactsDelete",
               summary="Delete a contact (soft: gone from both APIs)",
               response_model=WritePartyResponse, responses=ERRORS,
               openapi_extra=DELETE)  # fmt: skip
async def delete_contact(request: Request, contact_id: str) -> Response:
    """Soft-delete a contact that no live opportunity names."""
    return await delete_reply(
        request,
        "contacts",
        lambda uow, who: service.delete_party(
            uow, account_id=who.account_id, entity="contact", raw_id=contact_id
        ),
    )
