"""Account and venue reference data: industries, users, venues, getVenue and the opportunity
custom field definitions; another account's rows never show."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.list_helpers import NO_BODY, add_rows, call, collection, error, ids
from tests.factories import Clock, Seeded, seeded_tenant
from venuecrm.platform.models import CustomFieldDefinition, Industry, Venue
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.ivvy import format_timestamp


@pytest.fixture
def other(uow_factory: UnitOfWork) -> Seeded:
    """A second account configured like the first."""
    return seeded_tenant(uow_factory)


@pytest.mark.parametrize(
    ("namespace", "action", "model", "values", "seeded_key"),
    [
        ("account", "getIndustryList", Industry, {"name": "Retired"}, "industryId"),
        ("venue", "getVenueList", Venue, {"name": "Closed Hall"}, "venueId"),
    ],
)
def test_lists_show_the_accounts_active_rows_only(
    client: TestClient,
    seeded: Seeded,
    other: Seeded,
    clock: Clock,
    uow_factory: UnitOfWork,
    namespace: str,
    action: str,
    model: Any,
    values: dict[str, Any],
    seeded_key: str,
) -> None:
    (retired,) = add_rows(
        uow_factory, seeded.tenant.account_id, model, [{**values, "is_active": False}]
    )

    _, mine = collection(call(client, seeded.tenant, clock, namespace, action, {}))
    _, theirs = collection(call(client, other.tenant, clock, namespace, action, {}))

    assert seeded[seeded_key] in ids(mine)
    assert retired not in ids(mine)
    assert not set(ids(mine)) & set(ids(theirs))
    assert other[seeded_key] in ids(theirs)


def test_user_list_is_the_accounts_users(
    client: TestClient, seeded: Seeded, other: Seeded, clock: Clock
) -> None:
    _, mine = collection(call(client, seeded.tenant, clock, "account", "getUserList", {}))
    _, theirs = collection(call(client, other.tenant, clock, "account", "getUserList", {}))

    assert ids(mine) == [seeded["ownerUserId"]]
    assert ids(theirs) == [other["ownerUserId"]]


def test_venue_list_items_and_filter(client: TestClient, seeded: Seeded, clock: Clock) -> None:
    params = {"filter": {"businessName__CONTAINS": "hall"}}

    meta, results = collection(call(client, seeded.tenant, clock, "venue", "getVenueList", params))

    assert meta == {"totalResults": 1, "start": 0, "perPage": 100, "count": 1}
    (venue,) = results
    assert set(venue) == {"id", "businessName", "createdDate", "modifiedDate"}
    assert (venue["id"], venue["businessName"]) == (seeded["venueId"], "Grand Hall")
    assert venue["createdDate"].endswith(" UTC")


def test_get_venue_answers_the_venue(
    client: TestClient, seeded: Seeded, clock: Clock, uow_factory: UnitOfWork
) -> None:
    venue_id = seeded["venueId"]

    response = call(client, seeded.tenant, clock, "venue", "getVenue", {"id": str(venue_id)})

    assert response.status_code == 200, response.text
    with uow_factory:
        row = uow_factory.lookups(seeded.tenant.account_id).get(Venue, venue_id)
        assert row is not None
        expected = {
            "id": venue_id,
            "businessName": "Grand Hall",
            "createdDate": format_timestamp(row.created_at),
            "modifiedDate": format_timestamp(row.modified_at),
        }
    assert response.json() == expected


@pytest.mark.parametrize("body", [NO_BODY, {}, {"id": None}, {"venueId": 3}])
def test_get_venue_without_an_id_is_23017(
    client: TestClient, seeded: Seeded, clock: Clock, body: Any
) -> None:
    reply = error(call(client, seeded.tenant, clock, "venue", "getVenue", body), 23017)

    assert reply["message"] == "'id' is required"
    assert reply["additionalMessages"] == ["id: is required"]


@pytest.mark.parametrize("value", ["Grand Hall", 0, -3, 1.5, True, [1]])
def test_get_venue_with_an_invalid_id_is_23016(
    client: TestClient, seeded: Seeded, clock: Clock, value: Any
) -> None:
    reply = error(call(client, seeded.tenant, clock, "venue", "getVenue", {"id": value}), 23016)

    assert reply["message"] == "'id' does not validate"
    assert reply["additionalMessages"] == ["id: must be a positive whole-number id"]


def test_get_venue_of_another_account_unknown_or_inactive_is_24438(
    client: TestClient, seeded: Seeded, other: Seeded, clock: Clock, uow_factory: UnitOfWork
) -> None:
    (closed,) = add_rows(
        uow_factory, seeded.tenant.account_id, Venue, [{"name": "Closed", "is_active": False}]
    )

    for venue_id in (other["venueId"], 2_000_000_000, closed):
        response = call(client, seeded.tenant, clock, "venue", "getVenue", {"id": venue_id})
        reply = error(response, 24438)
        assert reply["message"] == f"Venue {venue_id} does not exist"
    assert (
        call(client, other.tenant, clock, "venue", "getVenue", {"id": other["venueId"]}).json()[
            "id"
        ]
        == other["venueId"]
    )


def test_custom_field_definitions_are_a_bare_array_of_the_accounts_fields(
    client: TestClient, seeded: Seeded, other: Seeded, clock: Clock, uow_factory: UnitOfWork
) -> None:
    account = seeded.tenant.account_id
    (retired,) = add_rows(
        uow_factory,
        account,
        CustomFieldDefinition,
        [{"entity": "opportunity", "field_type": 6, "display_name": "Floor plan",
          "is_active": False, "sort_order": -1, "file_types": ["images"]}],
    )  # fmt: skip
    add_rows(
        uow_factory,
        account,
        CustomFieldDefinition,
        [{"entity": "contact", "field_type": 0, "display_name": "Nickname"}],
    )
    action = "getOpportunityCustomFieldDefinitionList"

    response = call(client, seeded.tenant, clock, "venue", action, {"perPage": 1})
    theirs = call(client, other.tenant, clock, "venue", action, NO_BODY).json()

    assert response.status_code == 200, response.text
    definitions = response.json()
    assert isinstance(definitions, list)
    assert definitions[0] == {
        "fieldId": retired,
        "fieldType": 6,
        "displayName": "Floor plan",
        "isRequired": False,
        "isActive": False,
        "sortOrder": -1,
        "selectValues": None,
        "fileTypes": ["images"],
    }
    seeded_fields = [{**f, "isActive": True, "fileTypes": None} for f in seeded["customFields"]]
    assert [
        {k: v for k, v in d.items() if k != "sortOrder"} for d in definitions[1:]
    ] == seeded_fields
    assert [d["sortOrder"] for d in definitions[1:]] == list(range(len(seeded_fields)))
    assert {d["fieldId"] for d in theirs} == {f["fieldId"] for f in other["customFields"]}
    assert not {d["fieldId"] for d in theirs} & {d["fieldId"] for d in definitions}
