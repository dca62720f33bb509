"""UnitOfWork: one session and its repositories; rolls back unless the service commits.

A unit of work can be entered again while it is open (the request edge holds the transaction so
that a write's stored response commits with it, see ``edges.http.idempotency``): the inner ``with``
shares the session, its ``commit()`` only flushes, and the outermost one commits or rolls back.

A unit of work made for one account (``account_id=``) is bound to it once: its repositories and
the features' ones read the account from it. It also owns the transaction's own state, such as
the rows it holds locked and what it changed (``changes``, written as change records with the
COMMIT), which live exactly as long as the transaction. The API key and request a unit of work
runs for (``bind``) are what its change records name.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from sqlalchemy.orm import Session, sessionmaker

from venuecrm.platform.changes import ChangeLog
from venuecrm.platform.repositories import Accounts, Lookups
from venuecrm.platform.sql import Sql
from venuecrm.platform.stored_responses import StoredResponses
from venuecrm.platform.versioned import Versioned, current_version

# What runs as a transaction commits, before its change records are queued, e.g. the features'
# outbox: it reads ``changes`` and may add deferred writes that commit with it.
BEFORE_COMMIT: list[Callable[[UnitOfWork], None]] = []


class UnitOfWork:
    """A transaction scope. ``with uow:`` opens it; leaving without ``commit()`` rolls back."""

    session: Session
    sql: Sql
    # Rows this transaction holds locked, by (model, id): locking one again needs no query.
    locked_rows: dict[tuple[object, int], Any]
    # What this transaction changed, record by record (``platform.changes``).
    changes: ChangeLog

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        account_id: int | None = None,
        cache: Versioned | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._account_id = account_id
        self.api_key_id: int | None = None
        self.request_id: str | None = None
        self._depth = 0
        # The process's cached configuration (``platform.versioned``); a fresh one by default.
        self.cache = Versioned() if cache is None else cache
        self._versions: dict[int, int | None] = {}

    def bind(
        self, account_id: int, *, api_key_id: int | None = None, request_id: str | None = None
    ) -> None:
        """Bind the unit of work to the account a request turned out to be for, and name the
        API key and request its change records are by."""
        self._account_id = account_id
        self.api_key_id = api_key_id
        self.request_id = request_id

    @property
    def account_id(self) -> int:
        """The account this unit of work is bound to; an unbound one has none to give."""
        if self._account_id is None:
            raise RuntimeError("this unit of work is bound to no account")
        return self._account_id

    def __enter__(self) -> Self:
        self._depth += 1
        if self._depth == 1:
            self.session = self._session_factory()
            self.sql = Sql(self.session)
            self.accounts = Accounts(self.session)
            self.locked_rows = {}
            self.changes = ChangeLog()
            self._versions = {}
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth:
            return
        self.locked_rows = {}
        self.changes.clear()
        try:
            self.sql.discard()
            self.session.rollback()
        finally:
            self.session.close()

    def config_version(self, account_id: int) -> int | None:
        """The account's configuration version, read once per transaction (None: no account)."""
        if account_id not in self._versions:
            self._versions[account_id] = current_version(self.sql, account_id)
        return self._versions[account_id]

    def note_version(self, account_id: int, version: int) -> None:
        """Record a version this transaction read with another statement (saves a query)."""
        self._versions[account_id] = version

    def lookups(self, account_id: int | None = None) -> Lookups:
        """Repository of the account's configuration tables (by default the bound account's)."""
        return Lookups(self.session, self.account_id if account_id is None else account_id)

    def stored_responses(self, account_id: int) -> StoredResponses:
        """The account's stored write responses (idempotency keys, accepted signatures)."""
        return StoredResponses(self.sql, account_id)

    def commit(self) -> None:
        """Commit everything done in this unit of work (only flush when entered again)."""
        # ORM changes first: the plain statements' COMMIT must come after every write.
        self.session.flush()
        if self._depth == 1:
            for hook in BEFORE_COMMIT:
                hook(self)
            self.changes.write(self.sql, api_key_id=self.api_key_id, request_id=self.request_id)
            self.sql.commit()
            self.session.commit()
