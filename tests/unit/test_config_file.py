"""The configuration file model: pure parsing and writing, no database."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from venuecrm.features.account_config.document import check_structure, load_yaml
from venuecrm.features.account_config.schemas import CustomFieldRecord, LeadSourceRecord

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_example_is_a_valid_file() -> None:
    section = README.read_text().split("## Account configuration", 1)[1]
    example = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert example is not None
    data, problems = load_yaml(example.group(1))
    assert problems == []
    parsed = check_structure(data)
    assert parsed.problems == []
    assert parsed.model is not None
    assert parsed.model.defaults.stage == "Won"


def test_select_values_read_as_a_list_or_a_map_and_write_as_a_list_when_they_can() -> None:
    listed = CustomFieldRecord.model_validate(
        {"displayName": "Menu", "fieldType": 2, "selectValues": ["Buffet", "Plated"]}
    )
    assert listed.select_values == {"Buffet": "Buffet", "Plated": "Plated"}
    assert listed.model_dump(by_alias=True)["selectValues"] == ["Buffet", "Plated"]
    mapped = CustomFieldRecord.model_validate(
        {"displayName": "Diet", "fieldType": 3, "selectValues": {"veg": "Vegetarian"}}
    )
    assert mapped.model_dump(by_alias=True)["selectValues"] == {"veg": "Vegetarian"}


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ({"fieldType": 0, "selectValues": ["A"]}, "selectValues: only select fields (2, 3, 9)"),
        ({"fieldType": 3, "selectValues": ["A", "A"]}, "selectValues: must not repeat an option"),
        ({"fieldType": 9, "selectValues": []}, "selectValues: required for a select field"),
        ({"fieldType": 2, "fileTypes": ["images"], "selectValues": ["A"]}, "fileTypes: only file"),
        ({"fieldType": True}, "fieldType: must be a field type from 0 to 9"),
    ],
)
def test_custom_field_rules(record: dict[str, object], problem: str) -> None:
    data = {"displayName": "F", **record}
    with pytest.raises(ValueError, match=re.escape(problem.split(": ", 1)[1])):
        CustomFieldRecord.model_validate(data)


@pytest.mark.parametrize(
    ("cost", "expected"), [(120, 120), (120.5, 120.5), ("0.10", 0.1), (None, None)]
)
def test_costs_are_written_as_numbers(cost: object, expected: object) -> None:
    source = LeadSourceRecord.model_validate({"name": "Web", "cost": cost})
    assert source.model_dump(by_alias=True)["cost"] == expected


@pytest.mark.parametrize("cost", [-1, 0.125, "abc", True, 10**10, "NaN"])
def test_a_cost_must_be_a_plain_amount(cost: object) -> None:
    with pytest.raises(ValueError, match="at most 2 decimal places"):
        LeadSourceRecord.model_validate({"name": "Web", "cost": cost})
    assert Decimal("1.50") == LeadSourceRecord.model_validate({"name": "W", "cost": "1.50"}).cost
