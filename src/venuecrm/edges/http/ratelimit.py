"""Per-key request limits and a stricter limit on failed authentication per source address.

Moving windows (the ``limits`` package) in this process's memory: with several workers each
counts on its own, so the effective limit is the setting times the number of workers (README
"Limits"). An address over its failed-authentication limit gets 429 for every request, a
correctly signed one included, until the window has moved past its failures: guessing a
secret then costs a minute per few dozen guesses.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from venuecrm.errors import RateLimited

_KEY = "key"
_FAILURES = "auth-failures"


class RateLimits:
    """The process's request counters."""

    def __init__(self, per_key: str | None, failed_auth: str | None) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._per_key = parse(per_key) if per_key else None
        self._failed_auth = parse(failed_auth) if failed_auth else None

    def _retry_headers(self, item: RateLimitItem, *identifiers: str) -> dict[str, str]:
        stats = self._limiter.get_window_stats(item, *identifiers)
        reset = max(1, math.ceil(stats.reset_time - time.time()))
        return {
            "RateLimit-Limit": str(item.amount),
            "RateLimit-Remaining": str(max(0, stats.remaining)),
            "RateLimit-Reset": str(reset),
        }

    def check_address(self, address: str) -> None:
        """429 while ``address`` is over its failed-authentication limit."""
        if self._failed_auth is None:
            return
        if not self._limiter.test(self._failed_auth, _FAILURES, address):
            headers = self._retry_headers(self._failed_auth, _FAILURES, address)
            headers["Retry-After"] = headers["RateLimit-Reset"]
            raise RateLimited(
                "Too many failed authentications from this address; retry later", headers
            )

    def record_failure(self, address: str) -> None:
        """Count one failed authentication from ``address``."""
        if self._failed_auth is not None:
            self._limiter.hit(self._failed_auth, _FAILURES, address)

    def hit_key(self, key_id: int) -> dict[str, str]:
        """Count a request of the key: its RateLimit-* headers, or 429 when over the limit."""
        if self._per_key is None:
            return {}
        allowed = self._limiter.hit(self._per_key, _KEY, str(key_id))
        headers = self._retry_headers(self._per_key, _KEY, str(key_id))
        if not allowed:
            headers["Retry-After"] = headers["RateLimit-Reset"]
            raise RateLimited(f"This API key is limited to {self._per_key}; retry later", headers)
        return headers
