"""Notification subscriptions and the outbox, through the real app on a real database.

Subscribing answers iVvy's reply with a secret shown once (stored encrypted) and queues a
SubscriptionConfirmation; confirming through the SubscribeURL makes later writes queue events
whose ``data`` is the list item read back through the API, ``previousData`` the data before;
unsubscribing answers iVvy's result codes; a rejected write queues nothing.
"""

from __future__ import annotations

from typing import Any

import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from tests.api.list_helpers import call, collection, error
from tests.api.opportunity_helpers import base_body, created_id, post
from tests.api.party_helpers import ADD_COMPANY, ADD_CONTACT, save
from tests.factories import Clock, Seeded, Tenant
from venuecrm.features.account_config.service import apply_config, export_config
from venuecrm.features.accounts.service import create_key
from venuecrm.platform.models import Delivery, Subscription
from venuecrm.platform.uow import UnitOfWork

HOOK = "http://127.0.0.1:9/hook"


def subscribe(client: TestClient, tenant: Tenant, clock: Clock, body: Any) -> dict[str, Any]:
    """subscribeToNotifications' reply, which must be a success."""
    response = call(client, tenant, clock, "account", "subscribeToNotifications", body)
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


def deliveries(uow: UnitOfWork, account_id: int) -> list[Delivery]:
    """The account's outbox, oldest first."""
    with uow:
        rows = uow.session.scalars(
            select(Delivery).where(Delivery.account_id == account_id).order_by(Delivery.id)
        ).all()
        uow.session.expunge_all()
        return list(rows)


def confirmed(
    client: TestClient, uow: UnitOfWork, seeded: Seeded, clock: Clock, **body: str
) -> None:
    """Subscribe and confirm through the SubscribeURL's path."""
    subscribe(client, seeded.tenant, clock, body)
    for row in deliveries(uow, seeded.tenant.account_id):
        if row.subject == "SubscriptionConfirmation":
            answer = client.get("/notifications/confirm", params={"token": row.body["token"]})
            assert answer.json() == {"confirmed": True}


def test_subscribe_reply_secret_and_confirmation(
    client: TestClient, clock: Clock, seeded: Seeded, uow_factory: UnitOfWork
) -> None:
    tenant = seeded.tenant
    reply = subscribe(client, tenant, clock, {"crmEndpoint": HOOK, "paymentsEndpoint": HOOK})
    assert reply["crmSuccess"] is True
    assert reply["crmTopicId"].startswith(f"arn:venuecrm:sns:local:{tenant.account_id}:crm-")
    assert reply["crmSecret"].startswith("whsec_")
    assert reply["paymentsSuccess"] is False
    assert reply["paymentsTopicId"] is None
    assert reply["contactsSuccess"] is False
    assert reply["contactsSecret"] is None
    with uow_factory as uow:
        stored = uow.session.execute(
            text("SELECT secret FROM subscriptions WHERE account_id = :a"),
            {"a": tenant.account_id},
        ).scalar_one()
        secrets = uow.session.scalars(
            select(Subscription.secret).where(Subscription.account_id == tenant.account_id)
        ).all()
    assert reply["crmSecret"] not in stored
    assert stored.startswith("gAAAAA")
    assert secrets == [reply["crmSecret"]]
    rows = deliveries(uow_factory, tenant.account_id)
    assert [r.subject for r in rows] == ["SubscriptionConfirmation"]
    assert client.get("/notifications/confirm", params={"token": "nope"}).status_code == 404
    # Unconfirmed: writes queue nothing yet; unsubscribing answers 6.
    created_id(post(client, tenant, clock, base_body(seeded)))
    assert len(deliveries(uow_factory, tenant.account_id)) == 1
    response = call(
        client, tenant, clock, "account", "unsubscribeFromNotifications", {"crmEndpoint": HOOK}
    )
    assert response.json()["crmResult"] == 6


def test_bad_endpoint_is_refused_and_nothing_written(
    client: TestClient, clock: Clock, seeded: Seeded, uow_factory: UnitOfWork
) -> None:
    response = call(
        client, seeded.tenant, clock, "account", "subscribeToNotifications",
        {"crmEndpoint": "ftp://x", "contactsEndpoint": HOOK},
    )  # fmt: skip
    body = error(response, 23016)
    # The rule and wording the configuration file's subscriptions get too.
    reason = "must be an http or https URL of at most 2000 characters"
    assert f"crmEndpoint: {reason}" in body["additionalMessages"]
    with uow_factory as uow:
        count = uow.session.execute(
            text("SELECT count(*) FROM subscriptions WHERE account_id = :a"),
            {"a": seeded.tenant.account_id},
        ).scalar_one()
    assert count == 0


def test_unsubscribe_result_codes(
    client: TestClient, clock: Clock, seeded: Seeded, uow_factory: UnitOfWork
) -> None:
    tenant = seeded.tenant
    confirmed(client, uow_factory, seeded, clock, crmEndpoint=HOOK)
    key, secret = create_key(uow_factory, account_id=tenant.account_id)
    other = Tenant(tenant.account_id, key, secret)
    body = {"crmEndpoint": HOOK, "contactsEndpoint": HOOK, "eventsEndpoint": HOOK}
    reply = call(client, other, clock, "account", "unsubscribeFromNotifications", body).json()
    assert reply == {
        "crmResult": 5, "contactsResult": 4, "companiesResult": 2, "eventsResult": 2,
        "venuesResult": 2, "paymentsResult": 2, "ariResult": 2,
    }  # fmt: skip
    reply = call(client, tenant, clock, "account", "unsubscribeFromNotifications", body).json()
    assert reply["crmResult"] == 1
    with uow_factory as uow:
        left = uow.session.scalars(
            select(Subscription).where(Subscription.account_id == tenant.account_id)
        ).all()
    assert left == []


def _list_item(client: TestClient, tenant: Tenant, clock: Clock, opportunity_id: int) -> Any:
    response = call(
        client, tenant, clock, "crm", "getOpportunityList", {"filter": {"id": opportunity_id}}
    )
    _, results = collection(response)
    assert len(results) == 1
    return results[0]


def test_opportunity_events_carry_the_list_item_and_previous_data(
    client: TestClient, clock: Clock, seeded: Seeded, uow_factory: UnitOfWork
) -> None:
    tenant = seeded.tenant
    confirmed(client, uow_factory, seeded, clock, crmEndpoint=HOOK)
    opportunity_id = created_id(post(client, tenant, clock, base_body(seeded)))
    first = _list_item(client, tenant, clock, opportunity_id)
    response = post(
        client,
        tenant,
        clock,
        {"id": opportunity_id, "venueId": seeded["venueId"], "name": "Renamed"},
    )
    assert response.status_code == 200, response.text
    second = _list_item(client, tenant, clock, opportunity_id)
    # A rejected request and a no-op update queue nothing.
    response = post(client, tenant, clock, {"id": opportunity_id, "venueId": 999999})
    assert response.status_code == 400
    post(
        client,
        tenant,
        clock,
        {"id": opportunity_id, "venueId": seeded["venueId"], "name": "Renamed"},
    )
    events = [r for r in deliveries(uow_factory, tenant.account_id) if r.entity == "opportunity"]
    assert [e.subject for e in events] == ["OpportunityAdded", "OpportunityUpdated"]
    assert events[0].body == {"data": first}
    assert events[1].body == {"data": second, "previousData": first}
    assert all(e.status == "pending" for e in events)


def test_party_events_and_topics(
    client: TestClient, clock: Clock, seeded: Seeded, uow_factory: UnitOfWork
) -> None:
    tenant = seeded.tenant
    confirmed(client, uow_factory, seeded, clock, contactsEndpoint=HOOK, companiesEndpoint=HOOK)
    contact_id = save(
        client,
        tenant,
        clock,
        ADD_CONTACT,
        {"firstName": "Ann", "lastName": "Lee", "email": "ann@example.com"},
    )
    company_id = save(client, tenant, clock, ADD_COMPANY, {"businessName": "Acme"})
    events = deliveries(uow_factory, tenant.account_id)
    by_subject = {e.subject: e for e in events}
    assert set(by_subject) == {"SubscriptionConfirmation", "ContactAdded", "CompanyAdded"}
    contact = call(client, tenant, clock, "contact", "getContact", {"id": contact_id}).json()
    company = call(client, tenant, clock, "contact", "getCompany", {"id": company_id}).json()
    assert by_subject["ContactAdded"].body == {"data": contact}
    assert by_subject["CompanyAdded"].body == {"data": company}
    save(client, tenant, clock, ADD_CONTACT, {"id": contact_id, "lastName": "Leigh"})
    renamed = call(client, tenant, clock, "contact", "getContact", {"id": contact_id}).json()
    assert renamed["lastName"] == "Leigh"
    auth = {"Authorization": f"Bearer {seeded['apiKey']}:{seeded['apiSecret']}"}
    assert client.delete(f"/crm/companies/{company_id}", headers=auth).is_success
    later = {e.subject: e for e in deliveries(uow_factory, tenant.account_id)}
    assert later["ContactUpdated"].body == {"data": renamed, "previousData": contact}
    assert later["CompanyDeleted"].body == {"companyId": company_id}


def test_subscribing_again_replaces_the_secret_and_the_confirmation(
    client: TestClient, clock: Clock, seeded: Seeded, uow_factory: UnitOfWork
) -> None:
    tenant = seeded.tenant
    first = subscribe(client, tenant, clock, {"crmEndpoint": HOOK})
    second = subscribe(client, tenant, clock, {"crmEndpoint": HOOK})
    assert second["crmTopicId"] == first["crmTopicId"]
    assert second["crmSecret"] != first["crmSecret"]
    rows = deliveries(uow_factory, tenant.account_id)
    assert [r.subject for r in rows] == ["SubscriptionConfirmation"]
    with uow_factory as uow:
        token = uow.session.scalars(
            select(Subscription.token).where(Subscription.account_id == tenant.account_id)
        ).one()
    assert rows[0].body == {"token": token}
    assert token.startswith(f"{tenant.account_id}.")


def test_a_subscription_the_configuration_file_made_any_key_may_unsubscribe(
    client: TestClient, clock: Clock, seeded: Seeded, uow_factory: UnitOfWork
) -> None:
    tenant = seeded.tenant
    confirmed(client, uow_factory, seeded, clock, crmEndpoint=HOOK)
    doc = yaml.safe_load(export_config(uow_factory, account_id=tenant.account_id))
    doc["subscriptions"].append({"topic": "contacts", "endpoint": HOOK})
    apply_config(uow_factory, account_id=tenant.account_id, text=yaml.safe_dump(doc))
    for row in deliveries(uow_factory, tenant.account_id):
        client.get("/notifications/confirm", params={"token": row.body["token"]})
    key, secret = create_key(uow_factory, account_id=tenant.account_id)
    other = Tenant(tenant.account_id, key, secret)
    body = {"crmEndpoint": HOOK, "contactsEndpoint": HOOK}
    # The file's subscription names no key; the API's keeps the key that made it.
    reply = call(client, other, clock, "account", "unsubscribeFromNotifications", body).json()
    assert (reply["crmResult"], reply["contactsResult"]) == (5, 1)
    with uow_factory as uow:
        left = uow.session.execute(
            select(Subscription.topic, Subscription.api_key_id).where(
                Subscription.account_id == tenant.account_id
            )
        ).all()
        subscriber = uow.session.scalar(
            text("SELECT id FROM api_keys WHERE account_id = :a AND key = :k"),
            {"a": tenant.account_id, "k": tenant.key},
        )
    assert [tuple(row) for row in left] == [("crm", subscriber)]
