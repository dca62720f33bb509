"""addOrUpdateOpportunity creates: the seed examples, SDK shapes, and each rule of a create."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.list_helpers import call
from tests.api.opportunity_helpers import (
    OMIT,
    base_body,
    created_id,
    opportunity_row,
    post,
    rejected,
    rows,
    table_counts,
)
from tests.factories import Clock, Seeded, new_tenant, seeded_tenant
from venuecrm.platform.models import (
    Company,
    CompanyContact,
    Contact,
    CustomFieldValue,
    LeadSource,
    LeadStage,
    Opportunity,
)
from venuecrm.platform.uow import UnitOfWork

# Also through PgBouncer in transaction-pooling mode, as replicas run (tests/conftest.py).
pytestmark = pytest.mark.pgbouncer


def seed_add_example(s: Seeded) -> dict[str, Any]:
    """The seed document's add example, as written (string ids), with this account's ids."""
    return {
        "venueId": str(s["venueId"]),
        "name": "Lead By API",
        "company": {"businessName": "Business Name", "updateIfExists": True},
        "contact": {
            "firstName": "First",
            "lastName": "Last",
            "email": "email8@email.com",
            "updateIfExists": True,
        },
        "typeId": str(s["typeWithSubtypesId"]),
        "subtypeId": str(s["subtypeId"]),
        "sourceId": str(s["referralSourceId"]),
        "stageId": str(s["stageId"]),
        "industryId": str(s["industryId"]),
        "stageReasonId": str(s["stageReasonId"]),
        "closedDate": "2017-05-05",
        "referralCompany": {
            "businessName": "Business",
            "primaryContact": {"firstName": "Test", "lastName": "Test", "email": "Test@gmail.com"},
        },
        "referralContact": {"firstName": "Test", "lastName": "Test", "email": "Test@gmail.com"},
    }


def test_seed_add_example_succeeds_and_stores_everything(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    opportunity_id = created_id(post(client, seeded.tenant, clock, seed_add_example(seeded)))
    acct = seeded.tenant.account_id
    row = opportunity_row(uow_factory, acct, opportunity_id)
    companies = {c.business_name: c for c in rows(uow_factory, Company, acct)}
    contacts = rows(uow_factory, Contact, acct)
    links = {(link.company_id, link.contact_id) for link in rows(uow_factory, CompanyContact, acct)}
    assert set(companies) == {"Business Name", "Business"}
    assert len(contacts) == 3  # contact, the referral company's primary contact, referral contact
    lead = next(c for c in contacts if c.email == "email8@email.com")
    assert row["venue_id"] == seeded["venueId"]
    assert row["name"] == "Lead By API"
    assert row["contact_type"] == "company"
    assert row["company_id"] == companies["Business Name"].id
    assert row["contact_id"] == lead.id
    assert (companies["Business Name"].id, lead.id) in links  # company + contact objects link
    assert row["type_id"] == seeded["typeWithSubtypesId"]
    assert row["subtype_id"] == seeded["subtypeId"]
    assert row["source_id"] == seeded["referralSourceId"]
    assert row["stage_id"] == seeded["stageId"]
    assert row["stage_reason_id"] == seeded["stageReasonId"]
    assert row["industry_id"] == seeded["industryId"]
    assert row["closed_date"] == date(2017, 5, 5)
    referral_company = companies["Business"]
    assert row["referral_company_id"] == referral_company.id
    assert referral_company.primary_contact_id is not None
    assert (referral_company.id, referral_company.primary_contact_id) in links
    assert row["referral_contact_id"] not in (None, referral_company.primary_contact_id)
    assert row["created_by_key_id"] == row["modified_by_key_id"] is not None
    assert row["stage_changed_at"] is not None
    assert row["created_at"] is not None


def test_seed_add_example_twice_reuses_the_updateifexists_company_and_contact(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    first = created_id(post(client, seeded.tenant, clock, seed_add_example(seeded)))
    before = table_counts(uow_factory)
    second = created_id(post(client, seeded.tenant, clock, seed_add_example(seeded)))
    after = table_counts(uow_factory)
    acct = seeded.tenant.account_id
    assert second != first
    assert after["opportunities"] == before["opportunities"] + 1
    # Only the referral company and its contacts (no updateIfExists) are new.
    assert after["companies"] == before["companies"] + 1
    assert after["contacts"] == before["contacts"] + 2
    a, b = (opportunity_row(uow_factory, acct, i) for i in (first, second))
    assert (a["company_id"], a["contact_id"]) == (b["company_id"], b["contact_id"])


def test_dotnet_sdk_shaped_request_succeeds(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    body = {
        "venueId": seeded["venueId"],
        "name": "From .NET",
        "typeId": seeded["typeId"],
        "sourceId": seeded["sourceId"],
        "stageId": seeded["stageId"],
        "ownerUserId": seeded["ownerUserId"],
        "ownerUser": {"id": seeded["ownerUserId"], "firstName": "Sam"},  # echoed from a list
        "closedDate": "2024-05-06 00:00:00 UTC",
        "company": {
            "businessName": "Dot Net Pty Ltd",
            "updateIfExists": False,
            "isAgent": 0,
            "address": {"id": 0, "line1": "1 Queen St", "city": "Brisbane", "postalCode": 4000},
        },
        "contact": {
            "firstName": "Net",
            "lastName": "Client",
            "email": "net@example.com",
            "updateIfExists": False,
            "isAnonymised": False,
        },
        "customFields": [{"fieldId": seeded.field_id(0), "fieldValue": "from dotnet"}],
    }
    opportunity_id = created_id(post(client, seeded.tenant, clock, body))
    acct = seeded.tenant.account_id
    row = opportunity_row(uow_factory, acct, opportunity_id)
    (company,) = rows(uow_factory, Company, acct)
    assert row["closed_date"] == date(2024, 5, 6)
    assert row["owner_user_id"] == seeded["ownerUserId"]
    assert company.is_agent is False
    assert company.address == {"line1": "1 Queen St", "city": "Brisbane", "postalCode": "4000"}
    (value,) = rows(uow_factory, CustomFieldValue, acct)
    assert (value.entity, value.record_id, value.value) == (
        "opportunity",
        opportunity_id,
        "from dotnet",
    )


def test_missing_required_fields_are_all_listed(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    body = {"description": "no venue, name, type or source"}
    assert sorted(rejected(client, seeded.tenant, clock, uow_factory, body)) == sorted(
        [
            "venueId: is required",
            "name: is required",
            "typeId: is required",
            "sourceId: is required",
        ]
    )


def test_a_create_needs_no_contact_or_company_and_may_get_one_later(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    body = {
        "venueId": seeded["venueId"],
        "name": "Just a name",
        "typeId": seeded["typeId"],
        "sourceId": seeded["sourceId"],
    }
    opportunity_id = created_id(post(client, seeded.tenant, clock, body))
    acct = seeded.tenant.account_id
    row = opportunity_row(uow_factory, acct, opportunity_id)
    assert (row["contact_type"], row["contact_id"], row["company_id"]) == ("contact", None, None)
    assert rows(uow_factory, Contact, acct) == []
    assert rows(uow_factory, Company, acct) == []
    (item,) = list_items(client, clock, seeded)
    assert (item["id"], item["contactType"], item["contactId"]) == (opportunity_id, "contact", None)
    assert (item["contact"], item["companyId"], item["company"]) == (None, None, None)

    contact = {"firstName": "Late", "lastName": "Comer", "email": "late@example.com"}
    update = {"id": opportunity_id, "venueId": seeded["venueId"], "contact": contact}
    assert created_id(post(client, seeded.tenant, clock, update)) == opportunity_id
    (contact_row,) = rows(uow_factory, Contact, acct)
    (item,) = list_items(client, clock, seeded)
    assert (item["contactType"], item["contactId"]) == ("contact", contact_row.id)
    assert item["contact"]["email"] == "late@example.com"

    company = {"id": opportunity_id, "venueId": seeded["venueId"], "company": {"businessName": "Z"}}
    assert created_id(post(client, seeded.tenant, clock, company)) == opportunity_id
    (company_row,) = rows(uow_factory, Company, acct)
    (item,) = list_items(client, clock, seeded)
    assert (item["contactType"], item["companyId"]) == ("company", company_row.id)


def list_items(client: TestClient, clock: Clock, seeded: Seeded) -> list[dict[str, Any]]:
    """Every opportunity of the account as getOpportunityList answers it."""
    response = call(client, seeded.tenant, clock, "crm", "getOpportunityList", {})
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def test_missing_stage_takes_the_account_default(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    opportunity_id = created_id(post(client, seeded.tenant, clock, base_body(seeded)))
    row = opportunity_row(uow_factory, seeded.tenant.account_id, opportunity_id)
    assert row["stage_id"] == seeded["stageId"]
    assert row["contact_type"] == "contact"


def test_account_without_default_stage_needs_a_stage(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork
) -> None:
    tenant = new_tenant(uow_factory)
    with uow_factory as uow:
        lookups = uow.lookups(tenant.account_id)
        from venuecrm.platform.models import LeadType, Venue

        venue = lookups.add(Venue, name="V")
        kind = lookups.add(LeadType, name="T")
        source = lookups.add(LeadSource, name="S")
        ids = (venue.id, kind.id, source.id)
        uow.commit()
    body = {
        "venueId": ids[0],
        "name": "n",
        "typeId": ids[1],
        "sourceId": ids[2],
        "contact": {"firstName": "a", "lastName": "b", "email": "a@b.co"},
    }
    assert rejected(client, tenant, clock, uow_factory, body) == [
        "stageId: is required: the account has no default stage"
    ]


def test_subtype_is_required_for_a_type_with_subtypes(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    body = base_body(seeded, typeId=seeded["typeWithSubtypesId"])
    assert rejected(client, seeded.tenant, clock, uow_factory, body) == [
        f"subtypeId: is required: type {seeded['typeWithSubtypesId']} has subtypes"
    ]
    body = base_body(seeded, subtypeId=seeded["subtypeId"])  # typeId has no subtypes
    assert rejected(client, seeded.tenant, clock, uow_factory, body) == [
        f"subtypeId: type {seeded['typeId']} has no subtypes"
    ]


def test_ids_of_another_account_are_unknown(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    other = seeded_tenant(uow_factory)
    body = base_body(
        seeded,
        venueId=other["venueId"],
        typeId=other["typeId"],
        sourceId=other["sourceId"],
        stageId=other["stageId"],
        channelId=other["channelId"],
        qualityId=other["qualityId"],
        industryId=other["industryId"],
        ownerUserId=other["ownerUserId"],
        contact=OMIT,
        contactId=999_999_999,
    )
    found = rejected(client, seeded.tenant, clock, uow_factory, body)
    assert sorted(found) == sorted(
        [
            f"venueId: no venue {other['venueId']} in this account",
            f"typeId: no type {other['typeId']} in this account",
            f"sourceId: no source {other['sourceId']} in this account",
            f"stageId: no stage {other['stageId']} in this account",
            f"channelId: no channel {other['channelId']} in this account",
            f"qualityId: no quality {other['qualityId']} in this account",
            f"industryId: no industry {other['industryId']} in this account",
            f"ownerUserId: no user {other['ownerUserId']} in this account",
            "contactId: no contact 999999999 in this account",
        ]
    )


def test_inactive_records_cannot_be_named(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    with uow_factory as uow:
        source = uow.lookups(seeded.tenant.account_id).get(LeadSource, seeded["sourceId"])
        assert source is not None
        source.is_active = False
        uow.commit()
    assert rejected(client, seeded.tenant, clock, uow_factory, base_body(seeded)) == [
        f"sourceId: source {seeded['sourceId']} is inactive"
    ]


def test_stage_rules(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    body = base_body(
        seeded, stageId=seeded["stageId"], stageReasonId=seeded["foreignStageReasonId"]
    )
    assert rejected(client, seeded.tenant, clock, uow_factory, body) == [
        f"stageReasonId: reason {seeded['foreignStageReasonId']} is not a reason of stage "
        f"{seeded['stageId']}"
    ]
    with uow_factory as uow:
        lead_stage = uow.lookups(seeded.tenant.account_id).find(LeadStage, apply_to=2)
        assert lead_stage is not None
        lead_stage_id = lead_stage.id
    body = base_body(seeded, stageId=lead_stage_id)
    assert rejected(client, seeded.tenant, clock, uow_factory, body) == [
        f"stageId: stage {lead_stage_id} does not apply to opportunities"
    ]
    ok = base_body(seeded, stageId=seeded["stageId"], stageReasonId=seeded["stageReasonId"])
    created_id(post(client, seeded.tenant, clock, ok))


def test_referral_source_needs_a_referral(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    body = base_body(seeded, sourceId=seeded["referralSourceId"])
    assert rejected(client, seeded.tenant, clock, uow_factory, body) == [
        f"sourceId: source {seeded['referralSourceId']} is a referral source: give "
        "referralContactId, referralContact, referralCompanyId or referralCompany"
    ]
    first = created_id(post(client, seeded.tenant, clock, base_body(seeded)))
    referrer = opportunity_row(uow_factory, seeded.tenant.account_id, first)["contact_id"]
    for referral in (
        {"referralContactId": referrer},
        {"referralContact": {"firstName": "R", "lastName": "Ef", "email": "r@example.com"}},
        {"referralCompany": {"businessName": "Referrers Inc"}},
    ):
        opportunity_id = created_id(post(client, seeded.tenant, clock, {**body, **referral}))
        row = opportunity_row(uow_factory, seeded.tenant.account_id, opportunity_id)
        assert (row["referral_contact_id"] or row["referral_company_id"]) is not None


def test_company_opportunity_lead_contact_must_belong_to_the_company(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    first = created_id(
        post(
            client,
            seeded.tenant,
            clock,
            base_body(seeded, company={"businessName": "Acme"}),
        )
    )
    stored = opportunity_row(uow_factory, acct, first)
    company_id, member_id = stored["company_id"], stored["contact_id"]
    outsider = created_id(
        post(
            client,
            seeded.tenant,
            clock,
            base_body(
                seeded,
                contact={"firstName": "Out", "lastName": "Sider", "email": "out@example.com"},
            ),
        )
    )
    outsider_id = opportunity_row(uow_factory, acct, outsider)["contact_id"]

    ok = base_body(seeded, contact=OMIT, companyId=company_id, companyLeadContactId=member_id)
    row = opportunity_row(uow_factory, acct, created_id(post(client, seeded.tenant, clock, ok)))
    assert (row["contact_type"], row["company_id"], row["contact_id"]) == (
        "company",
        company_id,
        member_id,
    )
    bad = base_body(seeded, contact=OMIT, companyId=company_id, companyLeadContactId=outsider_id)
    assert rejected(client, seeded.tenant, clock, uow_factory, bad) == [
        f"companyLeadContactId: contact {outsider_id} is not a contact of company {company_id}"
    ]
    no_company = base_body(seeded, contact=OMIT, companyLeadContactId=member_id)
    assert "companyLeadContactId: needs companyId or company" in rejected(
        client, seeded.tenant, clock, uow_factory, no_company
    )
    both = base_body(seeded, contact=OMIT, companyId=company_id, contactId=member_id)
    assert rejected(client, seeded.tenant, clock, uow_factory, both) == [
        "contactId: a company opportunity takes its contact from companyLeadContactId or contact"
    ]


def test_contact_opportunity_takes_any_contact_of_the_account(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    first = created_id(
        post(client, seeded.tenant, clock, base_body(seeded, company={"businessName": "Co"}))
    )
    member = opportunity_row(uow_factory, acct, first)["contact_id"]
    body = base_body(seeded, contact=OMIT, contactId=member)
    row = opportunity_row(uow_factory, acct, created_id(post(client, seeded.tenant, clock, body)))
    assert (row["contact_type"], row["company_id"], row["contact_id"]) == ("contact", None, member)


def test_updateifexists_matches_trimmed_case_and_unicode_insensitively(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    created_id(
        post(
            client,
            seeded.tenant,
            clock,
            base_body(seeded, company={"businessName": "Caf\u00e9 \uff2eova Ltd"}),
        )
    )
    again = base_body(
        seeded,
        company={"businessName": "  CAFÉ  nova ltd ", "phone": "07 1234", "updateIfExists": True},
        contact={
            "firstName": " ADA",
            "lastName": "lovelace ",
            "email": "ADA@example.com",
            "phone": "0400",
            "updateIfExists": True,
        },
    )
    created_id(post(client, seeded.tenant, clock, again))
    (company,) = rows(uow_factory, Company, acct)
    (contact,) = rows(uow_factory, Contact, acct)
    assert company.phone == "07 1234"
    assert company.business_name == "CAFÉ  nova ltd"  # stripped, the rest as sent
    assert contact.phone == "0400"


def test_several_matches_update_the_lowest_id(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    for _ in range(2):
        created_id(
            post(client, seeded.tenant, clock, base_body(seeded, company={"businessName": "Twin"}))
        )
    body = base_body(
        seeded,
        company={"businessName": "twin", "website": "https://t.example", "updateIfExists": True},
    )
    created_id(post(client, seeded.tenant, clock, body))
    first, second = rows(uow_factory, Company, acct)
    assert (first.website, second.website) == ("https://t.example", None)


def test_nested_object_with_id_updates_that_record(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    created_id(
        post(client, seeded.tenant, clock, base_body(seeded, company={"businessName": "Old"}))
    )
    (company,) = rows(uow_factory, Company, acct)
    (contact,) = rows(uow_factory, Contact, acct)
    body = base_body(
        seeded,
        company={"id": str(company.id), "tradingName": "New Trading"},
        contact={"id": contact.id, "phone": "555"},
    )
    created_id(post(client, seeded.tenant, clock, body))
    (company_after,) = rows(uow_factory, Company, acct)
    (contact_after,) = rows(uow_factory, Contact, acct)
    assert (company_after.business_name, company_after.trading_name) == ("Old", "New Trading")
    assert (contact_after.email, contact_after.phone) == ("ada@example.com", "555")
    missing = base_body(seeded, company={"id": 999_999_999})
    assert rejected(client, seeded.tenant, clock, uow_factory, missing) == [
        "company.id: no company 999999999 in this account"
    ]


def test_nested_objects_are_validated_with_paths(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    body = base_body(
        seeded,
        contact={"firstName": "No", "email": "not-an-email"},
        referralCompany={"firstName": "Typed", "lastName": "AsContact", "email": "x@example.com"},
        referralContact={"lastName": "Only"},
        company={"businessName": "", "primaryContact": {"firstName": "P"}},
    )
    assert sorted(rejected(client, seeded.tenant, clock, uow_factory, body)) == sorted(
        [
            "contact.email: not a valid email address",
            "contact.lastName: is required",
            "company.businessName: is required",
            "company.primaryContact.lastName: is required",
            "company.primaryContact.email: is required",
            "referralCompany.businessName: is required",  # D11: .NET types it a contact
            "referralContact.firstName: is required",
            "referralContact.email: is required",
        ]
    )


def test_lastname_alias_and_string_ids_are_accepted(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    body = base_body(
        seeded,
        venueId=str(seeded["venueId"]),
        typeId=str(seeded["typeId"]),
        contact={"firstName": "Grace", "LastName": "Hopper", "email": "grace@example.com"},
    )
    created_id(post(client, seeded.tenant, clock, body))
    (contact,) = rows(uow_factory, Contact, seeded.tenant.account_id)
    assert contact.last_name == "Hopper"


def test_malformed_ids_and_values_are_all_listed(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    body = base_body(
        seeded,
        venueId="107a",
        typeId=1.5,
        sourceId=True,
        name=42,
        closedDate="05/05/2017",
        externalUrls=[{"ref": "crm", "url": "http://insecure.example"}],
    )
    assert sorted(rejected(client, seeded.tenant, clock, uow_factory, body)) == sorted(
        [
            "venueId: must be a positive whole-number id",
            "typeId: must be a positive whole-number id",
            "sourceId: must be a positive whole-number id",
            "name: must be a string",
            "closedDate: must be a date (yyyy-mm-dd) or an iVvy timestamp",
            "externalUrls[0].url: must be an https:// URL",
        ]
    )


def test_external_urls_are_stored(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    urls = [{"ref": "crm", "url": "https://crm.example/1", "label": "CRM"}]
    opportunity_id = created_id(
        post(client, seeded.tenant, clock, base_body(seeded, externalUrls=urls))
    )
    row = opportunity_row(uow_factory, seeded.tenant.account_id, opportunity_id)
    assert row["external_urls"] == urls
    four = [{"ref": str(i), "url": f"https://x.example/{i}"} for i in range(4)]
    assert rejected(
        client, seeded.tenant, clock, uow_factory, base_body(seeded, externalUrls=four)
    ) == ["externalUrls: must have at most 3 items"]


def test_nothing_is_written_when_a_late_rule_fails(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    # Parties are valid and would be created; the custom field fails, so none of it may land.
    body = base_body(
        seeded,
        company={"businessName": "Never Written"},
        referralCompany={
            "businessName": "Nor This",
            "primaryContact": {"firstName": "N", "lastName": "O", "email": "no@example.com"},
        },
        customFields=[{"fieldId": seeded.field_id(8), "fieldValue": "many"}],
    )
    assert rejected(client, seeded.tenant, clock, uow_factory, body) == [
        "customFields[0].fieldValue: must be a whole number"
    ]
    assert rows(uow_factory, Opportunity, seeded.tenant.account_id) == []
