"""Per-key rate limits, the failed-authentication limit per address, and equal refusal times
(issue 15, item 6), through the real app with its own, strict limits."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from httpx import Response

from tests.api.opportunity_helpers import base_body, table_counts
from tests.factories import Clock, Seeded, Tenant, ivvy_uri, json_body, sign_js
from venuecrm.app import create_app
from venuecrm.config import Settings
from venuecrm.platform.uow import UnitOfWork

PING = ivvy_uri("test", "ping")
CREATE = ivvy_uri("venue", "addOrUpdateOpportunity")


@contextmanager
def _client(
    settings: Settings, clock: Clock, address: str = "192.0.2.1", **limits: str | None
) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update=limits), clock=clock)
    with TestClient(app, raise_server_exceptions=False, client=(address, 50000)) as client:
        yield client


def _ping(client: TestClient, tenant: Tenant, clock: Clock, secret: str | None = None) -> Response:
    signer = tenant if secret is None else Tenant(tenant.account_id, tenant.key, secret)
    return client.post(PING, headers=sign_js(signer, PING, b"", clock.tick()))


def _assert_limited(response: Response) -> int:
    """Check a 429 in iVvy's envelope with its headers; the seconds to wait."""
    assert response.status_code == 429, response.text
    body = response.json()
    assert set(body) == {"errorCode", "message", "specificCode", "additionalMessages"}
    assert (body["errorCode"], body["specificCode"]) == (429, 90429)
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert response.headers["RateLimit-Remaining"] == "0"
    return retry_after


def test_a_key_over_its_limit_gets_429_with_retry_after_and_writes_nothing(
    settings: Settings, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded, tenant: Tenant
) -> None:
    with _client(settings, clock, rate_limit="3/minute") as client:
        remaining = []
        for _ in range(3):
            response = _ping(client, seeded.tenant, clock)
            assert response.status_code == 200, response.text
            assert response.headers["RateLimit-Limit"] == "3"
            assert 1 <= int(response.headers["RateLimit-Reset"]) <= 60
            remaining.append(response.headers["RateLimit-Remaining"])
        assert remaining == ["2", "1", "0"]
        before = table_counts(uow_factory)
        body = json_body(base_body(seeded))
        refused = client.post(
            CREATE, content=body, headers=sign_js(seeded.tenant, CREATE, body, clock.tick())
        )
        _assert_limited(refused)
        assert table_counts(uow_factory) == before
        # The limit is the key's: another key of the same process is not affected.
        assert _ping(client, tenant, clock).status_code == 200


def test_a_crm_caller_over_its_limit_gets_429_in_apideck_shape(
    settings: Settings, clock: Clock, seeded: Seeded
) -> None:
    auth = {"Authorization": f"Bearer {seeded['apiKey']}:{seeded['apiSecret']}"}
    with _client(settings, clock, rate_limit="2/minute") as client:
        assert client.get("/crm/opportunities", headers=auth).status_code == 200
        assert client.get("/crm/opportunities", headers=auth).status_code == 200
        refused = client.get("/crm/opportunities", headers=auth)
    assert refused.status_code == 429
    body = refused.json()
    assert (body["status_code"], body["type_name"]) == (429, "ConnectorRateLimitError")
    assert int(refused.headers["Retry-After"]) >= 1


def test_failed_signatures_lock_out_the_address_until_the_window_passes(
    settings: Settings, clock: Clock, tenant: Tenant
) -> None:
    window = 3
    with _client(settings, clock, failed_auth_limit=f"3 per {window} seconds") as client:
        for _ in range(3):
            assert _ping(client, tenant, clock, secret="0" * 32).status_code == 401
        started = time.monotonic()
        # Now even a correct signature from this address is refused...
        retry_after = _assert_limited(_ping(client, tenant, clock))
        assert retry_after <= window
        # ...but not one from another address.
        with _client(settings, clock, address="192.0.2.99") as other:
            assert _ping(other, tenant, clock).status_code == 200
        # Once the window has moved past the failures, the correct signature is accepted.
        deadline = started + window + 5
        while (response := _ping(client, tenant, clock)).status_code == 429:
            assert time.monotonic() < deadline, "still locked out after the window"
            time.sleep(0.1)  # polling interval: the server's answer decides
        assert response.status_code == 200, response.text


def test_unknown_keys_count_as_failed_authentications(
    settings: Settings, clock: Clock, tenant: Tenant
) -> None:
    stranger = Tenant(tenant.account_id, "f" * 32, "0" * 32)
    with _client(settings, clock, failed_auth_limit="2/minute") as client:
        assert _ping(client, stranger, clock).json()["specificCode"] == 90103
        assert _ping(client, stranger, clock).json()["specificCode"] == 90103
        _assert_limited(_ping(client, tenant, clock))


def test_an_unknown_key_and_a_wrong_signature_take_the_same_time(
    client: TestClient, clock: Clock, tenant: Tenant
) -> None:
    stranger = Tenant(tenant.account_id, "e" * 32, tenant.secret)

    def seconds(signer: Tenant, secret: str) -> float:
        started = time.perf_counter()
        response = _ping(client, signer, clock, secret=secret)
        elapsed = time.perf_counter() - started
        assert response.status_code == 401
        return elapsed

    # Interleaved, so load on the machine falls on both alike.
    unknown, wrong = [], []
    for _ in range(40):
        unknown.append(seconds(stranger, tenant.secret))
        wrong.append(seconds(tenant, "0" * 32))
    # Both look the key up and compute the HMAC; only noise should separate them.
    a, b = statistics.median(unknown), statistics.median(wrong)
    assert abs(a - b) <= 0.25 * max(a, b), (a, b)


def test_no_per_key_limit_unless_one_is_set(
    settings: Settings, clock: Clock, seeded: Seeded
) -> None:
    default = Settings.model_fields["rate_limit"].default
    assert default is None
    with _client(settings, clock, rate_limit=default) as client:
        for _ in range(5):
            response = _ping(client, seeded.tenant, clock)
            assert response.status_code == 200, response.text
            assert "RateLimit-Limit" not in response.headers
