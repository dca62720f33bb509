"""Custom fields of every type, and values each type accepts or rejects (docs/ivvy.md §4.4).

Opportunity, contact and company custom values are checked by the same code, so their tests
share these tables.
"""

from __future__ import annotations

from typing import Any

from venuecrm.platform.models import CustomFieldDefinition
from venuecrm.platform.uow import UnitOfWork

OPTIONS = ["Red", "Green", "Blue"]

VALID: dict[int, Any] = {
    0: "short text",
    1: "long text " * 1000,
    2: "Green",
    3: ["Red", "Blue"],
    4: {"line1": "1 Queen St", "city": "Brisbane", "postalCode": "4000", "countryCode": "AU"},
    5: "2022-08-30 10:00:00 UTC",
    8: 1200,
    9: "Blue",
}
INVALID: dict[int, tuple[Any, str]] = {
    0: (42, "must be a string"),
    1: (["x"], "must be a string"),
    2: ("Purple", "must be one of ['Blue', 'Green', 'Red']"),
    3: ("Red", "must be an array of strings"),
    4: ({"line1": 5}, "line1: must be a string"),
    5: ("30/08/2022", "must be a date (yyyy-mm-dd) or an iVvy timestamp (yyyy-mm-dd HH:mm:ss UTC)"),
    6: ("file.png", "file fields cannot be set through the API"),
    7: ("text", "static text fields cannot be set"),
    8: (12.5, "must be a whole number"),
    9: (3, "must be one of ['Blue', 'Green', 'Red']"),
}


def define_fields(uow: UnitOfWork, account_id: int, entity: str) -> dict[int, int]:
    """One optional field of every type 0-9 for ``entity``, committed: field type to field id."""
    with uow:
        lookups = uow.lookups(account_id)
        ids = {
            kind: lookups.add(
                CustomFieldDefinition,
                entity=entity,
                field_type=kind,
                display_name=f"{entity} type {kind}",
                select_values={o: o for o in OPTIONS} if kind in (2, 3, 9) else None,
            ).id
            for kind in range(10)
        }
        uow.commit()
    return ids
