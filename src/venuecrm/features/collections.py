"""iVvy collections: check paging and filter parameters, then answer one page.

docs/ivvy.md §5 and D26. ``perPage`` defaults to 100 and is capped at 100;
``start`` is a zero-based row offset. ``filter`` keys are result fields, optionally with a
modifier (``name__CONTAINS``); a key naming no field, or a value of the wrong type, is 23016
with the first problem's field in ``message`` and every problem in ``additionalMessages``
(docs/ivvy.md D29), never silently ignored.

A list action is a ``Collection``: a repository query (e.g. ``features.lookups.queries``),
whose scalar columns are the filterable fields, and the reply model its rows become.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from pydantic_core import PydanticCustomError

from venuecrm.errors import MissingParameter, VenueCrmError
from venuecrm.features.lookups.queries import Lists
from venuecrm.features.problems import invalid_parameters
from venuecrm.platform.collections import Condition, Kind, ListQuery, Op
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.collections import MAX_FILTERS, MAX_PER_PAGE, ListIn, ListReply
from venuecrm.wire.ivvy import (
    parse_flag,
    parse_timestamp_span,
    parse_whole_number,
    wire_value,
)
from venuecrm.wire.parsing import parse_lenient

R = TypeVar("R", bound=ListReply[Any])
M = TypeVar("M", bound=BaseModel)

ZERO_WIDTH_SPACE = "\u200b"  # the .NET SDK's condition names contain it (docs/ivvy.md §5)
NULL_VALUES = ("ISNULL", "__ISNULL__")  # docs/ivvy.md §5 writes both; JSON null works too
MODIFIERS = {op.value for op in Op if op not in (Op.EQ, Op.IN)}
_TEXT_OPS = {Op.CONTAINS, Op.NOTCONTAINS, Op.BEGINS, Op.ENDS}
_ORDER_OPS = {Op.LESSTHAN, Op.GREATERTHAN}
# docs/ivvy.md D26: these filter keys are modifiedDate__GREATERTHAN / __LESSTHAN by another name.
_ALIASES = {
    "fromModifiedDate": ("modifiedDate", Op.GREATERTHAN),
    "toModifiedDate": ("modifiedDate", Op.LESSTHAN),
}
_NUMBER = re.compile(r"^[+-]?\d{1,15}(\.\d{1,6})?$")


@dataclass(frozen=True, slots=True)
class Collection(Generic[R]):
    """A list action: its query, reply model, request model, and filter keys it ignores."""

    query: Callable[[Lists], ListQuery]
    reply: type[R]
    request: type[ListIn] = ListIn
    # Filter keys accepted (and type-checked) but not applied, e.g. getUserList's venueId.
    ignored_filters: Mapping[str, Kind] = field(default_factory=dict)
    # Conditions from request parameters other than filter, e.g. getOpportunityList's venueIds.
    conditions: Callable[[Any], list[Condition]] | None = None
    # Checks of request parameters against the database, run in the page's transaction before
    # it is read: (unit of work, account id, request); raises a VenueCrmError.
    check: Callable[[UnitOfWork, int, Any], None] | None = None


@dataclass(frozen=True, slots=True)
class ListParams:
    """Checked paging and filter parameters."""

    start: int
    per_page: int
    conditions: list[Condition]
    request: ListIn


def get_collection(
    uow: UnitOfWork,
    collection: Collection[R],
    *,
    account_id: int,
    request: ListIn,
    problems: list[str],
) -> R:
    """One page of the collection with its meta, or 23016 for any bad parameter.

    ``request`` is the parsed ``collection.request`` and ``problems`` what parsing found.
    """
    with uow:
        lists = Lists(uow.session, account_id)
        query = collection.query(lists)
        params = check_list_params(
            request, problems, query.fields, ignored=collection.ignored_filters
        )
        if collection.check is not None:
            collection.check(uow, account_id, params.request)
        conditions = params.conditions
        if collection.conditions is not None:
            conditions = [*conditions, *collection.conditions(params.request)]
        page = lists.page(query, conditions, start=params.start, limit=params.per_page)
    meta = {
        "totalResults": page.total,
        "start": params.start,
        "perPage": params.per_page,
        "count": len(page.rows),
    }
    return collection.reply.model_validate(
        {"meta": meta, "results": [to_wire(row) for row in page.rows]}
    )


@dataclass(frozen=True, slots=True)
class Record(Generic[M]):
    """A get-by-id action: one row of a collection's query, as the collection's item.

    ``message`` words ``not_found`` for an id the collection does not show the account, e.g.
    ``"Venue {id} does not exist"``.
    """

    query: Callable[[Lists], ListQuery]
    item: type[M]
    not_found: type[VenueCrmError]
    message: str


def get_one(uow: UnitOfWork, record: Record[M], *, account_id: int, row_id: int | None) -> M:
    """The row with id ``row_id`` (getVenue, getContact...): 23017 without one, else the item
    or the record's ``not_found``."""
    if row_id is None:
        raise MissingParameter("'id' is required", ["id: is required"])
    with uow:
        lists = Lists(uow.session, account_id)
        page = lists.page(record.query(lists), [Condition("id", Op.EQ, row_id)], start=0, limit=1)
    if not page.rows:
        raise record.not_found(record.message.format(id=row_id))
    return record.item.model_validate(to_wire(page.rows[0]))


def to_wire(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row's values as iVvy writes them: timestamps as text, decimals as JSON numbers."""
    return {key: wire_value(value) for key, value in row.items()}


def parse_list_params(
    data: dict[str, Any],
    fields: Mapping[str, Kind],
    *,
    request: type[ListIn] = ListIn,
    ignored: Mapping[str, Kind] | None = None,
) -> ListParams:
    """Paging and filter checked against the collection's fields; 23016 listing every problem."""
    parsed = parse_lenient(request, data)
    model = ListIn() if parsed.model is None else parsed.model
    return check_list_params(model, parsed.problems, fields, ignored=ignored)


def check_list_params(
    model: ListIn,
    parse_problems: list[str],
    fields: Mapping[str, Kind],
    *,
    ignored: Mapping[str, Kind] | None = None,
) -> ListParams:
    """A parsed list request checked against the collection's fields, with the problems its
    parsing found; 23016 listing every problem."""
    problems = list(parse_problems)
    per_page = MAX_PER_PAGE if model.per_page is None else model.per_page
    if per_page < 1:
        problems.append("perPage: must be at least 1")
    start = model.start or 0
    if start < 0:
        problems.append("start: must be 0 or more")
    conditions = _conditions(model.filter, fields, ignored or {}, problems)
    if problems:
        raise invalid_parameters(problems)
    return ListParams(start, min(per_page, MAX_PER_PAGE), conditions, model)


def _conditions(
    raw: Any, fields: Mapping[str, Kind], ignored: Mapping[str, Kind], problems: list[str]
) -> list[Condition]:
    # PHP's json_encode writes an empty filter array as [].
    if raw is None or raw == []:
        return []
    if not isinstance(raw, dict):
        problems.append("filter: must be an object of field conditions")
        return []
    if len(raw) > MAX_FILTERS:
        problems.append(f"filter: must have at most {MAX_FILTERS} conditions")
        return []
    conditions = []
    for key, value in raw.items():
        clean = key.replace(ZERO_WIDTH_SPACE, "")
        try:
            condition = _condition(clean, value, fields, ignored)
        except ValueError as exc:
            problems.append(f"filter.{clean}: {exc}")
            continue
        if condition is not None:
            conditions.append(condition)
    return conditions


def _condition(
    key: str, value: Any, fields: Mapping[str, Kind], ignored: Mapping[str, Kind]
) -> Condition | None:
    """The condition a filter key and value stand for; None for an ignored key."""
    if key in ignored:
        _convert(ignored[key], Op.EQ, value)
        return None
    name, op = _split(key, fields)
    return Condition(name, op, _convert(fields[name], op, value))


def _split(key: str, fields: Mapping[str, Kind]) -> tuple[str, Op]:
    """``name__MODIFIER`` as (field, op); modifiers match in any case."""
    if key in _ALIASES and _ALIASES[key][0] in fields:
        return _ALIASES[key]
    name, _, suffix = key.rpartition("__")
    if name and suffix.upper() in MODIFIERS:
        if name in fields:
            return name, Op(suffix.upper())
        key = name
    elif key not in fields and name in fields:
        known = ", ".join(f"__{m}" for m in sorted(MODIFIERS))
        raise ValueError(f"unknown modifier __{suffix}; use one of {known}")
    if key not in fields:
        raise ValueError(f"unknown field '{key}'; filterable fields: {', '.join(fields)}")
    return key, Op.EQ


def _convert(kind: Kind, op: Op, value: Any) -> Any:
    """The value as the field's kind, after checking the modifier applies to it."""
    if op is Op.EMPTY:
        return _parse(parse_flag, value)
    if value is None or (isinstance(value, str) and value in NULL_VALUES):
        if op in (Op.EQ, Op.NOT):
            return None
        raise ValueError(f"__{op} cannot search for null; use the field alone or __NOT")
    if op in _TEXT_OPS and kind is not Kind.TEXT:
        raise ValueError(f"__{op} applies to text fields, and this one is a {kind}")
    if op in _ORDER_OPS and kind in (Kind.TEXT, Kind.BOOL):
        raise ValueError(f"__{op} applies to numbers and timestamps, and this one is a {kind}")
    return _PARSERS[kind](value)


def _parse(parser: Callable[[Any], Any], value: Any) -> Any:
    try:
        return parser(value)
    except PydanticCustomError as exc:
        raise ValueError(exc.message()) from None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _number(value: Any) -> Decimal:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        return Decimal(value.strip())
    raise ValueError("must be a number")


_PARSERS: dict[Kind, Callable[[Any], Any]] = {
    Kind.TEXT: _text,
    Kind.INT: lambda v: _parse(parse_whole_number, v),
    Kind.NUMBER: _number,
    Kind.BOOL: lambda v: _parse(parse_flag, v),
    Kind.TIMESTAMP: lambda v: _parse(parse_timestamp_span, v),
}
