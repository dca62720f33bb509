"""What a request needs: the runtime (settings, database, clock), its body and its account."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo

import anyio
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from venuecrm.config import Settings
from venuecrm.edges.http.ratelimit import RateLimits
from venuecrm.edges.ivvy import signing
from venuecrm.errors import (
    AuthenticationFailed,
    DatabaseUnavailable,
    KeyRevoked,
    RequestTooLarge,
)
from venuecrm.features.accounts.service import Credentials, find_credentials
from venuecrm.platform.uow import UnitOfWork
from venuecrm.platform.versioned import Versioned

A = TypeVar("A")
# Random per process: nobody can sign with it, so a decoy verification always fails.
_DECOY_SECRET = secrets.token_hex(16)


@dataclass(frozen=True, slots=True)
class Runtime:
    """Everything the app shares between requests; built once by ``create_app``."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Callable[[], datetime]
    limits: RateLimits
    # API keys and account lookups, cached per process behind accounts.config_version.
    cache: Versioned = field(default_factory=Versioned)

    def uow(self) -> UnitOfWork:
        """A fresh unit of work sharing the process's cache; bound once the caller is known."""
        return UnitOfWork(self.session_factory, cache=self.cache)

    def in_transaction(self, work: Callable[[UnitOfWork], A]) -> A:
        """Run ``work`` in one unit of work, committed when it returns: one pooled connection
        for a request's key lookup and everything it then does."""
        uow = self.uow()
        with uow:
            result = work(uow)
            uow.commit()
        return result


def runtime(request: Request) -> Runtime:
    """The app's runtime."""
    found: Runtime = request.app.state.runtime
    return found


@asynccontextmanager
async def write_slot(request: Request) -> AsyncIterator[None]:
    """Hold one of the worker's write slots (see ``create_app``) for the block.

    Waiting for a slot costs no thread and no connection; a write that gets none within the
    pool timeout is a fast 503 with Retry-After instead of a request that hangs.
    """
    slots: anyio.Semaphore = request.app.state.write_slots
    try:
        with anyio.fail_after(runtime(request).settings.pool_timeout_seconds):
            await slots.acquire()
    except TimeoutError:
        raise DatabaseUnavailable("Too many writes are waiting; retry shortly") from None
    try:
        yield
    finally:
        slots.release()


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise RequestTooLarge(f"Request body is {declared} bytes; the limit is {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestTooLarge(f"Request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def signed_request(request: Request, body: bytes, api_version: str) -> signing.SignedRequest:
    """The parts of ``request`` its signature covers, exactly as received."""
    raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
    query = request.scope.get("query_string", b"")
    request_string = raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
    return signing.SignedRequest(
        method=request.method,
        request_string=request_string,
        api_version=api_version,
        headers={name.lower(): value for name, value in request.headers.items()},
        body=body,
    )


@dataclass(frozen=True, slots=True)
class Signed:
    """An authenticated iVvy request: its key, its signature, and until when it stays fresh."""

    credentials: Credentials
    signature: str
    fresh_until: datetime


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _address(request: Request) -> str:
    # uvicorn puts the forwarded address here for trusted proxies (--forwarded-allow-ips).
    return request.client.host if request.client else ""


def authenticate_request(
    request: Request, uow: UnitOfWork, signed: signing.SignedRequest
) -> Signed:
    """``authenticate`` under the rate limits; the key's RateLimit-* headers go on the reply.

    The key is read in ``uow``'s transaction, the one the request then runs in.
    """
    found = _limited(request, lambda rt: authenticate(rt, uow, signed))
    _count(request, found.credentials)
    return found


def authenticate_bearer_request(request: Request, uow: UnitOfWork) -> Credentials:
    """``authenticate_bearer`` under the rate limits, like ``authenticate_request``."""
    found = _limited(
        request, lambda rt: authenticate_bearer(uow, request.headers.get("authorization"))
    )
    _count(request, found)
    return found


def _limited(request: Request, attempt: Callable[[Runtime], A]) -> A:
    """Run ``attempt`` unless the caller's address is over its failed-authentication limit.

    Every AuthenticationFailed counts against the address: a wrong signature or secret, an
    unknown key, a missing or malformed header.
    """
    rt = runtime(request)
    address = _address(request)
    rt.limits.check_address(address)
    try:
        return attempt(rt)
    except AuthenticationFailed:
        rt.limits.record_failure(address)
        raise


def bind_caller(uow: UnitOfWork, request: Request, credentials: Credentials) -> None:
    """Bind ``uow`` to the caller's account, naming its key and request in change records."""
    uow.bind(
        credentials.account_id,
        api_key_id=credentials.key_id,
        request_id=request.state.request_id,
    )


def _count(request: Request, credentials: Credentials) -> None:
    request.state.account_id = credentials.account_id
    request.state.rate_limit_headers = runtime(request).limits.hit_key(credentials.key_id)


def authenticate(rt: Runtime, uow: UnitOfWork, signed: signing.SignedRequest) -> Signed:
    """The key that signed ``signed``, and so the account; the body can never name one."""
    key, signature = signing.parse_authorization(signed.headers.get("x-api-authorization"))
    credentials = find_credentials(uow, key)
    unknown = AuthenticationFailed(
        "Unknown API key", specific_code=AuthenticationFailed.UNKNOWN_KEY
    )
    # An unknown key is verified against a decoy secret, so it takes as long to refuse as a
    # wrong signature: timing does not tell which keys exist.
    try:
        fresh_until = signing.verify(
            signed,
            secret=credentials.secret if credentials is not None else _DECOY_SECRET,
            signature=signature,
            now=rt.clock(),
            window_seconds=rt.settings.stale_window_seconds,
            php_dates=_zone(credentials.time_zone)
            if credentials is not None and credentials.php_dates
            else None,
        )
    except AuthenticationFailed:
        if credentials is None:
            raise unknown from None
        raise
    if credentials is None:
        raise unknown
    if credentials.revoked:
        raise KeyRevoked()
    return Signed(credentials, signature, fresh_until)


def authenticate_bearer(uow: UnitOfWork, authorization: str | None) -> Credentials:
    """The key behind ``Authorization: Bearer {apiKey}:{apiSecret}`` (docs/unified.md C3)."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    key, _, secret = token.strip().partition(":")
    if scheme.lower() != "bearer" or not key or not secret:
        raise AuthenticationFailed(
            "Send Authorization: Bearer {apiKey}:{apiSecret}",
            specific_code=AuthenticationFailed.MISSING_HEADER
            if not authorization
            else AuthenticationFailed.MALFORMED_HEADER,
        )
    credentials = find_credentials(uow, key)
    # Compare against a dummy secret for unknown keys so timing does not reveal which keys exist.
    expected = credentials.secret if credentials is not None else "\0" * len(secret)
    if not hmac.compare_digest(secret.encode(), expected.encode()) or credentials is None:
        raise AuthenticationFailed(
            "Unknown API key or wrong secret", specific_code=AuthenticationFailed.UNKNOWN_KEY
        )
    if credentials.revoked:
        raise KeyRevoked()
    return credentials
