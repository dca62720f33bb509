"""The ``venuecrm`` command as a newcomer uses it, in real processes beside a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.script import ScriptDirectory
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.conftest import SECRET_KEYS, serving
from venuecrm.config import Settings
from venuecrm.platform.migrate import alembic_config

INT_FIELDS = (
    "accountId",
    "venueId",
    "otherVenueId",
    "sourceId",
    "referralSourceId",
    "typeId",
    "typeWithSubtypesId",
    "subtypeId",
    "stageId",
    "stageReasonId",
    "foreignStageReasonId",
    "channelId",
    "qualityId",
    "industryId",
    "ownerUserId",
)


def venuecrm(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the CLI in its own process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "venuecrm", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """Environment pointing the CLI at the test database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VENUECRM_")}
    return {
        **env,
        "DATABASE_URL": database_url,
        "VENUECRM_DATA_DIR": str(tmp_path),
        "VENUECRM_SECRET_KEYS": SECRET_KEYS,
    }


def _check_demo_account(account: dict[str, Any], *, required_fields: bool) -> None:
    for name in INT_FIELDS:
        assert isinstance(account[name], int), name
    assert account["venueId"] != account["otherVenueId"]
    assert account["sourceId"] != account["referralSourceId"]
    assert account["typeId"] != account["typeWithSubtypesId"]
    assert account["stageReasonId"] != account["foreignStageReasonId"]
    assert isinstance(account["apiKey"], str)
    assert isinstance(account["apiSecret"], str)
    fields = account["customFields"]
    assert {f["fieldType"] for f in fields} >= {0, 2, 3, 5, 8}
    for field in fields:
        assert set(field) == {"fieldId", "fieldType", "displayName", "isRequired", "selectValues"}
        assert isinstance(field["fieldId"], int)
        if field["fieldType"] in (2, 3):
            assert field["selectValues"]
    assert any(f["isRequired"] for f in fields) is required_fields


def test_seed_demo_prints_the_same_json_twice(cli_env: dict[str, str]) -> None:
    first = venuecrm("seed-demo", "--json", env=cli_env)
    second = venuecrm("seed-demo", "--json", env=cli_env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    document = json.loads(first.stdout)
    assert list(document) == ["accounts"]
    a, b = document["accounts"]
    assert a["accountId"] != b["accountId"]
    assert a["apiKey"] != b["apiKey"]
    _check_demo_account(a, required_fields=False)
    _check_demo_account(b, required_fields=True)


def test_call_signs_and_prints_the_reply(
    cli_env: dict[str, str], live_server: str, tmp_path: Path
) -> None:
    created = venuecrm("accounts", "create", f"cli-{tmp_path.name}", "--json", env=cli_env)
    assert created.returncode == 0, created.stderr
    account_id = json.loads(created.stdout)["accountId"]
    keys = venuecrm("keys", "create", "--account", str(account_id), "--json", env=cli_env)
    assert keys.returncode == 0, keys.stderr
    credentials = json.loads(keys.stdout)
    assert credentials["accountId"] == account_id
    env = {
        **cli_env,
        "VENUECRM_API_URL": live_server,
        "VENUECRM_API_KEY": credentials["apiKey"],
        "VENUECRM_API_SECRET": credentials["apiSecret"],
    }
    ping = venuecrm("call", "test", "ping", env=env)
    assert ping.returncode == 0, ping.stdout + ping.stderr
    assert set(json.loads(ping.stdout)) == {"ack"}

    body_file = tmp_path / "body.json"
    body_file.write_text('{"example": "body"}')
    from_file = venuecrm("call", "test", "ping", f"@{body_file}", env=env)
    assert from_file.returncode == 0, from_file.stdout

    unknown = venuecrm("call", "test", "nope", "{}", env=env)
    assert unknown.returncode == 1
    assert json.loads(unknown.stdout)["errorCode"] == 404

    revoked = venuecrm("keys", "revoke", credentials["apiKey"], env=cli_env)
    assert revoked.returncode == 0, revoked.stderr
    after = venuecrm("call", "test", "ping", env=env)
    assert after.returncode == 1
    assert json.loads(after.stdout)["errorCode"] == 463
    again = venuecrm("keys", "revoke", credentials["apiKey"], env=cli_env)
    assert again.returncode == 1


def test_keys_create_for_an_unknown_account_fails(cli_env: dict[str, str]) -> None:
    result = venuecrm("keys", "create", "--account", "999999999", env=cli_env)
    assert result.returncode == 1
    assert "no account" in result.stderr


def test_readme_flow_on_the_embedded_database(tmp_path: Path) -> None:
    """serve, seed-demo and call beside it share one embedded PostgreSQL, as in the README."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VENUECRM_")}
    env.pop("DATABASE_URL", None)
    env["VENUECRM_DATA_DIR"] = str(tmp_path / "data")
    with serving(env, tmp_path / "serve.log") as base:
        seeded = venuecrm("seed-demo", "--json", env=env)
        assert seeded.returncode == 0, seeded.stderr
        account = json.loads(seeded.stdout)["accounts"][0]
        key, secret = account["apiKey"], account["apiSecret"]
        ping = venuecrm(
            "call", "test", "ping", "--key", key, "--secret", secret, "--url", base, env=env
        )
        assert ping.returncode == 0, ping.stdout + ping.stderr
        assert "ack" in json.loads(ping.stdout)
        # The CLI process left; the server it shared must still be up.
        assert (tmp_path / "data" / "pg" / "postmaster.pid").exists()
    # The last process holding the embedded server stopped it.
    assert not (tmp_path / "data" / "pg" / "postmaster.pid").exists()


@pytest.fixture
def empty_database(database_url: str) -> Iterator[str]:
    """The URL of a database created for this test, with no schema; dropped afterwards."""
    admin = make_url(database_url).set(drivername="postgresql")
    fresh = f"venuecrm_cli_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(fresh)))
    try:
        yield make_url(database_url).set(database=fresh).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
            c.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(fresh)))


def test_db_upgrade_prints_each_revision_it_applies(
    empty_database: str, cli_env: dict[str, str]
) -> None:
    url = empty_database
    env = {**cli_env, "DATABASE_URL": url}
    first = venuecrm("db", "upgrade", env=env)
    assert first.returncode == 0, first.stderr
    script = ScriptDirectory.from_config(alembic_config(Settings(), url))
    oldest_first = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    applied = [line.split()[1].rstrip(":") for line in first.stdout.splitlines()[:-1]]
    assert applied == oldest_first
    assert first.stdout.splitlines()[-1].endswith(f"({len(oldest_first)} applied)")
    second = venuecrm("db", "upgrade", env=env)
    assert second.stdout == "database is at the latest revision (0 applied)\n"


@pytest.mark.parametrize(
    "command",
    [
        ("keys", "revoke", "some-key"),
        ("keys", "update", "some-key", "--php-dates"),
        ("keys", "rotate-encryption"),
        ("config", "export", "--account", "1"),
    ],
)
def test_commands_on_existing_rows_do_not_migrate(
    empty_database: str, cli_env: dict[str, str], command: tuple[str, ...]
) -> None:
    """Only the commands that bring a database into use migrate; the others name the fix."""
    result = venuecrm(*command, env={**cli_env, "DATABASE_URL": empty_database})
    assert result.returncode == 1
    assert result.stderr == (
        "error: the database schema is not current; run `venuecrm db upgrade`\n"
    )
    with psycopg.connect(
        make_url(empty_database).set(drivername="postgresql").render_as_string(hide_password=False)
    ) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()
    assert tables == (0,)
