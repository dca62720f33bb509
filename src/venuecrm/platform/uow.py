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
from venuecrm.platform.stored_responses import StoredResponses


class UnitOfWork:
    """A transaction scope. ``with uow:`` opens it; leaving without ``commit()`` rolls back."""

    session: Session
    # Rows this transaction holds locked, by (model, id): locking one again needs no query.
    locked_rows: dict[tuple[type[Any], int], Any]

    def __init__(
        self, session_factory: sessionmaker[Session], *, account_id: int | None = None
    ) -> None:
        self._session_factory = session_factory
        self._account_id = account_id
        self._depth = 0

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
            self.accounts = Accounts(self.session)
            self.locked_rows = {}
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
            self.session.rollback()
        finally:
            self.session.close()

    def lookups(self, account_id: int | None = None) -> Lookups:
        """Repository of the account's configuration tables (by default the bound account's)."""
        return Lookups(self.session, self.account_id if account_id is None else account_id)

    def stored_responses(self, account_id: int) -> StoredResponses:
        """The account's stored write responses (idempotency keys, accepted signatures)."""
        return StoredResponses(self.session, account_id)

    def commit(self) -> None:
        """Commit everything done in this unit of work (only flush when entered again)."""
        if self._depth > 1:
            self.session.flush()
        else:
            self.session.commit()
