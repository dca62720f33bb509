"""Custom field values checked against their definitions (docs/ivvy.md §4.4)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from venuecrm.features.parties.references import Definition
from venuecrm.features.parties.schemas import Address, CustomFieldIn
from venuecrm.features.problems import Problems
from venuecrm.wire.ivvy import FieldType, parse_id, whole_number
from venuecrm.wire.parsing import describe

_TEXT_LIMITS: dict[int, int] = {FieldType.TEXT: 255, FieldType.LARGE_TEXT: 65535}
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?: \d{2}:\d{2}:\d{2}(?: UTC)?)?$", re.IGNORECASE)


def is_empty(value: Any) -> bool:
    """Whether a value clears the field: null, "", [] or the multi-select's [""]."""
    return value is None or value == "" or value == [] or value == [""]


def _options(definition: Definition) -> set[str]:
    values = definition.select_values or {}
    return set(values) | {str(v) for v in values.values()}


def value_problem(definition: Definition, value: Any) -> str | None:
    """Why ``value`` does not fit the definition, or None when it does."""
    kind = definition.field_type
    if kind in _TEXT_LIMITS:
        if not isinstance(value, str):
            return "must be a string"
        if len(value) > _TEXT_LIMITS[kind]:
            return f"must be at most {_TEXT_LIMITS[kind]} characters"
    elif kind in (FieldType.SELECT, FieldType.LARGE_SELECT):
        if not isinstance(value, str) or value not in _options(definition):
            return f"must be one of {sorted((definition.select_values or {}).keys())}"
    elif kind == FieldType.MULTI_SELECT:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "must be an array of strings"
        chosen = [v for v in value if v != ""]
        unknown = sorted(set(chosen) - _options(definition))
        if unknown:
            return f"{unknown} not among {sorted((definition.select_values or {}).keys())}"
        if len(chosen) != len(set(chosen)):
            return "must not repeat a value"
    elif kind == FieldType.ADDRESS:
        if not isinstance(value, dict):
            return "must be an address object"
        try:
            Address.model_validate(value)
        except ValidationError as exc:
            return "; ".join(describe(error) for error in exc.errors(include_url=False))
    elif kind == FieldType.DATE:
        match = _DATE.match(value.strip()) if isinstance(value, str) else None
        if match is None:
            return "must be a date (yyyy-mm-dd) or an iVvy timestamp (yyyy-mm-dd HH:mm:ss UTC)"
        try:
            date.fromisoformat(match.group(1))
        except ValueError:
            return "is not a real calendar date"
    elif kind == FieldType.NUMBER:
        if whole_number(value) is None:
            return "must be a whole number"
    elif kind == FieldType.FILE:
        return "file fields cannot be set through the API"
    elif kind == FieldType.STATIC:
        return "static text fields cannot be set"
    return None


def _field_id(item: CustomFieldIn, at: str, problems: Problems) -> int | None:
    if item.field_id is None:
        problems.add(f"{at}.fieldId", "is required")
        return None
    try:
        return parse_id(item.field_id)
    except PydanticCustomError as exc:
        problems.add(f"{at}.fieldId", exc.message())
        return None


def check_custom_fields(
    items: list[CustomFieldIn] | None,
    *,
    entity: str,
    definitions: Mapping[int, Definition],
    path: str,
    creating: bool,
    problems: Problems,
) -> dict[int, Any]:
    """Validate sent values; return field id to new value (None clears it).

    On create every required active field must be given; on update a required field can't be
    cleared. Values are kept exactly as sent, so they read back the same.
    """
    values: dict[int, Any] = {}
    for index, item in enumerate(items or []):
        at = f"{path}[{index}]"
        field_id = _field_id(item, at, problems)
        if field_id is None:
            continue
        definition = definitions.get(field_id)
        if definition is None or definition.entity != entity:
            problems.add(f"{at}.fieldId", f"no {entity} custom field {field_id}")
            continue
        if not definition.is_active:
            problems.add(f"{at}.fieldId", f"custom field {field_id} is inactive")
            continue
        if field_id in values:
            problems.add(f"{at}.fieldId", f"custom field {field_id} is given more than once")
            continue
        if not item.sent("field_value"):
            problems.add(f"{at}.fieldValue", "is required")
            continue
        if is_empty(item.field_value):
            if definition.is_required:
                problems.add(f"{at}.fieldValue", "is required and cannot be cleared")
            values[field_id] = None
            continue
        reason = value_problem(definition, item.field_value)
        if reason:
            problems.add(f"{at}.fieldValue", reason)
        values[field_id] = item.field_value
    if creating:
        for definition in definitions.values():
            given = values.get(definition.id)
            if (
                definition.entity == entity
                and definition.is_required
                and definition.is_active
                and is_empty(given)
                and definition.id not in values
            ):
                problems.add(
                    path,
                    f"custom field {definition.id} ({definition.display_name}) is required",
                    missing=True,
                )
    return values
