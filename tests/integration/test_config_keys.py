"""API key settings in the account configuration file: exported without secrets, applied."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from sqlalchemy import select

from tests.factories import Seeded
from venuecrm.features.account_config.service import (
    InvalidConfiguration,
    apply_config,
    export_config,
)
from venuecrm.features.accounts.service import create_key, revoke_key, update_key
from venuecrm.platform.models import ApiKey
from venuecrm.platform.uow import UnitOfWork


def exported(uow: UnitOfWork, seeded: Seeded) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(export_config(uow, account_id=seeded.tenant.account_id))
    return loaded


def apply(uow: UnitOfWork, seeded: Seeded, doc: dict[str, Any]) -> dict[str, Any]:
    text = yaml.safe_dump(doc, sort_keys=False)
    plan = apply_config(uow, account_id=seeded.tenant.account_id, text=text)
    return plan.as_dict()


def settings(uow: UnitOfWork, seeded: Seeded) -> dict[str, tuple[bool, str]]:
    """Every key of the account (revoked too): its PHP date setting and time zone."""
    with uow:
        query = select(ApiKey).where(ApiKey.account_id == seeded.tenant.account_id)
        return {row.key: (row.php_dates, row.time_zone) for row in uow.session.scalars(query)}


def test_export_lists_active_keys_without_secrets(uow_factory: UnitOfWork, seeded: Seeded) -> None:
    account = seeded.tenant.account_id
    key, secret = create_key(
        uow_factory, account_id=account, php_dates=True, time_zone="Asia/Tokyo"
    )
    gone, gone_secret = create_key(uow_factory, account_id=account)
    revoke_key(uow_factory, gone)
    text = export_config(uow_factory, account_id=account)
    assert secret not in text
    assert seeded.tenant.secret not in text
    assert gone_secret not in text
    assert yaml.safe_load(text)["apiKeys"] == [
        {"key": seeded.tenant.key, "phpDates": False, "timeZone": "UTC"},
        {"key": key, "phpDates": True, "timeZone": "Asia/Tokyo"},
    ]
    # Exporting and applying the export changes nothing.
    plan = apply(uow_factory, seeded, yaml.safe_load(text))
    assert (plan["added"], plan["changed"], plan["deactivated"]) == ([], [], [])


def test_apply_sets_listed_keys_resets_left_out_ones_and_ignores_a_missing_section(
    uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    account = seeded.tenant.account_id
    other, _ = create_key(uow_factory, account_id=account, php_dates=True)
    doc = exported(uow_factory, seeded)
    doc["apiKeys"] = [{"key": seeded.tenant.key, "phpDates": True, "timeZone": "Australia/Perth"}]
    plan = apply(uow_factory, seeded, doc)
    assert [(c["table"], c["name"], c["path"], c["changes"]) for c in plan["changed"]] == [
        (
            "apiKeys",
            seeded.tenant.key,
            "apiKeys[0]",
            {"phpDates": {"from": False, "to": True},
             "timeZone": {"from": "UTC", "to": "Australia/Perth"}},
        ),
        ("apiKeys", other, None, {"phpDates": {"from": True, "to": False}}),
    ]  # fmt: skip
    assert settings(uow_factory, seeded) == {
        seeded.tenant.key: (True, "Australia/Perth"),
        other: (False, "UTC"),
    }
    assert apply(uow_factory, seeded, doc)["changed"] == []

    # A file written before the section existed leaves every key as it is.
    update_key(uow_factory, other, php_dates=True)
    del doc["apiKeys"]
    assert apply(uow_factory, seeded, doc)["changed"] == []
    assert settings(uow_factory, seeded)[other] == (True, "UTC")


@pytest.mark.parametrize(
    ("records", "problem"),
    [
        ([{"key": "nope"}], "apiKeys[0].key: no active API key nope in this account"),
        ([{"key": "KEY", "timeZone": "Mars/Olympus"}], "apiKeys[0].timeZone: "),
        ([{"key": "KEY"}, {"key": "KEY"}], "apiKeys[1].key: API key KEY is listed twice"),
        ([{"key": "KEY", "secret": "x"}], "apiKeys[0].secret: "),
        ([{"key": "KEY", "phpDates": "yes"}], "apiKeys[0].phpDates: "),
    ],
)
def test_invalid_key_records_change_nothing(
    uow_factory: UnitOfWork, seeded: Seeded, records: list[dict[str, Any]], problem: str
) -> None:
    doc = exported(uow_factory, seeded)
    doc["apiKeys"] = [
        {k: (seeded.tenant.key if v == "KEY" else v) for k, v in r.items()} for r in records
    ]
    problem = problem.replace("KEY", seeded.tenant.key)
    before = settings(uow_factory, seeded)
    with pytest.raises(InvalidConfiguration) as caught:
        apply(uow_factory, seeded, doc)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems
    assert settings(uow_factory, seeded) == before


def test_a_revoked_key_cannot_be_configured(uow_factory: UnitOfWork, seeded: Seeded) -> None:
    key, _ = create_key(uow_factory, account_id=seeded.tenant.account_id)
    revoke_key(uow_factory, key)
    doc = exported(uow_factory, seeded)
    doc["apiKeys"].append({"key": key, "phpDates": True})
    with pytest.raises(InvalidConfiguration) as caught:
        apply(uow_factory, seeded, doc)
    assert caught.value.problems == [f"apiKeys[1].key: no active API key {key} in this account"]
    assert settings(uow_factory, seeded)[key] == (False, "UTC")
