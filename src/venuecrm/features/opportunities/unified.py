"""The unified CRM opportunity resource: read, list, create, update, delete.

Writes go through ``opportunities.write_opportunity``, the code addOrUpdateOpportunity uses,
so no rule exists twice; this module only maps and pages.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from venuecrm.errors import InvalidOpportunityDetails, InvalidRequest, OpportunityNotFound
from venuecrm.features.opportunities.service import soft_delete, write_opportunity
from venuecrm.features.opportunities.unified_mapping import crm_path, to_crm, to_ivvy
from venuecrm.features.opportunities.unified_schemas import Opportunity, OpportunityInput
from venuecrm.features.opportunities.views import (
    OpportunityQuery,
    OpportunityView,
    OpportunityViews,
    sort_key,
)
from venuecrm.features.parties.records import Crm
from venuecrm.features.problems import Problems
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.ivvy import path_id
from venuecrm.wire.parsing import BodyError, decode_object, describe


def _text_filter(value: str) -> str:
    return value


def _id_filter(value: str) -> int:
    # Outside the column's range no row can match: a clean 400, not a database error.
    found = path_id(value)
    if found is None:
        raise ValueError(value)
    return found


def _number_filter(value: str) -> Decimal:
    number = Decimal(value)
    if not number.is_finite() or abs(number) >= _MAX_NUMBER:
        raise ValueError(value)
    return number


_MAX_NUMBER = Decimal(10) ** 15  # above every numeric column's precision
# filter[key] to the column compared and how its value is read (docs/unified.md §4).
_FILTERS: dict[str, tuple[str, Callable[[str], Any], str]] = {
    "title": ("name", _text_filter, "text"),
    "status": ("status", _text_filter, "text"),
    "status_id": ("status_id", _text_filter, "text"),
    "monetary_amount": ("monetary_amount", _number_filter, "a finite number"),
    "win_probability": ("win_probability", _number_filter, "a finite number"),
    "company_id": ("company_id", _id_filter, "an id (digits)"),
    "owner_id": ("owner_user_id", _id_filter, "an id (digits)"),
    "primary_contact_id": ("contact_id", _id_filter, "an id (digits)"),
}
_SORTS = {"created_at": "created_at", "updated_at": "modified_at", "title": "name",
          "win_probability": "win_probability", "monetary_amount": "monetary_amount",
          "status": "status"}  # fmt: skip
_DATETIME_SORTS = {"created_at", "modified_at"}
_DECIMAL_SORTS = {"win_probability", "monetary_amount"}
_QUERY_KEY = re.compile(r"^(filter|sort)\[(\w+)\]$")


@dataclass(frozen=True)
class Page:
    """One page of a list and the cursor of the next (None on the last page)."""

    items: list[Opportunity]
    total: int
    next_cursor: str | None


def parse_body(body: bytes) -> OpportunityInput:
    """A CRM opportunity body; 400 with every problem when it does not fit the schema."""
    try:
        data = decode_object(body)
    except BodyError as exc:
        raise InvalidRequest("Invalid Params", exc.problems) from None
    try:
        return OpportunityInput.model_validate(data)
    except ValidationError as exc:
        problems = [describe(error) for error in exc.errors(include_url=False)]
        raise InvalidRequest("Invalid Params", problems) from None


def _not_found(opportunity_id: str) -> OpportunityNotFound:
    return OpportunityNotFound(f"Unknown opportunity {opportunity_id}", [opportunity_id])


def _record_id(opportunity_id: str) -> int:
    found = path_id(opportunity_id)
    if found is None:
        raise _not_found(opportunity_id)
    return found


def _view(views: OpportunityViews, opportunity_id: str) -> OpportunityView:
    view = views.get(_record_id(opportunity_id))
    if view is None:
        raise _not_found(opportunity_id)
    return view


def get(uow: UnitOfWork, *, account_id: int, opportunity_id: str) -> Opportunity:
    """One opportunity; 404 when the account has no such live opportunity."""
    with uow:
        return to_crm(_view(OpportunityViews(uow.session, account_id), opportunity_id))


def save(
    uow: UnitOfWork,
    *,
    account_id: int,
    api_key_id: int,
    body: OpportunityInput,
    opportunity_id: str | None = None,
) -> str:
    """Create (no id) or update an opportunity from a CRM body; return its id."""
    with uow:
        crm = Crm(uow.session, account_id)
        existing = None
        if opportunity_id is not None:
            # The row alone (locked, as the write locks it anyway), not the read model.
            existing = crm.lock_opportunity(_record_id(opportunity_id))
            if existing is None:
                raise _not_found(opportunity_id)
        elif not body.title:
            raise InvalidRequest("Invalid Params", ["title: is required"])
        problems = Problems()
        data, extra = to_ivvy(body, existing, crm, problems)
        if existing is None:
            _apply_defaults(data, crm.defaults())
        if problems:
            raise InvalidOpportunityDetails("Invalid State", problems.items)
        try:
            saved = write_opportunity(crm, api_key_id=api_key_id, data=data, extra=extra)
        except InvalidOpportunityDetails as exc:
            raise InvalidOpportunityDetails(
                "Invalid State", [crm_path(p) for p in exc.additional_messages]
            ) from None
        uow.commit()
    return str(saved)


def _apply_defaults(data: dict[str, Any], defaults: dict[str, int | None]) -> None:
    """docs/unified.md C6: the account's default venue, type and source fill in missing ones."""
    missing = []
    for key, crm_name in (("venueId", "pipeline_id"), ("typeId", "type"),
                          ("sourceId", "source_id")):  # fmt: skip
        if data.get(key) is None:
            data[key] = defaults[key]
            if data[key] is None:
                missing.append(f"{crm_name}: is required (the account has no default)")
    if missing:
        raise InvalidRequest("Invalid Params", missing)


def delete(uow: UnitOfWork, *, account_id: int, api_key_id: int, opportunity_id: str) -> str:
    """Soft-delete an opportunity; it then reads as 404 here and 24222 through iVvy."""
    record = _record_id(opportunity_id)
    with uow:
        try:
            soft_delete(Crm(uow.session, account_id), opportunity_id=record, api_key_id=api_key_id)
        except OpportunityNotFound:
            raise _not_found(opportunity_id) from None
        uow.commit()
    return opportunity_id


def list_page(uow: UnitOfWork, *, account_id: int, params: Iterable[tuple[str, str]]) -> Page:
    """A page of the account's opportunities for ``limit``, ``cursor``, ``filter[]``, ``sort[]``."""
    query = _query(params)
    with uow:
        views = OpportunityViews(uow.session, account_id)
        rows, total = views.page(query)
        next_cursor = None
        if len(rows) > query.limit:
            rows = rows[: query.limit]
            next_cursor = _encode_cursor(query, sort_key(rows[-1], query.sort))
        return Page([to_crm(row) for row in rows], total, next_cursor)


def _query(params: Iterable[tuple[str, str]]) -> OpportunityQuery:
    query = OpportunityQuery()
    cursor = None
    problems: list[str] = []
    for key, value in params:
        match = _QUERY_KEY.match(key)
        if key == "limit":
            if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 200:
                problems.append("limit: must be a whole number from 1 to 200")
            else:
                query.limit = int(value)
        elif key == "cursor":
            cursor = value or None
        elif match and match.group(1) == "filter":
            _filter(query, match.group(2), value)
        elif match and match.group(1) == "sort":
            _sort(query, match.group(2), value)
    if problems:
        raise InvalidRequest("Invalid Params", problems)
    if cursor is not None:
        query.after = _decode_cursor(query, cursor)
    return query


def _filter(query: OpportunityQuery, name: str, value: str) -> None:
    if name == "updated_since":
        try:
            query.modified_since = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidRequest(
                "Invalid Params", ["filter[updated_since]: must be an ISO 8601 date-time"]
            ) from None
        return
    if name not in _FILTERS:
        raise InvalidRequest(
            f"Unsupported filter: {name}",
            [f"filter[{name}]: unknown; filter on {', '.join([*_FILTERS, 'updated_since'])}"],
            type_name="UnsupportedFiltersError",
        )
    column, convert, kind = _FILTERS[name]
    try:
        query.equals[column] = convert(value)
    except (ValueError, InvalidOperation):
        raise InvalidRequest("Invalid Params", [f"filter[{name}]: must be {kind}"]) from None


def _sort(query: OpportunityQuery, name: str, value: str) -> None:
    if name == "by" and value in _SORTS:
        query.sort = _SORTS[value]
    elif name == "direction" and value in ("asc", "desc"):
        query.descending = value == "desc"
    else:
        raise InvalidRequest(
            f"Unsupported sort: sort[{name}]={value}",
            [f"sort[{name}]: sort[by] is one of {', '.join(_SORTS)}; sort[direction] asc or desc"],
            type_name="UnsupportedSortFieldError",
        )


def _encode_cursor(query: OpportunityQuery, key: tuple[Any, ...]) -> str:
    payload = {"sort": query.sort, "desc": query.descending, "after": [_plain(v) for v in key]}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decode_cursor(query: OpportunityQuery, cursor: str) -> tuple[Any, ...]:
    """The position a cursor holds; it must come from a list with the same sort."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if payload["sort"] != query.sort or payload["desc"] != query.descending:
            raise ValueError("the sort changed")
        after = list(payload["after"])
        if query.sort in _DATETIME_SORTS and after[1] is not None:
            after[1] = datetime.fromisoformat(after[1])
        if query.sort in _DECIMAL_SORTS and after[1] is not None:
            after[1] = Decimal(after[1])
        if not isinstance(after[-1], int) or len(after) != (1 if query.sort is None else 3):
            raise ValueError("malformed position")
        return tuple(after)
    except (ValueError, KeyError, TypeError, IndexError, InvalidOperation, binascii.Error):
        raise InvalidRequest(
            "Invalid cursor",
            ["cursor: not a cursor of this list (take it from meta.cursors.next)"],
            type_name="InvalidCursorError",
        ) from None
