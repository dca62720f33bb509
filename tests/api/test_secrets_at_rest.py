"""API secrets are encrypted at rest, still verify signatures, rotate, and migrate both ways
(issue 15, item 6)."""

from __future__ import annotations

import subprocess
import sys

from alembic import command
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import text

from tests.conftest import SECRET_KEYS
from tests.factories import Clock, Tenant, ivvy_uri, new_tenant, sign_js
from venuecrm.app import create_app
from venuecrm.config import Settings
from venuecrm.platform import vault
from venuecrm.platform.migrate import alembic_config
from venuecrm.platform.uow import UnitOfWork

PING = ivvy_uri("test", "ping")


def _stored(uow: UnitOfWork, key: str) -> str:
    """What the database holds in api_keys.secret for ``key``."""
    with uow:
        value: str = uow.session.execute(
            text("SELECT secret FROM api_keys WHERE key = :key"), {"key": key}
        ).scalar_one()
    return value


def _ping(client: TestClient, tenant: Tenant, clock: Clock) -> int:
    return client.post(PING, headers=sign_js(tenant, PING, b"", clock.tick())).status_code


def test_the_column_holds_a_token_and_signatures_still_verify(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, tenant: Tenant
) -> None:
    stored = _stored(uow_factory, tenant.key)
    assert tenant.secret not in stored
    assert stored.startswith("gAAAAA")
    assert Fernet(SECRET_KEYS).decrypt(stored.encode()).decode() == tenant.secret
    assert _ping(client, tenant, clock) == 200


def test_a_rotated_key_list_still_verifies_old_secrets_and_encrypts_with_the_new_key(
    settings: Settings, clock: Clock, uow_factory: UnitOfWork, tenant: Tenant
) -> None:
    new_key = Fernet.generate_key().decode()
    rotated = settings.model_copy(update={"secret_keys": SecretStr(f"{new_key},{SECRET_KEYS}")})
    try:
        app = create_app(rotated, clock=clock)
        with TestClient(app, raise_server_exceptions=False) as client:
            assert _ping(client, tenant, clock) == 200  # encrypted with the old key
            fresh = new_tenant(uow_factory)
            assert _ping(client, fresh, clock) == 200
        stored = _stored(uow_factory, fresh.key)
        assert Fernet(new_key).decrypt(stored.encode()).decode() == fresh.secret
    finally:
        vault.install(settings)
    # Back under the run's one key, so every later test can read every secret.
    with uow_factory as uow:
        uow.session.execute(
            text("UPDATE api_keys SET secret = :token WHERE key = :key"),
            {
                "token": Fernet(SECRET_KEYS).encrypt(fresh.secret.encode()).decode(),
                "key": fresh.key,
            },
        )
        uow.commit()


def test_rotate_encryption_re_encrypts_every_secret_with_the_first_key(
    settings: Settings, database_url: str, uow_factory: UnitOfWork, tmp_path: object
) -> None:
    tenant = new_tenant(uow_factory)
    new_key = Fernet.generate_key().decode()
    env = {
        "DATABASE_URL": database_url,
        "VENUECRM_SECRET_KEYS": f"{new_key},{SECRET_KEYS}",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-m", "venuecrm", "keys", "rotate-encryption"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "re-encrypted" in result.stdout
    assert tenant.secret not in result.stdout + result.stderr
    stored = _stored(uow_factory, tenant.key)
    assert Fernet(new_key).decrypt(stored.encode()).decode() == tenant.secret
    # Rotate back, so the rest of the run (one key) reads every secret again.
    back = subprocess.run(
        [sys.executable, "-m", "venuecrm", "keys", "rotate-encryption"],
        env={**env, "VENUECRM_SECRET_KEYS": f"{SECRET_KEYS},{new_key}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert back.returncode == 0, back.stderr
    assert Fernet(SECRET_KEYS).decrypt(_stored(uow_factory, tenant.key).encode())


def test_the_migration_encrypts_plaintext_secrets_and_its_downgrade_decrypts_them(
    settings: Settings, database_url: str, client: TestClient, clock: Clock, uow_factory: UnitOfWork
) -> None:
    tenant = new_tenant(uow_factory)
    config = alembic_config(settings, database_url)
    vault.install(settings)
    try:
        command.downgrade(config, "0005r")
        assert _stored(uow_factory, tenant.key) == tenant.secret
    finally:
        command.upgrade(config, "head")
    stored = _stored(uow_factory, tenant.key)
    assert stored != tenant.secret
    assert Fernet(SECRET_KEYS).decrypt(stored.encode()).decode() == tenant.secret
    assert _ping(client, tenant, clock) == 200


def test_the_data_directory_key_file_is_created_private(tmp_path: object) -> None:
    from pathlib import Path

    data_dir = Path(str(tmp_path)) / "data"
    key = vault._key_file(data_dir)
    path = data_dir / vault.KEY_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    assert vault._key_file(data_dir) == key  # read again, not replaced
    Fernet(key)  # a usable key
