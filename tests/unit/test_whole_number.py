"""docs/ivvy.md D30: one rule for a whole number, used by custom field values and list filters."""

from __future__ import annotations

from typing import Any

import pytest

from venuecrm.features.collections import _PARSERS
from venuecrm.features.custom_fields import value_problem
from venuecrm.features.parties.references import Definition
from venuecrm.platform.collections import Kind
from venuecrm.wire.ivvy import FieldType, whole_number

CASES: list[tuple[Any, int | None]] = [
    (120, 120),
    (120.0, 120),
    (-3.0, -3),
    ("120", 120),
    ("+7", 7),
    ("-7", -7),
    ("9" * 18, int("9" * 18)),
    ("9" * 19, None),
    (10**18, None),
    (1e18, None),
    (12.5, None),
    (float("nan"), None),
    (float("inf"), None),
    ("120.0", None),
    (" 12", None),
    ("", None),
    (True, None),
    (None, None),
    ([1], None),
]


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_whole_number(value: Any, expected: int | None) -> None:
    assert whole_number(value) == expected


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_custom_fields_and_filters_agree(value: Any, expected: int | None) -> None:
    definition = Definition(
        id=1, entity="opportunity", field_type=FieldType.NUMBER, display_name="Guests",
        is_required=False, is_active=True, select_values=None,
    )  # fmt: skip
    accepted = value_problem(definition, value) is None
    assert accepted == (expected is not None)
    try:
        parsed = _PARSERS[Kind.INT](value)
    except ValueError:
        parsed = None
    assert parsed == expected
