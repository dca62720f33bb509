"""Declarative base, constraint naming convention and the tenant mixin every account row uses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, ForeignKeyConstraint, Identity, Integer, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of all ORM tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Timestamped:
    """Created and modified times, set by the database."""

    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), sort_order=90
    )
    modified_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), sort_order=91
    )


class Tenant(Timestamped, Base):
    """A row owned by an account: the primary key leads with ``account_id``.

    Ids come from one identity per table, so they are unique on their own and fit a .NET ``int``
    (the SDK's ``ResultObject.id``); the composite key lets the schema be distributed by account.
    """

    __abstract__ = True

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, sort_order=-2
    )
    id: Mapped[int] = mapped_column(
        Integer, Identity(), primary_key=True, autoincrement=True, sort_order=-1
    )


def same_account_fk(column: str, table: str) -> ForeignKeyConstraint:
    """A same-account foreign key: an id of another account can never be linked."""
    return ForeignKeyConstraint(["account_id", column], [f"{table}.account_id", f"{table}.id"])
