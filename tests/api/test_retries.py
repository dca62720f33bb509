"""Retries and replays run a write once: Idempotency-Key, and replayed iVvy signatures."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select, text

from tests.api.opportunity_helpers import URI, base_body, created_id, table_counts
from tests.api.wire_trace import cost, traced
from tests.factories import (
    Clock,
    Seeded,
    Tenant,
    ivvy_uri,
    json_body,
    seeded_tenant,
    sign_ivvy_headers,
    sign_js,
)
from venuecrm.config import Settings
from venuecrm.platform.engine import make_engine, make_session_factory
from venuecrm.platform.models import ApiKey, Opportunity, StoredResponse
from venuecrm.platform.stored_responses import CLEAN_UP_BATCH
from venuecrm.platform.uow import UnitOfWork

REPLAYED = "idempotent-replayed"


def opportunity_count(uow: UnitOfWork, account_id: int) -> int:
    """The account's opportunities, deleted ones included."""
    with uow:
        query = select(func.count()).where(Opportunity.account_id == account_id)
        return int(uow.session.execute(query).scalar_one())


def stored(uow: UnitOfWork, account_id: int) -> list[StoredResponse]:
    """The account's stored responses, by kind."""
    with uow:
        query = select(StoredResponse).where(StoredResponse.account_id == account_id)
        found = sorted(uow.session.scalars(query), key=lambda r: (r.kind, r.key))
        uow.session.expunge_all()
        return found


def envelope(response: Response, status: int, specific: int) -> dict[str, Any]:
    """An iVvy error envelope, after checking its shape and codes."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"errorCode", "message", "specificCode", "additionalMessages"}
    assert (body["errorCode"], body["specificCode"]) == (status, specific)
    return body


def crm_auth(tenant: Tenant, key: str | bytes | None = None) -> dict[str, str | bytes]:
    """Bearer token, and an Idempotency-Key when given."""
    headers: dict[str, str | bytes] = {"Authorization": f"Bearer {tenant.key}:{tenant.secret}"}
    return headers | ({"Idempotency-Key": key} if key is not None else {})


def crm_body(seeded: Seeded, title: str = "Gala") -> dict[str, Any]:
    """A minimal /crm create."""
    return {"title": title, "pipeline_id": str(seeded["venueId"]), "company_name": "Retry Co"}


# --- Item 2: a replayed signed request is never executed twice ---------------------------------


def test_the_same_signed_bytes_twice_create_once_and_replay_the_first_answer(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    account = seeded.tenant.account_id
    raw = json_body(base_body(seeded))
    headers = sign_js(seeded.tenant, URI, raw, clock.now)
    sent_at = clock.now
    first = client.post(URI, content=raw, headers=headers)
    new_id = created_id(first)
    assert REPLAYED not in first.headers
    before = table_counts(uow_factory)

    clock.tick(1)
    again = client.post(URI, content=raw, headers=headers)
    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers[REPLAYED] == "true"
    assert table_counts(uow_factory) == before
    assert opportunity_count(uow_factory, account) == 1
    [row] = stored(uow_factory, account)
    assert row.kind == "signature"
    with uow_factory as uow:
        key_id = uow.session.scalars(select(ApiKey.id).where(ApiKey.key == seeded["apiKey"])).one()
    assert row.key == f"{key_id}:{headers['X-Api-Authorization'].split(':')[1]}"
    assert (row.status, json.loads(row.body)) == (200, {"success": True, "id": new_id})
    # Remembered exactly while the same headers would still pass the 300 s freshness check.
    assert row.expires_at == sent_at + timedelta(seconds=300)

    # A new signature (another date) is another request: an honest second create runs.
    second = created_id(
        client.post(URI, content=raw, headers=sign_js(seeded.tenant, URI, raw, clock.now))
    )
    assert second != new_id
    assert opportunity_count(uow_factory, account) == 2


def test_an_upper_cased_action_name_is_the_same_signed_request(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    account = seeded.tenant.account_id
    raw = json_body(base_body(seeded))
    headers = sign_js(seeded.tenant, URI, raw, clock.now)
    new_id = created_id(client.post(URI, content=raw, headers=headers))
    # The string to sign is lower-cased, so the captured signature also signs this URI.
    upper = ivvy_uri("venue", "ADDORUPDATEOPPORTUNITY")
    replayed = client.post(upper, content=raw, headers=headers)
    assert replayed.status_code == 200
    assert replayed.json() == {"success": True, "id": new_id}
    assert replayed.headers[REPLAYED] == "true"
    assert opportunity_count(uow_factory, account) == 1
    assert [r.kind for r in stored(uow_factory, account)] == ["signature"]


def test_a_replay_after_the_window_is_stale_and_expired_rows_are_deleted(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    account = seeded.tenant.account_id
    raw = json_body(base_body(seeded))
    headers = sign_js(seeded.tenant, URI, raw, clock.now)
    created_id(client.post(URI, content=raw, headers=headers))
    [old] = stored(uow_factory, account)

    clock.tick(301)
    envelope(client.post(URI, content=raw, headers=headers), 401, 23005)
    assert opportunity_count(uow_factory, account) == 1

    # Each guarded write deletes up to CLEAN_UP_BATCH expired rows, of any account, oldest
    # first; earlier tests left theirs, so write until none is left.
    def expired() -> int:
        with uow_factory as uow:
            query = select(func.count()).where(StoredResponse.expires_at <= clock.now)
            return int(uow.session.execute(query).scalar_one())

    left = expired()
    assert left >= 1
    writes = 0
    while left:
        writes += 1
        # The clock stands still (so no more rows expire); each write its own date.
        date = clock.now - timedelta(seconds=writes)
        headers = sign_js(seeded.tenant, URI, raw, date)
        created_id(client.post(URI, content=raw, headers=headers))
        assert expired() == max(left - CLEAN_UP_BATCH, 0)
        left = expired()
    keys = [row.key for row in stored(uow_factory, account)]
    assert old.key not in keys
    assert len(keys) == writes
    assert opportunity_count(uow_factory, account) == 1 + writes


def test_a_failed_write_stores_nothing_and_its_replay_is_checked_again(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    account = seeded.tenant.account_id
    raw = json_body(base_body(seeded, typeId=999999))
    headers = sign_js(seeded.tenant, URI, raw, clock.now)
    before = table_counts(uow_factory)
    first = envelope(client.post(URI, content=raw, headers=headers), 400, 24224)
    again = client.post(URI, content=raw, headers=headers)
    assert envelope(again, 400, 24224) == first
    assert REPLAYED not in again.headers
    assert table_counts(uow_factory) == before
    assert stored(uow_factory, account) == []


def test_reads_are_not_stored_and_a_replayed_read_reads_again(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    account = seeded.tenant.account_id
    uri = ivvy_uri("crm", "getOpportunityList")
    raw = json_body({})
    headers = sign_js(seeded.tenant, uri, raw, clock.now)
    assert client.post(uri, content=raw, headers=headers).json()["meta"]["totalResults"] == 0
    created_id(
        client.post(
            URI,
            content=(body := json_body(base_body(seeded))),
            headers=sign_js(seeded.tenant, URI, body, clock.now),
        )
    )
    again = client.post(uri, content=raw, headers=headers)
    assert again.json()["meta"]["totalResults"] == 1
    assert REPLAYED not in again.headers
    assert [r.kind for r in stored(uow_factory, account)] == ["signature"]


# --- Item 1: Idempotency-Key ---------------------------------------------------------------------


def test_an_ivvy_retry_with_the_same_key_returns_the_first_answer(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    account = seeded.tenant.account_id
    raw = json_body(base_body(seeded))
    key = {"IVVY-Idempotency-Key": "order-1"}
    first = client.post(
        URI, content=raw, headers=sign_ivvy_headers(seeded.tenant, URI, raw, clock.now, key)
    )
    new_id = created_id(first)
    contacts_before = table_counts(uow_factory)["contacts"]

    # The client timed out and retries: re-signed a minute later, so a new signature.
    clock.tick(60)
    retry = client.post(
        URI, content=raw, headers=sign_ivvy_headers(seeded.tenant, URI, raw, clock.now, key)
    )
    assert retry.status_code == 200
    assert retry.json() == {"success": True, "id": new_id}
    assert retry.headers[REPLAYED] == "true"
    assert opportunity_count(uow_factory, account) == 1
    assert table_counts(uow_factory)["contacts"] == contacts_before
    rows = stored(uow_factory, account)
    assert [r.kind for r in rows] == ["key", "signature"]
    assert rows[0].key == "order-1"
    assert rows[0].expires_at - rows[0].created_at == timedelta(hours=24)

    # The same key with another body is refused, and writes nothing.
    other = json_body(base_body(seeded, name="Another enquiry"))
    refused = client.post(
        URI, content=other, headers=sign_ivvy_headers(seeded.tenant, URI, other, clock.now, key)
    )
    envelope(refused, 422, 90422)
    assert opportunity_count(uow_factory, account) == 1
    # ... as is the same key and body on another action.
    uri = ivvy_uri("contact", "addOrUpdateContact")
    refused = client.post(
        uri, content=raw, headers=sign_ivvy_headers(seeded.tenant, uri, raw, clock.now, key)
    )
    envelope(refused, 422, 90422)
    assert table_counts(uow_factory)["contacts"] == contacts_before


def test_the_plain_header_works_on_ivvy_routes_and_keys_are_scoped_to_the_account(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    other = seeded_tenant(uow_factory)
    key = {"Idempotency-Key": '"8e03978e-40d5-43e8-bc93-6894a57f9324"'}  # IETF: a quoted string
    ids = []
    for tenant_seeded in (seeded, other):
        tenant = tenant_seeded.tenant
        raw = json_body(base_body(tenant_seeded))
        for _ in range(2):
            clock.tick(1)
            headers = sign_js(tenant, URI, raw, clock.now) | key
            ids.append(created_id(client.post(URI, content=raw, headers=headers)))
    assert ids[0] == ids[1]
    assert ids[2] == ids[3]
    assert ids[0] != ids[2]
    for tenant_seeded in (seeded, other):
        assert opportunity_count(uow_factory, tenant_seeded.tenant.account_id) == 1
        rows = stored(uow_factory, tenant_seeded.tenant.account_id)
        assert next((r.kind, r.key) for r in rows) == (
            "key",
            "8e03978e-40d5-43e8-bc93-6894a57f9324",
        )


def test_a_malformed_key_is_400_and_writes_nothing(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    raw = json_body(base_body(seeded))
    before = table_counts(uow_factory)
    for bad in (b"", b"x" * 256, "caf\u00e9".encode(), b"tab\there"):
        clock.tick(1)
        headers = sign_js(seeded.tenant, URI, raw, clock.now)
        response = client.post(URI, content=raw, headers={**headers, "Idempotency-Key": bad})
        envelope(response, 400, 90420)
        crm = client.post(
            "/crm/opportunities", json=crm_body(seeded), headers=crm_auth(seeded.tenant, bad)
        )
        assert crm.status_code == 400
        assert crm.json()["type_name"] == "RequestValidationError"
    assert table_counts(uow_factory) == before


def test_crm_create_update_and_delete_retries_return_the_stored_answer(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    account = seeded.tenant.account_id
    url = "/crm/opportunities"
    first = client.post(url, json=crm_body(seeded), headers=crm_auth(seeded.tenant, "create-1"))
    assert first.status_code == 201, first.text
    retry = client.post(url, json=crm_body(seeded), headers=crm_auth(seeded.tenant, "create-1"))
    assert (retry.status_code, retry.content) == (201, first.content)
    assert retry.headers[REPLAYED] == "true"
    assert opportunity_count(uow_factory, account) == 1
    opportunity_id = first.json()["data"]["id"]

    other = client.post(
        url, json=crm_body(seeded, "Other"), headers=crm_auth(seeded.tenant, "create-1")
    )
    assert other.status_code == 422
    assert other.json()["type_name"] == "InvalidStateError"
    assert opportunity_count(uow_factory, account) == 1

    patch = {"title": "Renamed"}
    one = f"{url}/{opportunity_id}"
    updated = client.patch(one, json=patch, headers=crm_auth(seeded.tenant, "patch-1"))
    assert updated.status_code == 200
    with uow_factory as uow:
        row = uow.session.get(Opportunity, (account, int(opportunity_id)))
        assert row is not None
        assert row.name == "Renamed"
        modified = row.modified_at
    again = client.patch(one, json=patch, headers=crm_auth(seeded.tenant, "patch-1"))
    assert (again.status_code, again.content, again.headers[REPLAYED]) == (
        200,
        updated.content,
        "true",
    )
    with uow_factory as uow:
        row = uow.session.get(Opportunity, (account, int(opportunity_id)))
        assert row is not None
        assert row.modified_at == modified

    deleted = client.delete(one, headers=crm_auth(seeded.tenant, "delete-1"))
    assert deleted.status_code == 200
    # Without the key the second delete would be 404: the retry gets the first answer instead.
    again = client.delete(one, headers=crm_auth(seeded.tenant, "delete-1"))
    assert (again.status_code, again.content, again.headers[REPLAYED]) == (
        200,
        deleted.content,
        "true",
    )
    assert client.delete(one, headers=crm_auth(seeded.tenant)).status_code == 404
    assert [r.key for r in stored(uow_factory, account)] == ["create-1", "delete-1", "patch-1"]


def test_keys_expire_after_the_configured_time(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    account = seeded.tenant.account_id
    url = "/crm/opportunities"
    first = client.post(url, json=crm_body(seeded), headers=crm_auth(seeded.tenant, "daily"))
    clock.tick(24 * 3600 - 1)
    kept = client.post(url, json=crm_body(seeded), headers=crm_auth(seeded.tenant, "daily"))
    assert kept.content == first.content
    assert kept.headers[REPLAYED] == "true"
    clock.tick(1)
    fresh = client.post(url, json=crm_body(seeded), headers=crm_auth(seeded.tenant, "daily"))
    assert fresh.status_code == 201
    assert REPLAYED not in fresh.headers
    assert fresh.json()["data"]["id"] != first.json()["data"]["id"]
    assert opportunity_count(uow_factory, account) == 2
    [row] = stored(uow_factory, account)
    assert json.loads(row.body)["data"]["id"] == fresh.json()["data"]["id"]
    assert row.created_at == clock.now


@contextmanager
def row_locked(settings: Settings, account_id: int, opportunity_id: int) -> Iterator[None]:
    """Hold the opportunity's row lock from a transaction of its own until the block ends."""
    engine = make_engine(settings)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            uow.session.execute(
                select(Opportunity.id)
                .where(Opportunity.account_id == account_id, Opportunity.id == opportunity_id)
                .with_for_update()
            )
            yield
    finally:
        engine.dispose()


def wait_for_lock_waiter(uow: UnitOfWork, deadline_s: float = 30) -> None:
    """Poll until some backend waits on a row lock (the first request is inside its write)."""
    deadline = time.monotonic() + deadline_s
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        " AND datname = current_database()"
    )
    while time.monotonic() < deadline:
        with uow:
            if uow.session.execute(query).scalar_one():
                return
        time.sleep(0.05)  # polling interval; the condition decides
    raise AssertionError("the first request never reached its write")


def test_a_duplicate_while_the_first_runs_is_409_then_gets_the_answer(
    live_server: str, settings: Settings, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    account = seeded.tenant.account_id
    url = f"{live_server}/crm/opportunities"
    created = httpx.post(url, json=crm_body(seeded), headers=crm_auth(seeded.tenant))
    opportunity_id = int(created.json()["data"]["id"])
    key = f"slow-{uuid.uuid4().hex}"
    patch = {"title": "Patched once"}
    results: list[Response] = []
    one = f"{url}/{opportunity_id}"

    def send() -> Response:
        return httpx.patch(one, json=patch, headers=crm_auth(seeded.tenant, key), timeout=60)

    with row_locked(settings, account, opportunity_id):
        first = threading.Thread(target=lambda: results.append(send()))
        first.start()
        wait_for_lock_waiter(uow_factory)
        busy = send()
        assert busy.status_code == 409
        assert busy.json()["type_name"] == "ConflictError"
        assert stored(uow_factory, account) == []
    first.join(timeout=60)
    [done] = results
    assert done.status_code == 200
    after = send()
    assert (after.status_code, after.content, after.headers[REPLAYED]) == (
        200,
        done.content,
        "true",
    )
    assert [r.key for r in stored(uow_factory, account)] == [key]
    with uow_factory as uow:
        row = uow.session.get(Opportunity, (account, opportunity_id))
        assert row is not None
        assert row.name == "Patched once"


def test_a_guarded_write_costs_three_more_statements_and_one_round_trip(
    app: FastAPI, client: TestClient, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    def create(key: str | None) -> tuple[int, int]:
        with traced(app) as counts:
            response = client.post(
                "/crm/opportunities", json=crm_body(seeded), headers=crm_auth(seeded.tenant, key)
            )
        assert response.status_code == 201, response.text
        return cost(counts)

    create(None)  # the account's first write may differ (new company); compare later ones
    (plain, plain_trips), (guarded, guarded_trips) = create(None), create("counted")
    # The lock and the look-up share a round trip; the stored response goes with the COMMIT.
    assert (guarded - plain, guarded_trips - plain_trips) == (3, 1)
    assert [r.key for r in stored(uow_factory, seeded.tenant.account_id)] == ["counted"]
