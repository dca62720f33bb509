"""``config export`` and ``config apply`` against PostgreSQL: round trips, plans, rejections."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from tests.api.opportunity_helpers import base_body, created_id, post, rows, table_counts
from tests.factories import Clock, Seeded, seeded_tenant
from venuecrm.features.account_config.service import (
    InvalidConfiguration,
    Plan,
    apply_config,
    export_config,
)
from venuecrm.platform.models import (
    AccountSettings,
    CustomFieldDefinition,
    LeadStage,
    LeadStageReason,
    LeadSubtype,
    LeadType,
    Opportunity,
    Venue,
)
from venuecrm.platform.uow import UnitOfWork


def export(uow: UnitOfWork, seeded: Seeded) -> str:
    return export_config(uow, account_id=seeded.tenant.account_id)


def document(uow: UnitOfWork, seeded: Seeded) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(export(uow, seeded))
    return loaded


def apply(uow: UnitOfWork, seeded: Seeded, doc: Any, *, dry_run: bool = False) -> Plan:
    text = doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False)
    return apply_config(uow, account_id=seeded.tenant.account_id, text=text, dry_run=dry_run)


def rejected(uow: UnitOfWork, seeded: Seeded, doc: Any) -> list[str]:
    """Apply a file that must be refused; check nothing changed; return its problems."""
    before, exported = table_counts(uow), export(uow, seeded)
    with pytest.raises(InvalidConfiguration) as caught:
        apply(uow, seeded, doc)
    assert table_counts(uow) == before
    assert export(uow, seeded) == exported
    return caught.value.problems


def summary(plan: Plan) -> dict[str, list[tuple[str, Any, str]]]:
    """added/changed/deactivated as (table, id, name)."""
    as_dict = plan.as_dict()
    return {
        group: [(c["table"], c["id"], c["name"]) for c in as_dict[group]]
        for group in ("added", "changed", "deactivated")
    }


def named(items: list[dict[str, Any]], name: str, key: str = "name") -> dict[str, Any]:
    return next(item for item in items if item[key] == name)


@pytest.mark.parametrize("required_fields", [False, True])
def test_a_seeded_account_exports_and_reapplies_as_a_no_op(
    uow_factory: UnitOfWork, required_fields: bool
) -> None:
    seeded = seeded_tenant(uow_factory, required_fields=required_fields)
    first = export(uow_factory, seeded)
    before = table_counts(uow_factory)
    plan = apply(uow_factory, seeded, first)
    assert plan.changes == []
    assert plan.applied is False
    assert plan.lines() == [
        f"account {seeded.tenant.account_id}: no changes, it already matches the file"
    ]
    assert table_counts(uow_factory) == before
    assert export(uow_factory, seeded) == first


def test_export_holds_the_whole_configuration_sorted_by_id(
    uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    doc = document(uow_factory, seeded)
    assert list(doc) == [
        "version",
        "venues",
        "users",
        "leadTypes",
        "leadStages",
        "leadSources",
        "leadChannels",
        "leadQualities",
        "industries",
        "lostReasons",
        "customFields",
        "defaults",
        "apiKeys",
        "subscriptions",
    ]
    assert doc["version"] == 1
    assert doc["venues"] == [
        {"id": seeded["venueId"], "name": "Grand Hall", "isActive": True},
        {"id": seeded["otherVenueId"], "name": "Riverside Rooms", "isActive": True},
    ]
    wedding = named(doc["leadTypes"], "Wedding")
    assert wedding["id"] == seeded["typeWithSubtypesId"]
    assert [s["name"] for s in wedding["subtypes"]] == ["Ceremony", "Reception"]
    enquiry = named(doc["leadStages"], "New Enquiry")
    assert enquiry["applyTo"] == 1
    assert enquiry["reasons"] == [
        {"id": seeded["stageReasonId"], "reason": "Website form", "isActive": True}
    ]
    assert named(doc["leadSources"], "Website")["defaultTypeId"] == seeded["typeId"]
    assert named(doc["leadQualities"], "Hot", key="label")["showOnDash"] is True
    catering = named(doc["customFields"]["opportunity"], "Catering style", key="displayName")
    assert catering["selectValues"] == ["Buffet", "Plated", "Cocktail"]
    assert catering["fieldType"] == 2
    assert doc["customFields"]["contact"] == doc["customFields"]["company"] == []
    assert doc["defaults"] == {
        "venueId": seeded["venueId"],
        "stageId": seeded["stageId"],
        "typeId": seeded["typeId"],
        "sourceId": seeded["sourceId"],
    }
    for section in ("venues", "users", "leadTypes", "leadStages", "leadSources"):
        ids = [record["id"] for record in doc[section]]
        assert ids == sorted(ids), section


def test_adding_changing_and_removing_records(uow_factory: UnitOfWork, seeded: Seeded) -> None:
    doc = document(uow_factory, seeded)
    doc["venues"] = [v for v in doc["venues"] if v["id"] != seeded["otherVenueId"]]
    doc["venues"].append({"name": "Conference Centre"})
    meeting = named(doc["leadTypes"], "Meeting")
    meeting["name"] = "Meetings"
    meeting["subtypes"] = [{"name": "Board meeting"}]
    named(doc["leadStages"], "New Enquiry")["colour"] = "#00ff00"
    doc["leadStages"].append(
        {"name": "Won", "applyTo": 1, "colour": "#0000ff", "reasons": [{"reason": "Best price"}]}
    )
    doc["defaults"].pop("stageId")
    doc["defaults"]["stage"] = "Won"
    doc["customFields"]["contact"] = [
        {"displayName": "Diet", "fieldType": 2, "selectValues": {"veg": "Vegetarian"}}
    ]

    plan = apply(uow_factory, seeded, doc)

    assert plan.applied is True
    changes = summary(plan)
    new = {(table, name): row_id for table, row_id, name in changes["added"]}
    assert set(new) == {
        ("venues", "Conference Centre"),
        ("leadTypes.subtypes", "Board meeting"),
        ("leadStages", "Won"),
        ("leadStages.reasons", "Best price"),
        ("customFields.contact", "Diet"),
    }
    assert all(isinstance(row_id, int) for row_id in new.values())
    assert changes["changed"] == [
        ("leadTypes", seeded["typeId"], "Meetings"),
        ("leadStages", seeded["stageId"], "New Enquiry"),
        ("defaults", None, "defaults"),
    ]
    assert changes["deactivated"] == [("venues", seeded["otherVenueId"], "Riverside Rooms")]
    defaults_change = plan.as_dict()["changed"][-1]["changes"]
    assert defaults_change == {
        "stageId": {"from": seeded["stageId"], "to": new["leadStages", "Won"]}
    }

    account = seeded.tenant.account_id
    venues = {v.id: v for v in rows(uow_factory, Venue, account)}
    assert venues[seeded["otherVenueId"]].is_active is False
    assert venues[new["venues", "Conference Centre"]].is_active is True
    types = {t.id: t for t in rows(uow_factory, LeadType, account)}
    assert types[seeded["typeId"]].name == "Meetings"
    subtype = next(s for s in rows(uow_factory, LeadSubtype, account) if s.name == "Board meeting")
    assert subtype.type_id == seeded["typeId"]
    reason = next(
        r for r in rows(uow_factory, LeadStageReason, account) if r.reason == "Best price"
    )
    assert reason.stage_id == new["leadStages", "Won"]
    diet = next(
        d for d in rows(uow_factory, CustomFieldDefinition, account) if d.display_name == "Diet"
    )
    assert (diet.entity, diet.field_type, diet.select_values) == (
        "contact",
        2,
        {"veg": "Vegetarian"},
    )
    settings = rows(uow_factory, AccountSettings, account)[0]
    assert settings.default_stage_id == new["leadStages", "Won"]

    # Records without ids are matched by name, so the same file applies again as a no-op...
    again = apply(uow_factory, seeded, doc)
    assert again.changes == []
    # ...and so does its export, which now writes every id.
    exported = export(uow_factory, seeded)
    assert apply(uow_factory, seeded, exported).changes == []
    assert export(uow_factory, seeded) == exported
    assert named(yaml.safe_load(exported)["venues"], "Riverside Rooms")["isActive"] is False


def test_a_referenced_record_is_deactivated_not_deleted(
    uow_factory: UnitOfWork, seeded: Seeded, client: TestClient, clock: Clock
) -> None:
    body = base_body(seeded, typeId=seeded["typeWithSubtypesId"], subtypeId=seeded["subtypeId"])
    opportunity_id = created_id(post(client, seeded.tenant, clock, body))
    doc = document(uow_factory, seeded)
    reception = named(named(doc["leadTypes"], "Wedding")["subtypes"], "Reception")
    doc["leadTypes"] = [t for t in doc["leadTypes"] if t["name"] != "Wedding"]
    before = table_counts(uow_factory)

    plan = apply(uow_factory, seeded, doc)

    assert summary(plan)["deactivated"] == [
        ("leadTypes", seeded["typeWithSubtypesId"], "Wedding"),
        ("leadTypes.subtypes", seeded["subtypeId"], "Ceremony"),
        ("leadTypes.subtypes", reception["id"], "Reception"),
    ]
    assert table_counts(uow_factory) == before
    account = seeded.tenant.account_id
    wedding = next(t for t in rows(uow_factory, LeadType, account) if t.name == "Wedding")
    assert wedding.is_active is False
    opportunity = next(o for o in rows(uow_factory, Opportunity, account) if o.id == opportunity_id)
    assert (opportunity.type_id, opportunity.subtype_id) == (wedding.id, seeded["subtypeId"])

    # Listing it again (here by name, without ids) brings back the same rows.
    doc["leadTypes"].append({"name": "Wedding", "subtypes": [{"name": "Ceremony"}]})
    back = apply(uow_factory, seeded, doc)
    assert summary(back) == {
        "added": [],
        "changed": [
            ("leadTypes", wedding.id, "Wedding"),
            ("leadTypes.subtypes", seeded["subtypeId"], "Ceremony"),
        ],
        "deactivated": [],
    }
    assert table_counts(uow_factory) == before


def test_an_inactive_record_in_the_file_is_deactivated_and_reported_so(
    uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    doc = document(uow_factory, seeded)
    named(doc["industries"], "Technology")["isActive"] = False
    plan = apply(uow_factory, seeded, doc)
    assert summary(plan)["deactivated"] == [("industries", seeded["industryId"], "Technology")]
    assert plan.lines()[1:] == [
        f'  deactivate  industries {seeded["industryId"]} "Technology": isActive true -> false',
        "applied",
    ]
    assert apply(uow_factory, seeded, doc).changes == []


def test_an_invalid_file_lists_every_problem_and_changes_nothing(
    uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    other = seeded_tenant(uow_factory)
    doc = document(uow_factory, seeded)
    doc["venues"].append({"id": other["venueId"], "name": "Not mine"})
    doc["venues"].append({"id": seeded["venueId"], "name": "Twice"})
    doc["venues"].append({"nmae": "Typo"})
    named(doc["leadTypes"], "Wedding")["subtypes"].append({"isActive": True})
    named(doc["leadStages"], "Lost")["applyTo"] = 3
    fields = doc["customFields"]["opportunity"]
    moved = fields.pop(1)
    doc["customFields"]["contact"] = [moved]
    fields.append({"displayName": "Menu", "fieldType": 2})
    fields.append({"displayName": "Odd", "fieldType": 12})
    fields[0]["fieldType"] = 1
    named(doc["leadSources"], "Website")["defaultTypeId"] = 99
    doc["defaults"]["stageId"] = 2_000_000_000
    doc["defaults"]["venue"] = "Grand Hall"

    problems = rejected(uow_factory, seeded, doc)

    wedding = [t["name"] for t in doc["leadTypes"]].index("Wedding")
    lost = [s["name"] for s in doc["leadStages"]].index("Lost")
    website = [s["name"] for s in doc["leadSources"]].index("Website")
    assert problems == [
        "venues[4].name: is required",
        "venues[4].nmae: is not a known key",
        f"leadTypes[{wedding}].subtypes[2].name: is required",
        f"leadStages[{lost}].applyTo: must be 1 (opportunities) or 2 (leads)",
        "customFields.opportunity[4].selectValues: required for a select field",
        "customFields.opportunity[5].fieldType: must be a field type from 0 to 9",
        f"venues[2].id: no venue {other['venueId']} in this account",
        f"venues[3].id: venue {seeded['venueId']} is listed twice (also at venues[0])",
        f"customFields.contact[0].id: {moved['id']} belongs in customFields.opportunity, "
        "not in customFields.contact",
        f"leadSources[{website}].defaultTypeId: no lead type 99 in this file",
        "defaults.venue: give venueId or venue, not both",
        "defaults.stageId: no stage 2000000000 in this file",
        "customFields.opportunity[0].fieldType: cannot change on an existing opportunity "
        "custom field (0 -> 1); add a new one and deactivate this one",
    ]


def test_dry_run_prints_the_plan_and_changes_nothing(
    uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    doc = document(uow_factory, seeded)
    doc["leadStages"].append({"name": "Won", "applyTo": 1})
    doc["defaults"] = {"stage": "Won"}
    doc["venues"] = []
    before, exported = table_counts(uow_factory), export(uow_factory, seeded)

    plan = apply(uow_factory, seeded, doc, dry_run=True)

    assert (plan.dry_run, plan.applied) == (True, False)
    as_dict = plan.as_dict()
    assert [(c["table"], c["id"], c["name"]) for c in as_dict["added"]] == [
        ("leadStages", None, "Won")
    ]
    assert len(as_dict["deactivated"]) == 2
    assert as_dict["changed"][-1]["changes"] == {
        "venueId": {"from": seeded["venueId"], "to": None},
        "stageId": {"from": seeded["stageId"], "to": "(new) Won"},
        "typeId": {"from": seeded["typeId"], "to": None},
        "sourceId": {"from": seeded["sourceId"], "to": None},
    }
    lines = plan.lines()
    assert lines[0] == (
        f"account {seeded.tenant.account_id}: 1 to add, 1 to change, 2 to deactivate, 0 to remove"
    )
    assert '  add         leadStages "Won" (leadStages[3])' in lines
    assert f'  deactivate  venues {seeded["venueId"]} "Grand Hall" (not in the file)' in lines
    assert lines[-1] == "dry run: nothing was changed"
    assert table_counts(uow_factory) == before
    assert export(uow_factory, seeded) == exported


def test_ids_of_another_account_are_rejected(uow_factory: UnitOfWork, seeded: Seeded) -> None:
    other = seeded_tenant(uow_factory)
    doc = document(uow_factory, seeded)
    doc["venues"][0]["id"] = other["venueId"]
    doc["defaults"]["venueId"] = other["venueId"]
    named(doc["leadTypes"], "Wedding")["subtypes"][0]["id"] = other["subtypeId"]
    assert rejected(uow_factory, seeded, doc) == [
        f"venues[0].id: no venue {other['venueId']} in this account",
        f"leadTypes[1].subtypes[0].id: no lead subtype {other['subtypeId']} in this account",
    ]
    # The other account is untouched too.
    assert all(v.is_active for v in rows(uow_factory, Venue, other.tenant.account_id))


def test_an_unknown_account_is_a_lookup_error(uow_factory: UnitOfWork) -> None:
    with pytest.raises(LookupError, match="no account with id 2147483000"):
        export_config(uow_factory, account_id=2147483000)
    with pytest.raises(LookupError):
        apply_config(uow_factory, account_id=2147483000, text="version: 1\n")


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            "venues: [",
            [
                "file: not valid YAML at line 1, column 10: "
                "expected the node content, but found '<stream end>'"
            ],
        ),
        ("", ["file: is empty"]),
        ("- 1\n", ["file: must be a mapping of sections (version, venues, users, ...)"]),
    ],
)
def test_an_unreadable_file_is_rejected(
    uow_factory: UnitOfWork, seeded: Seeded, text: str, problems: list[str]
) -> None:
    assert rejected(uow_factory, seeded, text) == problems


def test_every_section_is_required_and_the_version_is_checked(
    uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    problems = rejected(uow_factory, seeded, {"version": 2, "venues": [], "customFields": {}})
    assert problems == [
        "version: must be 1, the only version of this format",
        "users: is required",
        "leadTypes: is required",
        "leadStages: is required",
        "leadSources: is required",
        "leadChannels: is required",
        "leadQualities: is required",
        "industries: is required",
        "lostReasons: is required",
        "customFields.opportunity: is required",
        "customFields.contact: is required",
        "customFields.company: is required",
        "defaults: is required",
    ]


def test_defaults_must_name_one_active_opportunity_stage_of_the_file(
    uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    doc = document(uow_factory, seeded)
    lost = named(doc["leadStages"], "Lost")
    lost["isActive"] = False
    qualified = named(doc["leadStages"], "Lead Qualified")
    doc["venues"] += [{"name": "Annex"}, {"name": "Annex"}]
    doc["defaults"] = {"venue": "Annex", "stageId": lost["id"], "type": "Nope"}
    named(doc["leadSources"], "Website")["defaultTypeId"] = None
    named(doc["leadSources"], "Website")["defaultType"] = "Wedding"
    problems = rejected(uow_factory, seeded, doc)
    assert problems == [
        "defaults.venue: 2 venues are named 'Annex' in this file; use venueId",
        f"defaults.stageId: stage {lost['id']} is inactive",
        "defaults.type: no lead type named 'Nope' in this file",
    ]
    doc["defaults"] = {"stageId": qualified["id"]}
    assert rejected(uow_factory, seeded, doc) == [
        f"defaults.stageId: stage {qualified['id']} does not apply to opportunities"
    ]


def test_a_subtype_cannot_move_to_another_type(uow_factory: UnitOfWork, seeded: Seeded) -> None:
    doc = document(uow_factory, seeded)
    meeting, wedding = named(doc["leadTypes"], "Meeting"), named(doc["leadTypes"], "Wedding")
    meeting["subtypes"] = [wedding["subtypes"].pop(0)]
    assert rejected(uow_factory, seeded, doc) == [
        f"leadTypes[0].subtypes[0].id: lead subtype {seeded['subtypeId']} belongs to "
        f"lead type {wedding['id']}: list it there"
    ]


def test_reordering_select_values_is_a_change(uow_factory: UnitOfWork, seeded: Seeded) -> None:
    doc = document(uow_factory, seeded)
    field = named(doc["customFields"]["opportunity"], "Catering style", key="displayName")
    field["selectValues"] = ["Cocktail", "Plated", "Buffet"]
    plan = apply(uow_factory, seeded, doc)
    assert plan.as_dict()["changed"][0]["changes"] == {
        "selectValues": {
            "from": {"Buffet": "Buffet", "Plated": "Plated", "Cocktail": "Cocktail"},
            "to": {"Cocktail": "Cocktail", "Plated": "Plated", "Buffet": "Buffet"},
        }
    }
    stored = next(
        d
        for d in rows(uow_factory, CustomFieldDefinition, seeded.tenant.account_id)
        if d.id == field["id"]
    )
    assert list(stored.select_values or {}) == ["Cocktail", "Plated", "Buffet"]
    assert apply(uow_factory, seeded, doc).changes == []


def test_source_costs_round_trip_and_are_checked(uow_factory: UnitOfWork, seeded: Seeded) -> None:
    doc = document(uow_factory, seeded)
    website = named(doc["leadSources"], "Website")
    website["cost"] = 1234.5
    apply(uow_factory, seeded, doc)
    exported = export(uow_factory, seeded)
    assert named(yaml.safe_load(exported)["leadSources"], "Website")["cost"] == 1234.5
    assert apply(uow_factory, seeded, exported).changes == []
    website["cost"] = 0.125
    index = doc["leadSources"].index(website)
    assert rejected(uow_factory, seeded, doc) == [
        f"leadSources[{index}].cost: must be an amount of at least 0 with at most 2 decimal "
        "places, under 10000000000"
    ]


def test_an_applied_stage_keeps_its_reasons_in_order(
    uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    doc = document(uow_factory, seeded)
    doc["leadStages"].append(
        {"name": "Won", "applyTo": 1, "reasons": [{"reason": "Price"}, {"reason": "Location"}]}
    )
    apply(uow_factory, seeded, doc)
    account = seeded.tenant.account_id
    won = next(s for s in rows(uow_factory, LeadStage, account) if s.name == "Won")
    reasons = [
        r.reason for r in rows(uow_factory, LeadStageReason, account) if r.stage_id == won.id
    ]
    assert reasons == ["Price", "Location"]


def test_a_record_without_id_prefers_the_active_row_of_that_name(
    uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    doc = document(uow_factory, seeded)
    named(doc["venues"], "Grand Hall")["isActive"] = False
    doc["venues"].append({"name": "Grand Hall"})
    doc["defaults"]["venueId"] = seeded["otherVenueId"]
    added = summary(apply(uow_factory, seeded, doc))["added"]
    assert [(table, name) for table, _, name in added] == [("venues", "Grand Hall")]
    # Without ids, "Grand Hall" now means the active one; the deactivated one stays so.
    doc = document(uow_factory, seeded)
    for venue in doc["venues"]:
        venue.pop("id")
    doc["defaults"] = {"venue": "Riverside Rooms"}
    doc["venues"] = [v for v in doc["venues"] if v["isActive"]]
    plan = apply(uow_factory, seeded, doc)
    assert summary(plan) == {
        "added": [],
        "changed": [("defaults", None, "defaults")],
        "deactivated": [],
    }
