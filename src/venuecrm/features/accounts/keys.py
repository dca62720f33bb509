"""API key and secret generation, and the checks on a key's settings."""

from __future__ import annotations

import secrets
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def new_key_pair() -> tuple[str, str]:
    """A fresh (key, secret): 32 hex characters each, like iVvy's."""
    return secrets.token_hex(16), secrets.token_hex(16)


def check_time_zone(name: str) -> str:
    """``name`` if it is an IANA time zone (``Australia/Brisbane``), else ValueError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as UTC)") from None
    return name


__all__ = [
    "check_time_zone",
    "new_key_pair",
]
