"""iVvy wire models shared by every action: field types, envelopes, timestamps, ping."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import IntEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

MAX_ID = 2**31 - 1  # ids are PostgreSQL integers and the .NET SDK's Int32
_WHOLE = re.compile(r"[+-]?\d{1,18}")
_WHOLE_LIMIT = 10**18  # 18 digits, as _WHOLE: fits a bigint, and a float is still exact-ish


class FieldType(IntEnum):
    """A custom field's ``fieldType`` code (docs/ivvy.md §4.4)."""

    TEXT = 0
    LARGE_TEXT = 1
    SELECT = 2
    MULTI_SELECT = 3
    ADDRESS = 4
    DATE = 5
    FILE = 6
    STATIC = 7
    NUMBER = 8  # a whole number: ``whole_number`` decides what is one
    LARGE_SELECT = 9


_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})(?: (\d{2}:\d{2}:\d{2}))?(?: UTC)?$", re.IGNORECASE)


def format_timestamp(moment: datetime) -> str:
    """An iVvy timestamp: ``yyyy-mm-dd HH:mm:ss UTC`` (docs/ivvy.md §5)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def parse_id(value: Any) -> int:
    """docs/ivvy.md D10: an int, or a digit-only string (``"107"``), that is a positive id."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    else:
        raise PydanticCustomError("id", "must be a positive whole-number id")
    if not 0 < number <= MAX_ID:
        raise PydanticCustomError("id", "must be a positive whole-number id")
    return number


def path_id(raw: str) -> int | None:
    """An id sent as text (a URL path, a query filter): digits within the id range, else None.

    An id outside the column's range cannot exist, so callers answer it as "not found".
    """
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not 0 < int(raw) <= MAX_ID:
        return None
    return int(raw)


def whole_number(value: Any) -> int | None:
    """The one rule for "a whole number" (docs/ivvy.md D30), or None when ``value`` is not one.

    A JSON integer; a JSON number with no fraction (``120.0``: JSON has one number type and the
    Apideck SDK sends 120 that way); or a string of up to 18 digits with an optional sign and no
    spaces, like ids (D10). Booleans are not numbers.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) < _WHOLE_LIMIT else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < _WHOLE_LIMIT else None
    if isinstance(value, str) and _WHOLE.fullmatch(value):
        return int(value)
    return None


def parse_whole_number(value: Any) -> int:
    """``whole_number`` for validators: the number, or "must be a whole number"."""
    number = whole_number(value)
    if number is None:
        raise PydanticCustomError("whole_number", "must be a whole number")
    return number


def parse_ivvy_date(value: Any) -> date:
    """A date from ``yyyy-mm-dd`` or an iVvy timestamp (the .NET SDK sends timestamps)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    match = _TIMESTAMP.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise PydanticCustomError("date", "must be a date (yyyy-mm-dd) or an iVvy timestamp")
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise PydanticCustomError("date", "is not a real calendar date") from None


def parse_timestamp_span(value: Any) -> tuple[datetime, datetime]:
    """The span an iVvy timestamp names: its second, or the whole UTC day of a bare date."""
    match = _TIMESTAMP.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise PydanticCustomError("timestamp", "must be an iVvy timestamp or a date")
    try:
        day = date.fromisoformat(match.group(1))
        clock = time.fromisoformat(match.group(2)) if match.group(2) else None
    except ValueError:
        raise PydanticCustomError("timestamp", "is not a real date and time") from None
    start = datetime.combine(day, clock or time(), tzinfo=UTC)
    return start, start + (timedelta(seconds=1) if clock else timedelta(days=1))


def parse_flag(value: Any) -> bool:
    """Booleans as the SDKs send them: true/false, 0/1, "0"/"1"."""
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1"):
        return bool(int(value))
    raise PydanticCustomError("flag", "must be true or false (or 0 or 1)")


Id = Annotated[int, BeforeValidator(parse_id)]
WholeNumber = Annotated[int, BeforeValidator(parse_whole_number)]
IvvyDate = Annotated[date, BeforeValidator(parse_ivvy_date)]
Flag = Annotated[bool, BeforeValidator(parse_flag)]
Text = Annotated[str, StringConstraints(strict=True, max_length=65535)]
Str50 = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, max_length=50)]
Str100 = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, max_length=100)]
Str255 = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, max_length=255)]


class IvvyModel(BaseModel):
    """Base of iVvy request models: camelCase wire, unknown keys ignored (docs/ivvy.md D23)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    def sent(self, name: str) -> bool:
        """Whether the client sent this field (explicit null included)."""
        return name in self.model_fields_set


class ReplyModel(BaseModel):
    """Base of reply models with camelCase wire names (dumped by alias)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class SuccessReply(BaseModel):
    """Every addOrUpdate* success (docs/ivvy.md D8)."""

    model_config = ConfigDict(json_schema_extra={"example": {"success": True, "id": 755}})

    success: bool = True
    id: int


class ErrorEnvelope(BaseModel):
    """iVvy's error body; the HTTP status equals ``errorCode``."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        json_schema_extra={
            "example": {
                "errorCode": 400,
                "message": "The opportunity details are invalid",
                "specificCode": 24224,
                "additionalMessages": ["contact.email: not a valid email address"],
            }
        },
    )

    error_code: int = Field(description="HTTP-like code; also the HTTP status.")
    message: str
    specific_code: int = Field(description="iVvy's 5-digit code (90xxx are venuecrm's own).")
    additional_messages: list[str] = Field(description='Every problem, as "path: reason".')


class Pong(BaseModel):
    """Reply of ``test?action=ping``."""

    model_config = ConfigDict(json_schema_extra={"example": {"ack": "2026-11-24 10:00:00 UTC"}})

    ack: str = Field(description="Server time as an iVvy timestamp.")


def wire_value(value: Any) -> Any:
    """One value as iVvy writes it: timestamps as text, decimals as JSON numbers."""
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
