"""``/crm/companies`` and ``/crm/contacts``: the iVvy contact namespace's records, unified."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from venuecrm.edges.crm.opportunities import (
    _ERRORS,
    _IDEMPOTENCY_KEY,
    _authorized,
    _envelope,
    _write,
)
from venuecrm.edges.crm.records import list_parameters, list_response, one_response
from venuecrm.edges.http.deps import read_body, runtime
from venuecrm.features.parties import unified as service
from venuecrm.features.parties.unified_queries import COMPANY_SORTS, CONTACT_SORTS
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

router = APIRouter(prefix="/crm", tags=["crm"])


def _body(model: str) -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{model}"}
    content = {"application/json": {"schema": schema}}
    return {"requestBody": {"required": True, "content": content}, "parameters": [_IDEMPOTENCY_KEY]}


@router.get("/companies", operation_id="companiesAll",
            summary="List companies (cursor pagination, filter, sort)",
            response_model=GetCompaniesResponse, responses=_ERRORS,
            openapi_extra=list_parameters(*service.COMPANY_FILTERS,
                                          sorts=tuple(COMPANY_SORTS)))  # fmt: skip
async def list_companies(request: Request) -> JSONResponse:
    """A page of the account's companies."""
    params = list(request.query_params.multi_items())
    page = await _authorized(
        request,
        lambda uow, who: service.list_companies(uow, account_id=who.account_id, params=params),
    )
    return list_response(request, "companies", page, Company)


@router.post("/companies", operation_id="companiesAdd",
             summary="Create a company (matched by name unless pass_through says otherwise)",
             status_code=201, response_model=WritePartyResponse, responses=_ERRORS,
             openapi_extra=_body("CompanyInput"))  # fmt: skip
async def create_company(request: Request) -> Response:
    """Create, or update the company with the same natural key; 201 with its id."""
    raw = await read_body(request, runtime(request).settings.max_body_bytes)
    return await _write(
        request,
        raw,
        lambda uow, who: _envelope(
            "add",
            201,
            resource="companies",
            data={
                "id": service.save_company(
                    uow, account_id=who.account_id, body=service.parse_body(CompanyInput, raw)
                )
            },
        ),
    )


@router.get("/companies/{company_id}", operation_id="companiesOne", summary="Get a company",
            response_model=GetCompanyResponse, responses=_ERRORS)  # fmt: skip
async def get_company(request: Request, company_id: str) -> JSONResponse:
    """One company."""
    company = await _authorized(
        request,
        lambda uow, who: service.get_company(uow, account_id=who.account_id, company_id=company_id),
    )
    return one_response(request, "companies", company)


@router.patch("/companies/{company_id}", operation_id="companiesUpdate",
              summary="Update a company (absent keys unchanged, null clears)",
              response_model=WritePartyResponse, responses=_ERRORS,
              openapi_extra=_body("CompanyInput"))  # fmt: skip
async def update_company(request: Request, company_id: str) -> Response:
    """Update only the keys sent."""
    raw = await read_body(request, runtime(request).settings.max_body_bytes)
    return await _write(
        request,
        raw,
        lambda uow, who: _envelope(
            "update",
            200,
            resource="companies",
            data={
                "id": service.save_company(
                    uow,
                    account_id=who.account_id,
                    body=service.parse_body(CompanyInput, raw),
                    company_id=company_id,
                )
            },
        ),
    )


@router.delete("/companies/{company_id}", operation_id="companiesDelete",
               summary="Delete a company (soft: gone from both APIs)",
               response_model=WritePartyResponse, responses=_ERRORS,
               openapi_extra={"parameters": [_IDEMPOTENCY_KEY]})  # fmt: skip
async def delete_company(request: Request, company_id: str) -> Response:
    """Soft-delete a company that no live opportunity names."""
    return await _write(
        request,
        b"",
        lambda uow, who: _envelope(
            "delete",
            200,
            resource="companies",
            data={
                "id": service.delete_party(
                    uow, account_id=who.account_id, entity="company", raw_id=company_id
                )
            },
        ),
    )


@router.get("/contacts", operation_id="contactsAll",
            summary="List contacts (cursor pagination, filter, sort)",
            response_model=GetContactsResponse, responses=_ERRORS,
            openapi_extra=list_parameters(*service.CONTACT_FILTERS,
                                          sorts=tuple(CONTACT_SORTS)))  # fmt: skip
async def list_contacts(request: Request) -> JSONResponse:
    """A page of the account's contacts."""
    params = list(request.query_params.multi_items())
    page = await _authorized(
        request,
        lambda uow, who: service.list_contacts(uow, account_id=who.account_id, params=params),
    )
    return list_response(request, "contacts", page, Contact)


@router.post("/contacts", operation_id="contactsAdd",
             summary="Create a contact (matched by name and e-mail unless pass_through says "
             "otherwise)", status_code=201, response_model=WritePartyResponse,
             responses=_ERRORS, openapi_extra=_body("ContactInput"))  # fmt: skip
async def create_contact(request: Request) -> Response:
    """Create, or update the contact with the same natural key; 201 with its id."""
    raw = await read_body(request, runtime(request).settings.max_body_bytes)
    return await _write(
        request,
        raw,
        lambda uow, who: _envelope(
            "add",
            201,
            resource="contacts",
            data={
                "id": service.save_contact(
                    uow, account_id=who.account_id, body=service.parse_body(ContactInput, raw)
                )
            },
        ),
    )


@router.get("/contacts/{contact_id}", operation_id="contactsOne", summary="Get a contact",
            response_model=GetContactResponse, responses=_ERRORS)  # fmt: skip
async def get_contact(request: Request, contact_id: str) -> JSONResponse:
    """One contact."""
    contact = await _authorized(
        request,
        lambda uow, who: service.get_contact(uow, account_id=who.account_id, contact_id=contact_id),
    )
    return one_response(request, "contacts", contact)


@router.patch("/contacts/{contact_id}", operation_id="contactsUpdate",
              summary="Update a contact (absent keys unchanged, null clears)",
              response_model=WritePartyResponse, responses=_ERRORS,
              openapi_extra=_body("ContactInput"))  # fmt: skip
async def update_contact(request: Request, contact_id: str) -> Response:
    """Update only the keys sent."""
    raw = await read_body(request, runtime(request).settings.max_body_bytes)
    return await _write(
        request,
        raw,
        lambda uow, who: _envelope(
            "update",
            200,
            resource="contacts",
            data={
                "id": service.save_contact(
                    uow,
                    account_id=who.account_id,
                    body=service.parse_body(ContactInput, raw),
                    contact_id=contact_id,
                )
            },
        ),
    )


@router.delete("/contacts/{contact_id}", operation_id="contactsDelete",
               summary="Delete a contact (soft: gone from both APIs)",
               response_model=WritePartyResponse, responses=_ERRORS,
               openapi_extra={"parameters": [_IDEMPOTENCY_KEY]})  # fmt: skip
async def delete_contact(request: Request, contact_id: str) -> Response:
    """Soft-delete a contact that no live opportunity names."""
    return await _write(
        request,
        b"",
        lambda uow, who: _envelope(
            "delete",
            200,
            resource="contacts",
            data={
                "id": service.delete_party(
                    uow, account_id=who.account_id, entity="contact", raw_id=contact_id
                )
            },
        ),
    )
