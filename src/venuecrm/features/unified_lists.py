"""What every ``/crm`` resource shares to read its lists and bodies: the page, the cursor, the
``limit``, the readers of filter values, path ids and body parsing (docs/unified.md §4).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import ColumnElement, func

from venuecrm.errors import InvalidRequest, RecordNotFound
from venuecrm.platform.keyset import IdPage
from venuecrm.wire.ivvy import path_id
from venuecrm.wire.parsing import BodyError, decode_object, describe

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
MAX_LIMIT = 200
_MAX_NUMBER = Decimal(10) ** 15  # above every numeric column's precision


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and the cursor of the next (None on the last page)."""

    items: list[T]
    total: int
    next_cursor: str | None


def parse_body(model: type[M], body: bytes) -> M:
    """A ``/crm`` write body as ``model``; 400 with every problem when it does not fit."""
    try:
        return model.model_validate(decode_object(body))
    except BodyError as exc:
        raise InvalidRequest("Invalid Params", exc.problems) from None
    except ValidationError as exc:
        problems = [describe(error) for error in exc.errors(include_url=False)]
        raise InvalidRequest("Invalid Params", problems) from None


def record_id(entity: str, *, raw: str) -> int:
    """A path id: digits within the id range, else the record is simply not found."""
    found = path_id(raw)
    if found is None:
        raise RecordNotFound(entity, raw)
    return found


def read_limit(value: str, problems: list[str]) -> int | None:
    """``limit``: a whole number from 1 to 200; None (and a problem) otherwise."""
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        problems.append(f"limit: must be a whole number from 1 to {MAX_LIMIT}")
        return None
    return int(value)


# -- filter values: each reader raises ValueError naming what the value must be ---------------


def read_text(value: str) -> str:
    """A text filter compares the value as given."""
    return value


def read_id(value: str) -> int:
    """An id filter: outside the column's range no row can match, so a clean 400."""
    found = path_id(value)
    if found is None:
        raise ValueError("must be an id (digits)")
    return found


def read_number(value: str) -> Decimal:
    """A number filter: finite and within the numeric columns' precision."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError("must be a finite number") from None
    if not number.is_finite() or abs(number) >= _MAX_NUMBER:
        raise ValueError("must be a finite number")
    return number


def read_moment(value: str) -> datetime:
    """A date-time filter: ISO 8601, ``Z`` for UTC accepted."""
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time") from None


@dataclass(frozen=True)
class Filter:
    """A ``/crm`` filter: how its value is read, and the condition it makes of the value."""

    read: Callable[[str], Any]
    where: Callable[[Any], ColumnElement[bool]]

    def condition(self, value: str) -> ColumnElement[bool]:
        """The condition for a query value; ValueError naming what the value must be."""
        return self.where(self.read(value))


def equal(column: Any, read: Callable[[str], Any] = read_text) -> Filter:
    """A filter on ``column`` equal to the value."""
    return Filter(read, lambda value: column == value)


def since(column: Any) -> Filter:
    """A filter on ``column`` at or after an ISO 8601 moment."""
    return Filter(read_moment, lambda moment: column >= moment)


def same_text(column: Any, *, strip: bool = True) -> Filter:
    """A filter on ``column`` equal to the text whatever its case (and surrounding blanks)."""
    return Filter(
        read_text, lambda value: func.lower(column) == (value.strip() if strip else value).lower()
    )


def unsupported_filter(name: str, *, known: str) -> InvalidRequest:
    """The 400 for a ``filter[name]`` the list does not have; ``known`` names those it has."""
    return InvalidRequest(
        f"Unsupported filter: {name}",
        [f"filter[{name}]: unknown; {known}"],
        type_name="UnsupportedFiltersError",
    )


# -- cursors: opaque base64 JSON, checked against the list that reads them --------------------


def encode_cursor(payload: dict[str, Any]) -> str:
    """An opaque cursor holding ``payload``."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def decode_cursor(cursor: str, read: Callable[[dict[str, Any]], T]) -> T:
    """What ``read`` makes of a cursor's payload; 400 when it raises (not this list's cursor)."""
    try:
        return read(json.loads(base64.urlsafe_b64decode(cursor.encode())))
    except (ValueError, KeyError, TypeError, IndexError, InvalidOperation, binascii.Error):
        raise InvalidRequest(
            "Invalid cursor",
            ["cursor: not a cursor of this list (take it from meta.cursors.next)"],
            type_name="InvalidCursorError",
        ) from None


def plain(value: Any) -> Any:
    """A sort key's value as JSON holds it in a cursor."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def position(after: list[Any], column: Any) -> tuple[Any, ...]:
    """A keyset position read back from a cursor: ``[id]``, or ``[nulls last, value, id]`` when
    the list is sorted by ``column``, the value made a datetime or Decimal again as it was."""
    if not isinstance(after[-1], int) or len(after) != (1 if column is None else 3):
        raise ValueError("malformed position")
    if column is not None and after[1] is not None:
        try:
            kind = column.type.python_type
        except NotImplementedError:  # an expression of no declared type: text
            kind = str
        if kind is datetime:
            after[1] = datetime.fromisoformat(after[1])
        elif kind is Decimal:
            after[1] = Decimal(after[1])
    return tuple(after)


def utc(moment: datetime) -> datetime:
    """A stored moment in UTC."""
    return moment.astimezone(UTC)


def str_id(value: int | None) -> str | None:
    """An id as the unified CRM writes it: a string, or null."""
    return None if value is None else str(value)


# -- lists by id (users, pipelines, notes): no sort, the cursor holds the last id ------


@dataclass(frozen=True)
class Query:
    """A list request: page size, the id the page starts after, and the filter values."""

    limit: int
    after: int | None
    conditions: dict[str, ColumnElement[bool]]


@dataclass
class ListParams:
    """A list request's ``limit``, ``cursor`` and the conditions of its ``filter[...]``."""

    limit: int = 20
    cursor: str | None = None
    conditions: dict[str, ColumnElement[bool]] = field(default_factory=dict)  # by filter


def read_params(
    resource: str,
    params: Iterable[tuple[str, str]],
    filters: Mapping[str, Filter],
    *,
    sort: Callable[[str, str, list[str]], None],
) -> ListParams:
    """``limit``, ``cursor`` and ``filter[...]`` read, each key given once; ``sort[...]`` keys
    go to ``sort`` in their place. 400 listing every problem, or naming an unknown filter."""
    read, problems, seen = ListParams(), list[str](), set[str]()
    for key, value in params:
        if key in seen:
            problems.append(f"{key}: given more than once")
            continue
        seen.add(key)
        if key == "limit":
            read.limit = read_limit(value, problems) or read.limit
        elif key == "cursor":
            read.cursor = value or None
        elif key.startswith("filter[") and key.endswith("]"):
            name = key[len("filter[") : -1]
            if name not in filters:
                known = ", ".join(filters) or "none"
                raise unsupported_filter(name, known=f"the {resource} filters are: {known}")
            try:
                read.conditions[name] = filters[name].condition(value)
            except ValueError as exc:
                problems.append(f"filter[{name}]: {exc}")
        elif key.startswith("sort["):
            sort(key, value, problems)
    if problems:
        raise InvalidRequest("Invalid Params", problems)
    return read


def parse_query(
    resource: str,
    params: Iterable[tuple[str, str]],
    filters: Mapping[str, Filter],
) -> Query:
    """A list by id: ``limit``, ``cursor`` and ``filter[...]``; it takes no sort."""

    def no_sort(key: str, _: str, __: list[str]) -> None:
        raise InvalidRequest(
            f"Unsupported sort: {key}",
            [f"{key}: {resource} are listed by id; they take no sort"],
            type_name="UnsupportedSortFieldError",
        )

    read = read_params(resource, params, filters, sort=no_sort)
    after = _decode_id_cursor(resource, cursor=read.cursor) if read.cursor is not None else None
    return Query(read.limit, after, read.conditions)


def _decode_id_cursor(resource: str, *, cursor: str) -> int:
    def read(payload: dict[str, Any]) -> int:
        after = payload["after"]
        if payload["r"] != resource or not isinstance(after, int):
            raise ValueError("not this list's cursor")
        return after

    return decode_cursor(cursor, read)


def id_page(resource: str, page: IdPage, items: list[T], last_id: int | None) -> Page[T]:
    """A page of a list by id: the next cursor holds the last id when another page follows."""
    after = last_id if page.more else None
    cursor = None if after is None else encode_cursor({"r": resource, "after": after})
    return Page(items, page.total, cursor)
