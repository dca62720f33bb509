"""Bounded waits (issue 15 item 4): a held row lock ends in 429 / 24299 with Retry-After within
the lock timeout, writes nothing, and never starves other requests; the retry then succeeds."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
from fastapi.testclient import TestClient

from tests.api.fault_helpers import lock_waiters, row_locked, wait_for
from tests.api.opportunity_helpers import URI, base_body, post, rows
from tests.factories import Clock, Seeded, ivvy_uri, sign_js
from venuecrm.app import create_app
from venuecrm.config import Settings
from venuecrm.platform.models import Company, Opportunity
from venuecrm.platform.uow import UnitOfWork

RACE = {
    "errorCode": 429,
    "message": "Race condition: the record is busy with another request; retry shortly",
    "specificCode": 24299,
    "additionalMessages": [],
}


def _held_company(client: TestClient, clock: Clock, seeded: Seeded, uow: UnitOfWork) -> Company:
    company = {"businessName": "Held Co", "updateIfExists": True}
    assert post(client, seeded.tenant, clock, base_body(seeded, company=company)).status_code == 200
    (held,) = rows(uow, Company, seeded.tenant.account_id)
    return held


def test_a_locked_company_is_a_fast_race_condition_that_writes_nothing(
    client: TestClient,
    clock: Clock,
    seeded: Seeded,
    settings: Settings,
    database_url: str,
    uow_factory: UnitOfWork,
) -> None:
    held = _held_company(client, clock, seeded, uow_factory)
    update = base_body(
        seeded, name="Blocked", company={"businessName": "held co", "updateIfExists": True,
                                         "phone": "555"}
    )  # fmt: skip
    acct = seeded.tenant.account_id
    with row_locked(database_url, "companies", held.id):
        started = time.monotonic()
        blocked = post(client, seeded.tenant, clock, update)
        elapsed = time.monotonic() - started
    assert blocked.status_code == 429, blocked.text
    assert blocked.json() == RACE
    assert blocked.headers["Retry-After"] == "1"
    lock_timeout = settings.lock_timeout_ms / 1000
    assert lock_timeout <= elapsed < lock_timeout + 3  # slack for a busy machine
    assert [o.name for o in rows(uow_factory, Opportunity, acct)] == ["Wedding enquiry"]
    assert [c.phone for c in rows(uow_factory, Company, acct)] == [None]

    retry = post(client, seeded.tenant, clock, update)
    assert retry.status_code == 200, retry.text
    assert sorted(o.name for o in rows(uow_factory, Opportunity, acct)) == [
        "Blocked",
        "Wedding enquiry",
    ]
    assert [(c.id, c.phone) for c in rows(uow_factory, Company, acct)] == [(held.id, "555")]


def test_a_locked_company_on_crm_is_a_429_in_apideck_shape(
    client: TestClient,
    clock: Clock,
    seeded: Seeded,
    database_url: str,
    uow_factory: UnitOfWork,
) -> None:
    held = _held_company(client, clock, seeded, uow_factory)
    headers = {"Authorization": f"Bearer {seeded['apiKey']}:{seeded['apiSecret']}"}
    path = f"/crm/companies/{held.id}"
    with row_locked(database_url, "companies", held.id):
        blocked = client.patch(path, json={"name": "Renamed Co"}, headers=headers)
    assert blocked.status_code == 429, blocked.text
    assert blocked.headers["Retry-After"] == "1"
    assert blocked.json() == {
        "status_code": 429,
        "error": "Too Many Requests",
        "type_name": "ConnectorRateLimitError",
        "message": RACE["message"],
        "detail": RACE["message"],
        "ref": "https://developers.apideck.com/errors#connectorratelimiterror",
    }
    assert [c.business_name for c in rows(uow_factory, Company, seeded.tenant.account_id)] == [
        "Held Co"
    ]
    retry = client.patch(path, json={"name": "Renamed Co"}, headers=headers)
    assert retry.status_code == 200, retry.text
    assert [c.business_name for c in rows(uow_factory, Company, seeded.tenant.account_id)] == [
        "Renamed Co"
    ]


def test_many_waiters_on_one_lock_never_starve_a_ping(
    live_server: str,
    client: TestClient,
    clock: Clock,
    seeded: Seeded,
    database_url: str,
    uow_factory: UnitOfWork,
) -> None:
    held = _held_company(client, clock, seeded, uow_factory)
    body = json.dumps(
        base_body(seeded, name="Waiter", company={"businessName": "Held Co",
                                                  "updateIfExists": True, "fax": "1"})
    ).encode()  # fmt: skip
    start = datetime.now(UTC)

    def create(index: int) -> tuple[httpx.Response, float]:
        # Each its own date: identical signed bytes would be one request replayed.
        headers = sign_js(seeded.tenant, URI, body, start - timedelta(seconds=index))
        sent = time.monotonic()
        answer = httpx.post(f"{live_server}{URI}", content=body, headers=headers, timeout=30)
        return answer, time.monotonic() - sent

    ping = ivvy_uri("test", "ping")
    with (
        row_locked(database_url, "companies", held.id),
        ThreadPoolExecutor(max_workers=64) as pool,
    ):
        waiting = [pool.submit(create, i) for i in range(64)]
        # Every write slot of the server is taken by a request blocked on the lock.
        wait_for(lambda: lock_waiters(database_url) >= 8, 10, "8 blocked writers")
        before = time.monotonic()
        pong = httpx.post(
            f"{live_server}{ping}",
            headers=sign_js(seeded.tenant, ping, b"", datetime.now(UTC)),
            timeout=2,
        )
        assert pong.status_code == 200, pong.text
        assert time.monotonic() - before < 2  # the issue: 0 of 15 pings answered within 2 s
        timed = [future.result() for future in waiting]

    answers = [answer for answer, _ in timed]
    for answer, seconds in timed:
        assert answer.status_code in (429, 503), answer.text
        assert answer.json()["specificCode"] == {429: 24299, 503: 90503}[answer.status_code]
        assert int(answer.headers["Retry-After"]) >= 1
        # Server side at most one pool timeout for a write slot and one lock timeout (2 s
        # each); the rest is 65 clients and a server sharing a busy machine. The lock is held
        # until every answer is in, so without the timeouts none would come before 30 s.
        assert seconds < 10
    assert any(a.status_code == 429 for a in answers)
    acct = seeded.tenant.account_id
    assert [o.name for o in rows(uow_factory, Opportunity, acct)] == ["Wedding enquiry"]
    assert [c.fax for c in rows(uow_factory, Company, acct)] == [None]

    retry, _ = create(64)
    assert retry.status_code == 200, retry.text
    assert sorted(o.name for o in rows(uow_factory, Opportunity, acct)) == [
        "Waiter",
        "Wedding enquiry",
    ]
    assert [c.fax for c in rows(uow_factory, Company, acct)] == ["1"]


def test_a_statement_past_its_timeout_is_a_race_condition_too(
    settings: Settings,
    clock: Clock,
    seeded: Seeded,
    client: TestClient,
    database_url: str,
    uow_factory: UnitOfWork,
) -> None:
    held = _held_company(client, clock, seeded, uow_factory)
    # A lock wait longer than the statement timeout: the statement timeout ends it (57014).
    patient = settings.model_copy(update={"lock_timeout_ms": 60000, "statement_timeout_ms": 1000})
    update = base_body(
        seeded, name="Slow", company={"businessName": "Held Co", "updateIfExists": True,
                                      "phone": "1"}
    )  # fmt: skip
    with (
        TestClient(create_app(patient, clock=clock), raise_server_exceptions=False) as slow,
        row_locked(database_url, "companies", held.id),
    ):
        started = time.monotonic()
        blocked = post(slow, seeded.tenant, clock, update)
        elapsed = time.monotonic() - started
    assert blocked.status_code == 429, blocked.text
    assert blocked.json() == {
        **RACE,
        "message": "Race condition: the request ran longer than the statement timeout; "
        "retry shortly",
    }
    assert blocked.headers["Retry-After"] == "1"
    assert 1 <= elapsed < 4  # the 1 s statement timeout, with slack for a busy machine
    acct = seeded.tenant.account_id
    assert [o.name for o in rows(uow_factory, Opportunity, acct)] == ["Wedding enquiry"]
    assert [c.phone for c in rows(uow_factory, Company, acct)] == [None]


def test_no_free_connection_is_a_fast_503_that_writes_nothing(
    settings: Settings, clock: Clock, seeded: Seeded, uow_factory: UnitOfWork
) -> None:
    tight = settings.model_copy(
        update={"pool_size": 1, "pool_max_overflow": 0, "pool_timeout_seconds": 0.5}
    )
    app = create_app(tight, clock=clock)
    with (
        TestClient(app, raise_server_exceptions=False) as busy,
        app.state.runtime.engine.connect(),  # the pool's only connection, taken
    ):
        started = time.monotonic()
        refused = post(busy, seeded.tenant, clock, base_body(seeded))
        elapsed = time.monotonic() - started
    assert refused.status_code == 503, refused.text
    assert refused.json() == {
        "errorCode": 503,
        "message": "Every database connection is busy; retry shortly",
        "specificCode": 90503,
        "additionalMessages": [],
    }
    assert refused.headers["Retry-After"] == "2"
    assert 0.5 <= elapsed < 3
    assert rows(uow_factory, Opportunity, seeded.tenant.account_id) == []
