"""addOrUpdateOpportunity updates: only sent keys change; unknown ids are 24222."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.opportunity_helpers import (
    base_body,
    created_id,
    opportunity_row,
    post,
    problems,
    rejected,
    table_counts,
)
from tests.factories import Clock, Seeded, seeded_tenant
from venuecrm.platform.uow import UnitOfWork

VOLATILE = {"modified_at", "modified_by_key_id"}


def _create(client: TestClient, clock: Clock, seeded: Seeded, **overrides: Any) -> int:
    body = base_body(
        seeded,
        description="first",
        stageId=seeded["stageId"],
        stageReasonId=seeded["stageReasonId"],
        utmSource="newsletter",
        utmContent="banner",
        closedDate="2026-01-31",
        **overrides,
    )
    return created_id(post(client, seeded.tenant, clock, body))


def test_seed_update_example_changes_only_the_name(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    opportunity_id = _create(client, clock, seeded)
    before = opportunity_row(uow_factory, acct, opportunity_id)
    counts = table_counts(uow_factory)
    body = {"id": opportunity_id, "venueId": str(seeded["venueId"]), "name": "Updated Name"}
    assert created_id(post(client, seeded.tenant, clock, body)) == opportunity_id
    after = opportunity_row(uow_factory, acct, opportunity_id)
    assert after["name"] == "Updated Name"
    changed = {k for k in before if before[k] != after[k]}
    assert changed - VOLATILE == {"name"}
    assert after["modified_at"] >= before["modified_at"]
    assert table_counts(uow_factory) == counts


def test_update_by_another_key_records_it(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    from venuecrm.features.accounts.service import create_key

    acct = seeded.tenant.account_id
    opportunity_id = _create(client, clock, seeded)
    key, secret = create_key(uow_factory, account_id=acct)
    other_key = type(seeded.tenant)(acct, key, secret)
    body = {"id": opportunity_id, "venueId": seeded["venueId"], "description": "second"}
    created_id(post(client, other_key, clock, body))
    row = opportunity_row(uow_factory, acct, opportunity_id)
    assert row["description"] == "second"
    assert row["modified_by_key_id"] != row["created_by_key_id"]


@pytest.mark.parametrize("case", ["unknown", "other-account", "other-venue"])
def test_update_of_an_opportunity_not_in_the_account_and_venue_is_24222(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded, case: str
) -> None:
    other = seeded_tenant(uow_factory)
    theirs = _create(client, clock, other)
    mine = _create(client, clock, seeded)
    target, venue = {
        "unknown": (999_999_999, seeded["venueId"]),
        "other-account": (theirs, seeded["venueId"]),
        "other-venue": (mine, seeded["otherVenueId"]),
    }[case]
    body = {"id": target, "venueId": venue, "name": "hijack"}
    rejected(client, seeded.tenant, clock, uow_factory, body, specific=24222)
    assert opportunity_row(uow_factory, other.tenant.account_id, theirs)["name"] != "hijack"


def test_utm_fields_are_ignored_on_update_but_utmcontent_is_not(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    opportunity_id = _create(client, clock, seeded)
    body = {
        "id": opportunity_id,
        "venueId": seeded["venueId"],
        "utmSource": "changed",
        "utmMedium": "changed",
        "utmCampaign": "changed",
        "utmTerm": "changed",
        "utmContent": "changed",
    }
    created_id(post(client, seeded.tenant, clock, body))
    row = opportunity_row(uow_factory, seeded.tenant.account_id, opportunity_id)
    assert row["utm_source"] == "newsletter"
    assert row["utm_medium"] is None
    assert row["utm_content"] == "changed"


def test_explicit_null_clears_and_required_fields_cannot_be_cleared(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    opportunity_id = _create(client, clock, seeded)
    body = {
        "id": opportunity_id,
        "venueId": seeded["venueId"],
        "description": None,
        "closedDate": None,
    }
    created_id(post(client, seeded.tenant, clock, body))
    row = opportunity_row(uow_factory, acct, opportunity_id)
    assert (row["description"], row["closed_date"]) == (None, None)
    clearing = {"id": opportunity_id, "venueId": seeded["venueId"], "name": None, "typeId": None,
                "sourceId": None, "stageId": None}  # fmt: skip
    assert sorted(rejected(client, seeded.tenant, clock, uow_factory, clearing)) == sorted(
        [
            "name: cannot be cleared",
            "typeId: cannot be cleared",
            "sourceId: cannot be cleared",
            "stageId: cannot be cleared",
        ]
    )
    no_venue = {"id": opportunity_id, "name": "x"}
    assert rejected(client, seeded.tenant, clock, uow_factory, no_venue) == ["venueId: is required"]


def test_stage_change_clears_the_old_reason_and_stamps_the_time(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    from venuecrm.platform.models import LeadStageReason

    acct = seeded.tenant.account_id
    opportunity_id = _create(client, clock, seeded)
    before = opportunity_row(uow_factory, acct, opportunity_id)
    with uow_factory as uow:
        reason = uow.session.get(LeadStageReason, (acct, seeded["foreignStageReasonId"]))
        assert reason is not None
        lost_stage = reason.stage_id
    same = {"id": opportunity_id, "venueId": seeded["venueId"], "stageId": seeded["stageId"]}
    created_id(post(client, seeded.tenant, clock, same))
    assert (
        opportunity_row(uow_factory, acct, opportunity_id)["stage_changed_at"]
        == before["stage_changed_at"]
    )
    move = {"id": opportunity_id, "venueId": seeded["venueId"], "stageId": lost_stage}
    created_id(post(client, seeded.tenant, clock, move))
    after = opportunity_row(uow_factory, acct, opportunity_id)
    assert after["stage_id"] == lost_stage
    assert after["stage_reason_id"] is None
    assert after["stage_changed_at"] > before["stage_changed_at"]
    wrong = {
        "id": opportunity_id,
        "venueId": seeded["venueId"],
        "stageReasonId": seeded["stageReasonId"],
    }
    assert rejected(client, seeded.tenant, clock, uow_factory, wrong) == [
        f"stageReasonId: reason {seeded['stageReasonId']} is not a reason of stage {lost_stage}"
    ]


def test_changing_to_a_type_with_subtypes_needs_a_subtype(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    opportunity_id = _create(client, clock, seeded)
    body = {
        "id": opportunity_id,
        "venueId": seeded["venueId"],
        "typeId": seeded["typeWithSubtypesId"],
    }
    assert rejected(client, seeded.tenant, clock, uow_factory, body) == [
        f"subtypeId: is required: type {seeded['typeWithSubtypesId']} has subtypes"
    ]
    created_id(post(client, seeded.tenant, clock, {**body, "subtypeId": seeded["subtypeId"]}))
    back = {"id": opportunity_id, "venueId": seeded["venueId"], "typeId": seeded["typeId"]}
    created_id(post(client, seeded.tenant, clock, back))
    row = opportunity_row(uow_factory, seeded.tenant.account_id, opportunity_id)
    assert (row["type_id"], row["subtype_id"]) == (seeded["typeId"], None)


def test_switching_to_a_referral_source_needs_a_referral_unless_one_is_stored(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    opportunity_id = _create(client, clock, seeded)
    body = {
        "id": opportunity_id,
        "venueId": seeded["venueId"],
        "sourceId": seeded["referralSourceId"],
    }
    assert len(rejected(client, seeded.tenant, clock, uow_factory, body)) == 1
    with_referral = {**body, "referralCompany": {"businessName": "Referrer"}}
    created_id(post(client, seeded.tenant, clock, with_referral))
    created_id(post(client, seeded.tenant, clock, {**body, "name": "kept"}))  # referral stored


def test_company_opportunity_keeps_its_company_when_only_the_lead_changes(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    opportunity_id = _create(client, clock, seeded, company={"businessName": "Keep Co"})
    row = opportunity_row(uow_factory, acct, opportunity_id)
    outsider_opp = _create(
        client, clock, seeded, contact={"firstName": "O", "lastName": "S", "email": "o@s.co"}
    )
    outsider = opportunity_row(uow_factory, acct, outsider_opp)["contact_id"]
    body = {"id": opportunity_id, "venueId": seeded["venueId"], "companyLeadContactId": outsider}
    assert rejected(client, seeded.tenant, clock, uow_factory, body) == [
        f"companyLeadContactId: contact {outsider} is not a contact of company {row['company_id']}"
    ]
    to_contact = {"id": opportunity_id, "venueId": seeded["venueId"], "contactId": outsider}
    created_id(post(client, seeded.tenant, clock, to_contact))
    after = opportunity_row(uow_factory, acct, opportunity_id)
    assert (after["contact_type"], after["company_id"], after["contact_id"]) == (
        "contact",
        None,
        outsider,
    )


def test_external_urls_merge_by_ref(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    acct = seeded.tenant.account_id
    urls = [{"ref": "a", "url": "https://a.example"}, {"ref": "b", "url": "https://b.example"}]
    opportunity_id = _create(client, clock, seeded, externalUrls=urls)
    changes = [{"ref": "a", "url": None}, {"ref": "c", "url": "https://c.example", "label": "C"}]
    update = {"id": opportunity_id, "venueId": seeded["venueId"], "externalUrls": changes}
    created_id(post(client, seeded.tenant, clock, update))
    assert [
        u["ref"] for u in opportunity_row(uow_factory, acct, opportunity_id)["external_urls"]
    ] == ["b", "c"]
    more = [{"ref": r, "url": f"https://{r}.example"} for r in ("d", "e")]
    two_more = {"id": opportunity_id, "venueId": seeded["venueId"], "externalUrls": more}
    assert rejected(client, seeded.tenant, clock, uow_factory, two_more) == [
        "externalUrls: at most 3 external URLs per record"
    ]
    created_id(post(client, seeded.tenant, clock, {**update, "externalUrls": None}))
    assert opportunity_row(uow_factory, acct, opportunity_id)["external_urls"] == []


def test_update_reports_every_problem_not_just_the_first(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    opportunity_id = _create(client, clock, seeded)
    body = {
        "id": opportunity_id,
        "venueId": seeded["venueId"],
        "channelId": 999_999_999,
        "contact": {"email": "bad"},
        "customFields": [{"fieldId": seeded.field_id(2), "fieldValue": "Nope"}],
    }
    assert problems(post(client, seeded.tenant, clock, body)) == [
        "contact.email: not a valid email address",
        "contact.firstName: is required",
        "contact.lastName: is required",
        "channelId: no channel 999999999 in this account",
        "customFields[0].fieldValue: must be one of ['Buffet', 'Cocktail', 'Plated']",
    ]
