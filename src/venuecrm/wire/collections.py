"""Wire models of iVvy collections (docs/ivvy.md §5): paging and filter in, meta and results out."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from venuecrm.wire.ivvy import Id, IvvyModel, ReplyModel, WholeNumber

MAX_PER_PAGE = 100  # docs/ivvy.md §5: "most requests have a cap"; docs/ivvy.md D26 sets it to 100
MAX_FILTERS = 50  # conditions in one filter (README "Limits")
ITEM = TypeVar("ITEM", bound=BaseModel)

FILTER_DESCRIPTION = (
    "Conditions on the result fields, all of which must hold: `{field: value}` is equality; "
    "append a modifier to the key for `__CONTAINS`, `__NOTCONTAINS`, `__BEGINS`, `__ENDS` "
    "(text), `__LESSTHAN` (<=), `__GREATERTHAN` (>=) (numbers, timestamps), `__NOT`, or "
    '`__EMPTY` (true/false). `null`, `"ISNULL"` and `"__ISNULL__"` search for no value. '
    "Text compares case-insensitively. An unknown field is an error (23016). At most "
    f"{MAX_FILTERS} conditions."
)


def list_request_example(filter_example: JsonDict) -> JsonDict:
    """A request example for a list action."""
    return {"perPage": 20, "start": 0, "filter": filter_example}


class ListIn(IvvyModel):
    """Paging and filter parameters every list action takes."""

    per_page: WholeNumber | None = Field(
        default=None, description=f"Rows per page: 1 to {MAX_PER_PAGE} (more is capped)."
    )
    start: WholeNumber | None = Field(default=None, description="Zero-based row offset.")
    filter: Any = Field(default=None, description=FILTER_DESCRIPTION)


class UserListIn(ListIn):
    """getUserList also takes ``venueId`` (the .NET SDK sends it at the top level).

    Users belong to the account, not to a venue, so the venue is checked for form only.
    """

    venue_id: Id | None = Field(
        default=None, description="Accepted and ignored: users are account-wide."
    )


class ListMeta(ReplyModel):
    """Where a page sits in the whole collection."""

    total_results: int = Field(description="Rows matching the filter.")
    start: int = Field(description="Offset of the first row of this page.")
    per_page: int = Field(description="Page size used (after the cap).")
    count: int = Field(description="Rows in this page.")


class ListReply(ReplyModel, Generic[ITEM]):
    """A collection: ``{"meta": {...}, "results": [...]}``; subclass it per item type."""

    meta: ListMeta
    results: list[ITEM]


def list_example(*items: JsonDict, total: int | None = None) -> JsonDict:
    """A reply example for a list of ``items``."""
    count = len(items)
    meta: JsonDict = {"totalResults": total or count, "start": 0, "perPage": 100, "count": count}
    return {"meta": meta, "results": list(items)}


def example_config(value: Any) -> ConfigDict:
    """A model configuration whose JSON schema carries ``value`` as its example."""
    return ConfigDict(json_schema_extra={"example": value})
