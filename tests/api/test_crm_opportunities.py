"""/crm/opportunities through the HTTP app: mapping both ways, PATCH, lists, errors, auth."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.api.opportunity_helpers import base_body, created_id, post, table_counts
from tests.factories import Clock, Seeded, seeded_tenant
from venuecrm.features.accounts.service import revoke_key
from venuecrm.platform.uow import UnitOfWork

ALL_KEYS = [
    "id",
    "title",
    "primary_contact_id",
    "description",
    "type",
    "monetary_amount",
    "currency",
    "win_probability",
    "expected_revenue",
    "close_date",
    "loss_reason_id",
    "loss_reason",
    "won_reason_id",
    "won_reason",
    "pipeline_id",
    "pipeline_stage_id",
    "source_id",
    "lead_id",
    "lead_source",
    "contact_id",
    "contact_ids",
    "company_id",
    "company_name",
    "owner_id",
    "priority",
    "status",
    "status_id",
    "tags",
    "interaction_count",
    "custom_fields",
    "stage_last_changed_at",
    "last_activity_at",
    "deleted",
    "date_stage_changed",
    "date_last_contacted",
    "date_lead_created",
    "custom_mappings",
    "updated_by",
    "created_by",
    "updated_at",
    "created_at",
    "pass_through",
]


def auth(seeded: Seeded) -> dict[str, str]:
    """The Bearer token of docs/unified.md C3."""
    return {"Authorization": f"Bearer {seeded['apiKey']}:{seeded['apiSecret']}"}


def crm_create(client: TestClient, seeded: Seeded, **body: Any) -> Response:
    """POST /crm/opportunities with a default pipeline and company."""
    payload = {
        "title": "Conference",
        "pipeline_id": str(seeded["venueId"]),
        "company_name": "Unified Co",
        **body,
    }
    return client.post("/crm/opportunities", json=payload, headers=auth(seeded))


def crm_get(client: TestClient, seeded: Seeded, opportunity_id: str) -> dict[str, Any]:
    """GET one opportunity's data, checking the envelope."""
    response = client.get(f"/crm/opportunities/{opportunity_id}", headers=auth(seeded))
    assert response.status_code == 200, response.text
    body = response.json()
    assert {k: body[k] for k in ("status_code", "status", "service", "resource", "operation")} == {
        "status_code": 200,
        "status": "OK",
        "service": "venuecrm",
        "resource": "opportunities",
        "operation": "one",
    }
    assert response.headers["request-id"]
    return dict(body["data"])


def crm_error(response: Response, status: int, type_name: str) -> Any:
    """The detail of an Apideck-shaped error, after checking the shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status_code"] == status
    assert body["type_name"] == type_name
    assert body["ref"] == f"https://developers.apideck.com/errors#{type_name.lower()}"
    assert set(body) == {"status_code", "error", "type_name", "message", "detail", "ref"}
    return body["detail"]


def test_ivvy_write_reads_back_field_for_field_through_crm(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    guests = seeded.field_id(8)
    body = base_body(
        seeded,
        description="Annual meeting",
        stageId=seeded["stageId"],
        ownerUserId=seeded["ownerUserId"],
        closedDate="2027-03-01",
        company={"businessName": "Ivvy Side Ltd"},
        customFields=[{"fieldId": guests, "fieldValue": 80}],
    )
    opportunity_id = created_id(post(client, seeded.tenant, clock, body))
    item = crm_get(client, seeded, str(opportunity_id))
    assert list(item) == ALL_KEYS
    assert item["title"] == "Wedding enquiry"
    assert item["description"] == "Annual meeting"
    assert item["pipeline_id"] == str(seeded["venueId"])
    assert item["pipeline_stage_id"] == str(seeded["stageId"])
    assert item["source_id"] == str(seeded["sourceId"])
    assert item["lead_source"] == "Website"
    assert item["type"] == "Meeting"
    assert item["owner_id"] == str(seeded["ownerUserId"])
    assert item["close_date"] == "2027-03-01"
    assert item["company_name"] == "Ivvy Side Ltd"
    assert item["primary_contact_id"] == item["contact_id"] is not None
    assert item["contact_ids"] == [item["contact_id"]]
    assert item["custom_fields"] == [
        {"id": str(guests), "name": "Expected guests", "description": None, "value": 80}
    ]
    assert item["monetary_amount"] is None
    assert item["tags"] is None
    assert item["deleted"] is False


def test_crm_write_then_ivvy_update_keeps_crm_only_fields(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    created = crm_create(
        client,
        seeded,
        monetary_amount=1000,
        win_probability=25,
        currency="EUR",
        status="Open",
        tags=["x"],
        lead_id="L-1",
        won_reason="n/a",
        stage_last_changed_at="2026-01-02T03:04:05Z",
    )
    assert created.status_code == 201
    assert created.json()["status_code"] == 201
    new_id = created.json()["data"]["id"]
    update = {"id": int(new_id), "venueId": seeded["venueId"], "name": "Renamed via iVvy"}
    created_id(post(client, seeded.tenant, clock, update))
    item = crm_get(client, seeded, new_id)
    assert item["title"] == "Renamed via iVvy"
    assert (item["monetary_amount"], item["win_probability"], item["expected_revenue"]) == (
        1000.0,
        25.0,
        250.0,
    )
    assert (item["currency"], item["status"], item["tags"], item["lead_id"]) == (
        "EUR",
        "Open",
        ["x"],
        "L-1",
    )
    assert item["stage_last_changed_at"] == "2026-01-02T03:04:05Z"


def test_patch_leaves_absent_keys_clears_nulls_and_ignores_read_only(
    client: TestClient, seeded: Seeded
) -> None:
    new_id = crm_create(client, seeded, description="d", status="Open", priority="P1").json()[
        "data"
    ]["id"]
    before = crm_get(client, seeded, new_id)
    response = client.patch(
        f"/crm/opportunities/{new_id}",
        json={
            "priority": None,
            "status": "Won",
            "id": "999",
            "created_at": "2000-01-01T00:00:00Z",
            "expected_revenue": 5,
            "deleted": True,
        },
        headers=auth(seeded),
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"id": new_id}
    after = crm_get(client, seeded, new_id)
    assert (after["priority"], after["status"]) == (None, "Won")
    assert after["created_at"] == before["created_at"]
    assert after["deleted"] is False
    changed = {k for k in after if after[k] != before[k]}
    assert changed <= {"priority", "status", "updated_at", "updated_by"}


def test_contact_and_company_mapping(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    first = created_id(post(client, seeded.tenant, clock, base_body(seeded)))
    contact = crm_get(client, seeded, str(first))["contact_id"]
    with_contact = crm_create(client, seeded, company_name=None, primary_contact_id=contact)
    assert with_contact.status_code == 201, with_contact.text
    item = crm_get(client, seeded, with_contact.json()["data"]["id"])
    assert (item["contact_id"], item["company_id"]) == (contact, None)
    clash = crm_create(client, seeded, primary_contact_id=contact, contact_id="1")
    assert crm_error(clash, 422, "InvalidStateError") == {
        "problems": ["contact_id: differs from primary_contact_id"]
    }


def test_create_defaults_and_missing_fields(
    client: TestClient, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    no_title = client.post("/crm/opportunities", json={"description": "x"}, headers=auth(seeded))
    assert crm_error(no_title, 400, "RequestValidationError") == {
        "problems": ["title: is required"]
    }
    bad = crm_create(client, seeded, currency="XYZ", win_probability=120, pipeline_id="abc")
    assert crm_error(bad, 400, "RequestValidationError") == {
        "problems": [
            "currency: value error, not an ISO 4217 currency code",
            "win_probability: input should be less than or equal to 100",
            "pipeline_id: value error, not an id of this server (digits)",
        ]
    }
    unknown = crm_create(
        client,
        seeded,
        type="No Such Type",
        lead_source="Nowhere",
        custom_fields=[{"name": "Nope", "value": 1}, {"value": 2}],
    )
    assert crm_error(unknown, 422, "InvalidStateError") == {
        "problems": [
            "lead_source: no source named 'Nowhere' in this account",
            "type: no type named 'No Such Type' in this account",
            "custom_fields[0].name: no custom field named 'Nope' in this account",
            "custom_fields[1]: give id or name",
        ]
    }


def test_account_without_defaults_needs_pipeline_type_and_source(
    client: TestClient, uow_factory: UnitOfWork
) -> None:
    from tests.factories import new_tenant

    tenant = new_tenant(uow_factory)
    headers = {"Authorization": f"Bearer {tenant.key}:{tenant.secret}"}
    before = table_counts(uow_factory)
    response = client.post("/crm/opportunities", json={"title": "t"}, headers=headers)
    assert crm_error(response, 400, "RequestValidationError") == {
        "problems": [
            "pipeline_id: is required (the account has no default)",
            "type: is required (the account has no default)",
            "source_id: is required (the account has no default)",
        ]
    }
    assert table_counts(uow_factory) == before


def test_ivvy_rules_apply_with_crm_names(client: TestClient, seeded: Seeded) -> None:
    other = seeded["otherVenueId"]
    new_id = crm_create(client, seeded).json()["data"]["id"]
    moved = client.patch(
        f"/crm/opportunities/{new_id}", json={"pipeline_id": str(other)}, headers=auth(seeded)
    )
    assert crm_error(moved, 422, "InvalidStateError") == {
        "problems": ["pipeline_id: an opportunity cannot move to another pipeline"]
    }
    lead_stage_reason = crm_create(
        client,
        seeded,
        pipeline_stage_id="999999999",
        custom_fields=[{"id": str(seeded.field_id(8)), "value": "x"}],
    )
    assert crm_error(lead_stage_reason, 422, "InvalidStateError") == {
        "problems": [
            "pipeline_stage_id: no stage 999999999 in this account",
            "custom_fields[0].value: must be a whole number",
        ]
    }


def test_delete_is_soft_and_hides_it_from_both_apis(
    client: TestClient, clock: Clock, seeded: Seeded
) -> None:
    new_id = crm_create(client, seeded).json()["data"]["id"]
    deleted = client.delete(f"/crm/opportunities/{new_id}", headers=auth(seeded))
    assert deleted.status_code == 200
    assert deleted.json()["operation"] == "delete"
    assert deleted.json()["data"] == {"id": new_id}
    gone = client.get(f"/crm/opportunities/{new_id}", headers=auth(seeded))
    assert crm_error(gone, 404, "EntityNotFoundError") == {
        "not_found": {"entity": "opportunity", "id": new_id}
    }
    again = client.delete(f"/crm/opportunities/{new_id}", headers=auth(seeded))
    crm_error(again, 404, "EntityNotFoundError")
    listed = client.get("/crm/opportunities", headers=auth(seeded)).json()["data"]
    assert new_id not in [item["id"] for item in listed]
    update = {"id": int(new_id), "venueId": seeded["venueId"], "name": "back?"}
    assert post(client, seeded.tenant, clock, update).json()["specificCode"] == 24222


def test_another_accounts_opportunity_is_not_found(
    client: TestClient, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    other = seeded_tenant(uow_factory)
    theirs = crm_create(client, other).json()["data"]["id"]
    for method in ("GET", "PATCH", "DELETE"):
        response = client.request(
            method, f"/crm/opportunities/{theirs}", json={"title": "x"}, headers=auth(seeded)
        )
        crm_error(response, 404, "EntityNotFoundError")
    crm_error(
        client.get("/crm/opportunities/abc", headers=auth(seeded)), 404, "EntityNotFoundError"
    )


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing"),
        ("Basic abc", "scheme"),
        ("Bearer onlykey", "no secret"),
        ("Bearer nosuchkey:secret", "unknown key"),
    ],
)
def test_requests_without_a_valid_token_are_401(
    client: TestClient, seeded: Seeded, header: str | None, reason: str
) -> None:
    headers = {"Authorization": header} if header else {}
    crm_error(client.get("/crm/opportunities", headers=headers), 401, "UnauthorizedError")


def test_wrong_secret_and_revoked_key_are_401(
    client: TestClient, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    wrong = {"Authorization": f"Bearer {seeded['apiKey']}:not-the-secret"}
    crm_error(client.get("/crm/opportunities", headers=wrong), 401, "UnauthorizedError")
    revoke_key(uow_factory, seeded["apiKey"])
    crm_error(client.get("/crm/opportunities", headers=auth(seeded)), 401, "UnauthorizedError")


def test_list_filters_each_key(client: TestClient, clock: Clock, seeded: Seeded) -> None:
    a = crm_create(
        client,
        seeded,
        title="Alpha",
        status="Open",
        status_id="s1",
        monetary_amount=10,
        win_probability=50,
        owner_id=str(seeded["ownerUserId"]),
    )
    b = crm_create(client, seeded, title="Beta", company_name="Beta Co", status="Lost")
    ids = {"a": a.json()["data"]["id"], "b": b.json()["data"]["id"]}
    company_b = crm_get(client, seeded, ids["b"])["company_id"]

    def listed(**filters: str) -> list[str]:
        params = {f"filter[{k}]": v for k, v in filters.items()}
        response = client.get("/crm/opportunities", params=params, headers=auth(seeded))
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["data"]]

    assert listed(title="Alpha") == [ids["a"]]
    assert listed(status="Lost") == [ids["b"]]
    assert listed(status_id="s1") == [ids["a"]]
    assert listed(monetary_amount="10") == [ids["a"]]
    assert listed(win_probability="50.0") == [ids["a"]]
    assert listed(company_id=company_b) == [ids["b"]]
    assert listed(owner_id=str(seeded["ownerUserId"])) == [ids["a"]]
    assert listed(updated_since="2000-01-01T00:00:00Z") == [ids["a"], ids["b"]]
    assert listed(updated_since="2999-01-01T00:00:00Z") == []
    assert listed(title="Alpha", status="Lost") == []
    unknown = client.get("/crm/opportunities", params={"filter[name]": "x"}, headers=auth(seeded))
    crm_error(unknown, 400, "UnsupportedFiltersError")
    bad = client.get("/crm/opportunities", params={"filter[company_id]": "x"}, headers=auth(seeded))
    crm_error(bad, 400, "RequestValidationError")


def test_list_pages_without_skipping_or_repeating_while_rows_are_added(
    client: TestClient, seeded: Seeded
) -> None:
    made = [crm_create(client, seeded, title=f"T{i:02}").json()["data"]["id"] for i in range(7)]
    seen: list[str] = []
    params: dict[str, str] = {"limit": "3", "sort[by]": "title", "sort[direction]": "desc"}
    while True:
        response = client.get("/crm/opportunities", params=params, headers=auth(seeded))
        body = response.json()
        assert body["meta"]["items_on_page"] == len(body["data"])
        seen += [item["id"] for item in body["data"]]
        crm_create(client, seeded, title="A late one")  # sorts after every page already read
        if body["meta"]["cursors"]["next"] is None:
            assert body["links"]["next"] is None
            break
        assert "cursor=" in body["links"]["next"]
        params["cursor"] = body["meta"]["cursors"]["next"]
    assert seen[:7] == list(reversed(made))
    assert len(seen) == len(set(seen))


def test_list_rejects_bad_limits_sorts_and_cursors(client: TestClient, seeded: Seeded) -> None:
    headers = auth(seeded)
    for limit in ("0", "201", "x"):
        crm_error(
            client.get("/crm/opportunities", params={"limit": limit}, headers=headers),
            400,
            "RequestValidationError",
        )
    crm_error(
        client.get("/crm/opportunities", params={"sort[by]": "id"}, headers=headers),
        400,
        "UnsupportedSortFieldError",
    )
    crm_error(
        client.get("/crm/opportunities", params={"cursor": "garbage"}, headers=headers),
        400,
        "InvalidCursorError",
    )


def test_fields_limits_the_keys_returned(client: TestClient, seeded: Seeded) -> None:
    new_id = crm_create(client, seeded).json()["data"]["id"]
    response = client.get(
        f"/crm/opportunities/{new_id}", params={"fields": "id,title"}, headers=auth(seeded)
    )
    assert response.json()["data"] == {"id": new_id, "title": "Conference"}


def test_unknown_crm_route_and_method_use_the_crm_error_shape(
    client: TestClient, seeded: Seeded
) -> None:
    crm_error(client.get("/crm/leads", headers=auth(seeded)), 404, "NotFoundError")
    assert client.put("/crm/opportunities/1", headers=auth(seeded)).json()["status_code"] == 405


def test_a_last_page_of_exactly_limit_rows_has_no_next_cursor(
    client: TestClient, seeded: Seeded
) -> None:
    made = [crm_create(client, seeded, title=f"P{i}").json()["data"]["id"] for i in range(4)]

    def page(params: dict[str, str]) -> dict[str, Any]:
        response = client.get("/crm/opportunities", params=params, headers=auth(seeded))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    whole = page({"limit": "4"})
    assert [item["id"] for item in whole["data"]] == made
    assert whole["meta"]["cursors"]["next"] is None
    assert whole["links"]["next"] is None
    first = page({"limit": "2"})
    assert [item["id"] for item in first["data"]] == made[:2]
    assert first["meta"]["cursors"]["next"] is not None
    second = page({"limit": "2", "cursor": first["meta"]["cursors"]["next"]})
    assert [item["id"] for item in second["data"]] == made[2:]
    assert second["meta"]["cursors"]["next"] is None
    assert (second["meta"]["items_on_page"], second["meta"]["total_count"]) == (2, 4)


def test_authentication_comes_before_the_body_is_read(
    client: TestClient, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    existing = crm_create(client, seeded).json()["data"]["id"]
    before = table_counts(uow_factory)
    invalid = {"title": 5, "win_probability": "lots", "unknown": True}
    for headers in ({}, {"Authorization": f"Bearer {seeded['apiKey']}:wrong"}):
        for response in (
            client.post("/crm/opportunities", json=invalid, headers=headers),
            client.patch(f"/crm/opportunities/{existing}", json=invalid, headers=headers),
            client.post("/crm/opportunities", content=b"not json", headers=headers),
        ):
            body = crm_error(response, 401, "UnauthorizedError")
            assert "title" not in json.dumps(body)
    assert table_counts(uow_factory) == before
    # The same bodies with a valid token are schema errors: 401 above hid them.
    crm_error(
        client.post("/crm/opportunities", json=invalid, headers=auth(seeded)),
        400,
        "RequestValidationError",
    )
