"""Helpers for the contact namespace: saving contacts and companies, reading them back."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.list_helpers import call
from tests.api.opportunity_helpers import created_id, rows
from tests.factories import Clock, Tenant
from venuecrm.platform.models import CompanyContact, CustomFieldValue
from venuecrm.platform.uow import UnitOfWork

ADD_CONTACT = ("contact", "addOrUpdateContact")
ADD_COMPANY = ("contact", "addOrUpdateCompany")
GET_CONTACT = ("contact", "getContact")
GET_COMPANY = ("contact", "getCompany")
CONTACT_LIST = ("contact", "getContactList")
COMPANY_LIST = ("contact", "getCompanyList")
ADA = {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"}


def save(
    client: TestClient, tenant: Tenant, clock: Clock, action: tuple[str, str], body: Any
) -> int:
    """Call an addOrUpdate action that must succeed; the id it answers."""
    return created_id(call(client, tenant, clock, *action, body))


def read(
    client: TestClient, tenant: Tenant, clock: Clock, action: tuple[str, str], record_id: int
) -> dict[str, Any]:
    """getContact or getCompany of a record that must exist."""
    response = call(client, tenant, clock, *action, {"id": record_id})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errorCode" not in body
    return body


def memberships(uow: UnitOfWork, account_id: int) -> set[tuple[int, int]]:
    """Every (company, contact) membership of the account."""
    return {(m.company_id, m.contact_id) for m in rows(uow, CompanyContact, account_id)}


def custom_values(uow: UnitOfWork, account_id: int, entity: str, record_id: int) -> dict[int, Any]:
    """A record's custom values as stored."""
    return {
        v.field_id: v.value
        for v in rows(uow, CustomFieldValue, account_id)
        if v.entity == entity and v.record_id == record_id
    }
