"""How a change record names fields and writes values: iVvy's wire names and list forms.

A column's field is its camelCase name, as getOpportunityList, getContact and getCompany label
it (``lostToCompetition`` and the note's ``leadId`` are iVvy's own); a custom field is
``customFields.{fieldId}``; a company's ``commissions`` are one field per key, as getCompany
spreads them. Values are written as those reads show them, so a client can compare the two.
Bookkeeping (ids, timestamps the database sets, the natural key, the writing key) is no field.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any

from pydantic.alias_generators import to_camel

from venuecrm.platform.rows import NOW
from venuecrm.wire.ivvy import format_timestamp
from venuecrm.wire.ivvy import wire_value as ivvy_value

OPPORTUNITY, CONTACT, COMPANY, NOTE = "opportunity", "contact", "company", "note"
# The entity of each table the write path writes.
ENTITIES = {"opportunities": OPPORTUNITY, "contacts": CONTACT, "companies": COMPANY,
            "opportunity_notes": NOTE}  # fmt: skip
# Written by the database or implied by the action: never a field of a change.
_BOOKKEEPING = frozenset({
    "account_id", "id", "created_at", "modified_at", "created_by_key_id", "modified_by_key_id",
    "natural_key", "deleted_at",
    # adminStatusChangedDate: the time of a stageId change, which the record carries itself.
    "stage_changed_at",
})  # fmt: skip
_NAMES = {(OPPORTUNITY, "lost_reason_id"): "lostToCompetition", (NOTE, "opportunity_id"): "leadId"}
_SPREAD = frozenset({(COMPANY, "commissions")})
_AS_NUMBER = frozenset({(COMPANY, "is_agent")})  # getCompany answers isAgent 0 or 1
# What a new record's column holds when nothing was set: not listed as a change.
_NOTHING: tuple[Any, ...] = (None, "", [], {})


def column_changes(
    entity: str, changes: Mapping[str, tuple[Any, Any]]
) -> Iterator[tuple[str, Any, Any]]:
    """(field, old, new) in wire form for each column's (old, new); bookkeeping left out."""
    for column, (old, new) in changes.items():
        if column in _BOOKKEEPING or new is NOW:
            continue
        if (entity, column) in _SPREAD:
            before, after = old or {}, new or {}
            for key in sorted({*before, *after}):
                yield key, wire_value(before.get(key)), wire_value(after.get(key))
            continue
        name = _NAMES.get((entity, column)) or _camel(column)
        if (entity, column) in _AS_NUMBER:
            old, new = (None if v is None else int(v) for v in (old, new))
        yield name, wire_value(old), wire_value(new)


def added_values(entity: str, values: Mapping[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    """(field, None, value) of a new record's every column that holds something."""
    held = {k: (None, v) for k, v in values.items() if v not in _NOTHING}
    return column_changes(entity, held)


@lru_cache(maxsize=512)
def _camel(column: str) -> str:
    return to_camel(column)


def custom_field(field_id: int) -> str:
    """A custom field's name in change records."""
    return f"customFields.{field_id}"


def wire_value(value: Any) -> Any:
    """A value as the reads show it: timestamps and dates as iVvy text, decimals as numbers."""
    if isinstance(value, date) and not isinstance(value, datetime):
        # docs/ivvy.md D14: a date reads as the timestamp of that day's start, UTC.
        return format_timestamp(datetime.combine(value, time(), UTC))
    return ivvy_value(value)
