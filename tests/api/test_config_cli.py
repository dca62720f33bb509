"""``venuecrm config export`` and ``config apply`` as a user runs them, in real processes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from tests.api.test_cli import venuecrm
from tests.conftest import SECRET_KEYS
from tests.factories import Seeded
from venuecrm.platform.models import Delivery, Subscription
from venuecrm.platform.uow import UnitOfWork


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


def exported(account_id: int, env: dict[str, str]) -> str:
    result = venuecrm("config", "export", "--account", str(account_id), env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_seed_demo_accounts_export_and_reapply_cleanly(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    seeded = venuecrm("seed-demo", "--json", env=cli_env)
    assert seeded.returncode == 0, seeded.stderr
    for account in json.loads(seeded.stdout)["accounts"]:
        account_id = str(account["accountId"])
        first = exported(account["accountId"], cli_env)
        assert yaml.safe_load(first)["defaults"]["stageId"] == account["stageId"]
        path = tmp_path / f"account-{account_id}.yaml"
        path.write_text(first)
        applied = venuecrm("config", "apply", "--account", account_id, str(path), env=cli_env)
        assert applied.returncode == 0, applied.stderr
        assert applied.stdout == f"account {account_id}: no changes, it already matches the file\n"
        assert exported(account["accountId"], cli_env) == first


def test_apply_prints_the_plan_and_dry_run_stops_there(
    cli_env: dict[str, str], seeded: Seeded, tmp_path: Path
) -> None:
    account_id = seeded.tenant.account_id
    before = exported(account_id, cli_env)
    doc = yaml.safe_load(before)
    doc["venues"] = [v for v in doc["venues"] if v["name"] != "Riverside Rooms"]
    doc["lostReasons"].append({"name": "Budget cut"})
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    args = ("config", "apply", str(path), "--account", str(account_id))

    dry = venuecrm(*args, "--dry-run", env=cli_env)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        f"account {account_id}: 1 to add, 0 to change, 1 to deactivate, 0 to remove",
        '  add         lostReasons "Budget cut" (lostReasons[1])',
        f'  deactivate  venues {seeded["otherVenueId"]} "Riverside Rooms" (not in the file)',
        "dry run: nothing was changed",
    ]
    assert exported(account_id, cli_env) == before

    applied = venuecrm(*args, "--json", env=cli_env)
    assert applied.returncode == 0, applied.stderr
    plan = json.loads(applied.stdout)
    assert (plan["accountId"], plan["dryRun"], plan["applied"]) == (account_id, False, True)
    (added,) = plan["added"]
    assert (added["table"], added["name"], added["path"]) == (
        "lostReasons",
        "Budget cut",
        "lostReasons[1]",
    )
    assert isinstance(added["id"], int)
    assert plan["changed"] == []
    assert plan["deactivated"] == [
        {
            "table": "venues",
            "id": seeded["otherVenueId"],
            "name": "Riverside Rooms",
            "path": None,
            "changes": {"isActive": {"from": True, "to": False}},
        }
    ]
    after = yaml.safe_load(exported(account_id, cli_env))
    assert {"id": added["id"], "name": "Budget cut", "isActive": True} in after["lostReasons"]

    again = venuecrm(*args, "--json", env=cli_env)
    assert json.loads(again.stdout) == {
        "accountId": account_id,
        "dryRun": False,
        "applied": False,
        "added": [],
        "changed": [],
        "deactivated": [],
        "removed": [],
    }


def test_apply_subscribes_printing_the_secret_once_and_unsubscribes_what_it_leaves_out(
    cli_env: dict[str, str], seeded: Seeded, tmp_path: Path, uow_factory: UnitOfWork
) -> None:
    account_id = seeded.tenant.account_id
    hook = "https://hooks.example.com/crm"
    doc = yaml.safe_load(exported(account_id, cli_env))
    doc["subscriptions"] = [{"topic": "crm", "endpoint": hook, "format": "unified"}]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    args = ("config", "apply", str(path), "--account", str(account_id))

    dry = venuecrm(*args, "--dry-run", env=cli_env)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[1:] == [
        f"  add         subscriptions crm {hook} (subscriptions[0])",
        "dry run: nothing was changed",
    ]
    applied = venuecrm(*args, env=cli_env)
    assert applied.returncode == 0, applied.stderr
    with uow_factory as uow:
        sub = uow.session.scalars(
            select(Subscription).where(Subscription.account_id == account_id)
        ).one()
        row = (sub.topic, sub.endpoint, sub.format, sub.confirmed_at, sub.api_key_id)
        sub_id, secret, token = sub.id, sub.secret, sub.token
        queued = uow.session.scalars(
            select(Delivery.body).where(Delivery.account_id == account_id)
        ).all()
    assert row == ("crm", hook, "unified", None, None)
    assert queued == [{"token": token}]
    assert applied.stdout.splitlines() == [
        f"account {account_id}: 1 to add, 0 to change, 0 to deactivate, 0 to remove",
        f"  add         subscriptions crm {hook} (subscriptions[0]), secret {secret}",
        "applied",
        "store the subscriptions' secrets now: they are never shown again",
    ]
    # Shown once: neither the export nor applying the same file again shows it.
    after = exported(account_id, cli_env)
    assert secret.startswith("whsec_")
    assert secret not in after
    assert yaml.safe_load(after)["subscriptions"] == [
        {"topic": "crm", "endpoint": hook, "format": "unified", "confirmed": False}
    ]
    again = venuecrm(*args, env=cli_env)
    assert again.stdout == f"account {account_id}: no changes, it already matches the file\n"

    doc["subscriptions"] = []
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    removed = venuecrm(*args, "--json", env=cli_env)
    assert removed.returncode == 0, removed.stderr
    assert json.loads(removed.stdout)["removed"] == [
        {"table": "subscriptions", "id": sub_id, "name": f"crm {hook}", "path": None, "changes": {}}
    ]
    assert yaml.safe_load(exported(account_id, cli_env))["subscriptions"] == []


def test_an_invalid_file_is_rejected_with_every_problem(
    cli_env: dict[str, str], seeded: Seeded, tmp_path: Path
) -> None:
    account_id = str(seeded.tenant.account_id)
    before = exported(seeded.tenant.account_id, cli_env)
    doc = yaml.safe_load(before)
    doc["venues"].append({"id": 2_000_000_000, "name": ""})
    doc["defaults"]["stageId"] = 2_000_000_001
    doc["subscriptions"] = [{"topic": "crm", "endpoint": "mailto:ops@example.com"}]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    problems = [
        "venues[2].name: must not be blank",
        "subscriptions[0].endpoint: must be an http or https URL of at most 2000 characters",
        "venues[2].id: no venue 2000000000 in this account",
        "defaults.stageId: no stage 2000000001 in this file",
    ]

    result = venuecrm("config", "apply", str(path), "--account", account_id, env=cli_env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {path} is invalid, nothing was changed:",
        *(f"  {problem}" for problem in problems),
    ]
    as_json = venuecrm("config", "apply", str(path), "--account", account_id, "--json", env=cli_env)
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout) == {
        "accountId": seeded.tenant.account_id,
        "applied": False,
        "problems": problems,
    }
    assert exported(seeded.tenant.account_id, cli_env) == before


def test_an_unknown_account_or_file_fails(cli_env: dict[str, str], tmp_path: Path) -> None:
    export = venuecrm("config", "export", "--account", "2147483000", env=cli_env)
    assert export.returncode == 1
    assert export.stderr == "error: no account with id 2147483000\n"
    path = tmp_path / "config.yaml"
    path.write_text("version: 1\n")
    apply = venuecrm("config", "apply", str(path), "--account", "2147483000", env=cli_env)
    assert apply.returncode == 1
    assert apply.stderr == "error: no account with id 2147483000\n"
    missing = venuecrm(
        "config", "apply", str(tmp_path / "nope.yaml"), "--account", "1", env=cli_env
    )
    assert missing.returncode == 2
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    garbled = venuecrm("config", "apply", str(binary), "--account", "1", env=cli_env)
    assert garbled.returncode == 1
    assert garbled.stderr == f"error: {binary} is not UTF-8 text\n"
