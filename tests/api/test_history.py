"""Change records and the history actions: every write records what it changed, once.

Through the real app on a real database: an update of every opportunity field shows each old and
new value; creation, nested parties, notes and /crm deletes are recorded; a rejected request and
an update that changes nothing record nothing; another account's history is not found.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from tests.api.custom_field_helpers import define_fields
from tests.api.list_helpers import call, collection, error
from tests.api.opportunity_helpers import (
    URI,
    base_body,
    created_id,
    opportunity_row,
    post,
    post_all,
)
from tests.api.party_helpers import ADD_COMPANY, ADD_CONTACT, custom_values, save
from tests.factories import Clock, Seeded, seeded_tenant
from venuecrm.features.parties.records import Records
from venuecrm.platform.models import (
    ApiKey,
    Change,
    LeadChannel,
    LeadSource,
    LeadStage,
    LeadStageReason,
    LostReason,
)
from venuecrm.platform.uow import UnitOfWork

HISTORY = {
    "opportunity": ("venue", "getOpportunityHistory", "opportunityId"),
    "contact": ("contact", "getContactHistory", "contactId"),
    "company": ("contact", "getCompanyHistory", "companyId"),
}


def history(
    client: TestClient, clock: Clock, seeded: Seeded, entity: str, record_id: int, **extra: Any
) -> list[dict[str, Any]]:
    """The record's change records, as the history action answers them (newest first)."""
    namespace, action, key = HISTORY[entity]
    response = call(client, seeded.tenant, clock, namespace, action, {key: record_id, **extra})
    _, results = collection(response)
    assert all(item[key] == record_id for item in results)
    return results


def changed(item: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """A change record's fields as {field: (from, to)}."""
    fields = [change["field"] for change in item["changes"]]
    assert len(fields) == len(set(fields)), "a field listed twice"
    return {change["field"]: (change["from"], change["to"]) for change in item["changes"]}


def change_count(uow: UnitOfWork, account_id: int) -> int:
    """Change records of the account, read from the table itself."""
    with uow:
        query = select(func.count()).select_from(Change).where(Change.account_id == account_id)
        return int(uow.session.execute(query).scalar_one())


def key_id(uow: UnitOfWork, seeded: Seeded) -> int:
    """The id of the API key the tenant signs with."""
    with uow:
        found = uow.session.execute(select(ApiKey.id).where(ApiKey.key == seeded.tenant.key))
        return int(found.scalar_one())


def lookup_id(uow: UnitOfWork, account_id: int, model: type[Any], **match: Any) -> int:
    """The id of one of the account's lookup rows, added when it is missing."""
    with uow:
        lookups = uow.lookups(account_id)
        row = lookups.find(model, **match) or lookups.add(model, **match)
        found = int(row.id)
        uow.commit()
    return found


def ok(response: Response) -> int:
    """The id of a write that must succeed."""
    return created_id(response)


def test_an_update_of_every_field_records_each_old_and_new_value(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    text, select_, multi, day, guests = (seeded.field_id(t) for t in (0, 2, 3, 5, 8))
    body = base_body(
        seeded,
        utmSource="google", utmMedium="cpc", utmCampaign="spring", utmTerm="venue",
        utmContent="ad-1",
        customFields=[{"fieldId": text, "fieldValue": "first"},
                      {"fieldId": select_, "fieldValue": "Buffet"},
                      {"fieldId": guests, "fieldValue": 120}],
    )  # fmt: skip
    opportunity_id = ok(post(client, seeded.tenant, clock, body))
    before = opportunity_row(uow_factory, acct, opportunity_id)
    custom_before = custom_values(uow_factory, acct, "opportunity", opportunity_id)
    contact_id = before["contact_id"]
    company_id = save(client, seeded.tenant, clock, ADD_COMPANY, {"businessName": "Hist Co"})
    referral_company = save(client, seeded.tenant, clock, ADD_COMPANY, {"businessName": "Ref Co"})
    lead = {"firstName": "Lea", "lastName": "Lead", "email": "lea@example.com"}
    lead_id = save(client, seeded.tenant, clock, ADD_CONTACT, {**lead, "companies": [company_id]})
    source_id = lookup_id(uow_factory, acct, LeadSource, name="Phone")
    channel_id = lookup_id(uow_factory, acct, LeadChannel, name="Walk-in")
    lost_stage = lookup_id(uow_factory, acct, LeadStage, name="Lost")
    lost_reason = lookup_id(uow_factory, acct, LostReason, name="Chose another venue")
    price_reason = lookup_id(
        uow_factory, acct, LeadStageReason, stage_id=lost_stage, reason="Price"
    )
    urls = [{"ref": "crm", "url": "https://crm.example/9", "label": "CRM"}]

    update = {
        "id": opportunity_id, "venueId": seeded["venueId"], "name": "Gala dinner",
        "description": "Annual gala", "companyId": company_id, "companyLeadContactId": lead_id,
        "qualityId": seeded["qualityId"], "industryId": seeded["industryId"],
        "sourceId": source_id, "typeId": seeded["typeWithSubtypesId"],
        "subtypeId": seeded["subtypeId"], "ownerUserId": seeded["ownerUserId"],
        "stageId": lost_stage, "stageReasonId": price_reason, "channelId": channel_id,
        "utmContent": "ad-2", "referralContactId": contact_id,
        "referralCompanyId": referral_company, "confirmedQuoteId": 11,
        "confirmedQuoteStatus": 2, "cancelledQuoteId": 12, "lostToCompetition": lost_reason,
        "closedDate": "2027-02-03", "externalUrls": urls,
        "customFields": [{"fieldId": text, "fieldValue": "second"},
                         {"fieldId": select_, "fieldValue": "Plated"},
                         {"fieldId": multi, "fieldValue": ["AV", "Wifi"]},
                         {"fieldId": day, "fieldValue": "2027-01-01"},
                         {"fieldId": guests, "fieldValue": None}],
    }  # fmt: skip
    response = post(client, seeded.tenant, clock, update)
    assert ok(response) == opportunity_id
    custom_after = custom_values(uow_factory, acct, "opportunity", opportunity_id)

    newest, added = history(client, clock, seeded, "opportunity", opportunity_id)
    custom = {
        f"customFields.{field}": (custom_before.get(field), custom_after.get(field))
        for field in (text, select_, multi, day, guests)
    }
    assert changed(newest) == {
        "name": ("Wedding enquiry", "Gala dinner"),
        "description": (None, "Annual gala"),
        "contactType": ("contact", "company"),
        "companyId": (None, company_id),
        "contactId": (contact_id, lead_id),
        "qualityId": (None, seeded["qualityId"]),
        "industryId": (None, seeded["industryId"]),
        "sourceId": (seeded["sourceId"], source_id),
        "typeId": (seeded["typeId"], seeded["typeWithSubtypesId"]),
        "subtypeId": (None, seeded["subtypeId"]),
        "ownerUserId": (None, seeded["ownerUserId"]),
        "stageId": (before["stage_id"], lost_stage),
        "stageReasonId": (None, price_reason),
        "channelId": (None, channel_id),
        "utmContent": ("ad-1", "ad-2"),
        "referralContactId": (None, contact_id),
        "referralCompanyId": (None, referral_company),
        "confirmedQuoteId": (None, 11),
        "confirmedQuoteStatus": (None, 2),
        "cancelledQuoteId": (None, 12),
        "lostToCompetition": (None, lost_reason),
        "closedDate": (None, "2027-02-03 00:00:00 UTC"),
        "externalUrls": ([], urls),
        **custom,
    }
    # The values a custom field held are the stored ones; a cleared one is null.
    assert custom[f"customFields.{guests}"] == (120, None)
    assert custom[f"customFields.{text}"] == ("first", "second")
    assert newest["action"] == "updated"
    assert newest["apiKeyId"] == key_id(uow_factory, seeded)
    assert newest["apiKeyLabel"] == "seed-demo"
    assert newest["requestId"] == response.headers["x-request-id"]
    assert newest["changedDate"].endswith(" UTC")
    assert newest["id"] > added["id"]

    # Creation: every field the request set, from null; utm* but utmContent only exist here.
    assert added["action"] == "added"
    fields = changed(added)
    for name, value in {"venueId": seeded["venueId"], "name": "Wedding enquiry",
                        "typeId": seeded["typeId"], "sourceId": seeded["sourceId"],
                        "stageId": before["stage_id"], "contactType": "contact",
                        "contactId": contact_id, "utmSource": "google", "utmMedium": "cpc",
                        "utmCampaign": "spring", "utmTerm": "venue", "utmContent": "ad-1",
                        f"customFields.{guests}": 120}.items():  # fmt: skip
        assert fields[name] == (None, value), name
    assert "modifiedDate" not in fields
    assert "naturalKey" not in fields

    # Paged like every collection: the second newest alone.
    (second,) = history(client, clock, seeded, "opportunity", opportunity_id, start=1, perPage=1)
    assert second == added


def test_nested_parties_record_their_own_changes(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    fields = define_fields(uow_factory, acct, "company")
    company = {"businessName": "Nested Co", "updateIfExists": True,
               "customFields": [{"fieldId": fields[0], "fieldValue": "gold"}]}  # fmt: skip
    contact = {"firstName": "Nia", "lastName": "Nested", "email": "nia@example.com",
               "updateIfExists": True}  # fmt: skip
    first = ok(
        post(client, seeded.tenant, clock, base_body(seeded, company=company, contact=contact))
    )
    row = opportunity_row(uow_factory, acct, first)
    again = base_body(
        seeded,
        company={**company, "phone": "07 3333",
                 "customFields": [{"fieldId": fields[0], "fieldValue": "silver"}]},
        contact={**contact, "phone": "0400 000 000"},
    )  # fmt: skip
    second = ok(post(client, seeded.tenant, clock, again))
    assert opportunity_row(uow_factory, acct, second)["company_id"] == row["company_id"]

    updated, added = history(client, clock, seeded, "company", row["company_id"])
    assert added["action"] == "added"
    assert changed(added)["businessName"] == (None, "Nested Co")
    assert changed(added)[f"customFields.{fields[0]}"] == (None, "gold")
    assert changed(updated) == {
        "phone": (None, "07 3333"),
        f"customFields.{fields[0]}": ("gold", "silver"),
    }
    contact_updated, contact_added = history(client, clock, seeded, "contact", row["contact_id"])
    assert changed(contact_updated) == {"phone": (None, "0400 000 000")}
    assert contact_added["action"] == "added"


def test_an_update_that_changes_nothing_records_nothing(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    guests = seeded.field_id(8)
    body = base_body(seeded, customFields=[{"fieldId": guests, "fieldValue": 80}])
    opportunity_id = ok(post(client, seeded.tenant, clock, body))
    contact_id = opportunity_row(uow_factory, acct, opportunity_id)["contact_id"]
    count = change_count(uow_factory, acct)
    same = {"id": opportunity_id, "venueId": seeded["venueId"], "name": "Wedding enquiry",
            "customFields": [{"fieldId": guests, "fieldValue": 80}]}  # fmt: skip
    assert ok(post(client, seeded.tenant, clock, same)) == opportunity_id
    save(client, seeded.tenant, clock, ADD_CONTACT, {"id": contact_id, "firstName": "Ada"})
    assert change_count(uow_factory, acct) == count
    (only,) = history(client, clock, seeded, "opportunity", opportunity_id)
    assert only["action"] == "added"


def test_a_rejected_request_records_nothing(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    opportunity_id = ok(post(client, seeded.tenant, clock, base_body(seeded)))
    count = change_count(uow_factory, acct)
    bad = {"id": opportunity_id, "venueId": seeded["venueId"], "name": "Renamed",
           "typeId": 999999999, "contact": {"firstName": "New", "lastName": "Person",
                                            "email": "new@example.com"}}  # fmt: skip
    response = post(client, seeded.tenant, clock, bad)
    assert response.status_code == 400
    assert change_count(uow_factory, acct) == count
    assert len(history(client, clock, seeded, "opportunity", opportunity_id)) == 1


def test_crm_changes_and_deletes_are_recorded_and_stay_readable(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    headers = {"Authorization": f"Bearer {seeded['apiKey']}:{seeded['apiSecret']}"}
    opportunity_id = ok(post(client, seeded.tenant, clock, base_body(seeded)))
    # Every field of the unified view that iVvy's opportunity has no key for.
    patch = {"monetary_amount": 1500.5, "currency": "AUD", "win_probability": 62.5,
             "priority": "high", "status": "open", "status_id": "s-1", "tags": ["vip"],
             "won_reason_id": "w-1", "won_reason": "Best offer", "lead_id": "L-9",
             "stage_last_changed_at": "2026-11-30T08:15:00Z"}  # fmt: skip
    patched = client.patch(f"/crm/opportunities/{opportunity_id}", json=patch, headers=headers)
    assert patched.status_code == 200, patched.text
    deleted = client.delete(f"/crm/opportunities/{opportunity_id}", headers=headers)
    assert deleted.status_code == 200, deleted.text

    removed, updated, _ = history(client, clock, seeded, "opportunity", opportunity_id)
    assert removed["action"] == "deleted"
    assert removed["changes"] == []
    assert removed["requestId"] == deleted.headers["x-request-id"]
    assert changed(updated) == {
        "monetaryAmount": (None, 1500.5),
        "currency": (None, "AUD"),
        "winProbability": (None, 62.5),
        "priority": (None, "high"),
        "status": (None, "open"),
        "statusId": (None, "s-1"),
        "tags": (None, ["vip"]),
        "wonReasonId": (None, "w-1"),
        "wonReason": (None, "Best offer"),
        "leadId": (None, "L-9"),
        "stageLastChangedAt": (None, "2026-11-30 08:15:00 UTC"),
    }
    # The deletion hides the opportunity from getOpportunity, not its history.
    gone = call(client, seeded.tenant, clock, "crm", "getOpportunity", {"id": opportunity_id})
    error(gone, 24222)

    # A contact deleted through /crm: its company no longer names it as primary contact.
    company_id = save(client, seeded.tenant, clock, ADD_COMPANY, {
        "businessName": "Led Co",
        "primaryContact": {"firstName": "Lee", "lastName": "Lead", "email": "lee@example.com"},
    })  # fmt: skip
    (company_added,) = history(client, clock, seeded, "company", company_id)
    lead_id = changed(company_added)["primaryContactId"][1]
    gone_contact = client.delete(f"/crm/contacts/{lead_id}", headers=headers)
    assert gone_contact.status_code == 200, gone_contact.text
    unlinked, _ = history(client, clock, seeded, "company", company_id)
    assert changed(unlinked) == {"primaryContactId": (lead_id, None)}
    contact_deleted, _ = history(client, clock, seeded, "contact", lead_id)
    assert contact_deleted["action"] == "deleted"


def test_notes_are_recorded(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    opportunity_id = ok(post(client, seeded.tenant, clock, base_body(seeded)))
    note = {"venueId": seeded["venueId"], "leadId": opportunity_id, "note": "Called back"}
    note_id = ok(call(client, seeded.tenant, clock, "venue", "addOrUpdateOpportunityNote", note))
    edit = {**note, "id": note_id, "note": "Called back twice"}
    ok(call(client, seeded.tenant, clock, "venue", "addOrUpdateOpportunityNote", edit))
    with uow_factory:
        query = (
            select(Change.action, Change.changes)
            .where(Change.account_id == acct, Change.entity == "note", Change.record_id == note_id)
            .order_by(Change.id)
        )
        recorded = list(uow_factory.session.execute(query))
    assert [action for action, _ in recorded] == ["added", "updated"]
    assert {"field": "leadId", "from": None, "to": opportunity_id} in recorded[0][1]
    assert recorded[1][1] == [{"field": "note", "from": "Called back", "to": "Called back twice"}]


def test_history_of_another_accounts_or_an_unknown_record_is_not_found(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    opportunity_id = ok(post(client, seeded.tenant, clock, base_body(seeded)))
    contact_id = opportunity_row(uow_factory, seeded.tenant.account_id, opportunity_id)[
        "contact_id"
    ]
    company_id = save(client, seeded.tenant, clock, ADD_COMPANY, {"businessName": "Mine Co"})
    other = seeded_tenant(uow_factory)
    for entity, record_id, code in (
        ("opportunity", opportunity_id, 24222),
        ("contact", contact_id, 24096),
        ("company", company_id, 24153),
    ):
        namespace, action, key = HISTORY[entity]
        for tenant, wanted in ((other.tenant, record_id), (seeded.tenant, 2_000_000_000)):
            error(call(client, tenant, clock, namespace, action, {key: wanted}), code)
        missing = call(client, seeded.tenant, clock, namespace, action, {})
        error(missing, 23017)
    elsewhere = {"opportunityId": opportunity_id, "venueId": seeded["otherVenueId"]}
    error(call(client, seeded.tenant, clock, "venue", "getOpportunityHistory", elsewhere), 24222)
    # The owner still reads it.
    assert len(history(client, clock, seeded, "opportunity", opportunity_id)) == 1


def test_concurrent_updates_of_one_record_are_recorded_in_commit_order(
    live_server: str, client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    opportunity_id = ok(post(client, seeded.tenant, clock, base_body(seeded)))
    names = [f"Race {n}" for n in range(12)]
    bodies = [{"id": opportunity_id, "venueId": seeded["venueId"], "name": n} for n in names]
    responses = post_all(live_server, seeded.tenant, [(URI, body) for body in bodies])
    assert [r.status_code for r in responses] == [200] * len(names), [r.text for r in responses]

    oldest_first = history(client, clock, seeded, "opportunity", opportunity_id)[::-1]
    renames = [changed(item)["name"] for item in oldest_first[1:]]
    assert len(renames) == len(names)
    assert {new for _, new in renames} == set(names)
    # Each change starts where the one before it (by id) ended: ids follow commit order.
    assert renames[0][0] == "Wedding enquiry"
    for (_, previous), (old, _) in pairwise(renames):
        assert old == previous
    times = [item["changedDate"] for item in oldest_first]
    assert times == sorted(times)
    final = opportunity_row(uow_factory, seeded.tenant.account_id, opportunity_id)["name"]
    assert renames[-1][1] == final


def test_a_replayed_write_records_nothing_more(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    headers = {
        "Authorization": f"Bearer {seeded['apiKey']}:{seeded['apiSecret']}",
        "Idempotency-Key": "history-replay",
    }
    opportunity_id = ok(post(client, seeded.tenant, clock, base_body(seeded)))
    uri = f"/crm/opportunities/{opportunity_id}"
    first = client.patch(uri, json={"priority": "urgent"}, headers=headers)
    assert first.status_code == 200, first.text
    count = change_count(uow_factory, seeded.tenant.account_id)
    again = client.patch(uri, json={"priority": "urgent"}, headers=headers)
    assert again.headers.get("idempotent-replayed") == "true"
    assert change_count(uow_factory, seeded.tenant.account_id) == count
    updated, _ = history(client, clock, seeded, "opportunity", opportunity_id)
    assert updated["requestId"] == first.headers["x-request-id"]


def test_custom_values_of_a_record_locked_without_them_are_read_before_they_change(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    """The safety net: a writer that locked a record without asking for its custom values
    still records their old values (read before they change)."""
    guests = seeded.field_id(8)
    body = base_body(seeded, customFields=[{"fieldId": guests, "fieldValue": 80}])
    opportunity_id = ok(post(client, seeded.tenant, clock, body))
    with uow_factory:
        records = Records(uow_factory, seeded.tenant.account_id)
        assert records.lock_opportunity(opportunity_id) is not None
        records.set_custom_values("opportunity", opportunity_id, {guests: 81})
        uow_factory.commit()
    updated, _ = history(client, clock, seeded, "opportunity", opportunity_id)
    assert changed(updated) == {f"customFields.{guests}": (80, 81)}
    # Written outside any request: no key, no request id.
    assert (updated["apiKeyId"], updated["requestId"]) == (None, None)
