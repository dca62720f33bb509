"""Opportunity custom fields: each type's values, definitions' rules, exact round trips."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.custom_field_helpers import INVALID, OPTIONS, VALID, define_fields
from tests.api.opportunity_helpers import (
    base_body,
    created_id,
    post,
    rejected,
    table_counts,
)
from tests.api.party_helpers import custom_values
from tests.factories import Clock, Seeded, seeded_tenant
from venuecrm.platform.models import CustomFieldDefinition
from venuecrm.platform.uow import UnitOfWork


@pytest.fixture
def fields(uow_factory: UnitOfWork, seeded: Seeded) -> dict[int, int]:
    """One optional opportunity field of every type 0-9: field type to field id."""
    return define_fields(uow_factory, seeded.tenant.account_id, "opportunity")


def stored_values(uow: UnitOfWork, seeded: Seeded, opportunity_id: int) -> dict[int, Any]:
    """The opportunity's custom values as stored."""
    return custom_values(uow, seeded.tenant.account_id, "opportunity", opportunity_id)


def test_every_type_accepts_its_values_and_round_trips_them_exactly(
    client: TestClient,
    clock: Clock,
    uow_factory: UnitOfWork,
    seeded: Seeded,
    fields: dict[int, int],
) -> None:
    sent = [{"fieldId": fields[kind], "fieldValue": value} for kind, value in VALID.items()]
    opportunity_id = created_id(
        post(client, seeded.tenant, clock, base_body(seeded, customFields=sent))
    )
    assert stored_values(uow_factory, seeded, opportunity_id) == {
        fields[kind]: value for kind, value in VALID.items()
    }


def test_every_type_rejects_wrong_values_with_the_field_path(
    client: TestClient,
    clock: Clock,
    uow_factory: UnitOfWork,
    seeded: Seeded,
    fields: dict[int, int],
) -> None:
    sent = [{"fieldId": fields[kind], "fieldValue": value} for kind, (value, _) in INVALID.items()]
    found = rejected(
        client, seeded.tenant, clock, uow_factory, base_body(seeded, customFields=sent)
    )
    assert found == [
        f"customFields[{index}].fieldValue: {reason}"
        for index, (_, reason) in enumerate(INVALID.values())
    ]


def test_value_is_accepted_for_fieldvalue(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    sent = [{"fieldId": seeded.field_id(0), "value": "via value"}]
    opportunity_id = created_id(
        post(client, seeded.tenant, clock, base_body(seeded, customFields=sent))
    )
    assert stored_values(uow_factory, seeded, opportunity_id) == {seeded.field_id(0): "via value"}


def test_unknown_inactive_foreign_and_repeated_fields_are_rejected(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    other = seeded_tenant(uow_factory)
    with uow_factory as uow:
        lookups = uow.lookups(seeded.tenant.account_id)
        inactive = lookups.add(
            CustomFieldDefinition, entity="opportunity", field_type=0, display_name="Old",
            is_active=False,
        ).id  # fmt: skip
        contact_field = lookups.add(
            CustomFieldDefinition, entity="contact", field_type=0, display_name="Contact only"
        ).id
        uow.commit()
    notes = seeded.field_id(0)
    sent = [
        {"fieldId": 999_999_999, "fieldValue": "x"},
        {"fieldId": inactive, "fieldValue": "x"},
        {"fieldId": other.field_id(0), "fieldValue": "x"},
        {"fieldId": contact_field, "fieldValue": "x"},
        {"fieldId": notes, "fieldValue": "x"},
        {"fieldId": notes, "fieldValue": "y"},
        {"fieldValue": "no id"},
    ]
    found = rejected(
        client, seeded.tenant, clock, uow_factory, base_body(seeded, customFields=sent)
    )
    assert found == [
        "customFields[0].fieldId: no opportunity custom field 999999999",
        f"customFields[1].fieldId: custom field {inactive} is inactive",
        f"customFields[2].fieldId: no opportunity custom field {other.field_id(0)}",
        f"customFields[3].fieldId: no opportunity custom field {contact_field}",
        f"customFields[5].fieldId: custom field {notes} is given more than once",
        "customFields[6].fieldId: is required",
    ]


def test_required_fields_must_be_given_on_create_and_kept_on_update(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork
) -> None:
    b = seeded_tenant(uow_factory, required_fields=True)
    required = b.field_id(0, required=True)
    (definition,) = [f for f in b["customFields"] if f["isRequired"]]
    assert rejected(client, b.tenant, clock, uow_factory, base_body(b)) == [
        f"customFields: custom field {required} ({definition['displayName']}) is required"
    ]
    empty = base_body(b, customFields=[{"fieldId": required, "fieldValue": ""}])
    assert rejected(client, b.tenant, clock, uow_factory, empty) == [
        "customFields[0].fieldValue: is required and cannot be cleared"
    ]
    given = base_body(b, customFields=[{"fieldId": required, "fieldValue": "BC-7"}])
    opportunity_id = created_id(post(client, b.tenant, clock, given))
    update = {"id": opportunity_id, "venueId": b["venueId"], "name": "no custom fields"}
    created_id(post(client, b.tenant, clock, update))  # not resent: kept
    clear = {**update, "customFields": [{"fieldId": required, "fieldValue": None}]}
    assert rejected(client, b.tenant, clock, uow_factory, clear) == [
        "customFields[0].fieldValue: is required and cannot be cleared"
    ]
    assert stored_values(uow_factory, b, opportunity_id) == {required: "BC-7"}


def test_optional_value_is_cleared_by_null_on_update(
    client: TestClient, clock: Clock, uow_factory: UnitOfWork, seeded: Seeded
) -> None:
    notes, guests = seeded.field_id(0), seeded.field_id(8)
    sent = [{"fieldId": notes, "fieldValue": "n"}, {"fieldId": guests, "fieldValue": 10}]
    opportunity_id = created_id(
        post(client, seeded.tenant, clock, base_body(seeded, customFields=sent))
    )
    update = {"id": opportunity_id, "venueId": seeded["venueId"],
              "customFields": [{"fieldId": notes, "fieldValue": None},
                               {"fieldId": guests, "fieldValue": "12"}]}  # fmt: skip
    created_id(post(client, seeded.tenant, clock, update))
    assert stored_values(uow_factory, seeded, opportunity_id) == {guests: "12"}


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)
valid_values = {
    0: st.text(min_size=1, max_size=255).filter(lambda s: s not in ("",)),
    2: st.sampled_from(OPTIONS),
    3: st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=3, unique=True),
    4: st.fixed_dictionaries(
        {}, optional={"line1": st.text(max_size=20), "city": st.text(max_size=20)}
    ),
    5: st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"),
    8: st.integers(min_value=-(10**17), max_value=10**17),
}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_generated_values_are_accepted_or_rejected_cleanly_never_500(
    client: TestClient,
    clock: Clock,
    uow_factory: UnitOfWork,
    seeded: Seeded,
    fields: dict[int, int],
    data: st.DataObject,
) -> None:
    kind = data.draw(st.sampled_from(range(10)), label="fieldType")
    pool = json_values if kind not in valid_values else st.one_of(valid_values[kind], json_values)
    value = data.draw(pool, label="fieldValue")
    body = base_body(seeded, customFields=[{"fieldId": fields[kind], "fieldValue": value}])
    before = table_counts(uow_factory)
    response = post(client, seeded.tenant, clock, body)
    assert response.status_code in (200, 400), response.text
    if response.status_code == 200:
        opportunity_id = response.json()["id"]
        stored = stored_values(uow_factory, seeded, opportunity_id)
        if value in (None, "", [], [""]):
            assert stored == {}
        else:
            assert json.dumps(stored[fields[kind]]) == json.dumps(value)
    else:
        body = response.json()
        assert body["specificCode"] == 24224
        # The value itself, or a part of it (a key or item, e.g. one holding a NUL character).
        named = re.compile(r"customFields\[0\]\.fieldValue[\[.:]")
        assert all(named.match(m) for m in body["additionalMessages"])
        assert table_counts(uow_factory) == before
