"""Request signing through the real app: every SDK variant, tampering, staleness, revocation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    Clock,
    Tenant,
    ivvy_uri,
    sign_date_header,
    sign_js,
    sign_net,
    sign_php,
)
from venuecrm.features.accounts.service import revoke_key
from venuecrm.platform.uow import UnitOfWork

PING = ivvy_uri("test", "ping")
Signer = Callable[[Tenant, str, bytes, datetime], dict[str, str]]


def _assert_envelope(response_json: dict[str, object], error_code: int, specific: int) -> None:
    assert response_json["errorCode"] == error_code
    assert response_json["specificCode"] == specific
    assert isinstance(response_json["message"], str)
    assert response_json["message"]
    assert isinstance(response_json["additionalMessages"], list)


@pytest.mark.parametrize(
    ("signer", "body"),
    [
        (sign_js, b""),  # JS ping sends ''
        (sign_js, b'{"example":"body"}'),
        (sign_net, b""),  # .NET sends "" for a null request object
        (sign_net, b'{"example":"body"}'),
        (sign_php, b"[]"),  # PHP sends [] for no parameters
        (sign_date_header, b"{}"),
    ],
    ids=["js-empty", "js-body", "net-empty", "net-body", "php-array", "date-header"],
)
def test_every_sdk_signing_variant_is_accepted(
    client: TestClient, tenant: Tenant, clock: Clock, signer: Signer, body: bytes
) -> None:
    response = client.post(PING, content=body, headers=signer(tenant, PING, body, clock.now))
    assert response.status_code == 200, response.text
    assert response.json() == {"ack": clock.now.strftime("%Y-%m-%d %H:%M:%S UTC")}
    assert "errorCode" not in response.json()


def test_pretty_printed_body_is_hashed_as_received(
    client: TestClient, tenant: Tenant, clock: Clock
) -> None:
    body = b'{\n  "example": "body",\n  "url": "https:\\/\\/x"\n}\n'
    response = client.post(PING, content=body, headers=sign_js(tenant, PING, body, clock.now))
    assert response.status_code == 200, response.text


def test_md5_of_trimmed_body_is_accepted(client: TestClient, tenant: Tenant, clock: Clock) -> None:
    # DOCS calculating-md5.md tells clients to strip the body before hashing it.
    headers = sign_js(tenant, PING, b"{}", clock.now)
    response = client.post(PING, content=b"  {}\n", headers=headers)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("offset", [-299, 299, -300, 300])
def test_request_within_the_window_is_accepted(
    client: TestClient, tenant: Tenant, clock: Clock, offset: int
) -> None:
    headers = sign_net(tenant, PING, b"", clock.now + timedelta(seconds=offset))
    assert client.post(PING, content=b"", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("signer", "offset"),
    [(sign_js, -301), (sign_js, 301), (sign_date_header, -301), (sign_date_header, 301)],
)
def test_request_outside_the_window_is_stale(
    client: TestClient, tenant: Tenant, clock: Clock, signer: Signer, offset: int
) -> None:
    headers = signer(tenant, PING, b"", clock.now + timedelta(seconds=offset))
    response = client.post(PING, content=b"", headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "errorCode": 401,
        "message": "Request is stale",
        "specificCode": 23005,
        "additionalMessages": [],
    }


def test_garbled_php_sdk_date_is_stale(client: TestClient, tenant: Tenant, clock: Clock) -> None:
    headers = sign_js(tenant, PING, b"[]", clock.now, date="2018-10-09 0202:1010:0707")
    response = client.post(PING, content=b"[]", headers=headers)
    assert response.status_code == 401
    assert response.json()["specificCode"] == 23005


@pytest.mark.parametrize(
    ("mutate", "specific"),
    [
        (lambda h: h.pop("X-Api-Authorization"), 90101),
        (lambda h: h.update({"X-Api-Authorization": "Basic Zm9vOmJhcg=="}), 90102),
        (lambda h: h.update({"X-Api-Authorization": "IWS nosuchkey:0000"}), 90103),
        (lambda h: h.pop("Content-MD5"), 90105),
        (lambda h: h.update({"Content-MD5": "0" * 32}), 90105),
    ],
    ids=["missing", "malformed", "unknown-key", "no-md5", "wrong-md5"],
)
def test_unsigned_or_badly_signed_requests_are_401(
    client: TestClient,
    tenant: Tenant,
    clock: Clock,
    mutate: Callable[[dict[str, str]], object],
    specific: int,
) -> None:
    headers = sign_js(tenant, PING, b"{}", clock.now)
    mutate(headers)
    response = client.post(PING, content=b"{}", headers=headers)
    assert response.status_code == 401
    _assert_envelope(response.json(), 401, specific)


def test_signature_of_another_key_is_rejected(
    client: TestClient, tenant: Tenant, clock: Clock
) -> None:
    forged = Tenant(tenant.account_id, tenant.key, "not-the-secret")
    response = client.post(PING, content=b"", headers=sign_js(forged, PING, b"", clock.now))
    assert response.status_code == 401
    _assert_envelope(response.json(), 401, 90104)


def test_revoked_key_is_463(
    client: TestClient, tenant: Tenant, clock: Clock, uow_factory: UnitOfWork
) -> None:
    assert client.post(PING, headers=sign_js(tenant, PING, b"", clock.now)).status_code == 200
    assert revoke_key(uow_factory, tenant.key)
    response = client.post(PING, headers=sign_js(tenant, PING, b"", clock.now))
    assert response.status_code == 463
    _assert_envelope(response.json(), 463, 90107)


def test_revoked_key_with_a_wrong_signature_is_401_not_463(
    client: TestClient, tenant: Tenant, clock: Clock, uow_factory: UnitOfWork
) -> None:
    # Only a caller who holds the secret learns that the key was revoked.
    revoke_key(uow_factory, tenant.key)
    forged = Tenant(tenant.account_id, tenant.key, "guess")
    response = client.post(PING, headers=sign_js(forged, PING, b"", clock.now))
    assert response.status_code == 401


SIGNED_PARTS = ["body", "content-md5", "content-type", "ivvy-date", "uri", "signature"]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    part=st.sampled_from(SIGNED_PARTS),
    position=st.integers(min_value=0, max_value=10_000),
    byte=st.integers(min_value=0x21, max_value=0x7E),
)
def test_any_single_byte_change_to_a_signed_part_is_rejected(
    client: TestClient, tenant: Tenant, clock: Clock, part: str, position: int, byte: int
) -> None:
    body = b'{"venueId":107,"name":"Lead By API"}'
    headers = sign_net(tenant, PING, body, clock.now)
    uri = PING

    def changed(value: str) -> str | None:
        index = position % len(value)
        replacement = chr(byte)
        if value[index].lower() == replacement.lower():
            return None  # the signature is case-insensitive by design (the string is lowered)
        return value[:index] + replacement + value[index + 1 :]

    if part == "body":
        index = position % len(body)
        if body[index] == byte:
            return
        body = body[:index] + bytes([byte]) + body[index + 1 :]
    elif part == "uri":
        # Only the query may change: the path decides which route is reached at all.
        new_uri = changed(uri)
        if new_uri is None or not new_uri.startswith("/api/1.0/test?"):
            return
        uri = new_uri
    elif part == "signature":
        key, _, sig = headers["X-Api-Authorization"].partition(":")
        new_sig = changed(sig)
        if new_sig is None:
            return
        headers["X-Api-Authorization"] = f"{key}:{new_sig}"
    else:
        name = {
            "content-md5": "Content-MD5",
            "content-type": "Content-Type",
            "ivvy-date": "IVVY-Date",
        }[part]
        new_value = changed(headers[name])
        if new_value is None or new_value.strip() != new_value:
            return
        headers[name] = new_value

    response = client.post(uri, content=body, headers=headers)
    # The action name is signed too, so a changed one must fail authentication, not be a 404.
    assert response.status_code == 401, (part, uri, response.text)
    assert response.json()["errorCode"] == 401
