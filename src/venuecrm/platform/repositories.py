"""Repositories: read and write rows, never commit. Tenant repositories filter by account."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import exists, or_, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from venuecrm.platform.base import Tenant
from venuecrm.platform.models import Account, AccountSettings, ApiKey, Opportunity

T = TypeVar("T", bound=Tenant)


class Accounts:
    """Accounts and their API keys: the tenancy catalog, looked up before an account is known."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, account_id: int) -> Account | None:
        """The account with this id."""
        return self.session.get(Account, account_id)

    def find_by_name(self, name: str) -> Account | None:
        """The account with this name."""
        return self.session.scalars(select(Account).where(Account.name == name)).one_or_none()

    def add(self, name: str) -> Account:
        """Insert an account."""
        account = Account(name=name)
        self.session.add(account)
        self.session.flush()
        return account

    def find_key(self, key: str) -> ApiKey | None:
        """The API key row for this key string, revoked or not."""
        return self.session.scalars(select(ApiKey).where(ApiKey.key == key)).one_or_none()

    def find_key_and_version(self, key: str) -> tuple[ApiKey, int] | None:
        """The API key row and its account's configuration version, or None."""
        row = self.session.execute(
            select(ApiKey, Account.config_version)
            .join(Account, Account.id == ApiKey.account_id)
            .where(ApiKey.key == key)
        ).first()
        return None if row is None else (row[0], row[1])

    def find_key_by_label(self, account_id: int, label: str) -> ApiKey | None:
        """The oldest unrevoked key of the account with this label."""
        query = (
            select(ApiKey)
            .where(
                ApiKey.account_id == account_id,
                ApiKey.label == label,
                ApiKey.revoked_at.is_(None),
            )
            .order_by(ApiKey.id)
            .limit(1)
        )
        return self.session.scalars(query).one_or_none()

    def add_key(self, *, account_id: int, key: str, secret: str, label: str) -> ApiKey:
        """Insert an API key."""
        row = ApiKey(account_id=account_id, key=key, secret=secret, label=label)
        self.session.add(row)
        self.session.flush()
        return row

    def revoke_key(self, key: str) -> bool:
        """Mark the key revoked; False when there is no such unrevoked key."""
        result = self.session.execute(
            update(ApiKey)
            .where(ApiKey.key == key, ApiKey.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
            .returning(ApiKey.id)
        )
        return result.first() is not None

    def lock(self, name: str) -> None:
        """Serialise concurrent writers of the same named thing until the transaction ends."""
        self.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})

    def lock_config(self, account_id: int) -> None:
        """Serialise writers of one account's configuration (a file applied, subscriptions)."""
        self.lock(f"venuecrm.config:{account_id}")


class Lookups:
    """An account's configuration rows (venues, users, lead lookups, custom field definitions)."""

    def __init__(self, session: Session, account_id: int) -> None:
        self.session = session
        self.account_id = account_id

    def get(self, model: type[T], row_id: int) -> T | None:
        """The row of ``model`` with this id in the account."""
        return self.session.get(model, (self.account_id, row_id))

    def find(self, model: type[T], **where: Any) -> T | None:
        """The lowest-id row of ``model`` in the account whose columns equal ``where``."""
        query = select(model).where(model.account_id == self.account_id).filter_by(**where)
        return self.session.scalars(query.order_by(model.id).limit(1)).one_or_none()

    def add(self, model: type[T], **values: Any) -> T:
        """Insert a row of ``model`` into the account."""
        row = model(account_id=self.account_id, **values)
        self.session.add(row)
        self.session.flush()
        return row

    def lock_active(self, model: type[T], row_id: int) -> T | None:
        """The active row of ``model`` with this id, locked until the transaction ends."""
        query = (
            select(model)
            .where(model.account_id == self.account_id, model.id == row_id)
            .filter_by(is_active=True)
            .with_for_update(key_share=True)  # FOR NO KEY UPDATE: rows referring to it may come
        )
        return self.session.scalars(query).one_or_none()

    def rows(self, model: type[T], *, for_update: bool = False, **where: Any) -> list[T]:
        """Every row of ``model`` in the account whose columns equal ``where``, by id.

        ``for_update`` locks them until the transaction ends, so nobody edits a row between a
        plan being computed from it and the plan being applied. The lock is FOR NO KEY UPDATE:
        inserting an opportunity that refers to a row (a KEY SHARE lock) does not wait for it.
        """
        query = select(model).where(model.account_id == self.account_id).filter_by(**where)
        if for_update:
            query = query.with_for_update(key_share=True)
        return list(self.session.scalars(query.order_by(model.id)))

    def update(self, row: Tenant | AccountSettings, **values: Any) -> None:
        """Set columns of a row of the account.

        Every set column is written, even one equal to what is stored: a JSON column compares
        equal when only its key order changed, and that order is meaningful (select values).
        """
        assert row.account_id == self.account_id
        for column, value in values.items():
            setattr(row, column, value)
            flag_modified(row, column)
        self.session.flush()

    def settings(self) -> AccountSettings | None:
        """The account's defaults row, if it has one."""
        return self.session.get(AccountSettings, self.account_id)

    def add_settings(self) -> AccountSettings:
        """Insert the account's (empty) defaults row."""
        row = AccountSettings(account_id=self.account_id)
        self.session.add(row)
        self.session.flush()
        return row

    def stage_in_use(self, stage_id: int) -> bool:
        """Whether an opportunity, or the account's default stage, is this stage."""
        used = exists().where(
            Opportunity.account_id == self.account_id, Opportunity.stage_id == stage_id
        )
        default = exists().where(
            AccountSettings.account_id == self.account_id,
            AccountSettings.default_stage_id == stage_id,
        )
        return bool(self.session.scalar(select(or_(used, default))))
