"""API secrets encrypted at rest: Fernet tokens in ``api_keys.secret``, MultiFernet for rotation.

The keys come from ``VENUECRM_SECRET_KEYS`` (comma-separated Fernet keys: the first encrypts,
every one decrypts, so a new key goes first and the old one stays second until every secret
was re-encrypted) or, without it, from ``secret.key`` in the data directory, created on first
use with mode 0600. Every process that reads or writes keys of one database must use the same
keys: set ``VENUECRM_SECRET_KEYS`` when they do not share a data directory.

``make_engine`` installs the settings' keys for the process; the ``EncryptedSecret`` column type
encrypts on write and decrypts on read, so no code path handles a stored secret in the clear.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Dialect, Text
from sqlalchemy.types import TypeDecorator

from venuecrm.config import Settings, get_settings
from venuecrm.platform.datadir import ensure_writable

KEY_FILE = "secret.key"
_FERNET_START = "gAAAAA"  # every Fernet token (version byte 0x80, then a timestamp) starts so

_lock = threading.Lock()
_installed: Settings | None = None
_cipher: MultiFernet | None = None


class SecretKeyError(RuntimeError):
    """The configured keys cannot be used, or cannot decrypt a stored secret."""


def install(settings: Settings) -> None:
    """Use ``settings``' keys in this process from now on."""
    global _installed, _cipher
    with _lock:
        if _installed is not None and _same_keys(_installed, settings):
            return
        _installed, _cipher = settings, None


def _same_keys(a: Settings, b: Settings) -> bool:
    return (a.secret_keys, a.data_dir) == (b.secret_keys, b.data_dir)


def cipher() -> MultiFernet:
    """The process's MultiFernet, built on first use (from ``get_settings()`` if none installed)."""
    global _cipher
    built = _cipher  # read once, without the lock: every authenticated request comes here
    if built is not None:
        return built
    with _lock:
        if _cipher is None:
            _cipher = _build(_installed or get_settings())
        return _cipher


def _build(settings: Settings) -> MultiFernet:
    configured = settings.secret_keys.get_secret_value() if settings.secret_keys else ""
    keys = [key.strip() for key in configured.split(",") if key.strip()]
    if not keys:
        keys = [_key_file(settings.data_dir)]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise SecretKeyError(
            "VENUECRM_SECRET_KEYS must be Fernet keys (32 url-safe base64-encoded bytes), "
            "comma-separated; print one with `venuecrm keys generate-secret-key`"
        ) from None


def _key_file(data_dir: Path) -> str:
    """The data directory's key, created (0600, atomically) when there is none yet."""
    path = data_dir / KEY_FILE
    if not path.exists():
        ensure_writable(data_dir)
        # Written whole under a temporary name, then linked into place: a concurrent process
        # (another worker) either wins the link or reads the winner's complete file.
        temporary = data_dir / f".{KEY_FILE}.{os.getpid()}.{threading.get_ident()}"
        descriptor = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(Fernet.generate_key())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()


def encrypt(secret: str) -> str:
    """``secret`` as a Fernet token under the first key."""
    return cipher().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    """The secret in ``token``; SecretKeyError when no configured key opens it."""
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretKeyError(
            "a stored API secret cannot be decrypted with the configured keys "
            "(VENUECRM_SECRET_KEYS or the data directory's secret.key)"
        ) from None


def is_encrypted(value: str) -> bool:
    """Whether a stored value is a Fernet token (a plaintext secret is 32 hex characters)."""
    return value.startswith(_FERNET_START)


class EncryptedSecret(TypeDecorator[str]):
    """A text column holding Fernet tokens; Python sees the secret."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """Encrypt on the way in."""
        return None if value is None else encrypt(str(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        """Decrypt on the way out."""
        return None if value is None else decrypt(str(value))
