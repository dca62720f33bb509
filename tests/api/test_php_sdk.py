"""The community PHP SDK's broken IVVY-Date (date('Y-m-d hh:mm:ss')), accepted per key by opt-in.

Requests are signed as fundacion-ciudad-del-saber/ivvy-sdk-php signs them (``sign_php_sdk``),
its bodies encoded as PHP's json_encode writes them (``[]`` when there are no parameters).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from tests.api.opportunity_helpers import base_body, created_id, table_counts
from tests.api.test_cli import cli_env, venuecrm
from tests.factories import Clock, Seeded, Tenant, ivvy_uri, php_json, sign_js, sign_php_sdk
from venuecrm.features.accounts.service import update_key
from venuecrm.platform.models import ApiKey, Company, Contact, Opportunity, StoredResponse
from venuecrm.platform.uow import UnitOfWork

__all__ = ["cli_env"]  # the CLI test's fixture, used here too

ZONE = "Australia/Brisbane"  # UTC+10, no daylight saving
# 04:10:30 in Brisbane: the SDK writes "2026-12-01 0404:1212:3030".
SENT = datetime(2026, 12, 1, 4, 10, 30, tzinfo=ZoneInfo(ZONE)).astimezone(UTC)


def send(
    client: TestClient,
    tenant: Tenant,
    clock: Clock,
    namespace: str,
    action: str,
    body: bytes,
    sent: datetime | None = None,
) -> Response:
    """One call as the PHP SDK makes it, its date taken at ``sent`` (default: the clock)."""
    uri = ivvy_uri(namespace, action)
    headers = sign_php_sdk(tenant, uri, body, sent or clock.now, ZONE)
    return client.post(uri, content=body, headers=headers)


def error(response: Response, status: int, specific: int) -> dict[str, Any]:
    """An iVvy error envelope, after checking its shape."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"errorCode", "message", "specificCode", "additionalMessages"}
    assert (body["errorCode"], body["specificCode"]) == (status, specific)
    return body


def opt_in(uow: UnitOfWork, seeded: Seeded) -> None:
    """What ``venuecrm keys update KEY --php-dates --time-zone Australia/Brisbane`` does."""
    update_key(uow, seeded["apiKey"], php_dates=True, time_zone=ZONE)


def count(uow: UnitOfWork, model: type[Any], account_id: int) -> int:
    """Rows of ``model`` in the account."""
    with uow:
        return len(list(uow.session.scalars(select(model).where(model.account_id == account_id))))


def test_php_dates_are_stale_for_a_key_that_did_not_opt_in(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    clock.now = SENT
    before = table_counts(uow_factory)
    error(send(client, seeded.tenant, clock, "test", "ping", b"[]"), 401, 23005)
    body = php_json(base_body(seeded))
    error(send(client, seeded.tenant, clock, "venue", "addOrUpdateOpportunity", body), 401, 23005)
    assert table_counts(uow_factory) == before


def test_the_sdk_calls_work_with_the_setting_on(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    opt_in(uow_factory, seeded)
    account = seeded.tenant.account_id
    clock.now = SENT
    ping = send(client, seeded.tenant, clock, "test", "ping", b"[]")
    assert ping.status_code == 200, ping.text
    assert ping.json() == {"ack": "2026-11-30 18:10:30 UTC"}

    # Create with a nested company and contact ('/' escaped as PHP's json_encode does).
    nested = {
        "company": {"businessName": "PHP Pty/Ltd", "updateIfExists": True},
        "contact": {"firstName": "Rasmus", "lastName": "Lerdorf", "email": "r@php.example"},
    }
    clock.tick(7)
    opportunity_id = created_id(
        send(client, seeded.tenant, clock, "venue", "addOrUpdateOpportunity",
             php_json(base_body(seeded, **nested)))
    )  # fmt: skip
    with uow_factory as uow:
        row = uow.session.get(Opportunity, (account, opportunity_id))
        assert row is not None
        company = uow.session.get(Company, (account, row.company_id))
        contact = uow.session.get(Contact, (account, row.contact_id))
        assert company is not None
        assert contact is not None
        assert (company.business_name, contact.email) == ("PHP Pty/Ltd", "r@php.example")

    clock.tick(60)
    update = php_json({"id": opportunity_id, "venueId": seeded["venueId"], "name": "Renamed"})
    assert (
        created_id(send(client, seeded.tenant, clock, "venue", "addOrUpdateOpportunity", update))
        == opportunity_id
    )
    with uow_factory as uow:
        row = uow.session.get(Opportunity, (account, opportunity_id))
        assert row is not None
        assert row.name == "Renamed"

    clock.tick(60)
    listed = send(client, seeded.tenant, clock, "crm", "getOpportunityList", b"[]")
    assert listed.status_code == 200, listed.text
    assert [r["name"] for r in listed.json()["results"]] == ["Renamed"]
    companies = send(client, seeded.tenant, clock, "contact", "getCompanyList", b"[]")
    assert [r["businessName"] for r in companies.json()["results"]] == ["PHP Pty/Ltd"]

    before = table_counts(uow_factory)
    invalid = php_json({"firstName": "No", "lastName": "Email"})
    refused = send(client, seeded.tenant, clock, "contact", "addOrUpdateContact", invalid)
    assert error(refused, 400, 23017)["additionalMessages"] == ["email: is required"]
    assert table_counts(uow_factory) == before
    assert (count(uow_factory, Opportunity, account), count(uow_factory, Contact, account)) == (
        1,
        1,
    )


HOUR = datetime(2026, 12, 1, 4, tzinfo=ZoneInfo(ZONE)).astimezone(UTC)


@pytest.mark.parametrize(
    ("server_time", "fresh"),
    [
        (HOUR - timedelta(seconds=301), False),
        (HOUR - timedelta(seconds=300), True),  # the allowed skew before the hour
        (HOUR + timedelta(minutes=59, seconds=59), True),
        (HOUR + timedelta(minutes=65), True),  # the hour's end plus the allowed 300 s
        (HOUR + timedelta(minutes=65, seconds=1), False),
        (HOUR + timedelta(hours=12, minutes=10), True),  # a 12-hour clock: the cost of opting in
        (HOUR + timedelta(hours=24, minutes=10), False),  # the next day
    ],
)
def test_freshness_uses_the_date_and_the_12_hour_clock_hour(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded,
    server_time: datetime, fresh: bool,
) -> None:  # fmt: skip
    opt_in(uow_factory, seeded)
    clock.now = server_time
    response = send(client, seeded.tenant, clock, "test", "ping", b"[]", sent=SENT)
    if fresh:
        assert response.status_code == 200, response.text
        assert response.json() == {"ack": server_time.strftime("%Y-%m-%d %H:%M:%S UTC")}
    else:
        error(response, 401, 23005)


def test_the_signature_covers_the_date_exactly_as_sent_and_the_zone_counts(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    opt_in(uow_factory, seeded)
    clock.now = SENT
    uri = ivvy_uri("test", "ping")
    headers = sign_php_sdk(seeded.tenant, uri, b"[]", SENT, ZONE)
    # The same instant written in the standard form is another string to sign.
    standard = {**headers, "IVVY-Date": "2026-12-01 04:10:30"}
    error(client.post(uri, content=b"[]", headers=standard), 401, 90104)
    # Signed in UTC while the key says Brisbane: ten hours off.
    utc = sign_php_sdk(seeded.tenant, uri, b"[]", SENT, "UTC")
    error(client.post(uri, content=b"[]", headers=utc), 401, 23005)
    # Correctly signed, but not PHP's form (the month not repeated): stale, not guessed at.
    wrong = headers["IVVY-Date"].replace(":1212:", ":1211:")
    assert wrong != headers["IVVY-Date"]
    odd = sign_js(seeded.tenant, uri, b"[]", SENT, date=wrong)
    error(client.post(uri, content=b"[]", headers=odd), 401, 23005)
    assert client.post(uri, content=b"[]", headers=headers).status_code == 200


def test_a_replay_within_the_wider_window_is_answered_from_the_store(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    opt_in(uow_factory, seeded)
    account = seeded.tenant.account_id
    clock.now = SENT
    uri = ivvy_uri("venue", "addOrUpdateOpportunity")
    body = php_json(base_body(seeded))
    headers = sign_php_sdk(seeded.tenant, uri, body, SENT, ZONE)
    first = client.post(uri, content=body, headers=headers)
    new_id = created_id(first)
    clock.tick(45 * 60)  # 04:55 local: the captured request is still "fresh"
    replay = client.post(uri, content=body, headers=headers)
    assert (replay.status_code, replay.content) == (200, first.content)
    assert replay.headers["idempotent-replayed"] == "true"
    clock.now = SENT + timedelta(hours=12, minutes=20)  # 16:30 local: fresh again, still a replay
    replay = client.post(uri, content=body, headers=headers)
    assert (replay.status_code, replay.content) == (200, first.content)
    assert replay.headers["idempotent-replayed"] == "true"
    assert count(uow_factory, Opportunity, account) == 1
    with uow_factory as uow:
        [row] = uow.session.scalars(
            select(StoredResponse).where(StoredResponse.account_id == account)
        )
        # Remembered for as long as the same headers can be fresh: to the end of the 12-hour
        # clock reading's later hour (16:00-17:00 local) plus 300 s.
        end = datetime(2026, 12, 1, 17, 5, tzinfo=ZoneInfo(ZONE))
        assert row.expires_at == end
        assert json.loads(row.body) == {"success": True, "id": new_id}


def test_keys_cli_turns_php_dates_on_and_off(
    cli_env: dict[str, str], uow_factory: UnitOfWork, seeded: Seeded, tmp_path: Path
) -> None:
    account = str(seeded.tenant.account_id)
    made = venuecrm(
        "keys", "create", "--account", account, "--php-dates", "--time-zone", ZONE, "--json",
        env=cli_env,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    key = json.loads(made.stdout)["apiKey"]

    def settings() -> tuple[bool, str]:
        with uow_factory as uow:
            row = uow.session.scalars(select(ApiKey).where(ApiKey.key == key)).one()
            return row.php_dates, row.time_zone

    assert settings() == (True, ZONE)
    off = venuecrm("keys", "update", key, "--no-php-dates", env=cli_env)
    assert off.returncode == 0, off.stderr
    assert settings() == (False, ZONE)
    bad = venuecrm("keys", "update", key, "--php-dates", "--time-zone", "Mars/Olympus", env=cli_env)
    assert bad.returncode == 1
    assert "unknown time zone 'Mars/Olympus'" in bad.stderr
    assert settings() == (False, ZONE)
