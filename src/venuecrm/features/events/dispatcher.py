"""The dispatcher: delivers the outbox's due events, at least once, one record's in commit order.

It runs as a thread in each ``venuecrm serve`` worker and as ``venuecrm worker``, on its own
small connection pool, so a slow receiver never holds a request's connection. Each round claims
up to ``events_batch`` due deliveries with ``FOR UPDATE SKIP LOCKED`` (several dispatchers never
take the same one) in one transaction, POSTs them all at once, logs each attempt, and commits.
A delivery is due when its time has come, its subscription is confirmed (a confirmation request
always is), and no earlier delivery of the same subscription and record is still pending: the
earlier one may be in flight elsewhere, and events of one record go out in order. A dispatcher
that dies mid-round commits nothing, so its deliveries are pending again and are redelivered
with the same ``webhook-id``. Failures retry with exponential backoff and jitter until
``events_retry_for_seconds`` after the event, then the delivery is parked.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Engine, text

from venuecrm.config import Settings
from venuecrm.features.events.envelopes import Event, signed_request
from venuecrm.platform import vault
from venuecrm.platform.engine import make_engine

log = logging.getLogger(__name__)

_CLAIM = text("""
SELECT d.account_id, d.id, d.subscription_id, s.topic, s.endpoint, s.format, d.subject,
       d.body, s.secret, d.entity, d.record_id, d.created_at,
       d.attempts, extract(epoch FROM clock_timestamp() - d.due_since) AS age
FROM deliveries d
JOIN subscriptions s ON s.account_id = d.account_id AND s.id = d.subscription_id
WHERE d.status = 'pending' AND d.next_attempt_at <= clock_timestamp()
  AND (s.confirmed_at IS NOT NULL OR d.subject = 'SubscriptionConfirmation')
  AND NOT EXISTS (
      SELECT 1 FROM deliveries e
      WHERE e.account_id = d.account_id AND e.subscription_id = d.subscription_id
        AND e.entity = d.entity AND e.record_id = d.record_id AND e.id < d.id
        AND e.status = 'pending')
ORDER BY d.next_attempt_at, d.id
LIMIT :limit
FOR UPDATE OF d SKIP LOCKED
""")
_ATTEMPT = text("""
INSERT INTO delivery_attempts (account_id, delivery_id, status_code, latency_ms, error)
VALUES (:a, :d, :code, :ms, :error)
""")
# A delivery's outcome: delivered, due again after ``delay`` seconds, or parked.
_OUTCOME = text("""
UPDATE deliveries SET attempts = attempts + 1, status = :status,
    delivered_at = CASE WHEN :delivered THEN clock_timestamp() END,
    next_attempt_at = clock_timestamp() + make_interval(secs => :delay)
WHERE account_id = :a AND id = :d
""")


def backoff(attempts: int, settings: Settings) -> float:
    """Seconds before the next try after ``attempts`` failures: doubling, capped, jittered."""
    delay: float = min(
        settings.events_retry_base_seconds * float(2 ** min(attempts - 1, 30)),
        settings.events_retry_max_delay_seconds,
    )
    # "Equal jitter": half fixed, half random, so retries of many events spread out.
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 (not a secret)


class Dispatcher:
    """Delivers due events from the database ``settings`` name, round after round."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        # Its own pool: delivery never takes a connection a request could use.
        small = settings.model_copy(update={"pool_size": 2, "pool_max_overflow": 0})
        self.engine = engine or make_engine(small)
        self.public_url = settings.public_url or settings.api_url
        self.http = httpx.Client(
            timeout=settings.events_timeout_seconds,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=settings.events_batch),
        )
        # A round's deliveries go out at once: a slow receiver holds a round up for one
        # timeout, not one per event, and never the other receivers' events behind it.
        self._pool = ThreadPoolExecutor(settings.events_batch, thread_name_prefix="venuecrm-send")
        self._stop = threading.Event()

    def run_once(self) -> int:
        """Claim and deliver one batch of due events; how many were attempted. The attempts
        and outcomes are written together at the end (one round trip each, psycopg's
        pipelined executemany), then committed."""
        with self.engine.begin() as conn:
            rows = conn.execute(_CLAIM, {"limit": self.settings.events_batch}).all()
            # A round holds at most one event per subscription and record (the claim), so
            # sending them at once keeps each record's events in order.
            results = list(self._pool.map(self._deliver, rows))
            if results:
                conn.execute(_ATTEMPT, [attempt for attempt, _ in results])
                conn.execute(_OUTCOME, [outcome for _, outcome in results])
        return len(rows)

    def _deliver(self, row: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """POST one claimed delivery; the parameters of its attempt and of its outcome.

        A delivery that cannot even be built (its secret no longer decrypts, say) fails on its
        own like a refused one: raising would roll back the round after its other deliveries
        went out, and the next round would send them again.
        """
        started = time.perf_counter()
        code: int | None = None
        error: str | None = None
        try:
            event = Event(
                account_id=row.account_id,
                id=row.id,
                subscription_id=row.subscription_id,
                topic=row.topic,
                subject=row.subject,
                body=row.body,
                secret=vault.decrypt(row.secret),
                entity=row.entity,
                record_id=row.record_id,
                format=row.format,
                created_at=row.created_at,
                attempt=row.attempts + 1,
            )
            body, headers = signed_request(event, now=datetime.now(UTC), public_url=self.public_url)
            started = time.perf_counter()
            response = self.http.post(row.endpoint, content=body, headers=headers)
            code = response.status_code
            if not 200 <= code < 300:
                error = f"HTTP {code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        except Exception as exc:
            log.exception("delivery could not be sent", extra={"delivery": row.id})
            error = type(exc).__name__
        latency = round((time.perf_counter() - started) * 1000)
        keys = {"a": row.account_id, "d": row.id}
        attempt = {**keys, "code": code, "ms": latency, "error": error}
        if error is None:
            return attempt, {**keys, "status": "delivered", "delivered": True, "delay": 0.0}
        attempts = row.attempts + 1
        delay = backoff(attempts, self.settings)
        park = float(row.age) + delay > self.settings.events_retry_for_seconds
        log.info(
            "delivery failed",
            extra={"delivery": row.id, "attempts": attempts, "parked": park, "error": error},
        )
        status = "parked" if park else "pending"
        return attempt, {**keys, "status": status, "delivered": False, "delay": delay}

    def run(self) -> None:
        """Deliver until ``stop()``: again at once after a full batch, else after a poll."""
        while not self._stop.is_set():
            try:
                busy = self.run_once() >= self.settings.events_batch
            except Exception:  # a database outage must not end delivery for good
                log.exception("event dispatch failed")
                busy = False
            if not busy:
                self._stop.wait(self.settings.events_poll_seconds)

    def start(self) -> threading.Thread:
        """Run in a daemon thread."""
        thread = threading.Thread(target=self.run, name="venuecrm-dispatcher", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        """Ask ``run`` to end after its current round."""
        self._stop.set()

    def close(self) -> None:
        """Release the senders, the HTTP client and the pool."""
        self._pool.shutdown()
        self.http.close()
        self.engine.dispose()
