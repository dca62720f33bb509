"""Subscriptions in the account configuration file: exported without secrets, applied as the
notification actions do (secret shown once, confirmation queued), left-out ones unsubscribed."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from sqlalchemy import select

from tests.api.opportunity_helpers import table_counts
from tests.factories import Seeded
from venuecrm.features.account_config.service import (
    InvalidConfiguration,
    Plan,
    apply_config,
    export_config,
)
from venuecrm.features.events.subscriptions import confirm
from venuecrm.platform.models import Delivery, Subscription
from venuecrm.platform.uow import UnitOfWork

HOOK = "https://hooks.example.com/ivvy"
OTHER = "http://127.0.0.1:9/hook"


def exported(uow: UnitOfWork, seeded: Seeded) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(export_config(uow, account_id=seeded.tenant.account_id))
    return loaded


def apply(uow: UnitOfWork, seeded: Seeded, doc: dict[str, Any], *, dry_run: bool = False) -> Plan:
    text = yaml.safe_dump(doc, sort_keys=False)
    return apply_config(uow, account_id=seeded.tenant.account_id, text=text, dry_run=dry_run)


def stored(uow: UnitOfWork, seeded: Seeded) -> dict[tuple[str, str], dict[str, Any]]:
    """The account's subscriptions by (topic, endpoint), with their secrets decrypted."""
    with uow:
        query = select(Subscription).where(Subscription.account_id == seeded.tenant.account_id)
        return {
            (row.topic, row.endpoint): {
                "id": row.id,
                "format": row.format,
                "apiKeyId": row.api_key_id,
                "secret": row.secret,
                "token": row.token,
                "confirmed": row.confirmed_at is not None,
            }
            for row in uow.session.scalars(query)
        }


def confirmations(uow: UnitOfWork, seeded: Seeded) -> dict[int, dict[str, Any]]:
    """The account's queued confirmation requests: their bodies by subscription id."""
    with uow:
        query = select(Delivery).where(
            Delivery.account_id == seeded.tenant.account_id,
            Delivery.subject == "SubscriptionConfirmation",
        )
        return {row.subscription_id: row.body for row in uow.session.scalars(query)}


def no_changes(plan: Plan) -> bool:
    return plan.changes == [] and plan.applied is False


def test_apply_subscribes_shows_the_secret_once_and_export_never_does(
    uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    doc = exported(uow_factory, seeded)
    assert doc["subscriptions"] == []
    doc["subscriptions"] = [
        {"topic": "crm", "endpoint": HOOK},
        {"topic": "contacts", "endpoint": HOOK, "format": "unified"},
    ]
    plan = apply(uow_factory, seeded, doc)

    rows = stored(uow_factory, seeded)
    crm, contacts = rows[("crm", HOOK)], rows[("contacts", HOOK)]
    added = plan.as_dict()["added"]
    assert [(c["table"], c["id"], c["name"], c["path"], c["secret"]) for c in added] == [
        ("subscriptions", crm["id"], f"crm {HOOK}", "subscriptions[0]", crm["secret"]),
        ("subscriptions", contacts["id"], f"contacts {HOOK}", "subscriptions[1]",
         contacts["secret"]),
    ]  # fmt: skip
    assert crm["secret"].startswith("whsec_")
    assert crm["secret"] != contacts["secret"]
    assert (crm["format"], contacts["format"]) == ("ivvy", "unified")
    # A file names no API key; nobody has confirmed yet, and each receiver is asked to.
    assert crm["apiKeyId"] is None
    assert contacts["apiKeyId"] is None
    assert not crm["confirmed"]
    assert not contacts["confirmed"]
    assert confirmations(uow_factory, seeded) == {
        crm["id"]: {"token": crm["token"]},
        contacts["id"]: {"token": contacts["token"]},
    }
    lines = plan.lines()
    assert f"  add         subscriptions crm {HOOK} (subscriptions[0]), secret {crm['secret']}" in (
        lines
    )
    assert lines[-1] == "store the subscriptions' secrets now: they are never shown again"

    # The receiver confirms; the export says so and holds no secret; applying it is a no-op.
    assert confirm(uow_factory, crm["token"])
    text = export_config(uow_factory, account_id=seeded.tenant.account_id)
    assert "whsec_" not in text
    assert crm["secret"] not in text
    assert contacts["secret"] not in text
    assert yaml.safe_load(text)["subscriptions"] == [
        {"topic": "crm", "endpoint": HOOK, "format": "ivvy", "confirmed": True},
        {"topic": "contacts", "endpoint": HOOK, "format": "unified", "confirmed": False},
    ]
    before = table_counts(uow_factory)
    assert no_changes(apply(uow_factory, seeded, yaml.safe_load(text)))
    assert stored(uow_factory, seeded) == {**rows, ("crm", HOOK): {**crm, "confirmed": True}}
    assert table_counts(uow_factory) == before


def test_apply_changes_formats_removes_left_out_ones_and_ignores_a_missing_section(
    uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    doc = exported(uow_factory, seeded)
    doc["subscriptions"] = [
        {"topic": "crm", "endpoint": HOOK},
        {"topic": "companies", "endpoint": OTHER},
    ]
    apply(uow_factory, seeded, doc)
    rows = stored(uow_factory, seeded)
    crm, companies = rows[("crm", HOOK)], rows[("companies", OTHER)]

    # confirmed is the receiver's doing: a file saying so changes nothing.
    doc["subscriptions"] = [
        {"topic": "crm", "endpoint": HOOK, "format": "unified", "confirmed": True}
    ]
    plan = apply(uow_factory, seeded, doc).as_dict()
    assert (plan["added"], plan["deactivated"]) == ([], [])
    assert plan["changed"] == [
        {
            "table": "subscriptions",
            "id": crm["id"],
            "name": f"crm {HOOK}",
            "path": "subscriptions[0]",
            "changes": {"format": {"from": "ivvy", "to": "unified"}},
        }
    ]
    assert plan["removed"] == [
        {
            "table": "subscriptions",
            "id": companies["id"],
            "name": f"companies {OTHER}",
            "path": None,
            "changes": {},
        }
    ]
    # The format changes alone: same secret, same token, still waiting for its receiver.
    assert stored(uow_factory, seeded) == {("crm", HOOK): {**crm, "format": "unified"}}
    # Unsubscribing drops what was still to be delivered to the receiver.
    assert list(confirmations(uow_factory, seeded)) == [crm["id"]]

    # A file written before the section existed leaves every subscription as it is.
    doc["subscriptions"] = None
    assert no_changes(apply(uow_factory, seeded, doc))
    del doc["subscriptions"]
    assert no_changes(apply(uow_factory, seeded, doc))
    assert list(stored(uow_factory, seeded)) == [("crm", HOOK)]

    # An empty section unsubscribes everything.
    doc["subscriptions"] = []
    plan = apply(uow_factory, seeded, doc).as_dict()
    assert [c["id"] for c in plan["removed"]] == [crm["id"]]
    assert stored(uow_factory, seeded) == {}
    assert confirmations(uow_factory, seeded) == {}


def test_dry_run_shows_the_plan_and_writes_nothing(uow_factory: UnitOfWork, seeded: Seeded) -> None:
    doc = exported(uow_factory, seeded)
    doc["subscriptions"] = [{"topic": "crm", "endpoint": HOOK}]
    apply(uow_factory, seeded, doc)
    (crm,) = stored(uow_factory, seeded).values()
    doc["subscriptions"] = [{"topic": "contacts", "endpoint": HOOK, "format": "unified"}]
    before = table_counts(uow_factory)

    plan = apply(uow_factory, seeded, doc, dry_run=True)

    as_dict = plan.as_dict()
    assert [(c["id"], c["name"], c["secret"]) for c in as_dict["added"]] == [
        (None, f"contacts {HOOK}", None)
    ]
    assert [(c["id"], c["name"]) for c in as_dict["removed"]] == [(crm["id"], f"crm {HOOK}")]
    assert plan.lines() == [
        f"account {seeded.tenant.account_id}: 1 to add, 0 to change, 0 to deactivate, 1 to remove",
        f"  add         subscriptions contacts {HOOK} (subscriptions[0])",
        f"  remove      subscriptions crm {HOOK} (not in the file)",
        "dry run: nothing was changed",
    ]
    assert table_counts(uow_factory) == before
    assert stored(uow_factory, seeded) == {("crm", HOOK): crm}


@pytest.mark.parametrize(
    ("records", "problem"),
    [
        (
            [{"topic": "crm", "endpoint": "ftp://hooks.example.com"}],
            "subscriptions[1].endpoint: must be an http or https URL of at most 2000 characters",
        ),
        (
            [{"topic": "crm", "endpoint": "https://" + "h" * 1993}],
            "subscriptions[1].endpoint: must be an http or https URL of at most 2000 characters",
        ),
        (
            [{"topic": "crm", "endpoint": "http://[::1"}],
            "subscriptions[1].endpoint: must be an http or https URL of at most 2000 characters",
        ),
        (
            [{"topic": "payments", "endpoint": HOOK}],
            "subscriptions[1].topic: must be one of 'crm', 'contacts' or 'companies'",
        ),
        (
            [{"topic": "crm", "endpoint": HOOK, "format": "json"}],
            "subscriptions[1].format: must be one of 'ivvy' or 'unified'",
        ),
        ([{"topic": "crm"}], "subscriptions[1].endpoint: is required"),
        (
            [{"topic": "crm", "endpoint": HOOK, "secret": "whsec_x"}],
            "subscriptions[1].secret: is not a known key",
        ),
        (
            [{"topic": "contacts", "endpoint": HOOK}],
            f"subscriptions[1].endpoint: contacts {HOOK} is listed twice (also at "
            "subscriptions[0])",
        ),
    ],
)
def test_a_bad_subscription_rejects_the_file_and_writes_nothing(
    uow_factory: UnitOfWork, seeded: Seeded, records: list[dict[str, Any]], problem: str
) -> None:
    doc = exported(uow_factory, seeded)
    # A good record first: it is not subscribed either.
    doc["subscriptions"] = [{"topic": "contacts", "endpoint": HOOK}, *records]
    before = table_counts(uow_factory)
    with pytest.raises(InvalidConfiguration) as caught:
        apply(uow_factory, seeded, doc)
    assert caught.value.problems == [problem]
    assert table_counts(uow_factory) == before
    assert stored(uow_factory, seeded) == {}
