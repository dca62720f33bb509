"""/crm/companies and /crm/contacts through Apideck's own Python SDK, read back field for field
through the iVvy contact namespace, which serves the same rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from apideck_unify import Apideck, models
from fastapi.testclient import TestClient

from tests.api.list_helpers import call
from tests.api.opportunity_helpers import OMIT, base_body, created_id, post, table_counts
from tests.api.test_crm_records import auth
from tests.api.test_crm_sdk import NO_RETRIES
from tests.factories import Clock, Seeded, seeded_tenant
from venuecrm.platform.models import CustomFieldDefinition
from venuecrm.platform.uow import UnitOfWork


@pytest.fixture(scope="module")
def account(uow_factory: UnitOfWork) -> Seeded:
    """A configured account with a company and a contact custom field."""
    seeded = seeded_tenant(uow_factory)
    with uow_factory as uow:
        lookups = uow.lookups(seeded.tenant.account_id)
        for entity, name in (("company", "Tier"), ("contact", "Newsletter")):
            lookups.add(CustomFieldDefinition, entity=entity, field_type=0, display_name=name)
        uow.commit()
    return seeded


@pytest.fixture(scope="module")
def sdk(live_server: str, account: Seeded) -> Iterator[Apideck]:
    """Apideck's SDK as a customer configures it, pointed at our server."""
    with Apideck(
        api_key=f"{account['apiKey']}:{account['apiSecret']}",
        app_id="venuecrm-tests",
        consumer_id="test-consumer",
        server_url=live_server,
        retry_config=NO_RETRIES,
    ) as client:
        yield client


def ivvy(client: TestClient, seeded: Seeded, action: str, body: Any) -> Any:
    """One signed call of the contact namespace."""
    return call(client, seeded.tenant, Clock(datetime.now(UTC)), "contact", action, body)


def ivvy_item(client: TestClient, seeded: Seeded, action: str, record_id: str) -> Any:
    """getCompany or getContact of one record, after checking it answered."""
    response = ivvy(client, seeded, action, {"id": int(record_id)})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_company_reads_back_through_both_apis(
    sdk: Apideck, account: Seeded, client: TestClient
) -> None:
    created = sdk.crm.companies.create(
        name="Harbour Events Pty Ltd",
        owner_id=str(account["ownerUserId"]),
        vat_number="51 824 753 556",
        industry="Technology",
        websites=[{"url": "https://harbour.example", "type": "primary"}],
        emails=[{"email": "hello@harbour.example", "type": "primary"}],
        phone_numbers=[{"number": "07 5555 0000", "type": "primary"},
                       {"number": "07 5555 0001", "type": "fax"}],
        addresses=[{"type": "primary", "line1": "1 Quay St", "city": "Brisbane", "state": "QLD",
                    "postal_code": "4000", "country": "AU"}],
        custom_fields=[{"name": "Tier", "value": "Gold"}],
        description="Events on the water",
        tags=["vip"],
        birthday=date(2001, 2, 3),
    )  # fmt: skip
    assert created.http_meta.response.status_code == 201
    assert created.create_company_response is not None
    company_id = created.create_company_response.data.id
    got = sdk.crm.companies.get(id=company_id).get_company_response
    assert got is not None
    data = got.data
    assert (data.name, data.owner_id, data.vat_number, data.industry) == (
        "Harbour Events Pty Ltd", str(account["ownerUserId"]), "51 824 753 556", "Technology",
    )  # fmt: skip
    assert [w.url for w in data.websites or []] == ["https://harbour.example"]
    assert [e.email for e in data.emails or []] == ["hello@harbour.example"]
    assert [(p.number, p.type) for p in data.phone_numbers or []] == [
        ("07 5555 0000", models.PhoneNumberType.PRIMARY),
        ("07 5555 0001", models.PhoneNumberType.FAX),
    ]
    assert data.fax == "07 5555 0001"
    (address,) = data.addresses or []
    assert (address.line1, address.city, address.state, address.postal_code, address.country) == (
        "1 Quay St", "Brisbane", "QLD", "4000", "AU",
    )  # fmt: skip
    assert [(f.name, f.value) for f in data.custom_fields or []] == [("Tier", "Gold")]
    assert (data.description, data.tags, data.birthday) == (
        "Events on the water",
        ["vip"],
        date(2001, 2, 3),
    )
    assert data.deleted is False

    item = ivvy_item(client, account, "getCompany", company_id)
    assert (item["businessName"], item["businessNumber"], item["website"], item["email"]) == (
        data.name, data.vat_number, "https://harbour.example", "hello@harbour.example",
    )  # fmt: skip
    assert (item["phone"], item["fax"], item["primaryAccountManagerId"]) == (
        "07 5555 0000", "07 5555 0001", account["ownerUserId"],
    )  # fmt: skip
    assert item["industry"]["name"] == "Technology"
    assert item["address"] == {"line1": "1 Quay St", "city": "Brisbane", "stateCode": "QLD",
                               "postalCode": "4000", "countryCode": "AU"}  # fmt: skip
    assert [(f["displayName"], f["value"]) for f in item["customFields"]] == [("Tier", "Gold")]


def test_a_contact_reads_back_through_both_apis_and_joins_its_company(
    sdk: Apideck, account: Seeded, client: TestClient
) -> None:
    created = sdk.crm.contacts.create(
        first_name="Grace",
        last_name="Hopper",
        emails=[{"email": "grace@navy.example", "type": "primary"}],
        phone_numbers=[{"number": "0400 000 001", "type": "mobile"}],
        company_name="Navy Events",
        title="Rear Admiral",
        custom_fields=[{"name": "Newsletter", "value": "Yes"}],
    )
    assert created.create_contact_response is not None
    contact_id = created.create_contact_response.data.id
    data = sdk.crm.contacts.get(id=contact_id).get_contact_response
    assert data is not None
    contact = data.data
    assert (contact.name, contact.first_name, contact.last_name, contact.title) == (
        "Grace Hopper", "Grace", "Hopper", "Rear Admiral",
    )  # fmt: skip
    assert [e.email for e in contact.emails or []] == ["grace@navy.example"]
    assert contact.email_domain == "navy.example"
    assert [p.number for p in contact.phone_numbers or []] == ["0400 000 001"]
    assert contact.company_name == "Navy Events"
    assert [(f.name, f.value) for f in contact.custom_fields or []] == [("Newsletter", "Yes")]

    item = ivvy_item(client, account, "getContact", contact_id)
    assert (item["firstName"], item["lastName"], item["email"], item["phone"]) == (
        "Grace", "Hopper", "grace@navy.example", "0400 000 001",
    )  # fmt: skip
    assert item["companies"] == [int(contact.company_id or 0)]
    assert item["companiesData"][0]["businessName"] == "Navy Events"

    opportunity = created_id(
        post(client, account.tenant, Clock(datetime.now(UTC)),
             base_body(account, contact=OMIT, contactId=int(contact_id)))
    )  # fmt: skip
    again = sdk.crm.contacts.get(id=contact_id).get_contact_response
    assert again is not None
    assert again.data.opportunity_ids == [str(opportunity)]


def test_lists_page_with_a_filter_and_a_sort(sdk: Apideck, account: Seeded) -> None:
    since = datetime.now(UTC)
    for name in ("Delta", "Alpha", "Echo", "Charlie", "Bravo"):
        sdk.crm.companies.create(name=f"Paged {name}")
    pages = sdk.crm.companies.list(
        limit=2,
        filter_={"updated_since": since},
        sort={"by": models.CompaniesSortBy.NAME, "direction": "desc"},
    )
    names: list[str | None] = []
    page_count = 0
    while pages is not None:
        body = pages.get_companies_response1
        assert body is not None
        assert body.meta is not None
        assert body.meta.total_count == 5
        names += [c.name for c in body.data]
        page_count += 1
        pages = pages.next()
    assert page_count == 3
    assert names == ["Paged Echo", "Paged Delta", "Paged Charlie", "Paged Bravo", "Paged Alpha"]

    company = sdk.crm.companies.create(name="Members Only").create_company_response
    assert company is not None
    for last in ("Young", "Xu", "Wolf", "Vance", "Underhill"):
        sdk.crm.contacts.create(first_name="Member", last_name=last, company_id=company.data.id,
                                emails=[{"email": f"{last.lower()}@members.example"}])  # fmt: skip
    sdk.crm.contacts.create(first_name="Not", last_name="Member", emails=[{"email": "n@x.example"}])
    pages = sdk.crm.contacts.list(
        limit=2, filter_={"company_id": company.data.id}, sort={"by": "last_name"}
    )
    lasts: list[str | None] = []
    while pages is not None:
        contacts = pages.get_contacts_response
        assert contacts is not None
        lasts += [c.last_name for c in contacts.data]
        pages = pages.next()
    assert lasts == ["Underhill", "Vance", "Wolf", "Xu", "Young"]


def test_update_changes_only_what_is_sent_and_null_clears(
    sdk: Apideck, account: Seeded, client: TestClient
) -> None:
    created = sdk.crm.companies.create(
        name="Patchable", vat_number="1", description="keep", fax="07 1"
    ).create_company_response
    assert created is not None
    company_id = created.data.id
    sdk.crm.companies.update(id=company_id, name="Patched", vat_number=None)
    got = sdk.crm.companies.get(id=company_id).get_company_response
    assert got is not None
    assert (got.data.name, got.data.vat_number, got.data.description, got.data.fax) == (
        "Patched",
        None,
        "keep",
        "07 1",
    )
    assert ivvy_item(client, account, "getCompany", company_id)["businessNumber"] is None

    contact = sdk.crm.contacts.create(
        first_name="Pat", last_name="Ch", emails=[{"email": "pat@ch.example"}], title="Keep"
    ).create_contact_response
    assert contact is not None
    updated = sdk.crm.contacts.update(
        id=contact.data.id, last_name="Changed", phone_numbers=[{"number": "0499"}]
    )
    assert updated.update_contact_response is not None
    item = ivvy_item(client, account, "getContact", contact.data.id)
    assert (item["firstName"], item["lastName"], item["phone"]) == ("Pat", "Changed", "0499")
    got_contact = sdk.crm.contacts.get(id=contact.data.id).get_contact_response
    assert got_contact is not None
    assert (got_contact.data.title, got_contact.data.emails[0].email) == ("Keep", "pat@ch.example")


def test_delete_is_soft_hidden_from_both_apis_and_refused_while_in_use(
    sdk: Apideck, account: Seeded, client: TestClient, uow_factory: UnitOfWork
) -> None:
    contact = sdk.crm.contacts.create(
        first_name="Gone", last_name="Soon", emails=[{"email": "gone@soon.example"}]
    ).create_contact_response
    assert contact is not None
    contact_id = contact.data.id
    opportunity = created_id(
        post(client, account.tenant, Clock(datetime.now(UTC)),
             base_body(account, contact=OMIT, contactId=int(contact_id)))
    )  # fmt: skip
    before = table_counts(uow_factory)
    with pytest.raises(models.UnprocessableResponse) as in_use:
        sdk.crm.contacts.delete(id=contact_id)
    assert in_use.value.data.detail == {
        "problems": ["id: 1 live opportunities name this contact; change or delete them first"]
    }
    assert table_counts(uow_factory) == before
    client.delete(f"/crm/opportunities/{opportunity}", headers=auth(account))

    deleted = sdk.crm.contacts.delete(id=contact_id)
    assert deleted.delete_contact_response is not None
    with pytest.raises(models.NotFoundResponse):
        sdk.crm.contacts.get(id=contact_id)
    gone = ivvy(client, account, "getContact", {"id": int(contact_id)})
    assert (gone.status_code, gone.json()["specificCode"]) == (400, 24096)
    listed = ivvy(client, account, "getContactList", {"filter": {"lastName": "Soon"}}).json()
    assert listed["results"] == []
    company = sdk.crm.companies.create(name="Closing Down").create_company_response
    assert company is not None
    assert sdk.crm.companies.delete(id=company.data.id).delete_company_response is not None
    closed = ivvy(client, account, "getCompany", {"id": int(company.data.id)})
    assert (closed.status_code, closed.json()["specificCode"]) == (400, 24153)
    # A later updateIfExists with the same natural key makes a new record: the old one is gone.
    again = ivvy(client, account, "addOrUpdateContact",
                 {"firstName": "Gone", "lastName": "Soon", "email": "gone@soon.example",
                  "updateIfExists": True})  # fmt: skip
    assert again.status_code == 200
    assert str(again.json()["id"]) != contact_id


def test_natural_keys_match_across_both_apis(
    sdk: Apideck, account: Seeded, client: TestClient
) -> None:
    through_crm = sdk.crm.contacts.create(
        first_name="Ada", last_name="Byron", emails=[{"email": "ada@byron.example"}]
    ).create_contact_response
    assert through_crm is not None
    matched = ivvy(client, account, "addOrUpdateContact",
                   {"firstName": " ada ", "lastName": "BYRON", "email": "Ada@Byron.example",
                    "phone": "0411", "updateIfExists": True})  # fmt: skip
    assert str(matched.json()["id"]) == through_crm.data.id

    through_ivvy = ivvy(client, account, "addOrUpdateCompany",
                        {"businessName": "Matched Twice Pty Ltd"}).json()["id"]  # fmt: skip
    again = sdk.crm.companies.create(name="matched twice pty ltd", fax="07 9")
    assert again.create_company_response is not None
    assert again.create_company_response.data.id == str(through_ivvy)
    assert ivvy_item(client, account, "getCompany", str(through_ivvy))["fax"] == "07 9"
    distinct = sdk.crm.companies.create(
        name="Matched Twice Pty Ltd",
        pass_through=[{"service_id": "venuecrm", "extend_object": {"update_if_exists": False}}],
    ).create_company_response
    assert distinct is not None
    assert distinct.data.id != str(through_ivvy)


def test_typed_errors_for_400_401_404_422(
    sdk: Apideck, account: Seeded, live_server: str, client: TestClient, uow_factory: UnitOfWork
) -> None:
    before = table_counts(uow_factory)
    with pytest.raises(models.BadRequestResponse) as bad:
        sdk.crm.contacts.list(sort={"by": "phone"})
    assert bad.value.data.type_name == "UnsupportedSortFieldError"
    with pytest.raises(models.BadRequestResponse) as missing:
        sdk.crm.contacts.create(first_name="Only")
    assert missing.value.data.detail == {
        "problems": ["last_name: is required", "emails[0].email: is required"]
    }
    with (
        Apideck(api_key=f"{account['apiKey']}:wrong", app_id="a", consumer_id="c",
                server_url=live_server, retry_config=NO_RETRIES) as wrong,
        pytest.raises(models.UnauthorizedResponse),
    ):  # fmt: skip
        wrong.crm.companies.list()
    with pytest.raises(models.NotFoundResponse):
        sdk.crm.companies.get(id="2147483648")
    with pytest.raises(models.UnprocessableResponse) as unprocessable:
        sdk.crm.companies.create(
            name="Broken", industry="No Such Industry", emails=[{"email": "not-an-email"}],
            owner_id="999999999",
        )  # fmt: skip
    assert unprocessable.value.data.detail == {
        "problems": [
            "industry: no industry named 'No Such Industry' in this account",
            "emails[0].email: not a valid email address",
            "owner_id: no user 999999999 in this account",
        ]
    }
    assert table_counts(uow_factory) == before


def test_another_accounts_records_are_not_found_on_every_route(
    client: TestClient, account: Seeded, uow_factory: UnitOfWork
) -> None:
    company = client.post("/crm/companies", json={"name": "Private Co"}, headers=auth(account))
    contact = client.post(
        "/crm/contacts",
        json={"first_name": "Pri", "last_name": "Vate", "emails": [{"email": "p@v.example"}]},
        headers=auth(account),
    )
    ids = {"companies": company.json()["data"]["id"], "contacts": contact.json()["data"]["id"]}
    intruder = seeded_tenant(uow_factory)
    before = table_counts(uow_factory)
    for resource, record in ids.items():
        for method, body in (("get", None), ("patch", {"fax": "x"}), ("delete", None)):
            response = client.request(
                method, f"/crm/{resource}/{record}", json=body, headers=auth(intruder)
            )
            assert response.status_code == 404, (resource, method, response.text)
            assert response.json()["type_name"] == "EntityNotFoundError"
        listed = client.get(f"/crm/{resource}", headers=auth(intruder)).json()
        assert listed["data"] == []
    joined = client.post(
        "/crm/contacts",
        json={"first_name": "In", "last_name": "Truder", "emails": [{"email": "i@t.example"}],
              "company_id": ids["companies"]},
        headers=auth(intruder),
    )  # fmt: skip
    assert joined.status_code == 422
    assert table_counts(uow_factory) == before


def test_an_idempotency_key_makes_a_retried_create_run_once(
    client: TestClient, account: Seeded, uow_factory: UnitOfWork
) -> None:
    headers = {**auth(account), "Idempotency-Key": "create-once-1"}
    body = {"name": "Once Only Co", "pass_through": [
        {"service_id": "venuecrm", "extend_object": {"update_if_exists": False}}]}  # fmt: skip
    first = client.post("/crm/companies", json=body, headers=headers)
    before = table_counts(uow_factory)
    again = client.post("/crm/companies", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert table_counts(uow_factory) == before
    other = client.post("/crm/companies", json={**body, "fax": "1"}, headers=headers)
    assert (other.status_code, other.json()["status_code"]) == (422, 422)
