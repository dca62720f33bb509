"""Tenants and API keys, for request authentication and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from sqlalchemy import Integer, Text, column, select, table, update

from venuecrm.features.accounts.keys import check_time_zone, new_key_pair
from venuecrm.platform import vault
from venuecrm.platform.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Credentials:
    """What authentication needs to know about a key."""

    account_id: int
    key_id: int
    key: str
    secret: str = field(repr=False)  # never in a log line or a traceback's locals
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


_STORED_SECRETS = table("api_keys", column("id", Integer), column("secret", Text))


def rotate_secret_encryption(uow: UnitOfWork) -> int:
    """Re-encrypt every stored secret with the first secret key; how many there are."""
    cipher = vault.cipher()
    with uow:
        # The stored tokens themselves (a plain table, not the model, which decrypts).
        rows = uow.session.execute(select(_STORED_SECRETS.c.id, _STORED_SECRETS.c.secret)).all()
        for row_id, token in rows:
            try:
                rotated = cipher.rotate(token.encode()).decode()
            except InvalidToken:
                raise vault.SecretKeyError(
                    f"API key row {row_id}: no configured key decrypts its secret; nothing changed"
                ) from None
            uow.session.execute(
                update(_STORED_SECRETS).where(_STORED_SECRETS.c.id == row_id).values(secret=rotated)
            )
        uow.commit()
    return len(rows)


def find_credentials(uow: UnitOfWork, key: str) -> Credentials | None:
    """The account and secret behind an API key, or None when the key is unknown.

    Served from the process's cache while the account's configuration version is the one it was
    read at (``platform.versioned``): a revoked key is refused on the very next request.
    """
    with uow:
        cached = uow.cache.peek(("key", key))
        if cached is not None:
            version, credentials = cached
            if uow.config_version(credentials.account_id) == version:
                found: Credentials = credentials
                return found
        loaded = uow.accounts.find_key_and_version(key)
        if loaded is None:
            uow.cache.drop(("key", key))
            return None
        row, version = loaded
        uow.note_version(row.account_id, version)
        credentials = Credentials(
            row.account_id,
            row.id,
            row.key,
            row.secret,
            row.revoked_at is not None,
            row.php_dates,
            row.time_zone,
        )
        uow.cache.put(("key", key), version, credentials)
        return credentials


__all__ = [
    "Credentials",
    "create_account",
    "create_key",
    "find_credentials",
    "revoke_key",
    "rotate_secret_encryption",
    "update_key",
]
