"""Stored write responses: the rows that make retries and replayed signatures run only once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from venuecrm.platform.sql import Sql

# Expired rows deleted by each guarded write, whichever account they belong to: enough to keep
# up with the rate rows are added (at most two per write), small enough to stay cheap.
CLEAN_UP_BATCH = 100

_LOCK = (
    "SELECT bool_and(pg_try_advisory_xact_lock(%(account_id)s, hashtext(name)))"
    " FROM unnest(%(names)s::text[]) AS name"
)
# The clean-up rides on the look-up statement. SKIP LOCKED: two writes never wait for (or
# deadlock on) each other's clean-up.
_FIND = """
    WITH expired AS (
        DELETE FROM stored_responses WHERE (account_id, kind, key) IN (
            SELECT account_id, kind, key FROM stored_responses WHERE expires_at <= %(now)s
            ORDER BY expires_at LIMIT %(batch)s FOR UPDATE SKIP LOCKED))
    SELECT kind, fingerprint, status, body FROM stored_responses
    WHERE account_id = %(account_id)s AND expires_at > %(now)s
      AND (kind, key) IN (SELECT * FROM unnest(%(kinds)s::text[], %(keys)s::text[]))
    ORDER BY kind
"""
_SAVE = """
    INSERT INTO stored_responses
        (account_id, kind, key, fingerprint, status, body, created_at, expires_at)
    SELECT %(account_id)s, kind, key, %(fingerprint)s, %(status)s, %(body)s, %(now)s, expires_at
    FROM unnest(%(kinds)s::text[], %(keys)s::text[], %(expires)s::timestamptz[])
        AS g(kind, key, expires_at)
    ON CONFLICT (account_id, kind, key) DO UPDATE SET
        fingerprint = excluded.fingerprint, status = excluded.status, body = excluded.body,
        created_at = excluded.created_at, expires_at = excluded.expires_at
"""


@dataclass(frozen=True, slots=True)
class Guard:
    """What identifies one request (``kind``, ``key``) and until when it is remembered."""

    kind: str
    key: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Stored:
    """The stored response of an earlier request."""

    kind: str
    fingerprint: str
    status: int
    body: bytes


class StoredResponses:
    """One account's stored responses, with plain statements (``platform.sql``)."""

    def __init__(self, sql: Sql, account_id: int) -> None:
        self.sql = sql
        self.account_id = account_id

    def lock_and_find(self, guards: Sequence[Guard], now: datetime) -> list[Stored] | None:
        """Take every guard's transaction lock without waiting, then read the unexpired
        responses stored for them (deleting some expired rows on the way), in one round trip.

        None when another transaction holds a guard's lock (the same request is running).
        """
        names = [f"{guard.kind}:{guard.key}" for guard in guards]
        with self.sql.together():
            locked = self.sql.conn.execute(_LOCK, {"account_id": self.account_id, "names": names})
            # Run after the lock, so it sees what a finished duplicate committed.
            found = self.sql.conn.execute(
                _FIND,
                {
                    "account_id": self.account_id,
                    "now": now,
                    "batch": CLEAN_UP_BATCH,
                    "kinds": [guard.kind for guard in guards],
                    "keys": [guard.key for guard in guards],
                },
            )
        row = locked.fetchone()
        if row is None or not row[0]:
            return None
        return [Stored(kind, fingerprint, status, bytes(body)) for kind, fingerprint, status, body
                in found.fetchall()]  # fmt: skip

    def save(
        self, guards: Sequence[Guard], *, fingerprint: str, status: int, body: bytes, now: datetime
    ) -> None:
        """Store the response for every guard (replacing expired rows the clean-up left); sent
        with the transaction's COMMIT."""
        self.sql.defer(
            _SAVE,
            {
                "account_id": self.account_id,
                "fingerprint": fingerprint,
                "status": status,
                "body": body,
                "now": now,
                "kinds": [guard.kind for guard in guards],
                "keys": [guard.key for guard in guards],
                "expires": [guard.expires_at for guard in guards],
            },
        )
