"""Change events delivered to a real HTTP receiver by real dispatchers.

The receiver (tests/receiver.py) confirms each subscription by GETting its SubscribeURL on a
real server; events then arrive in SNS-shaped envelopes, signed per Standard Webhooks (verified
with the ``standardwebhooks`` package), carrying the list items read back through the API; one
record's events arrive in commit order; a receiver that is down gets everything once it is up
again, with one id per event; a dispatcher killed mid-delivery loses nothing; two dispatchers
never deliver one event at the same time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from standardwebhooks import Webhook

from tests.api.list_helpers import call, collection, error
from tests.api.opportunity_helpers import URI, base_body, created_id, post, post_all
from tests.conftest import server_env, serving
from tests.factories import Clock, Seeded, Tenant
from tests.receiver import Received, Receiver
from venuecrm.config import Settings
from venuecrm.features.events.dispatcher import Dispatcher
from venuecrm.platform.uow import UnitOfWork

FAST = {
    "events_poll_seconds": 0.05,
    "events_retry_base_seconds": 0.05,
    "events_retry_max_delay_seconds": 0.3,
    "events_timeout_seconds": 5.0,
}


@pytest.fixture
def fast(settings: Settings, live_server: str) -> Settings:
    """Dispatcher settings for tests: quick polls and retries; SubscribeURLs on the live server."""
    return settings.model_copy(update={"public_url": live_server, **FAST})


@contextmanager
def dispatching(settings: Settings, count: int = 1) -> Iterator[list[Dispatcher]]:
    """``count`` dispatcher threads for the block."""
    dispatchers = [Dispatcher(settings) for _ in range(count)]
    threads = [d.start() for d in dispatchers]
    try:
        yield dispatchers
    finally:
        for dispatcher, thread in zip(dispatchers, threads, strict=True):
            dispatcher.stop()
            thread.join(timeout=30)
            dispatcher.close()


def subscribe_all(
    client: TestClient, tenant: Tenant, clock: Clock, receiver: Receiver, topics: tuple[str, ...]
) -> dict[str, str]:
    """Subscribe ``receiver`` to ``topics``, wait for it to confirm; each topic's secret."""
    body = {f"{topic}Endpoint": receiver.url for topic in topics}
    response = call(client, tenant, clock, "account", "subscribeToNotifications", body)
    assert response.status_code == 200, response.text
    reply = response.json()
    receiver.wait_for(lambda r: len(r.received) >= len(topics))
    return {topic: reply[f"{topic}Secret"] for topic in topics}


def verified(received: Received, secret: str) -> dict[str, Any]:
    """The envelope, after ``standardwebhooks`` verified its signature."""
    envelope: dict[str, Any] = Webhook(secret).verify(received.body, received.headers)
    return envelope


def list_item(
    client: TestClient, tenant: Tenant, clock: Clock, action: tuple[str, str], key: int
) -> Any:
    """One record as its list action answers it."""
    response = call(client, tenant, clock, *action, {"filter": {"id": key}})
    _, results = collection(response)
    (item,) = results
    return item


def test_handshake_payloads_and_signatures(
    client: TestClient, clock: Clock, seeded: Seeded, fast: Settings, uow_factory: UnitOfWork
) -> None:
    tenant = seeded.tenant
    with Receiver() as receiver, dispatching(fast):
        secrets = subscribe_all(client, tenant, clock, receiver, ("crm", "contacts", "companies"))
        confirmations = [verified(r, secrets[_topic(r)]) for r in receiver.received]
        assert {c["Type"] for c in confirmations} == {"SubscriptionConfirmation"}
        assert all(c["SubscribeURL"].startswith(str(fast.public_url)) for c in confirmations)
        with uow_factory as uow:
            unconfirmed = uow.session.execute(
                text("SELECT count(*) FROM subscriptions WHERE account_id = :a"
                     " AND confirmed_at IS NULL"), {"a": tenant.account_id}
            ).scalar_one()  # fmt: skip
        assert unconfirmed == 0
        body = base_body(seeded, company={"businessName": "Hooked Pty Ltd"})
        opportunity_id = created_id(post(client, tenant, clock, body))
        added = list_item(client, tenant, clock, ("crm", "getOpportunityList"), opportunity_id)
        update = {"id": opportunity_id, "venueId": seeded["venueId"], "name": "Hooked again"}
        created_id(post(client, tenant, clock, update))
        updated = list_item(client, tenant, clock, ("crm", "getOpportunityList"), opportunity_id)
        auth = {"Authorization": f"Bearer {seeded['apiKey']}:{seeded['apiSecret']}"}
        assert client.delete(f"/crm/opportunities/{opportunity_id}", headers=auth).is_success
        receiver.wait_for(lambda r: len(r.notifications()) == 5)
    by_subject: dict[str, dict[str, Any]] = {}
    for received in receiver.notifications():
        envelope = verified(received, secrets[_topic(received)])
        assert envelope["Type"] == "Notification"
        assert received.headers["webhook-id"] == envelope["MessageId"]
        by_subject[received.message["Subject"]] = received.message["Body"]
    contact = added["contact"]
    company = added["company"]
    assert by_subject == {
        "ContactAdded": {
            "data": list_item(client, tenant, clock, ("contact", "getContactList"), contact["id"])
        },
        "CompanyAdded": {
            "data": list_item(client, tenant, clock, ("contact", "getCompanyList"), company["id"])
        },
        "OpportunityAdded": {"data": added},
        "OpportunityUpdated": {"data": updated, "previousData": added},
        "OpportunityDeleted": {"venueId": seeded["venueId"], "opportunityId": opportunity_id},
    }


def _topic(received: Received) -> str:
    """The topic of a delivery, from its TopicArn (...:crm-7)."""
    return str(received.envelope["TopicArn"].rsplit(":", 1)[1].split("-")[0])


def test_concurrent_updates_arrive_in_commit_order(
    client: TestClient, clock: Clock, seeded: Seeded, fast: Settings, live_server: str
) -> None:
    tenant = seeded.tenant
    with Receiver() as receiver, dispatching(fast, count=2):
        subscribe_all(client, tenant, clock, receiver, ("crm",))
        opportunity_id = created_id(post(client, tenant, clock, base_body(seeded)))
        bodies = [
            {"id": opportunity_id, "venueId": seeded["venueId"], "name": f"Update {n}"}
            for n in range(20)
        ]
        responses = post_all(live_server, tenant, [(URI, b) for b in bodies])
        assert [r.status_code for r in responses] == [200] * 20
        receiver.wait_for(lambda r: len(r.notifications()) == 21)
    messages = [r.message for r in receiver.notifications()]
    assert messages[0]["Subject"] == "OpportunityAdded"
    assert {m["Subject"] for m in messages[1:]} == {"OpportunityUpdated"}
    for before, after in itertools.pairwise(messages):
        assert after["Body"]["previousData"] == before["Body"]["data"]
    assert sorted(m["Body"]["data"]["name"] for m in messages[1:]) == sorted(
        b["name"] for b in bodies
    )
    final = list_item(client, tenant, clock, ("crm", "getOpportunityList"), opportunity_id)
    assert messages[-1]["Body"]["data"] == final


def test_receiver_down_then_up_gets_every_event_once_per_id(
    client: TestClient, clock: Clock, seeded: Seeded, fast: Settings, uow_factory: UnitOfWork
) -> None:
    tenant = seeded.tenant
    with Receiver() as receiver, dispatching(fast):
        subscribe_all(client, tenant, clock, receiver, ("crm",))
        receiver.status = 503
        ids = [created_id(post(client, tenant, clock, base_body(seeded))) for _ in range(5)]
        receiver.wait_for(lambda r: r.attempts >= 12)
        receiver.status = 200
        receiver.wait_for(lambda r: len(r.notifications()) >= 5)
    by_id: dict[int, set[str]] = {}
    for received in receiver.notifications():
        data = received.message["Body"]["data"]
        by_id.setdefault(data["id"], set()).add(received.headers["webhook-id"])
    assert sorted(by_id) == sorted(ids)
    assert all(len(webhook_ids) == 1 for webhook_ids in by_id.values())
    with uow_factory as uow:
        logged = uow.session.execute(
            text("SELECT status_code, count(*) FROM delivery_attempts WHERE account_id = :a"
                 " GROUP BY status_code"), {"a": tenant.account_id}
        ).all()  # fmt: skip
    counts = dict(logged)
    assert counts[503] >= 7
    assert counts[200] == 6  # the confirmation and five events


def test_killed_worker_loses_nothing_and_two_never_deliver_one_event_at_once(
    client: TestClient,
    clock: Clock,
    seeded: Seeded,
    live_server: str,
    database_url: str,
    tmp_path: Path,
) -> None:
    tenant = seeded.tenant
    env = server_env(
        database_url,
        VENUECRM_PUBLIC_URL=live_server,
        **{f"VENUECRM_{key.upper()}": str(value) for key, value in FAST.items()},
        VENUECRM_EVENTS_BATCH="5",
    )
    command = [sys.executable, "-m", "venuecrm", "worker"]

    def worker(name: str) -> subprocess.Popen[bytes]:
        with (tmp_path / f"{name}.log").open("wb") as log:
            return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)

    with Receiver() as receiver:
        first = worker("first")
        try:
            subscribe_all(client, tenant, clock, receiver, ("crm",))
            receiver.delay = 0.2
            ids = [created_id(post(client, tenant, clock, base_body(seeded))) for _ in range(8)]
            receiver.wait_for(lambda r: r.attempts >= 3)  # mid-delivery of the first batch
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
            receiver.delay = 0.05
            second, third = worker("second"), worker("third")
            try:
                receiver.wait_for(
                    lambda r: (
                        {m.message["Body"]["data"]["id"] for m in r.notifications()} >= set(ids)
                    ),
                    timeout=40,
                )
            finally:
                for process in (second, third):
                    process.terminate()
                    process.wait(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
    assert receiver.max_in_flight == 1
    # The event in flight when the first worker died came again, under the same id.
    assert len(receiver.notifications()) > len(ids)
    by_id: dict[int, set[str]] = {}
    for received in receiver.notifications():
        data = received.message["Body"]["data"]
        by_id.setdefault(data["id"], set()).add(received.headers["webhook-id"])
    assert sorted(by_id) == sorted(ids)
    assert all(len(webhook_ids) == 1 for webhook_ids in by_id.values())


def deliveries_listed(
    client: TestClient, tenant: Tenant, clock: Clock, **filters: Any
) -> list[dict[str, Any]]:
    """getNotificationDeliveryList's results."""
    body = {"filter": filters} if filters else {}
    response = call(client, tenant, clock, "account", "getNotificationDeliveryList", body)
    _, results = collection(response)
    return results


def test_parked_after_the_retry_window_then_redelivered(
    client: TestClient,
    clock: Clock,
    seeded: Seeded,
    fast: Settings,
    uow_factory: UnitOfWork,
    database_url: str,
) -> None:
    tenant = seeded.tenant
    brief = fast.model_copy(update={"events_retry_for_seconds": 0.3})
    with Receiver() as receiver, dispatching(brief):
        subscribe_all(client, tenant, clock, receiver, ("crm",))
        receiver.status = 503
        opportunity_id = created_id(post(client, tenant, clock, base_body(seeded)))

        def parked(_: Receiver) -> bool:
            return bool(deliveries_listed(client, tenant, clock, status="parked"))

        receiver.wait_for(parked)
        (row,) = deliveries_listed(client, tenant, clock, status="parked")
        assert row["subject"] == "OpportunityAdded"
        assert row["recordId"] == opportunity_id
        assert row["attempts"] >= 2
        assert (row["lastStatusCode"], row["lastError"]) == (503, "HTTP 503")
        failed = receiver.attempts
        receiver.status = 200
        # Nothing is tried again by itself once parked; the operator makes it due again.
        response = call(
            client, tenant, clock, "account", "redeliverNotifications", {"deliveryId": row["id"]}
        )
        assert response.json() == {"success": True, "count": 1}
        receiver.wait_for(lambda r: len(r.notifications()) == 1)
        assert receiver.attempts == failed + 1
        (again,) = receiver.notifications()
        assert again.headers["webhook-id"] == f"msg_{tenant.account_id}_{row['id']}"
        # Everything since a time, from the command line: the event again, same id.
        env = server_env(database_url)
        account = str(tenant.account_id)
        command = [sys.executable, "-m", "venuecrm", "events"]
        done = subprocess.run(
            [*command, "redeliver", "--account", account, "--since", "2000-01-01"],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert done.stdout.strip() == "1 due again"
        receiver.wait_for(lambda r: len(r.notifications()) == 2)
        listed = subprocess.run(
            [*command, "list", "--account", account, "--json"],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
    rows = json.loads(listed.stdout)
    assert [(r["subject"], r["status"]) for r in rows] == [
        ("OpportunityAdded", "delivered"),
        ("SubscriptionConfirmation", "delivered"),
    ]
    assert {r.headers["webhook-id"] for r in receiver.notifications()} == {
        again.headers["webhook-id"]
    }


def test_redeliver_refuses_bad_requests_and_changes_nothing(
    client: TestClient, clock: Clock, seeded: Seeded, uow_factory: UnitOfWork
) -> None:
    tenant = seeded.tenant
    action = ("account", "redeliverNotifications")
    error(call(client, tenant, clock, *action, {}), 23017)
    error(call(client, tenant, clock, *action, {"deliveryId": 987654321}), 23016)
    error(call(client, tenant, clock, *action, {"since": "yesterday"}), 23016)
    with uow_factory as uow:
        count = uow.session.execute(
            text("SELECT count(*) FROM deliveries WHERE account_id = :a"),
            {"a": tenant.account_id},
        ).scalar_one()
    assert count == 0


def test_serve_delivers_by_default(
    client: TestClient,
    clock: Clock,
    seeded: Seeded,
    live_server: str,
    database_url: str,
    tmp_path: Path,
) -> None:
    env = server_env(database_url, VENUECRM_PUBLIC_URL=live_server, VENUECRM_WORKERS="1")
    del env["VENUECRM_EVENTS_DISPATCHER"]  # the default: on
    env["VENUECRM_EVENTS_POLL_SECONDS"] = "0.05"
    with Receiver() as receiver, serving(env, tmp_path / "serve.log"):
        subscribe_all(client, seeded.tenant, clock, receiver, ("crm",))
        created_id(post(client, seeded.tenant, clock, base_body(seeded)))
        receiver.wait_for(lambda r: len(r.notifications()) == 1)
    assert receiver.notifications()[0].message["Subject"] == "OpportunityAdded"


def test_unified_format_subscription(
    client: TestClient, clock: Clock, seeded: Seeded, fast: Settings
) -> None:
    tenant = seeded.tenant
    with Receiver() as receiver, dispatching(fast):
        body = {"crmEndpoint": receiver.url, "format": "unified"}
        response = call(client, tenant, clock, "account", "subscribeToNotifications", body)
        secret = response.json()["crmSecret"]
        receiver.wait_for(lambda r: len(r.received) == 1)  # confirmed, SNS-style
        opportunity_id = created_id(post(client, tenant, clock, base_body(seeded)))
        update = {"id": opportunity_id, "venueId": seeded["venueId"], "name": "Unified"}
        created_id(post(client, tenant, clock, update))
        auth = {"Authorization": f"Bearer {seeded['apiKey']}:{seeded['apiSecret']}"}
        receiver.wait_for(lambda r: len(r.received) == 3)
        entity_url = receiver.received[1].envelope["payload"]["entity_url"]
        fetched = httpx.get(entity_url, headers=auth, timeout=10)
        assert client.delete(f"/crm/opportunities/{opportunity_id}", headers=auth).is_success
        receiver.wait_for(lambda r: len(r.received) == 4)
    assert fetched.json()["data"]["id"] == str(opportunity_id)
    events = receiver.received[1:]
    types = [r.headers["x-apideck-event-type"] for r in events]
    assert types == [
        "crm.opportunity.created",
        "crm.opportunity.updated",
        "crm.opportunity.deleted",
    ]
    for received in events:
        payload = verified(received, secret)["payload"]
        expected = base64.b64encode(
            hmac.new(secret.encode(), received.body, hashlib.sha256).digest()
        ).decode()
        assert received.headers["x-apideck-signature"] == expected
        assert received.headers["x-apideck-idempotency-key"] == received.headers["webhook-id"]
        assert payload["event_type"] == received.headers["x-apideck-event-type"]
        assert payload["entity_id"] == str(opportunity_id)
        assert payload["entity_type"] == "opportunity"
        assert payload["unified_api"] == "crm"
        assert payload["consumer_id"] == str(tenant.account_id)
        assert payload["execution_attempt"] == 1


def test_a_slow_receiver_does_not_hold_back_another(
    client: TestClient, clock: Clock, seeded: Seeded, fast: Settings
) -> None:
    tenant = seeded.tenant
    with Receiver() as slow, Receiver() as quick, dispatching(fast):
        subscribe_all(client, tenant, clock, slow, ("contacts", "companies"))
        subscribe_all(client, tenant, clock, quick, ("crm",))
        slow.delay = 3.0
        # One commit: its company and contact events (for the slow receiver, queued before
        # the opportunity's) and its opportunity event are claimed in the same round.
        started = time.monotonic()
        created_id(post(client, tenant, clock, base_body(seeded, company={"businessName": "S"})))
        quick.wait_for(lambda r: len(r.notifications()) == 1, timeout=10)
        quick_after = time.monotonic() - started
        slow.wait_for(lambda r: len(r.notifications()) == 2, timeout=10)
    assert quick_after < 2.0, quick_after
    assert quick.notifications()[0].message["Subject"] == "OpportunityAdded"
