"""Tenants and API keys, for request authentication and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from venuecrm.auth.keys import check_time_zone, new_key_pair
from venuecrm.db.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Credentials:
    """What authentication needs to know about a key."""

    account_id: int
    key_id: int
    key: str
    secret: str
    revoked: bool
    php_dates: bool = False
    time_zone: str = "UTC"


def create_account(uow: UnitOfWork, name: str) -> int:
    """Create an account and return its id."""
    with uow:
        account_id = uow.accounts.add(name).id
        uow.commit()
    return account_id


def create_key(
    uow: UnitOfWork,
    *,
    account_id: int,
    label: str = "",
    php_dates: bool = False,
    time_zone: str = "UTC",
) -> tuple[str, str]:
    """Create an API key for the account and return (key, secret)."""
    check_time_zone(time_zone)
    with uow:
        if uow.accounts.get(account_id) is None:
            raise LookupError(f"no account with id {account_id}")
        key, secret = new_key_pair()
        row = uow.accounts.add_key(account_id=account_id, key=key, secret=secret, label=label)
        row.php_dates, row.time_zone = php_dates, time_zone
        uow.commit()
    return key, secret


def update_key(
    uow: UnitOfWork, key: str, *, php_dates: bool | None = None, time_zone: str | None = None
) -> None:
    """Change a key's PHP date compatibility or time zone (None: unchanged)."""
    if time_zone is not None:
        check_time_zone(time_zone)
    with uow:
        row = uow.accounts.find_key(key)
        if row is None:
            raise LookupError(f"no key {key}")
        if php_dates is not None:
            row.php_dates = php_dates
        if time_zone is not None:
            row.time_zone = time_zone
        uow.commit()


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
        return Credentials(
            row.account_id,
            row.id,
            row.key,
            row.secret,
            row.revoked_at is not None,
            row.php_dates,
            row.time_zone,
        )
