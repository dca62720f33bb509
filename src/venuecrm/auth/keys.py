"""API key and secret generation."""

from __future__ import annotations

import secrets


def new_key_pair() -> tuple[str, str]:
    """A fresh (key, secret): 32 hex characters each, like iVvy's."""
    return secrets.token_hex(16), secrets.token_hex(16)
