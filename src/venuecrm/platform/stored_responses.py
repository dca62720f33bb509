"""Stored write responses: the rows that make retries and replayed signatures run only once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from venuecrm.platform.models import StoredResponse

# Expired rows deleted by each guarded write, whichever account they belong to: enough to keep
# up with the rate rows are added (at most two per write), small enough to stay cheap.
CLEAN_UP_BATCH = 100

_LOCK = text(
    "SELECT bool_and(pg_try_advisory_xact_lock(:account_id, hashtext(name)))"
    " FROM unnest(CAST(:names AS text[])) AS name"
)
# The clean-up rides on the look-up statement. SKIP LOCKED: two writes never wait for (or
# deadlock on) each other's clean-up.
_FIND = text(
    """
    WITH expired AS (
        DELETE FROM stored_responses WHERE (account_id, kind, key) IN (
            SELECT account_id, kind, key FROM stored_responses WHERE expires_at <= :now
            ORDER BY expires_at LIMIT :batch FOR UPDATE SKIP LOCKED))
    SELECT kind, fingerprint, status, body FROM stored_responses
    WHERE account_id = :account_id AND expires_at > :now
      AND (kind, key) IN (SELECT * FROM unnest(CAST(:kinds AS text[]), CAST(:keys AS text[])))
    ORDER BY kind
    """
)


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
    """One account's stored responses; every method is one statement."""

    def __init__(self, session: Session, account_id: int) -> None:
        self.session = session
        self.account_id = account_id

    def lock(self, guards: Sequence[Guard]) -> bool:
        """Take every guard's transaction lock without waiting; False when one is held."""
        names = [f"{guard.kind}:{guard.key}" for guard in guards]
        params = {"account_id": self.account_id, "names": names}
        return bool(self.session.execute(_LOCK, params).scalar_one())

    def find(self, guards: Sequence[Guard], now: datetime) -> list[Stored]:
        """The unexpired responses stored for ``guards``; deletes some expired rows on the way."""
        rows = self.session.execute(
            _FIND,
            {
                "account_id": self.account_id,
                "now": now,
                "batch": CLEAN_UP_BATCH,
                "kinds": [guard.kind for guard in guards],
                "keys": [guard.key for guard in guards],
            },
        )
        return [Stored(row.kind, row.fingerprint, row.status, bytes(row.body)) for row in rows]

    def save(
        self, guards: Sequence[Guard], *, fingerprint: str, status: int, body: bytes, now: datetime
    ) -> None:
        """Store the response for every guard (replacing expired rows the clean-up left)."""
        statement = insert(StoredResponse).values(
            [
                {
                    "account_id": self.account_id,
                    "kind": guard.kind,
                    "key": guard.key,
                    "fingerprint": fingerprint,
                    "status": status,
                    "body": body,
                    "created_at": now,
                    "expires_at": guard.expires_at,
                }
                for guard in guards
            ]
        )
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["account_id", "kind", "key"],
                set_={
                    name: statement.excluded[name]
                    for name in ("fingerprint", "status", "body", "created_at", "expires_at")
                },
            )
        )
