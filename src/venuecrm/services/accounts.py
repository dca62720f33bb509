"""Tenants and API keys, for request authentication and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from venuecrm.auth.keys import new_key_pair
from venuecrm.db.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Credentials:
    """What authentication needs to know about a key."""

    account_id: int
    key_id: int
    key: str
    secret: str
    revoked: bool


def create_account(uow: UnitOfWork, name: str) -> int:
    """Create an account and return its id."""
    with uow:
        account_id = uow.accounts.add(name).id
        uow.commit()
    return account_id


def create_key(uow: UnitOfWork, *, account_id: int, label: str = "") -> tuple[str, str]:
    """Create an API key for the account and return (key, secret)."""
    with uow:
        if uow.accounts.get(account_id) is None:
            raise LookupError(f"no account with id {account_id}")
        key, secret = new_key_pair()
        uow.accounts.add_key(account_id=account_id, key=key, secret=secret, label=label)
        uow.commit()
    return key, secret


def revoke_key(uow: UnitOfWork, key: str) -> bool:
    """Revoke an API key; False when it does not exist or was already revoked."""
    with uow:
        revoked = uow.accounts.revoke_key(key)
        uow.commit()
    return revoked


def find_credentials(uow: UnitOfWork, key: str) -> Credentials | None:
    """The account and secret behind an API key, or None when the key is unknown."""
    with uow:
        row = uow.accounts.find_key(key)
        if row is None:
            return None
        return Credentials(row.account_id, row.id, row.key, row.secret, row.revoked_at is not None)
