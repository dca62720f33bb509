"""UnitOfWork: one session and its repositories; rolls back unless the service commits.

A unit of work can be entered again while it is open (the request edge holds the transaction so
that a write's stored response commits with it, see ``edges.http.idempotency``): the inner ``with``
shares the session, its ``commit()`` only flushes, and the outermost one commits or rolls back.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from venuecrm.platform.repositories import Accounts, Lookups
from venuecrm.platform.stored_responses import StoredResponses


class UnitOfWork:
    """A transaction scope. ``with uow:`` opens it; leaving without ``commit()`` rolls back."""

    session: Session

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._depth = 0

    def __enter__(self) -> Self:
        self._depth += 1
        if self._depth == 1:
            self.session = self._session_factory()
            self.accounts = Accounts(self.session)
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
        try:
            self.session.rollback()
        finally:
            self.session.close()

    def lookups(self, account_id: int) -> Lookups:
        """Repository of the account's configuration tables."""
        return Lookups(self.session, account_id)

    def stored_responses(self, account_id: int) -> StoredResponses:
        """The account's stored write responses (idempotency keys, accepted signatures)."""
        return StoredResponses(self.session, account_id)

    def commit(self) -> None:
        """Commit everything done in this unit of work (only flush when entered again)."""
        if self._depth > 1:
            self.session.flush()
        else:
            self.session.commit()
