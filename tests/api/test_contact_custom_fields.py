"""Contact and company custom fields: the opportunity's value rules (one implementation), with
iVvy's ``value`` key, 23016/23017, and ``{fieldId, displayName, value}`` on reads."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.custom_field_helpers import INVALID, VALID, define_fields
from tests.api.list_helpers import add_rows, refused
from tests.api.party_helpers import (
    ADA,
    ADD_COMPANY,
    ADD_CONTACT,
    GET_COMPANY,
    GET_CONTACT,
    custom_values,
    read,
    save,
)
from tests.factories import Clock, Seeded
from venuecrm.platform.models import CustomFieldDefinition
from venuecrm.platform.uow import UnitOfWork

# entity: (write action, read action, a minimal new record)
ENTITIES: dict[str, tuple[tuple[str, str], tuple[str, str], dict[str, Any]]] = {
    "contact": (ADD_CONTACT, GET_CONTACT, ADA),
    "company": (ADD_COMPANY, GET_COMPANY, {"businessName": "Acme"}),
}
each_entity = pytest.mark.parametrize("entity", ENTITIES)


@each_entity
def test_every_type_accepts_its_values_round_trips_them_and_reads_them_back(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded, entity: str
) -> None:
    acct = seeded.tenant.account_id
    write, get, new = ENTITIES[entity]
    fields = define_fields(uow_factory, acct, entity)
    sent = [{"fieldId": fields[kind], "value": value} for kind, value in VALID.items()]
    record_id = save(client, seeded.tenant, clock, write, {**new, "customFields": sent})
    assert custom_values(uow_factory, acct, entity, record_id) == {
        fields[kind]: value for kind, value in VALID.items()
    }
    assert read(client, seeded.tenant, clock, get, record_id)["customFields"] == [
        {"fieldId": fields[kind], "displayName": f"{entity} type {kind}", "value": value}
        for kind, value in VALID.items()
    ]


@each_entity
def test_every_type_rejects_wrong_values_with_the_field_path(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded, entity: str
) -> None:
    write, _, new = ENTITIES[entity]
    fields = define_fields(uow_factory, seeded.tenant.account_id, entity)
    sent = [{"fieldId": fields[kind], "fieldValue": value} for kind, (value, _) in INVALID.items()]
    envelope = refused(
        client, seeded.tenant, clock, uow_factory, write, {**new, "customFields": sent}, 23016
    )
    assert envelope["message"] == "'customFields[0].fieldValue' does not validate"
    assert envelope["additionalMessages"] == [
        f"customFields[{index}].fieldValue: {reason}"
        for index, (_, reason) in enumerate(INVALID.values())
    ]


@each_entity
def test_fields_of_another_entity_or_account_are_unknown(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded, entity: str
) -> None:
    write, _, new = ENTITIES[entity]
    opportunity_field = seeded.field_id(0)
    other_entity = "company" if entity == "contact" else "contact"
    foreign = define_fields(uow_factory, seeded.tenant.account_id, other_entity)[0]
    sent = [{"fieldId": opportunity_field, "value": "x"}, {"fieldId": foreign, "value": "x"},
            {"value": "no id"}]  # fmt: skip
    envelope = refused(
        client, seeded.tenant, clock, uow_factory, write, {**new, "customFields": sent}, 23016
    )
    assert envelope["additionalMessages"] == [
        f"customFields[0].fieldId: no {entity} custom field {opportunity_field}",
        f"customFields[1].fieldId: no {entity} custom field {foreign}",
        "customFields[2].fieldId: is required",
    ]


@each_entity
def test_required_fields_are_23017_on_add_cannot_be_cleared_and_null_clears_the_rest(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded, entity: str
) -> None:
    acct = seeded.tenant.account_id
    write, _, new = ENTITIES[entity]
    (required,) = add_rows(
        uow_factory, acct, CustomFieldDefinition,
        [{"entity": entity, "field_type": 0, "display_name": "Code", "is_required": True}],
    )  # fmt: skip
    optional = define_fields(uow_factory, acct, entity)[8]

    envelope = refused(client, seeded.tenant, clock, uow_factory, write, new, 23017)
    assert (envelope["message"], envelope["additionalMessages"]) == (
        "'customFields' is required", [f"customFields: custom field {required} (Code) is required"],
    )  # fmt: skip
    given = [{"fieldId": required, "value": "A-1"}, {"fieldId": optional, "value": 3}]
    record_id = save(client, seeded.tenant, clock, write, {**new, "customFields": given})
    clear = {"id": record_id, "customFields": [{"fieldId": required, "value": ""}]}
    envelope = refused(client, seeded.tenant, clock, uow_factory, write, clear, 23016)
    assert envelope["additionalMessages"] == [
        "customFields[0].fieldValue: is required and cannot be cleared"
    ]
    unset = {"id": record_id, "customFields": [{"fieldId": optional, "value": None}]}
    save(client, seeded.tenant, clock, write, unset)
    assert custom_values(uow_factory, acct, entity, record_id) == {required: "A-1"}
