"""Writes that run once: Idempotency-Key retries and replayed iVvy signatures get the stored reply.

A guarded write runs in one transaction held here: lock the guards (``pg_try_advisory_xact_lock``,
so a duplicate still running is 409 at once, never a wait), look for a stored response, run the
write, store its response, commit. The service's own ``with uow:`` / ``commit()`` join that
transaction (see ``platform.uow``), so the response row commits with the write or not at all. Only
successful responses are stored: a failed write rolled back and wrote nothing, so running its
retry again is safe, and a request the server rejected can be corrected and sent again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi.responses import Response
from starlette.requests import Request

from venuecrm.errors import IdempotencyKeyReused, InvalidIdempotencyKey, RequestInProgress
from venuecrm.platform.stored_responses import Guard
from venuecrm.platform.uow import UnitOfWork

IDEMPOTENCY_KEY = "idempotency-key"
# Every IVVY-* header is signed, so on iVvy routes this one cannot be changed by a replayer.
IVVY_IDEMPOTENCY_KEY = "ivvy-idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
_MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Outcome:
    """A write's response: run now, or replayed from the store."""

    status: int
    body: bytes
    replayed: bool = False

    def response(self) -> Response:
        """The HTTP response; a replay says so in ``Idempotent-Replayed: true``."""
        headers = {REPLAYED_HEADER: "true"} if self.replayed else None
        return Response(
            self.body, status_code=self.status, media_type="application/json", headers=headers
        )


def _unquote(value: str) -> str:
    """The IETF draft sends the key as a structured-field string ("..."); Stripe sends it bare."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def idempotency_key(headers: Mapping[str, str], names: Sequence[str]) -> str | None:
    """The request's idempotency key from the first of ``names`` it sends, checked; or None."""
    given = {_unquote(headers[name].strip()) for name in names if name in headers}
    if not given:
        return None
    if len(given) > 1:
        raise InvalidIdempotencyKey("Idempotency-Key and IVVY-Idempotency-Key differ")
    key = given.pop()
    if not 0 < len(key) <= _MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in key):
        raise InvalidIdempotencyKey()
    return key


def key_guard(key: str, now: datetime, ttl_seconds: float) -> Guard:
    """An Idempotency-Key, remembered for the configured time."""
    return Guard("key", key, now + timedelta(seconds=ttl_seconds))


def signature_guard(api_key_id: int, signature: str, fresh_until: datetime) -> Guard:
    """An accepted signature, remembered while the same request would still be fresh.

    Lower-cased: the string to sign is, so a request with its action name in upper case (the
    same signature) is the same request.
    """
    return Guard("signature", f"{api_key_id}:{signature.strip().lower()}", fresh_until)


def fingerprint(request: Request, body: bytes) -> str:
    """What makes two requests with one Idempotency-Key the same: method, path, query, body."""
    target = request.scope.get("raw_path") or request.scope["path"].encode()
    query = request.scope.get("query_string", b"")
    digest = hashlib.sha256(request.method.encode() + b" " + target.lower() + b"?")
    digest.update(query.lower() + b"\n" + body)
    return digest.hexdigest()


def run_once(
    uow: UnitOfWork,
    *,
    account_id: int,
    guards: Sequence[Guard],
    fingerprint: str,
    now: datetime,
    work: Callable[[UnitOfWork], tuple[int, bytes]],
) -> Outcome:
    """Run ``work`` (status and body of a successful write) unless a guard has a stored reply."""
    if not guards:
        return Outcome(*work(uow))
    with uow:
        stored = uow.stored_responses(account_id)
        found = stored.lock_and_find(guards, now)
        if found is None:
            raise RequestInProgress()
        if any(s.kind == "key" and s.fingerprint != fingerprint for s in found):
            raise IdempotencyKeyReused()
        if found:
            return Outcome(found[0].status, found[0].body, replayed=True)
        status, body = work(uow)
        stored.save(guards, fingerprint=fingerprint, status=status, body=body, now=now)
        uow.commit()
    return Outcome(status, body)
