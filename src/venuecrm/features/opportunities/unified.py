"""The unified CRM opportunity resource: read, list, create, update, delete.

Writes go through ``opportunities.write_opportunity``, the code addOrUpdateOpportunity uses,
so no rule exists twice; this module only maps and pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from venuecrm.errors import InvalidOpportunityDetails, InvalidRequest, OpportunityNotFound
from venuecrm.features.accounts.service import Credentials
from venuecrm.features.opportunities.service import soft_delete, write_opportunity
from venuecrm.features.opportunities.unified_mapping import crm_path, to_crm, to_ivvy
from venuecrm.features.opportunities.unified_schemas import Opportunity, OpportunityInput
from venuecrm.features.opportunities.views import (
    FILTERS,
    SORTABLE,
    SORTS,
    OpportunityQuery,
    OpportunityView,
    OpportunityViews,
    sort_key,
)
from venuecrm.features.parties.records import Records
from venuecrm.features.problems import Problems
from venuecrm.features.unified_lists import (
    Page,
    decode_cursor,
    encode_cursor,
    plain,
    position,
    read_limit,
    unsupported_filter,
)
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.ivvy import path_id

_QUERY_KEY = re.compile(r"^(filter|sort)\[(\w+)\]$")


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


def get(uow: UnitOfWork, *, account_id: int, record: str) -> Opportunity:
    """One opportunity; 404 when the account has no such live opportunity."""
    with uow:
        return to_crm(_view(OpportunityViews(uow.session, account_id), record))


def save(
    uow: UnitOfWork,
    *,
    who: Credentials,
    body: OpportunityInput,
    record: str | None = None,
) -> str:
    """Create (no id) or update an opportunity from a CRM body; return its id."""
    with uow:
        records = Records(uow, who.account_id)
        existing = None
        if record is not None:
            # The row alone (locked, as the write locks it anyway), not the read model.
            existing = records.lock_opportunity(_record_id(record), custom=bool(body.custom_fields))
            if existing is None:
                raise _not_found(record)
        elif not body.title:
            raise InvalidRequest("Invalid Params", ["title: is required"])
        problems = Problems()
        data, extra = to_ivvy(body, existing, records, problems)
        if existing is None:
            _apply_defaults(data, records)
        if problems:
            raise InvalidOpportunityDetails("Invalid State", problems.items)
        try:
            saved = write_opportunity(records, api_key_id=who.key_id, data=data, extra=extra)
        except InvalidOpportunityDetails as exc:
            raise InvalidOpportunityDetails(
                "Invalid State", [crm_path(p) for p in exc.additional_messages]
            ) from None
        uow.commit()
    return str(saved)


_DEFAULTED = (("venueId", "pipeline_id"), ("typeId", "type"), ("sourceId", "source_id"))


def _apply_defaults(data: dict[str, Any], records: Records) -> None:
    """docs/unified.md C6: the account's default venue, type and source fill in missing ones."""
    if all(data.get(key) is not None for key, _ in _DEFAULTED):
        return  # nothing to fill in: no need to read the account's settings
    defaults = records.defaults()
    missing = []
    for key, crm_name in _DEFAULTED:
        if data.get(key) is None:
            data[key] = defaults[key]
            if data[key] is None:
                missing.append(f"{crm_name}: is required (the account has no default)")
    if missing:
        raise InvalidRequest("Invalid Params", missing)


def delete(uow: UnitOfWork, *, who: Credentials, record: str) -> str:
    """Soft-delete an opportunity; it then reads as 404 here and 24222 through iVvy."""
    found = _record_id(record)
    with uow:
        try:
            soft_delete(Records(uow, who.account_id), opportunity_id=found, api_key_id=who.key_id)
        except OpportunityNotFound:
            raise _not_found(record) from None
        uow.commit()
    return record


def list_page(
    uow: UnitOfWork, *, account_id: int, params: Iterable[tuple[str, str]]
) -> Page[Opportunity]:
    """A page of the account's opportunities for ``limit``, ``cursor``, ``filter[]``, ``sort[]``."""
    query = read_query(params)
    with uow:
        views = OpportunityViews(uow.session, account_id)
        rows, total = views.page(query)
        next_cursor = None
        if len(rows) > query.limit:
            rows = rows[: query.limit]
            next_cursor = _encode_cursor(query, sort_key(rows[-1], query.sort))
        return Page([to_crm(row) for row in rows], total, next_cursor)


def read_query(params: Iterable[tuple[str, str]]) -> OpportunityQuery:
    """A list request read: ``limit``, ``cursor``, ``filter[...]``, ``sort[...]``; 400 if bad."""
    query = OpportunityQuery()
    cursor = None
    problems: list[str] = []
    for key, value in params:
        match = _QUERY_KEY.match(key)
        if key == "limit":
            query.limit = read_limit(value, problems) or query.limit
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
    if name not in FILTERS:
        raise unsupported_filter(name, known=f"filter on {', '.join(FILTERS)}")
    try:
        query.filters[name] = FILTERS[name].read(value)
    except ValueError as exc:
        raise InvalidRequest("Invalid Params", [f"filter[{name}]: {exc}"]) from None


def _sort(query: OpportunityQuery, name: str, value: str) -> None:
    if name == "by" and value in SORTS:
        query.sort = SORTS[value].key
    elif name == "direction" and value in ("asc", "desc"):
        query.descending = value == "desc"
    else:
        raise InvalidRequest(
            f"Unsupported sort: sort[{name}]={value}",
            [f"sort[{name}]: sort[by] is one of {', '.join(SORTS)}; sort[direction] asc or desc"],
            type_name="UnsupportedSortFieldError",
        )


def _encode_cursor(query: OpportunityQuery, key: tuple[Any, ...]) -> str:
    return encode_cursor(
        {"sort": query.sort, "desc": query.descending, "after": [plain(v) for v in key]}
    )


def _decode_cursor(query: OpportunityQuery, cursor: str) -> tuple[Any, ...]:
    """The position a cursor holds; it must come from a list with the same sort."""

    def read(payload: dict[str, Any]) -> tuple[Any, ...]:
        if payload["sort"] != query.sort or payload["desc"] != query.descending:
            raise ValueError("the sort changed")
        column = None if query.sort is None else SORTABLE[query.sort]
        return position(list(payload["after"]), column)

    return decode_cursor(cursor, read)
