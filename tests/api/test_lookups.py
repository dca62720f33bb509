"""CRM lookups (docs/ivvy.md §3.6): each list and addOrUpdate action, driven by one table.

Every rejected request is checked to have written nothing; every accepted one against the row
it stored and the list item it then shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.api.list_helpers import NO_BODY, add_rows, call, collection, ids, refused
from tests.factories import Clock, Seeded, seeded_tenant
from venuecrm.platform.base import Tenant as TenantRow
from venuecrm.platform.models import (
    LeadChannel,
    LeadQuality,
    LeadSource,
    LeadStage,
    LeadStageReason,
    LeadSubtype,
    LeadType,
)
from venuecrm.platform.uow import UnitOfWork


@dataclass(frozen=True)
class Lookup:
    """One lookup as the tests see it."""

    noun: str
    model: type[TenantRow]
    seeded_id: str  # the Seeded key of one of its rows
    name: str  # wire name of the field required when adding
    add: dict[str, Any]  # a valid add request
    stored: dict[str, Any]  # columns that add must store
    listed: dict[str, Any]  # the list item of the added row, without id
    update: dict[str, Any]  # a valid partial update
    updated: dict[str, Any]  # columns that update must change
    codes: tuple[int, int, int]  # not found, unreadable request, invalid details
    required: tuple[str, ...] = field(default=())  # besides ``name``, required when adding

    def __str__(self) -> str:
        return self.noun


LOOKUPS = [
    Lookup(
        noun="LeadSource",
        model=LeadSource,
        seeded_id="sourceId",
        name="name",
        add={"name": "  Trade show ", "cost": "12.5", "isReferral": 1, "colour": "#ff0000",
             "description": "Booth 12"},
        stored={"name": "Trade show", "cost": Decimal("12.50"), "is_referral": True,
                "colour": "#ff0000", "description": "Booth 12", "default_type_id": None},
        listed={"name": "Trade show", "description": "Booth 12", "cost": 12.5,
                "isReferral": True, "defaultType": None},
        update={"description": None, "cost": 0},
        updated={"description": "", "cost": Decimal("0.00"), "name": "Trade show"},
        codes=(24325, 24328, 24329),
    ),
    Lookup(
        noun="LeadType",
        model=LeadType,
        seeded_id="typeId",
        name="type",
        add={"type": "Conference"},
        stored={"name": "Conference"},
        listed={"type": "Conference", "subtypes": []},
        update={"type": "Conferences"},
        updated={"name": "Conferences"},
        codes=(24381, 24383, 24384),
    ),
    Lookup(
        noun="LeadStage",
        model=LeadStage,
        seeded_id="stageId",
        name="name",
        add={"name": "Site visit", "applyTo": "2", "colour": "#7ee546"},
        stored={"name": "Site visit", "apply_to": 2, "colour": "#7ee546"},
        listed={"name": "Site visit", "applyTo": 2, "reasons": []},
        update={"colour": None, "applyTo": 1},
        updated={"colour": "", "apply_to": 1, "name": "Site visit"},
        codes=(24320, 24323, 24324),
        required=("applyTo",),
    ),
    Lookup(
        noun="LeadChannel",
        model=LeadChannel,
        seeded_id="channelId",
        name="name",
        add={"name": "Social"},
        stored={"name": "Social"},
        listed={"name": "Social"},
        update={"name": "Social media"},
        updated={"name": "Social media"},
        codes=(24376, 24379, 24380),
    ),
    Lookup(
        noun="LeadQuality",
        model=LeadQuality,
        seeded_id="qualityId",
        name="label",
        add={"label": "Warm", "showOnDash": "1"},
        stored={"label": "Warm", "show_on_dash": True},
        listed={"label": "Warm", "showOnDash": True},
        update={"showOnDash": False},
        updated={"show_on_dash": False, "label": "Warm"},
        codes=(24304, 24306, 24307),
    ),
]  # fmt: skip
each_lookup = pytest.mark.parametrize("lookup", LOOKUPS, ids=str)


def _save(client: TestClient, seeded: Seeded, clock: Clock, lookup: Lookup, body: Any) -> Any:
    return call(client, seeded.tenant, clock, "crm", f"addOrUpdate{lookup.noun}", body)


def _list(client: TestClient, seeded: Seeded, clock: Clock, lookup: Lookup) -> list[Any]:
    response = call(client, seeded.tenant, clock, "crm", f"get{lookup.noun}List", {})
    return collection(response)[1]


def _row(uow: UnitOfWork, lookup: Lookup, account_id: int, row_id: int) -> dict[str, Any]:
    with uow:
        row = uow.session.get(lookup.model, (account_id, row_id))
        assert row is not None
        return {c.key: getattr(row, c.key) for c in lookup.model.__table__.columns}


def _saved_id(response: Any) -> int:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"success", "id"}
    assert body["success"] is True
    return int(body["id"])


def _rejected(
    client: TestClient, seeded: Seeded, clock: Clock, uow: UnitOfWork, lookup: Lookup,
    body: Any, code: int,
) -> dict[str, Any]:  # fmt: skip
    action = ("crm", f"addOrUpdate{lookup.noun}")
    return refused(client, seeded.tenant, clock, uow, action, body, code)


@each_lookup
def test_add_stores_the_record_and_lists_it(
    client: TestClient, seeded: Seeded, clock: Clock, uow_factory: UnitOfWork, lookup: Lookup
) -> None:
    new_id = _saved_id(_save(client, seeded, clock, lookup, lookup.add))

    row = _row(uow_factory, lookup, seeded.tenant.account_id, new_id)
    assert {k: row[k] for k in lookup.stored} == lookup.stored
    assert row["is_active"] is True
    listed = _list(client, seeded, clock, lookup)
    assert listed[-1] == {"id": new_id, **lookup.listed}
    assert ids(listed) == sorted(ids(listed))


@each_lookup
def test_update_changes_only_the_keys_sent(
    client: TestClient, seeded: Seeded, clock: Clock, uow_factory: UnitOfWork, lookup: Lookup
) -> None:
    account = seeded.tenant.account_id
    new_id = _saved_id(_save(client, seeded, clock, lookup, lookup.add))
    before = _row(uow_factory, lookup, account, new_id)

    again = _saved_id(_save(client, seeded, clock, lookup, {"id": new_id, **lookup.update}))

    after = _row(uow_factory, lookup, account, new_id)
    assert again == new_id
    assert {k: after[k] for k in lookup.updated} == lookup.updated
    untouched = set(before) - set(lookup.updated) - {"modified_at"}
    assert {k: after[k] for k in untouched} == {k: before[k] for k in untouched}
    assert after["modified_at"] > before["modified_at"]


@each_lookup
def test_update_with_id_alone_changes_nothing_and_succeeds(
    client: TestClient, seeded: Seeded, clock: Clock, uow_factory: UnitOfWork, lookup: Lookup
) -> None:
    row_id = seeded[lookup.seeded_id]
    before = _row(uow_factory, lookup, seeded.tenant.account_id, row_id)

    assert _saved_id(_save(client, seeded, clock, lookup, {"id": str(row_id)})) == row_id

    assert _row(uow_factory, lookup, seeded.tenant.account_id, row_id) == before


@each_lookup
def test_update_of_an_unknown_id_is_not_found(
    client: TestClient, seeded: Seeded, clock: Clock, uow_factory: UnitOfWork, lookup: Lookup
) -> None:
    body = {"id": 2_000_000_000, lookup.name: "Renamed"}

    reply = _rejected(client, seeded, clock, uow_factory, lookup, body, lookup.codes[0])

    assert reply["message"].endswith("2000000000 does not exist")


@each_lookup
def test_another_accounts_record_is_invisible(
    client: TestClient, seeded: Seeded, clock: Clock, uow_factory: UnitOfWork, lookup: Lookup
) -> None:
    other = seeded_tenant(uow_factory)
    theirs = other[lookup.seeded_id]
    before = _row(uow_factory, lookup, other.tenant.account_id, theirs)

    _rejected(
        client, seeded, clock, uow_factory, lookup, {"id": theirs, lookup.name: "Mine now"},
        lookup.codes[0],
    )  # fmt: skip

    assert _row(uow_factory, lookup, other.tenant.account_id, theirs) == before
    assert theirs not in ids(_list(client, seeded, clock, lookup))
    assert theirs in ids(_list(client, other, clock, lookup))


@each_lookup
def test_inactive_records_are_neither_listed_nor_updated(
    client: TestClient, seeded: Seeded, clock: Clock, uow_factory: UnitOfWork, lookup: Lookup
) -> None:
    column = {"type": "name"}.get(lookup.name, lookup.name)
    values: dict[str, Any] = {column: "Retired", "is_active": False}
    if lookup.model is LeadStage:
        values["apply_to"] = 1
    (retired,) = add_rows(uow_factory, seeded.tenant.account_id, lookup.model, [values])

    listed = ids(_list(client, seeded, clock, lookup))
    reply = _rejected(
        client, seeded, clock, uow_factory, lookup, {"id": retired, lookup.name: "Back"},
        lookup.codes[0],
    )  # fmt: skip

    assert seeded[lookup.seeded_id] in listed
    assert retired not in listed
    assert reply["additionalMessages"] == []


@each_lookup
@pytest.mark.parametrize("body", [NO_BODY, b"{}", b"[]", b'""', b"{oops", b"[1, 2]", b"7"])
def test_an_empty_or_unreadable_request_is_the_first_invalid_code(
    client: TestClient,
    seeded: Seeded,
    clock: Clock,
    uow_factory: UnitOfWork,
    lookup: Lookup,
    body: Any,
) -> None:
    reply = _rejected(client, seeded, clock, uow_factory, lookup, body, lookup.codes[1])

    assert len(reply["additionalMessages"]) == 1
    assert reply["additionalMessages"][0].startswith("body: ")


@each_lookup
def test_adding_without_the_required_fields_lists_each(
    client: TestClient, seeded: Seeded, clock: Clock, uow_factory: UnitOfWork, lookup: Lookup
) -> None:
    reply = _rejected(
        client, seeded, clock, uow_factory, lookup, {"unknownKey": 1}, lookup.codes[2]
    )

    expected = [f"{wire}: is required" for wire in (lookup.name, *lookup.required)]
    assert reply["additionalMessages"] == expected
    count = len(expected)
    assert reply["message"].endswith(f"details are invalid: {count} problem{'s' * (count > 1)}")


@each_lookup
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "cannot be cleared"),
        ("   ", "must not be empty"),
        (42, "must be a string"),
        ("x" * 201, "must be at most 200 characters"),
    ],
)
def test_the_name_cannot_be_cleared_or_invalid(
    client: TestClient,
    seeded: Seeded,
    clock: Clock,
    uow_factory: UnitOfWork,
    lookup: Lookup,
    value: Any,
    problem: str,
) -> None:
    body = {"id": seeded[lookup.seeded_id], lookup.name: value}

    reply = _rejected(client, seeded, clock, uow_factory, lookup, body, lookup.codes[2])

    assert reply["additionalMessages"] == [f"{lookup.name}: {problem}"]


@each_lookup
def test_an_invalid_id_is_invalid_details(
    client: TestClient, seeded: Seeded, clock: Clock, uow_factory: UnitOfWork, lookup: Lookup
) -> None:
    body = {"id": "seven", lookup.name: "Whatever"}

    reply = _rejected(client, seeded, clock, uow_factory, lookup, body, lookup.codes[2])

    assert reply["additionalMessages"] == ["id: must be a positive whole-number id"]


SOURCE = LOOKUPS[0]
STAGE = LOOKUPS[2]


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        ({"name": "X", "cost": -1}, ["cost: must be at least 0"]),
        ({"name": "X", "cost": "1.005"}, ["cost: must have at most 2 decimal places"]),
        ({"name": "X", "cost": "free"}, ["cost: must be a number"]),
        ({"name": "X", "isReferral": "yes"}, ["isReferral: must be true or false (or 0 or 1)"]),
        ({"name": "X", "colour": "#" + "f" * 20}, ["colour: must be at most 20 characters"]),
        ({"cost": "x", "isReferral": None}, ["cost: must be a number",
                                             "isReferral: must be true or false (or 0 or 1)",
                                             "name: is required"]),
    ],
)  # fmt: skip
def test_lead_source_field_rules(
    client: TestClient,
    seeded: Seeded,
    clock: Clock,
    uow_factory: UnitOfWork,
    body: dict[str, Any],
    problems: list[str],
) -> None:
    reply = _rejected(client, seeded, clock, uow_factory, SOURCE, body, 24329)

    assert reply["additionalMessages"] == problems


def test_lead_source_default_type_must_be_an_active_type_of_the_account(
    client: TestClient, seeded: Seeded, clock: Clock, uow_factory: UnitOfWork
) -> None:
    other = seeded_tenant(uow_factory)
    foreign = other["typeId"]

    reply = _rejected(
        client, seeded, clock, uow_factory, SOURCE, {"name": "X", "defaultType": foreign}, 24329
    )
    new_id = _saved_id(
        _save(client, seeded, clock, SOURCE, {"name": "Y", "defaultType": seeded["typeId"]})
    )

    assert reply["additionalMessages"] == [
        f"defaultType: no active lead type {foreign} in this account"
    ]
    row = _row(uow_factory, SOURCE, seeded.tenant.account_id, new_id)
    assert row["default_type_id"] == seeded["typeId"]
    listed = {item["id"]: item for item in _list(client, seeded, clock, SOURCE)}
    assert listed[new_id]["defaultType"] == seeded["typeId"]


@pytest.mark.parametrize("apply_to", [0, 3, "lead", True])
def test_lead_stage_apply_to_is_1_or_2(
    client: TestClient, seeded: Seeded, clock: Clock, uow_factory: UnitOfWork, apply_to: Any
) -> None:
    body = {"name": "Odd", "applyTo": apply_to}

    reply = _rejected(client, seeded, clock, uow_factory, STAGE, body, 24324)

    assert reply["additionalMessages"] == ["applyTo: must be 1 (opportunities) or 2 (leads)"]


def test_a_stage_opportunities_use_keeps_applying_to_them(
    client: TestClient, seeded: Seeded, clock: Clock, uow_factory: UnitOfWork
) -> None:
    # seed-demo makes the stage the account's default opportunity stage.
    default_stage = seeded["stageId"]
    unused = _saved_id(_save(client, seeded, clock, STAGE, {"name": "Spare", "applyTo": 1}))

    reply = _rejected(
        client, seeded, clock, uow_factory, STAGE, {"id": default_stage, "applyTo": 2}, 24324
    )
    _saved_id(_save(client, seeded, clock, STAGE, {"id": unused, "applyTo": 2}))

    assert reply["additionalMessages"][0].startswith(f"applyTo: stage {default_stage} is the")
    assert _row(uow_factory, STAGE, seeded.tenant.account_id, unused)["apply_to"] == 2


def test_type_and_stage_lists_nest_their_active_subtypes_and_reasons(
    client: TestClient, seeded: Seeded, clock: Clock, uow_factory: UnitOfWork
) -> None:
    account = seeded.tenant.account_id
    wedding, stage = seeded["typeWithSubtypesId"], seeded["stageId"]
    retired_subtype = {"type_id": wedding, "name": "Old", "is_active": False}
    add_rows(uow_factory, account, LeadSubtype, [retired_subtype])
    late_reason = {"stage_id": stage, "reason": "Phone call"}
    (late,) = add_rows(uow_factory, account, LeadStageReason, [late_reason])
    with uow_factory:
        subtypes = uow_factory.session.scalars(
            select(LeadSubtype).where(
                LeadSubtype.account_id == account, LeadSubtype.type_id == wedding
            )
        ).all()
        expected = [{"id": s.id, "name": s.name} for s in sorted(subtypes, key=lambda s: s.id)]
    expected = [s for s in expected if s["name"] != "Old"]

    types = {t["id"]: t for t in _list(client, seeded, clock, LOOKUPS[1])}
    stages = {s["id"]: s for s in _list(client, seeded, clock, STAGE)}

    assert types[wedding] == {"id": wedding, "type": "Wedding", "subtypes": expected}
    assert [s["name"] for s in expected] == ["Ceremony", "Reception"]
    assert types[seeded["typeId"]]["subtypes"] == []
    assert stages[stage]["reasons"] == [
        {"id": seeded["stageReasonId"], "reason": "Website form"},
        {"id": late, "reason": "Phone call"},
    ]
    assert {s["name"]: s["applyTo"] for s in stages.values()} == {
        "New Enquiry": 1,
        "Lost": 1,
        "Lead Qualified": 2,
    }
