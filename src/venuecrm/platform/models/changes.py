"""Change records: what each write changed, one row per record per transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from venuecrm.platform.base import Base
from venuecrm.platform.base import same_account_fk as _fk


class Change(Base):
    """One record's change by one transaction: who, when, and each field's old and new value.

    Written by the transaction that makes the change (``platform.changes``), so a change that
    did not commit has no row. ``id`` only grows, and a record's writers hold its row lock until
    they commit, so one record's changes are in commit order by ``id``: a reader (the history,
    a later event dispatcher) pages them by ``(account_id, entity, record_id, id)``.
    """

    __tablename__ = "changes"
    __table_args__ = (
        CheckConstraint("entity IN ('opportunity', 'contact', 'company', 'note')", name="entity"),
        CheckConstraint("action IN ('added', 'updated', 'deleted')", name="action"),
        _fk("api_key_id", "api_keys"),
        Index(None, "account_id", "entity", "record_id", "id"),
    )

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    # bigint: a table of every write outgrows an int long before the records do.
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))
    # The API key and request that made the change; none for the command line.
    api_key_id: Mapped[int | None] = mapped_column(Integer)
    request_id: Mapped[str | None] = mapped_column(String(128))
    # clock_timestamp(), not now(): the row is written with the COMMIT, so this is (nearly) the
    # commit time, and it grows with ``id`` for one record, where a transaction's start need not.
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )
    # [{"field": iVvy wire name, "from": old value, "to": new value}], in wire form.
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))


__all__ = ["Change"]
