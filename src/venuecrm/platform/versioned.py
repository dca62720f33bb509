"""Per-process copies of what rarely changes, trusted only while the account's version is unchanged.

``accounts.config_version`` is bumped by a trigger on every change to an account's keys, settings
and lookups (``models.CONFIG_TABLES``). A request reads it once, in its own transaction, and uses
a cached copy only when the copy was loaded at that very version, so a revoked key or a changed
lookup takes effect on the next request in every process, and nothing is served stale.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from venuecrm.platform.sql import Sql

T = TypeVar("T")

_VERSION = "SELECT config_version FROM accounts WHERE id = %s"


def current_version(sql: Sql, account_id: int) -> int | None:
    """The account's configuration version in this transaction; None when there is no account.

    Usually a request's first statement: sent in pipeline mode, its BEGIN shares the round trip.
    """
    with sql.together():
        cursor = sql.conn.execute(_VERSION, [account_id])
    row = cursor.fetchone()
    return None if row is None else int(row[0])


class Versioned:
    """Values keyed by name, each remembered with the version it was loaded at."""

    def __init__(self) -> None:
        # Plain dict operations are atomic under the GIL: worker threads share it without a lock;
        # two threads missing at once both load, and either result is current.
        self._entries: dict[Hashable, tuple[int, Any]] = {}

    def peek(self, name: Hashable) -> tuple[int, Any] | None:
        """The cached (version, value) under ``name``, whatever its version."""
        return self._entries.get(name)

    def put(self, name: Hashable, version: int, value: Any) -> None:
        """Remember ``value`` as loaded at ``version``."""
        self._entries[name] = (version, value)

    def drop(self, name: Hashable) -> None:
        """Forget ``name`` (an API key that no longer exists, say)."""
        self._entries.pop(name, None)

    def get(self, name: Hashable, version: int, load: Callable[[], T]) -> T:
        """The value cached at ``version``, else ``load()``'s, remembered at that version."""
        entry = self._entries.get(name)
        if entry is not None and entry[0] == version:
            value: T = entry[1]
            return value
        value = load()
        self._entries[name] = (version, value)
        return value
