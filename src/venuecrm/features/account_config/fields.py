"""The value types of the configuration file: names, amounts, codes, and their checks."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from venuecrm.wire.ivvy import MAX_ID
from venuecrm.wire.ivvy import FieldType as FieldTypeCode

FORMAT_VERSION = 1
SELECT_FIELD_TYPES = frozenset(
    {FieldTypeCode.SELECT, FieldTypeCode.MULTI_SELECT, FieldTypeCode.LARGE_SELECT}
)
_MONEY_LIMIT = Decimal(10) ** 10  # Numeric(12, 2)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be blank")
    return value


def _int_in(value: Any, *, low: int, high: int, reason: str) -> int:
    """An integer (not a bool, not 1.0: the file is strict) from ``low`` to ``high``."""
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    raise PydanticCustomError("range", reason)


def _version(value: Any) -> int:
    return _int_in(
        value, low=1, high=1, reason=f"must be {FORMAT_VERSION}, the only version of this format"
    )


def _field_type(value: Any) -> int:
    low, high = min(FieldTypeCode), max(FieldTypeCode)
    return _int_in(value, low=low, high=high, reason=f"must be a field type from {low} to {high}")


def _apply_to(value: Any) -> int:
    return _int_in(value, low=1, high=2, reason="must be 1 (opportunities) or 2 (leads)")


def _sort_order(value: Any) -> int:
    return _int_in(value, low=0, high=MAX_ID, reason=f"must be a whole number from 0 to {MAX_ID}")


def _money(value: Any) -> Decimal:
    reason = "must be an amount of at least 0 with at most 2 decimal places, under 10000000000"
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise PydanticCustomError("money", reason)
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise PydanticCustomError("money", reason) from None
    if (
        not amount.is_finite()
        or not 0 <= amount < _MONEY_LIMIT
        or amount != amount.quantize(Decimal("0.01"))
    ):
        raise PydanticCustomError("money", reason)
    return amount


def _select_values(value: Any) -> Any:
    """A list of options is shorthand for the map iVvy uses, each option its own key."""
    if not isinstance(value, list):
        return value
    if not all(isinstance(option, str) for option in value):
        raise PydanticCustomError("select_values", "must be a list or a mapping of strings")
    if len(set(value)) != len(value):
        raise PydanticCustomError("select_values", "must not repeat an option")
    return {option: option for option in value}


Name = Annotated[str, StringConstraints(strict=True, max_length=200), AfterValidator(_not_blank)]
Name100 = Annotated[str, StringConstraints(strict=True, max_length=100), AfterValidator(_not_blank)]
Str20 = Annotated[str, StringConstraints(strict=True, max_length=20)]
Str50 = Annotated[str, StringConstraints(strict=True, max_length=50)]
Str100 = Annotated[str, StringConstraints(strict=True, max_length=100)]
Str320 = Annotated[str, StringConstraints(strict=True, max_length=320)]
LongText = Annotated[str, StringConstraints(strict=True, max_length=65535)]
Version = Annotated[int, BeforeValidator(_version)]
FieldType = Annotated[int, BeforeValidator(_field_type)]
ApplyTo = Annotated[int, BeforeValidator(_apply_to)]
SortOrder = Annotated[int, BeforeValidator(_sort_order)]
Money = Annotated[Decimal, BeforeValidator(_money)]
SelectValues = Annotated[dict[str, str], BeforeValidator(_select_values)]


class ConfigModel(BaseModel):
    """camelCase keys; unknown keys rejected."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")
