"""getContact, getCompany, their lists and the contact and company custom field definitions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.api.list_helpers import NO_BODY, add_rows, call, collection, error, ids
from tests.api.party_helpers import (
    ADA,
    ADD_COMPANY,
    ADD_CONTACT,
    COMPANY_LIST,
    CONTACT_LIST,
    GET_COMPANY,
    GET_CONTACT,
    read,
    save,
)
from tests.factories import Clock, Seeded, seeded_tenant
from venuecrm.features.parties.schemas import COMMISSION_KEYS
from venuecrm.platform.models import Company, Contact, CustomFieldDefinition
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.ivvy import format_timestamp


@pytest.fixture
def other(uow_factory: UnitOfWork) -> Seeded:
    """A second account configured like the first."""
    return seeded_tenant(uow_factory)


def _stamps(uow: UnitOfWork, model: type[Any], account_id: int, record_id: int) -> dict[str, str]:
    with uow:
        row = uow.session.get(model, (account_id, record_id))
        assert row is not None
        return {
            "createdDate": format_timestamp(row.created_at),
            "modifiedDate": format_timestamp(row.modified_at),
        }


def _set_modified(
    uow: UnitOfWork, model: type[Any], account_id: int, when: dict[int, datetime]
) -> None:
    with uow:
        for record_id, moment in when.items():
            uow.session.execute(
                update(model)
                .where(model.account_id == account_id, model.id == record_id)
                .values(modified_at=moment)
            )
        uow.commit()


def _contact_list(client: TestClient, seeded: Seeded, clock: Clock, body: Any) -> list[int]:
    return ids(collection(call(client, seeded.tenant, clock, *CONTACT_LIST, body))[1])


def test_get_contact_answers_every_stored_field(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    (field,) = add_rows(
        uow_factory, acct, CustomFieldDefinition,
        [{"entity": "contact", "field_type": 3, "display_name": "Diet",
          "select_values": {"Vegan": "Vegan", "Halal": "Halal"}}],
    )  # fmt: skip
    b = save(client, seeded.tenant, clock, ADD_COMPANY, {"businessName": "Beta"})
    a = save(client, seeded.tenant, clock, ADD_COMPANY, {"businessName": "Alpha"})
    urls = [{"ref": "crm", "url": "https://crm.example/1", "label": None}]
    contact_id = save(
        client, seeded.tenant, clock, ADD_CONTACT,
        {**ADA, "phone": "0400", "status": 1, "externalId": "ext-1", "companies": [a, b],
         "customFields": [{"fieldId": field, "value": ["Vegan"]}], "externalUrls": urls},
    )  # fmt: skip

    assert read(client, seeded.tenant, clock, GET_CONTACT, contact_id) == {
        "id": contact_id, **ADA, "phone": "0400", "status": 1, "smsStatus": None,
        "externalId": "ext-1", "privacyConsent": None, "companies": [b, a],
        "companiesData": [{"id": b, "businessName": "Beta"}, {"id": a, "businessName": "Alpha"}],
        "customFields": [{"fieldId": field, "displayName": "Diet", "value": ["Vegan"]}],
        "externalUrls": urls, **_stamps(uow_factory, Contact, acct, contact_id),
    }  # fmt: skip


def test_get_company_answers_every_stored_field(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    body = {
        "businessName": "Acme", "tradingName": "Acme Trading", "email": "hi@acme.example",
        "address": {"line1": "1 Queen St", "countryCode": "AU"},
        "primaryContact": ADA, "primaryAccountManagerId": seeded["ownerUserId"],
        "industryId": seeded["industryId"], "isAgent": True, "commissionSpace": 10,
        "commissionSpaceType": "CHF", "externalId": "co-1",
    }  # fmt: skip
    company_id = save(client, seeded.tenant, clock, ADD_COMPANY, body)
    reply = read(client, seeded.tenant, clock, GET_COMPANY, company_id)
    contact_id = reply["primaryContactId"]

    assert reply == {
        "id": company_id, "externalId": "co-1", "businessName": "Acme",
        "tradingName": "Acme Trading", "businessNumber": None, "phone": None, "otherPhone": None,
        "fax": None, "website": None, "email": "hi@acme.example",
        "address": {"line1": "1 Queen St", "countryCode": "AU"},
        "primaryContactId": contact_id,
        "primaryContact": {"id": contact_id, **ADA, "phone": None},
        "primaryAccountManagerId": seeded["ownerUserId"],
        "primaryAccountManager": {"id": seeded["ownerUserId"], "firstName": "Sam",
                                  "lastName": "Seller", "email": "sam.seller@example.com"},
        "secondaryAccountManagerId": None, "secondaryAccountManager": None,
        "industryId": seeded["industryId"],
        "industry": {"id": seeded["industryId"], "name": "Technology"},
        "isAgent": 1, **{key: None for key in COMMISSION_KEYS}, "commissionSpace": 10,
        "commissionSpaceType": "CHF", "iataNumber": None, "customFields": [],
        "externalUrls": [], **_stamps(uow_factory, Company, acct, company_id),
    }  # fmt: skip
    assert read(client, seeded.tenant, clock, GET_CONTACT, contact_id)["companies"] == [company_id]


@pytest.mark.parametrize(("action", "code"), [(GET_CONTACT, 24096), (GET_COMPANY, 24153)])
def test_get_needs_an_id_of_the_account(
    client: TestClient, clock: Clock, seeded: Seeded, other: Seeded, action: Any, code: int
) -> None:
    save_action = ADD_CONTACT if action == GET_CONTACT else ADD_COMPANY
    theirs = save(client, other.tenant, clock, save_action, {**ADA, "businessName": "Theirs"})
    missing = error(call(client, seeded.tenant, clock, *action, NO_BODY), 23017)
    assert (missing["message"], missing["additionalMessages"]) == (
        "'id' is required", ["id: is required"],
    )  # fmt: skip
    invalid = error(call(client, seeded.tenant, clock, *action, {"id": "abc"}), 23016)
    assert invalid["additionalMessages"] == ["id: must be a positive whole-number id"]
    for record_id in (theirs, 999_999_999):
        found = error(call(client, seeded.tenant, clock, *action, {"id": record_id}), code)
        noun = "contact" if action == GET_CONTACT else "company"
        assert found["message"] == f"Unable to find {noun} {record_id}"
    assert read(client, other.tenant, clock, action, theirs)["id"] == theirs


def test_contact_list_pages_by_id_and_shows_only_the_accounts_contacts(
    client: TestClient, clock: Clock, seeded: Seeded, other: Seeded
) -> None:
    save(client, other.tenant, clock, ADD_CONTACT, ADA)
    mine = [
        save(client, seeded.tenant, clock, ADD_CONTACT, {**ADA, "email": f"{n}@example.com"})
        for n in range(5)
    ]
    meta, results = collection(
        call(client, seeded.tenant, clock, *CONTACT_LIST, {"perPage": 2, "start": 2})
    )
    assert meta == {"totalResults": 5, "start": 2, "perPage": 2, "count": 2}
    assert ids(results) == mine[2:4]
    assert results[0] == read(client, seeded.tenant, clock, GET_CONTACT, mine[2])
    assert _contact_list(client, seeded, clock, NO_BODY) == mine


def test_contact_list_filters(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded, other: Seeded
) -> None:
    acct = seeded.tenant.account_id
    x, y = (save(client, seeded.tenant, clock, ADD_COMPANY, {"businessName": n}) for n in "XY")
    in_x = save(client, seeded.tenant, clock, ADD_CONTACT,
                {**ADA, "companies": [x], "externalId": "CRM-7"})  # fmt: skip
    in_both = save(client, seeded.tenant, clock, ADD_CONTACT,
                   {**ADA, "firstName": "Byron", "companies": [x, y]})  # fmt: skip
    alone = save(client, seeded.tenant, clock, ADD_CONTACT, {**ADA, "firstName": "Grace"})
    _set_modified(uow_factory, Contact, acct, {
        in_x: datetime(2026, 1, 1, 9, tzinfo=UTC), in_both: datetime(2026, 2, 1, 9, tzinfo=UTC),
        alone: datetime(2026, 3, 1, 9, tzinfo=UTC),
    })  # fmt: skip

    cases: list[tuple[dict[str, Any], list[int]]] = [
        ({"companyId": x}, [in_x, in_both]),
        ({"companyId": str(y)}, [in_both]),
        ({"companyId__NOT": y}, [in_x, alone]),
        ({"companyId": "ISNULL"}, [alone]),
        ({"companyId__EMPTY": False}, [in_x, in_both]),
        ({"companyId__GREATERTHAN": y}, [in_both]),
        ({"externalId": "crm-7"}, [in_x]),
        ({"fromModifiedDate": "2026-02-01"}, [in_both, alone]),
        ({"toModifiedDate": "2026-02-01 09:00:00 UTC"}, [in_x, in_both]),
        ({"modifiedDate": "2026-03-01"}, [alone]),
        ({"firstName__BEGINS": "b", "lastName": "LOVELACE"}, [in_both]),
        ({"venueId": 107, "venueGroupId": "3"}, [in_x, in_both, alone]),
    ]
    for condition, expected in cases:
        assert _contact_list(client, seeded, clock, {"filter": condition}) == expected, condition
    # Another account's company has no members here, whatever its id.
    their_company = save(client, other.tenant, clock, ADD_COMPANY, {"businessName": "X"})
    assert _contact_list(client, seeded, clock, {"filter": {"companyId": their_company}}) == []

    bad = {"companyId__CONTAINS": "1", "companyId": "x", "venueId": "here", "colour": "red"}
    envelope = error(call(client, seeded.tenant, clock, *CONTACT_LIST, {"filter": bad}), 23016)
    assert envelope["message"] == "'filter.companyId__CONTAINS' does not validate"
    assert [m.split(":")[0] for m in envelope["additionalMessages"]] == [
        "filter.companyId__CONTAINS", "filter.companyId", "filter.venueId", "filter.colour",
    ]  # fmt: skip


def test_company_list_filters_and_account(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded, other: Seeded
) -> None:
    acct = seeded.tenant.account_id
    save(client, other.tenant, clock, ADD_COMPANY, {"businessName": "Acme Pty Ltd"})
    acme = save(client, seeded.tenant, clock, ADD_COMPANY,
                {"businessName": "Acme Pty Ltd", "isAgent": 1})  # fmt: skip
    beta = save(client, seeded.tenant, clock, ADD_COMPANY,
                {"businessName": "Beta", "industryId": seeded["industryId"]})  # fmt: skip
    _set_modified(uow_factory, Company, acct, {
        acme: datetime(2026, 1, 1, tzinfo=UTC), beta: datetime(2026, 6, 1, tzinfo=UTC),
    })  # fmt: skip

    def listed(condition: dict[str, Any]) -> list[int]:
        reply = call(client, seeded.tenant, clock, *COMPANY_LIST, {"filter": condition})
        return ids(collection(reply)[1])

    assert listed({}) == [acme, beta]
    assert listed({"businessName__CONTAINS": "pty"}) == [acme]
    assert listed({"isAgent": 1}) == [acme]
    assert listed({"industryId": seeded["industryId"]}) == [beta]
    assert listed({"fromModifiedDate": "2026-03-01"}) == [beta]
    assert listed({"toModifiedDate": "2026-03-01", "venueId": 1}) == [acme]
    meta, results = collection(call(client, seeded.tenant, clock, *COMPANY_LIST, {"perPage": 1}))
    assert (meta["totalResults"], meta["count"]) == (2, 1)
    assert results == [read(client, seeded.tenant, clock, GET_COMPANY, acme)]


@pytest.mark.parametrize(
    ("action", "entity"),
    [("getCustomFieldDefinition", "contact"), ("getCompanyCustomFieldDefinition", "company")],
)
def test_custom_field_definitions_are_a_bare_array_of_the_entitys_fields(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded, other: Seeded,
    action: str, entity: str,
) -> None:  # fmt: skip
    acct = seeded.tenant.account_id
    retired, tier = add_rows(
        uow_factory, acct, CustomFieldDefinition,
        [{"entity": entity, "field_type": 6, "display_name": "Logo", "is_active": False,
          "sort_order": 2, "file_types": ["images"]},
         {"entity": entity, "field_type": 9, "display_name": "Tier", "is_required": True,
          "sort_order": 1, "select_values": {"Gold": "Gold"}}],
    )  # fmt: skip
    add_rows(uow_factory, other.tenant.account_id, CustomFieldDefinition,
             [{"entity": entity, "field_type": 0, "display_name": "Theirs"}])  # fmt: skip

    response = call(client, seeded.tenant, clock, "contact", action, NO_BODY)

    assert response.status_code == 200, response.text
    assert response.json() == [
        {"fieldId": tier, "fieldType": 9, "displayName": "Tier", "isRequired": True,
         "isActive": True, "sortOrder": 1, "selectValues": {"Gold": "Gold"}, "fileTypes": None},
        {"fieldId": retired, "fieldType": 6, "displayName": "Logo", "isRequired": False,
         "isActive": False, "sortOrder": 2, "selectValues": None, "fileTypes": ["images"]},
    ]  # fmt: skip
