"""Builders for tenants and signed requests, including each official SDK's signing variant."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from venuecrm.features.accounts.service import create_account, create_key
from venuecrm.platform.uow import UnitOfWork


@dataclass
class Clock:
    """A settable clock injected into the app."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float = 1) -> datetime:
        """Move on, so that the next request is signed with another date (another signature)."""
        self.now += timedelta(seconds=seconds)
        return self.now


@dataclass(frozen=True)
class Tenant:
    """An account and the key and secret that sign its requests."""

    account_id: int
    key: str
    secret: str


def new_tenant(uow: UnitOfWork) -> Tenant:
    """A new account with a new key."""
    account_id = create_account(uow, f"test-{uuid.uuid4().hex}")
    key, secret = create_key(uow, account_id=account_id, label="tests")
    return Tenant(account_id, key, secret)


def _hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha1).hexdigest()


def _md5(body: bytes) -> str:
    return hashlib.md5(body).hexdigest()


# Each variant below restates how one official SDK signs (docs/ivvy.md §1.5), independently
# of the server's code, so a server change that breaks a real client fails here.


def sign_js(
    tenant: Tenant, uri: str, body: bytes, now: datetime, date: str | None = None
) -> dict[str, str]:
    """ivvy-sdk-js: IVVY-Date without suffix, bare media type, X-Api-Version sent."""
    ivvy_date = date or now.strftime("%Y-%m-%d %H:%M:%S")
    md5 = _md5(body)
    message = f"POST{md5}application/json{uri}1.0ivvydate={ivvy_date}".lower()
    return {
        "Content-Type": "application/json",
        "Content-MD5": md5,
        "IVVY-Date": ivvy_date,
        "X-Api-Version": "1.0",
        "X-Api-Authorization": f"IWS {tenant.key}:{_hmac(tenant.secret, message)}",
    }


def sign_net(tenant: Tenant, uri: str, body: bytes, now: datetime) -> dict[str, str]:
    """ivvy-sdk-net: charset in the signed Content-Type, ' UTC' suffix, no X-Api-Version."""
    ivvy_date = now.strftime("%Y-%m-%d %H:%M:%S") + " UTC"
    content_type = "application/json; charset=utf-8"
    md5 = _md5(body)
    message = ("POST" + md5 + content_type + "" + uri + "1.0" + "IVVYDate=" + ivvy_date).lower()
    return {
        "Content-Type": content_type,
        "Content-MD5": md5,
        "IVVY-Date": ivvy_date,
        "X-Api-Authorization": f"IWS {tenant.key}:{_hmac(tenant.secret, message)}",
    }


def sign_php(
    tenant: Tenant, uri: str, body: bytes, now: datetime, ivvy_date: str | None = None
) -> dict[str, str]:
    """D3R/ivvy-sdk-php with a correct date: parseHeaders drops '-' only; body '[]' for none."""
    ivvy_date = ivvy_date or now.strftime("%Y-%m-%d %H:%M:%S")
    md5 = _md5(body)
    headers = "&".join(f"{k.replace('-', '')}={v}" for k, v in {"IVVY-Date": ivvy_date}.items())
    message = f"POST{md5}application/json{uri}1.0{headers}".lower()
    return {
        "Content-Type": "application/json",
        "Content-MD5": md5,
        "IVVY-Date": ivvy_date,
        "X-Api-Version": "1.0",
        "X-Api-Authorization": f"IWS {tenant.key}:{_hmac(tenant.secret, message)}",
    }


def sign_ivvy_headers(
    tenant: Tenant, uri: str, body: bytes, now: datetime, extra: dict[str, str]
) -> dict[str, str]:
    """The documented algorithm with more IVVY-* headers (IVVY-Idempotency-Key): every one is
    signed, dashes removed, in alphabetical order, joined with '&'."""
    headers = {"IVVY-Date": now.strftime("%Y-%m-%d %H:%M:%S"), **extra}
    signed = "&".join(sorted(f"{k.replace('-', '')}={v}" for k, v in headers.items()))
    md5 = _md5(body)
    message = f"POST{md5}application/json{uri}1.0{signed}".lower()
    return {
        "Content-Type": "application/json",
        "Content-MD5": md5,
        **headers,
        "X-Api-Authorization": f"IWS {tenant.key}:{_hmac(tenant.secret, message)}",
    }


def php_sdk_date(now: datetime, zone: str) -> str:
    """PHP's ``date('Y-m-d hh:mm:ss')`` in ``zone``: 'h' is the 12-hour hour (01-12), 'm' the
    month, 's' the seconds, and each letter is written twice: ``2026-12-01 0404:1212:5656``."""
    local = now.astimezone(ZoneInfo(zone))
    hour, month, second = local.strftime("%I"), local.strftime("%m"), local.strftime("%S")
    return f"{local:%Y-%m-%d} {hour}{hour}:{month}{month}:{second}{second}"


def php_json(value: Any) -> bytes:
    """PHP's json_encode: compact, '/' escaped, non-ASCII as \\uXXXX; [] for no parameters."""
    return json.dumps(value, separators=(",", ":")).replace("/", "\\/").encode()


def sign_php_sdk(
    tenant: Tenant, uri: str, body: bytes, now: datetime, zone: str = "UTC"
) -> dict[str, str]:
    """fundacion-ciudad-del-saber/ivvy-sdk-php: signs as D3R's SDK does (its Signature class
    is the same), but IVVY-Date is ``php_sdk_date`` in PHP's time zone."""
    return sign_php(tenant, uri, body, now, php_sdk_date(now, zone))


def sign_date_header(tenant: Tenant, uri: str, body: bytes, now: datetime) -> dict[str, str]:
    """The documented alternative: an RFC 7231 Date header, signed in the date slot."""
    date = now.strftime("%a, %d %b %Y %H:%M:%S GMT")
    md5 = _md5(body)
    message = f"POST{md5}application/json{date}{uri}1.0".lower()
    return {
        "Content-Type": "application/json",
        "Content-MD5": md5,
        "Date": date,
        "X-Api-Authorization": f"IWS {tenant.key}:{_hmac(tenant.secret, message)}",
    }


def ivvy_uri(namespace: str, action: str) -> str:
    """The request string of an iVvy call."""
    return f"/api/1.0/{namespace}?action={action}"


def json_body(value: Any) -> bytes:
    """Compact JSON, as the JS SDK's JSON.stringify sends it."""
    return json.dumps(value, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Seeded:
    """A configured account (venues, lookups, custom fields) and the ids seed-demo reports."""

    tenant: Tenant
    ids: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.ids[name]

    def field_id(self, field_type: int, *, required: bool = False) -> int:
        """The id of the account's opportunity custom field of this type."""
        return next(
            f["fieldId"]
            for f in self.ids["customFields"]
            if f["fieldType"] == field_type and f["isRequired"] == required
        )


def seeded_tenant(
    uow: UnitOfWork, *, required_fields: bool = False, prefix: str = "test"
) -> Seeded:
    """A fresh account configured like seed-demo's (account B's shape with required_fields).

    The benchmarks seed theirs here too (``prefix="bench"``), so both load the same shape.
    """
    from venuecrm.features.accounts.demo import seed_account

    ids = seed_account(uow, f"{prefix}-{uuid.uuid4().hex}", with_required_field=required_fields)
    return Seeded(Tenant(ids["accountId"], ids["apiKey"], ids["apiSecret"]), ids)
