"""/crm/users, /crm/pipelines and /crm/notes through Apideck's own Python SDK, read back
field for field through the iVvy actions that serve the same rows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from apideck_unify import Apideck, models
from fastapi.testclient import TestClient

from tests.api.list_helpers import call, collection
from tests.api.opportunity_helpers import base_body, created_id, post, table_counts
from tests.api.test_crm_sdk import NO_RETRIES
from tests.factories import Clock, Seeded, seeded_tenant
from venuecrm.platform.models import LeadStage, User, Venue
from venuecrm.platform.uow import UnitOfWork


@pytest.fixture(scope="module")
def account(uow_factory: UnitOfWork) -> Seeded:
    """One configured account with five users and four active venues (one more inactive)."""
    seeded = seeded_tenant(uow_factory)
    with uow_factory as uow:
        lookups = uow.lookups(seeded.tenant.account_id)
        for i in range(4):
            lookups.add(User, first_name=f"Owner{i}", last_name="Paged",
                        email=f"owner{i}@paged.example", phone=f"07 000{i}")  # fmt: skip
        lookups.add(User, first_name="Gone", last_name="Away", email="", is_active=False)
        lookups.add(Venue, name="Harbour Deck")
        lookups.add(Venue, name="Rooftop")
        lookups.add(Venue, name="Closed Wing", is_active=False)
        lookups.add(LeadStage, name="Retired stage", apply_to=1, is_active=False)
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


def ivvy_list(client: TestClient, seeded: Seeded, namespace: str, action: str, body: Any) -> Any:
    """The results of one iVvy list call, as a client of the iVvy API reads them."""
    clock = Clock(datetime.now(UTC))
    return collection(call(client, seeded.tenant, clock, namespace, action, body))[1]


def _iso(ivvy_timestamp: str) -> str:
    """An iVvy timestamp (second precision) as the ISO form's leading part."""
    return ivvy_timestamp.removesuffix(" UTC").replace(" ", "T")


def test_users_page_by_id_and_read_back_as_getuserlist(
    sdk: Apideck, account: Seeded, client: TestClient
) -> None:
    pages = sdk.crm.users.list(limit=2)
    users: list[models.User] = []
    page_count = 0
    while pages is not None:
        body = pages.get_users_response
        assert body is not None
        assert body.meta is not None
        assert body.meta.total_count == 6
        users += body.data
        page_count += 1
        pages = pages.next()
    assert page_count == 3
    ivvy = ivvy_list(client, account, "account", "getUserList", {})
    assert [u.id for u in users] == [str(item["id"]) for item in ivvy]
    for user, item in zip(users, ivvy, strict=True):
        assert (user.first_name, user.last_name) == (item["firstName"], item["lastName"] or None)
        assert user.name == f"{item['firstName']} {item['lastName']}".strip()
        assert user.status == ("active" if item["currentStatus"] == 1 else "inactive")
        assert [e.email for e in user.emails] == ([item["email"]] if item["email"] else [])
        assert [p.number for p in user.phone_numbers] == ([item["phone"]] if item["phone"] else [])
        assert user.created_at is not None
        assert user.created_at.startswith(_iso(item["createdDate"]))
    owner = sdk.crm.users.get(id=str(account["ownerUserId"])).get_user_response
    assert owner is not None
    assert (owner.data.name, owner.data.emails[0].email) == ("Sam Seller", "sam.seller@example.com")


def test_users_filter_by_email_and_name(sdk: Apideck) -> None:
    by_email = sdk.crm.users.list(filter_={"email": "OWNER2@paged.example"}).get_users_response
    assert by_email is not None
    assert [u.first_name for u in by_email.data] == ["Owner2"]
    by_name = sdk.crm.users.list(filter_={"name": "owner3 paged"}).get_users_response
    assert by_name is not None
    assert [u.email for u in by_name.data[0].emails] == ["owner3@paged.example"]
    assert by_name.meta is not None
    assert by_name.meta.total_count == 1


def test_pipelines_are_venues_with_the_opportunity_stages(
    sdk: Apideck, account: Seeded, client: TestClient
) -> None:
    pages = sdk.crm.pipelines.list(limit=1)
    pipelines: list[models.Pipeline] = []
    while pages is not None:
        body = pages.get_pipelines_response
        assert body is not None
        pipelines += body.data
        pages = pages.next()
    venues = ivvy_list(client, account, "venue", "getVenueList", {})
    assert [(p.id, p.name) for p in pipelines] == [
        (str(v["id"]), v["businessName"]) for v in venues
    ]
    assert len(pipelines) == 4  # the inactive venue is gone from both APIs
    stages = ivvy_list(client, account, "crm", "getLeadStageList", {})
    active = [(str(s["id"]), s["name"]) for s in stages if s["applyTo"] == 1]
    for pipeline in pipelines:
        assert pipeline.stages is not None
        listed = [(s.id, s.name) for s in pipeline.stages if not s.archived]
        assert listed == active
        archived = [s.name for s in pipeline.stages if s.archived]
        assert archived == ["Retired stage"]
        assert [s.display_order for s in pipeline.stages] == list(
            range(1, len(pipeline.stages) + 1)
        )
    one = sdk.crm.pipelines.get(id=str(account["venueId"])).get_pipeline_response
    assert one is not None
    assert one.data.name == "Grand Hall"


def test_notes_create_get_list_update_delete_through_both_apis(
    sdk: Apideck, account: Seeded, client: TestClient
) -> None:
    clock = Clock(datetime.now(UTC))
    opportunity = created_id(post(client, account.tenant, clock, base_body(account)))
    other = created_id(post(client, account.tenant, clock, base_body(account, name="Other")))
    made = []
    for i in range(5):
        created = sdk.crm.notes.create(
            title=f"Call {i}",
            content=f"<p>Call number {i}</p>",
            opportunity_id=str(opportunity),
            owner_id=str(account["ownerUserId"]),
        )
        assert created.http_meta.response.status_code == 201
        assert created.create_note_response is not None
        made.append(created.create_note_response.data.id)
    sdk.crm.notes.create(content="elsewhere", opportunity_id=str(other))

    pages = sdk.crm.notes.list(limit=2, filter_={"opportunity_id": str(opportunity)})
    seen: list[models.Note] = []
    while pages is not None:
        body = pages.get_notes_response
        assert body is not None
        assert body.meta is not None
        assert body.meta.total_count == 5
        seen += body.data
        pages = pages.next()
    assert [n.id for n in seen] == made
    ivvy = ivvy_list(client, account, "crm", "getOpportunityNoteList", {"leadId": opportunity})
    assert [str(item["id"]) for item in ivvy] == made
    for note, item in zip(seen, ivvy, strict=True):
        assert note.content == item["note"]
        assert note.opportunity_id == str(item["leadId"])
        assert note.created_at is not None
        assert note.created_at.startswith(_iso(item["createdDate"]))
        assert note.owner_id == str(account["ownerUserId"])
        assert note.contact_id is not None
        assert note.company_id is None

    updated = sdk.crm.notes.update(id=made[0], content="<p>Rewritten</p>", title=None)
    assert updated.update_note_response is not None
    got = sdk.crm.notes.get(id=made[0]).get_note_response
    assert got is not None
    assert (got.data.content, got.data.title, got.data.owner_id) == (
        "<p>Rewritten</p>",
        None,
        str(account["ownerUserId"]),
    )
    (item,) = [
        i
        for i in ivvy_list(
            client, account, "crm", "getOpportunityNoteList", {"leadId": opportunity}
        )
        if str(i["id"]) == made[0]
    ]
    assert item["note"] == "<p>Rewritten</p>"

    deleted = sdk.crm.notes.delete(id=made[1])
    assert deleted.delete_note_response is not None
    with pytest.raises(models.NotFoundResponse):
        sdk.crm.notes.get(id=made[1])
    remaining = ivvy_list(client, account, "crm", "getOpportunityNoteList", {"leadId": opportunity})
    assert made[1] not in [str(i["id"]) for i in remaining]


def test_a_note_written_through_ivvy_reads_back_through_crm(
    client: TestClient, account: Seeded
) -> None:
    clock = Clock(datetime.now(UTC))
    opportunity = created_id(post(client, account.tenant, clock, base_body(account)))
    body = {"venueId": account["venueId"], "leadId": opportunity, "note": "<p>From iVvy</p>"}
    note_id = created_id(
        call(client, account.tenant, clock, "venue", "addOrUpdateOpportunityNote", body)
    )
    response = client.get(f"/crm/notes/{note_id}", headers=auth(account))
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert set(data) == set(models.Note.model_fields)
    assert (data["content"], data["opportunity_id"], data["title"]) == (
        "<p>From iVvy</p>",
        str(opportunity),
        None,
    )
    assert response.json()["resource"] == "notes"


def test_typed_errors_for_400_401_404_422(sdk: Apideck, account: Seeded, live_server: str) -> None:
    with pytest.raises(models.BadRequestResponse) as bad:
        sdk.crm.notes.list(filter_={"opportunity_id": "not-an-id"})
    assert bad.value.data.type_name == "RequestValidationError"
    with pytest.raises(models.BadRequestResponse) as missing:
        sdk.crm.notes.create(title="no content, no opportunity")
    assert missing.value.data.detail == {
        "problems": ["content: is required", "opportunity_id: is required"]
    }
    with (
        Apideck(api_key=f"{account['apiKey']}:wrong", app_id="a", consumer_id="c",
                server_url=live_server, retry_config=NO_RETRIES) as wrong,
        pytest.raises(models.UnauthorizedResponse),
    ):  # fmt: skip
        wrong.crm.users.list()
    for get in (sdk.crm.users.get, sdk.crm.pipelines.get, sdk.crm.notes.get):
        with pytest.raises(models.NotFoundResponse) as unknown:
            get(id="2147483648")
        assert unknown.value.data.type_name == "EntityNotFoundError"
    with pytest.raises(models.UnprocessableResponse) as unprocessable:
        sdk.crm.notes.create(content="x", opportunity_id="999999999", owner_id="999999999")
    assert unprocessable.value.data.detail == {
        "problems": [
            "opportunity_id: no live opportunity 999999999 in this account",
            "owner_id: no active user 999999999 in this account",
        ]
    }


def auth(seeded: Seeded) -> dict[str, str]:
    """The Bearer token of docs/unified.md C3."""
    return {"Authorization": f"Bearer {seeded['apiKey']}:{seeded['apiSecret']}"}


def test_writing_users_and_pipelines_is_501_after_authentication(
    client: TestClient, account: Seeded, uow_factory: UnitOfWork
) -> None:
    before = table_counts(uow_factory)
    routes = [("post", "/crm/users"), ("patch", "/crm/users/1"), ("delete", "/crm/users/1"),
              ("post", "/crm/pipelines"), ("patch", "/crm/pipelines/1"),
              ("delete", "/crm/pipelines/1")]  # fmt: skip
    for method, path in routes:
        anonymous = client.request(method, path, json={"name": "x"})
        assert anonymous.status_code == 401, (method, path)
        response = client.request(method, path, json={"name": "x"}, headers=auth(account))
        assert response.status_code == 501, (method, path)
        body = response.json()
        assert (body["status_code"], body["type_name"]) == (
            501,
            "ConnectorOperationUnsupportedError",
        )
    assert table_counts(uow_factory) == before


def test_another_accounts_records_are_not_found_on_every_route(
    client: TestClient, account: Seeded, uow_factory: UnitOfWork
) -> None:
    clock = Clock(datetime.now(UTC))
    opportunity = created_id(post(client, account.tenant, clock, base_body(account)))
    note = client.post(
        "/crm/notes",
        json={"content": "mine", "opportunity_id": str(opportunity)},
        headers=auth(account),
    ).json()["data"]["id"]
    intruder = seeded_tenant(uow_factory)
    before = table_counts(uow_factory)
    for method, path, body in [
        ("get", f"/crm/users/{account['ownerUserId']}", None),
        ("get", f"/crm/pipelines/{account['venueId']}", None),
        ("get", f"/crm/notes/{note}", None),
        ("patch", f"/crm/notes/{note}", {"content": "stolen"}),
        ("delete", f"/crm/notes/{note}", None),
    ]:
        response = client.request(method, path, json=body, headers=auth(intruder))
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["type_name"] == "EntityNotFoundError"
    refused = client.post(
        "/crm/notes",
        json={"content": "into yours", "opportunity_id": str(opportunity)},
        headers=auth(intruder),
    )
    assert refused.status_code == 422
    listed = client.get("/crm/notes", headers=auth(intruder)).json()
    assert listed["data"] == []
    assert table_counts(uow_factory) == before
    mine = client.get(f"/crm/notes/{note}", headers=auth(account)).json()["data"]
    assert mine["content"] == "mine"


def test_a_note_keeps_to_its_opportunity_and_its_parties(
    client: TestClient, account: Seeded, uow_factory: UnitOfWork
) -> None:
    clock = Clock(datetime.now(UTC))
    first = created_id(post(client, account.tenant, clock, base_body(account)))
    second = created_id(post(client, account.tenant, clock, base_body(account, name="Second")))
    created = client.post(
        "/crm/notes", json={"content": "c", "opportunity_id": str(first)}, headers=auth(account)
    )
    note = created.json()["data"]["id"]
    before = table_counts(uow_factory)
    moved = client.patch(
        f"/crm/notes/{note}",
        json={"opportunity_id": str(second), "company_id": "1", "content": " ", "active": False},
        headers=auth(account),
    )
    assert moved.status_code == 422
    assert moved.json()["detail"]["problems"] == [
        "content: must not be blank",
        "opportunity_id: a note cannot move to another opportunity",
        "company_id: must be its opportunity's (none)",
        "active: a note cannot be made inactive; delete it",
    ]
    assert table_counts(uow_factory) == before
    assert json.loads(client.get(f"/crm/notes/{note}", headers=auth(account)).text)["data"][
        "opportunity_id"
    ] == str(first)
