"""crm getOpportunityList: what addOrUpdateOpportunity wrote reads back, field for field."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.list_helpers import call, collection
from tests.api.opportunity_helpers import OMIT, base_body, created_id, opportunity_row, post
from tests.factories import Clock, Seeded, seeded_tenant
from venuecrm.platform.uow import UnitOfWork


def listed(client: TestClient, clock: Clock, seeded: Seeded, body: Any) -> list[dict[str, Any]]:
    """The results of one getOpportunityList call."""
    _, results = collection(call(client, seeded.tenant, clock, "crm", "getOpportunityList", body))
    return results


def test_a_write_reads_back_field_for_field(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    notes, guests = seeded.field_id(0), seeded.field_id(8)
    body = base_body(
        seeded,
        description="Annual gala",
        typeId=seeded["typeWithSubtypesId"],
        subtypeId=seeded["subtypeId"],
        stageId=seeded["stageId"],
        stageReasonId=seeded["stageReasonId"],
        channelId=seeded["channelId"],
        qualityId=seeded["qualityId"],
        industryId=seeded["industryId"],
        ownerUserId=seeded["ownerUserId"],
        closedDate="2027-02-03",
        utmSource="google",
        utmContent="ad-1",
        company={"businessName": "List Co", "phone": "07 1111", "email": "hi@list.example"},
        externalUrls=[{"ref": "crm", "url": "https://crm.example/9", "label": "CRM"}],
        customFields=[{"fieldId": guests, "fieldValue": 150}, {"fieldId": notes, "value": "n"}],
    )
    opportunity_id = created_id(post(client, seeded.tenant, clock, body))
    row = opportunity_row(uow_factory, seeded.tenant.account_id, opportunity_id)
    (item,) = listed(client, clock, seeded, {})
    assert item == {
        "id": opportunity_id,
        "venueId": seeded["venueId"],
        "name": "Wedding enquiry",
        "description": "Annual gala",
        "ownerUser": {
            "id": seeded["ownerUserId"],
            "firstName": "Sam",
            "lastName": "Seller",
            "email": "sam.seller@example.com",
            "phone": "",
        },
        "contact": {
            "id": row["contact_id"],
            "firstName": "Ada",
            "lastName": "Lovelace",
            "email": "ada@example.com",
            "phone": None,
        },
        "company": {
            "id": row["company_id"],
            "businessName": "List Co",
            "businessNumber": None,
            "phone": "07 1111",
            "email": "hi@list.example",
        },
        "contactType": "company",
        "contactId": row["contact_id"],
        "companyId": row["company_id"],
        "ownerUserId": seeded["ownerUserId"],
        "qualityId": seeded["qualityId"],
        "quality": "Hot",
        "stageId": seeded["stageId"],
        "stageName": "New Enquiry",
        "stageReasonId": seeded["stageReasonId"],
        "stageReasonName": "Website form",
        "adminStatusChangedDate": row["stage_changed_at"].strftime("%Y-%m-%d %H:%M:%S UTC"),
        "typeId": seeded["typeWithSubtypesId"],
        "type": "Wedding",
        "subtypeId": seeded["subtypeId"],
        "sourceId": seeded["sourceId"],
        "sourceName": "Website",
        "channelId": seeded["channelId"],
        "channelName": "Email",
        "currentBookingId": None,
        "leadBccEmail": None,
        "closedDate": "2027-02-03 00:00:00 UTC",
        "lostToCompetition": None,
        "lostToCompetitionName": None,
        "referralContactId": None,
        "referralCompanyId": None,
        "confirmedQuoteId": None,
        "confirmedQuoteStatus": None,
        "cancelledQuoteId": None,
        "utmSource": "google",
        "utmMedium": None,
        "utmCampaign": None,
        "utmTerm": None,
        "utmContent": "ad-1",
        "createdDate": row["created_at"].strftime("%Y-%m-%d %H:%M:%S UTC"),
        "modifiedDate": row["modified_at"].strftime("%Y-%m-%d %H:%M:%S UTC"),
        "externalUrls": [{"ref": "crm", "url": "https://crm.example/9", "label": "CRM"}],
        "customFields": [
            {"fieldId": notes, "displayName": "Notes", "fieldValue": "n"},
            {"fieldId": guests, "displayName": "Expected guests", "fieldValue": 150},
        ],
        "monetaryAmount": None,
        "currency": None,
        "winProbability": None,
        "priority": None,
        "status": None,
        "statusId": None,
        "tags": None,
        "wonReasonId": None,
        "wonReason": None,
        "leadId": None,
        "stageLastChangedAt": None,
    }


def test_unified_crm_fields_show_as_extra_keys(
    client: TestClient, clock: Clock, seeded: Seeded
) -> None:
    headers = {"Authorization": f"Bearer {seeded['apiKey']}:{seeded['apiSecret']}"}
    created = client.post(
        "/crm/opportunities",
        json={
            "title": "From CRM",
            "pipeline_id": str(seeded["venueId"]),
            "company_name": "C",
            "monetary_amount": 1234.5,
            "currency": "AUD",
            "win_probability": 60,
            "tags": ["big"],
            "status": "Open",
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    (item,) = listed(client, clock, seeded, {})
    assert item["name"] == "From CRM"
    assert (item["monetaryAmount"], item["currency"], item["winProbability"]) == (1234.5, "AUD", 60)
    assert (item["tags"], item["status"]) == (["big"], "Open")


def test_venue_ids_filters_and_paging(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    here = [
        created_id(post(client, seeded.tenant, clock, base_body(seeded, name=f"H{i}")))
        for i in range(3)
    ]
    there = created_id(
        post(
            client,
            seeded.tenant,
            clock,
            base_body(seeded, venueId=seeded["otherVenueId"], name="There"),
        )
    )
    ids = lambda body: [r["id"] for r in listed(client, clock, seeded, body)]  # noqa: E731
    assert ids({}) == [*here, there]
    assert ids({"venueIds": [seeded["otherVenueId"]]}) == [there]
    assert ids({"venueId": seeded["venueId"]}) == here
    assert ids({"venueId": [seeded["venueId"], seeded["otherVenueId"]]}) == [*here, there]
    assert ids({"filter": {"name__BEGINS": "h"}}) == here
    assert ids({"filter": {"stageName": "New Enquiry", "name__NOT": "H1"}}) == [
        here[0],
        here[2],
        there,
    ]
    assert ids({"filter": {"closedDate": "ISNULL"}}) == [*here, there]
    assert ids({"filter": {"fromModifiedDate": "2000-01-01"}}) == [*here, there]
    assert ids({"filter": {"toModifiedDate": "2000-01-01"}}) == []
    meta, first = collection(
        call(client, seeded.tenant, clock, "crm", "getOpportunityList", {"perPage": 2})
    )
    assert meta == {"totalResults": 4, "start": 0, "perPage": 2, "count": 2}
    post(client, seeded.tenant, clock, base_body(seeded, name="Added between pages"))
    _, second = collection(
        call(client, seeded.tenant, clock, "crm", "getOpportunityList", {"perPage": 2, "start": 2})
    )
    assert [r["id"] for r in first + second] == [*here, there]


def test_unknown_filter_is_23016_and_other_accounts_are_invisible(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    other = seeded_tenant(uow_factory)
    created_id(post(client, other.tenant, clock, base_body(other)))
    assert listed(client, clock, seeded, {}) == []
    assert listed(client, clock, seeded, {"venueIds": [other["venueId"]]}) == []
    response = call(
        client, seeded.tenant, clock, "crm", "getOpportunityList", {"filter": {"colour": "red"}}
    )
    body = response.json()
    assert response.status_code == 400
    assert (body["specificCode"], body["message"]) == (23016, "'filter.colour' does not validate")


def test_deleted_opportunities_are_not_listed(
    client: TestClient, clock: Clock, seeded: Seeded
) -> None:
    kept = created_id(post(client, seeded.tenant, clock, base_body(seeded)))
    gone = created_id(post(client, seeded.tenant, clock, base_body(seeded)))
    headers = {"Authorization": f"Bearer {seeded['apiKey']}:{seeded['apiSecret']}"}
    assert client.delete(f"/crm/opportunities/{gone}", headers=headers).status_code == 200
    assert [r["id"] for r in listed(client, clock, seeded, {})] == [kept]


# The result item of crm getOpportunityList as iVvy documents it, key by key (the .NET SDK's
# model maps every one of them), with the keys of its nested objects.
DOCUMENTED_ITEM_KEYS = {
    "id", "venueId", "name", "description", "ownerUser", "contact", "company",
    "currentBookingId", "qualityId", "quality", "stageId", "stageName", "stageReasonId",
    "stageReasonName", "adminStatusChangedDate", "typeId", "type", "subtypeId", "sourceId",
    "sourceName", "channelId", "channelName", "leadBccEmail", "closedDate", "lostToCompetition",
    "createdDate", "modifiedDate", "externalUrls",
}  # fmt: skip
DOCUMENTED_NESTED_KEYS = {
    "ownerUser": {"id", "firstName", "lastName", "email", "phone"},
    "contact": {"id", "firstName", "lastName", "email", "phone"},
    "company": {"id", "businessName", "businessNumber", "phone", "email"},
}


def test_items_carry_every_documented_key(client: TestClient, clock: Clock, seeded: Seeded) -> None:
    bare = created_id(post(client, seeded.tenant, clock, base_body(seeded, contact=OMIT)))
    full = created_id(
        post(
            client,
            seeded.tenant,
            clock,
            base_body(seeded, ownerUserId=seeded["ownerUserId"], company={"businessName": "K"}),
        )
    )
    items = {item["id"]: item for item in listed(client, clock, seeded, {})}
    assert set(items) == {bare, full}
    for item in items.values():
        assert set(item) >= DOCUMENTED_ITEM_KEYS, DOCUMENTED_ITEM_KEYS - set(item)
        assert item["currentBookingId"] is None
        assert item["leadBccEmail"] is None
    for key, nested in DOCUMENTED_NESTED_KEYS.items():
        assert set(items[full][key]) == nested
        assert items[bare][key] is None
