"""Helpers for addOrUpdateOpportunity tests: signed posts and database snapshots."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from tests.factories import Clock, Seeded, Tenant, ivvy_uri, sign_js
from venuecrm.platform.models import Base, Opportunity
from venuecrm.platform.uow import UnitOfWork

URI = ivvy_uri("venue", "addOrUpdateOpportunity")


def post(client: TestClient, tenant: Tenant, clock: Clock, body: Any) -> Response:
    """POST addOrUpdateOpportunity signed by ``tenant``; ``body`` is JSON-encoded unless bytes."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    # Each post is a new request: identical signed bytes would be a replay of the last one.
    return client.post(URI, content=raw, headers=sign_js(tenant, URI, raw, clock.tick()))


def created_id(response: Response) -> int:
    """The id of a successful addOrUpdateOpportunity, after checking the reply's shape."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    assert set(body) == {"success", "id"}
    assert isinstance(body["id"], int)
    return int(body["id"])


def problems(response: Response, specific: int = 24224) -> list[str]:
    """The additionalMessages of an error envelope, after checking the envelope."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["errorCode"] == 400
    assert body["specificCode"] == specific
    return list(body["additionalMessages"])


def table_counts(uow: UnitOfWork) -> dict[str, int]:
    """Row count of every table, to show a rejected request wrote nothing.

    Stored responses are left out: every successful write stores one and may delete expired
    ones of any account (test_retries checks them per account). So are change records: every
    successful write adds some (test_history checks that a rejected request adds none).
    """
    with uow:
        return {
            table.name: uow.session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
            if table.name not in ("stored_responses", "changes")
        }


def opportunity_row(uow: UnitOfWork, account_id: int, opportunity_id: int) -> dict[str, Any]:
    """Every column of a stored opportunity."""
    with uow:
        row = uow.session.get(Opportunity, (account_id, opportunity_id))
        assert row is not None
        return {c.key: getattr(row, c.key) for c in Opportunity.__table__.columns}


def rejected(
    client: TestClient,
    tenant: Tenant,
    clock: Clock,
    uow: UnitOfWork,
    body: Any,
    *,
    specific: int = 24224,
) -> list[str]:
    """Post a request that must fail with ``specific``, check nothing was written, return why."""
    before = table_counts(uow)
    messages = problems(post(client, tenant, clock, body), specific)
    assert table_counts(uow) == before, "a rejected request wrote rows"
    return messages


def base_body(seeded: Seeded, **overrides: Any) -> dict[str, Any]:
    """A minimal valid create: venue, name, type, source and a new contact."""
    body: dict[str, Any] = {
        "venueId": seeded["venueId"],
        "name": "Wedding enquiry",
        "typeId": seeded["typeId"],
        "sourceId": seeded["sourceId"],
        "contact": {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not OMIT}


OMIT: Any = object()


def rows(uow: UnitOfWork, model: type[Any], account_id: int) -> list[Any]:
    """Every row of ``model`` in the account, by id (detached, attributes loaded)."""
    with uow:
        query = select(model).where(model.account_id == account_id)
        found = list(uow.session.scalars(query))
        found.sort(key=lambda r: tuple(getattr(r, c.key) for c in model.__table__.primary_key))
        uow.session.expunge_all()
        return found


def post_all(
    base: str | Sequence[str], tenant: Tenant, calls: list[tuple[str, Any]]
) -> list[Response]:
    """Send every ``(uri, body)`` at once to a live server, each from its own thread.

    A barrier releases them together, so they race for the same rows. Given several servers
    (replicas on one database), the calls go to them in turn.
    """
    bases = [base] if isinstance(base, str) else list(base)
    barrier = threading.Barrier(len(calls))
    start = datetime.now(UTC)

    def send(index: int, call: tuple[str, Any]) -> Response:
        uri, body = call
        raw = json.dumps(body).encode()
        # Each its own date: identical signed bytes are one request (a replay), not a race.
        date = start - timedelta(seconds=index)
        with httpx.Client(base_url=bases[index % len(bases)], timeout=60) as client:
            barrier.wait()
            return client.post(uri, content=raw, headers=sign_js(tenant, uri, raw, date))

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(send, range(len(calls)), calls))
