"""crm getOpportunity: one opportunity, exactly as getOpportunityList lists it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.list_helpers import NO_BODY, call, collection, error, refused
from tests.api.opportunity_helpers import base_body, created_id, opportunity_row, post
from tests.factories import Clock, Seeded, seeded_tenant
from venuecrm.platform.uow import UnitOfWork

ACTION = ("crm", "getOpportunity")


def get(client: TestClient, clock: Clock, seeded: Seeded, body: Any) -> dict[str, Any]:
    """The reply of one successful getOpportunity call."""
    response = call(client, seeded.tenant, clock, *ACTION, body)
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


def test_the_reply_is_the_list_item(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    body = base_body(
        seeded,
        description="Annual gala",
        company={"businessName": "Get Co", "phone": "07 2222"},
        customFields=[{"fieldId": seeded.field_id(0), "value": "n"}],
    )
    wanted = created_id(post(client, seeded.tenant, clock, body))
    other = created_id(post(client, seeded.tenant, clock, base_body(seeded, name="Other")))
    _, listed = collection(call(client, seeded.tenant, clock, "crm", "getOpportunityList", {}))
    by_id = {item["id"]: item for item in listed}

    assert get(client, clock, seeded, {"id": wanted}) == by_id[wanted]
    # A digit string names the same id, as everywhere in the iVvy API.
    assert get(client, clock, seeded, {"id": str(other)}) == by_id[other]
    row = opportunity_row(uow_factory, seeded.tenant.account_id, wanted)
    assert (by_id[wanted]["name"], by_id[wanted]["companyId"]) == (row["name"], row["company_id"])


def test_unknown_deleted_and_other_accounts_opportunities_are_24222(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    other = seeded_tenant(uow_factory)
    theirs = created_id(post(client, other.tenant, clock, base_body(other)))
    gone = created_id(post(client, seeded.tenant, clock, base_body(seeded)))
    headers = {"Authorization": f"Bearer {seeded['apiKey']}:{seeded['apiSecret']}"}
    assert client.delete(f"/crm/opportunities/{gone}", headers=headers).status_code == 200

    for missing in (theirs, gone, 999_999_999):
        envelope = refused(
            client, seeded.tenant, clock, uow_factory, ACTION, {"id": missing}, 24222
        )
        assert envelope["message"] == f"Opportunity {missing} does not exist"
        assert envelope["additionalMessages"] == []
    # The other account still sees its own.
    assert get(client, clock, other, {"id": theirs})["id"] == theirs


@pytest.mark.parametrize("body", [NO_BODY, {}, {"id": None}])
def test_without_an_id_is_23017(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded, body: Any
) -> None:
    envelope = refused(client, seeded.tenant, clock, uow_factory, ACTION, body, 23017)
    assert (envelope["message"], envelope["additionalMessages"]) == (
        "'id' is required",
        ["id: is required"],
    )


@pytest.mark.parametrize("body", [{"id": "seven"}, {"id": 0}, b"{not json", [1]])
def test_a_malformed_id_or_body_is_23016(
    client: TestClient, clock: Clock, seeded: Seeded, body: Any
) -> None:
    envelope = error(call(client, seeded.tenant, clock, *ACTION, body), 23016)
    assert envelope["additionalMessages"]
    first = envelope["additionalMessages"][0].split(": ", 1)[0]
    assert envelope["message"] == f"'{first}' does not validate"
