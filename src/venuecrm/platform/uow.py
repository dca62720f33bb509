"""UnitOfWork: one session and its repositories; rolls back unless the service commits.

A unit of work can be entered again while it is open (the request edge holds the transaction so
that a write's stored response commits with it, see ``edges.http.idempotency``): the inner ``with``
shares the session, its ``commit()`` only flushes, and the outermost one commits or rolls back.

A unit of work made for one account (``account_id=``) is bound to it once: its repositories and
the features' ones read the account from it. It also owns the transaction's own state, such as
the rows it holds locked, which lives exactly as long as the transaction.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from sqlalchemy.orm import Session, sessionmaker

from venuecrm.platform.repositories import Accounts, Lookups
from venuecrm.platform.sql import Sql
from venuecrm.platform.stored_responses import StoredResponses
from venuecrm.platform.versioned import Versioned, current_version


class UnitOfWork:
    """A transaction scope. ``with uow:`` opens it; leaving without ``commit()`` rolls back."""

    session: Session
    sql: Sql
    # Rows this transaction holds locked, by (model, id): locking one again needs no query.
    locked_rows: dict[tuple[object, int], Any]

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        account_id: int | None = None,
        cache: Versioned | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._account_id = account_id
        self._depth = 0
        # The process's cached configuration (``platform.versioned``); a fresh one by default.
        self.cache = Versioned() if cache is None else cache
        self._versions: dict[int, int | None] = {}

    def bind(self, account_id: int) -> None:
        """Bind the unit of work to the account a request turned out to be for."""
        self._account_id = account_id

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
            self.sql.commit()
            self.session.commit()
