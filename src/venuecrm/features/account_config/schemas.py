"""The account configuration file of ``venuecrm config``: a versioned model, as YAML.

Every section lists records. A record with an ``id`` is that row of the account; one without is
matched by its name, or created. Keys are camelCase like iVvy's (docs/ivvy.md §3.6-3.8, 4.4) and,
unlike in API requests, unknown keys are errors: a misspelt key must not silently drop a setting.
Every section is required (``[]`` for none), so leaving one out cannot deactivate its records;
``apiKeys`` alone is optional (files written before it existed), and leaving it out changes no key.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_serializer,
    field_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails, PydanticCustomError

from venuecrm.features.accounts.keys import check_time_zone
from venuecrm.wire.ivvy import MAX_ID, Id
from venuecrm.wire.ivvy import FieldType as FieldTypeCode
from venuecrm.wire.parsing import Parsed, describe, format_path

FORMAT_VERSION = 1
SELECT_FIELD_TYPES = frozenset(
    {FieldTypeCode.SELECT, FieldTypeCode.MULTI_SELECT, FieldTypeCode.LARGE_SELECT}
)
_MONEY_LIMIT = Decimal(10) ** 10  # Numeric(12, 2)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be blank")
    return value


def _whole(value: Any, low: int, high: int, reason: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    raise PydanticCustomError("range", reason)


def _version(value: Any) -> int:
    return _whole(value, 1, 1, f"must be {FORMAT_VERSION}, the only version of this format")


def _field_type(value: Any) -> int:
    low, high = min(FieldTypeCode), max(FieldTypeCode)
    return _whole(value, low, high, f"must be a field type from {low} to {high}")


def _apply_to(value: Any) -> int:
    return _whole(value, 1, 2, "must be 1 (opportunities) or 2 (leads)")


def _sort_order(value: Any) -> int:
    return _whole(value, 0, MAX_ID, f"must be a whole number from 0 to {MAX_ID}")


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


class VenueRecord(ConfigModel):
    """A venue (docs/ivvy.md §3.8)."""

    id: Id | None = None
    name: Name
    is_active: StrictBool = True


class UserRecord(ConfigModel):
    """A user (docs/ivvy.md §3.7); one without an id is matched by email."""

    id: Id | None = None
    first_name: Name100
    last_name: Str100 = ""
    email: Str320 = ""
    phone: Str50 = ""
    is_active: StrictBool = True


class SubtypeRecord(ConfigModel):
    """A subtype of the lead type it is listed under."""

    id: Id | None = None
    name: Name
    is_active: StrictBool = True


class LeadTypeRecord(ConfigModel):
    """A lead type with its subtypes (docs/ivvy.md §3.6)."""

    id: Id | None = None
    name: Name
    is_active: StrictBool = True
    subtypes: list[SubtypeRecord] = []


class ReasonRecord(ConfigModel):
    """A reason of the stage it is listed under."""

    id: Id | None = None
    reason: Name
    is_active: StrictBool = True


class LeadStageRecord(ConfigModel):
    """A pipeline stage with its reasons (docs/ivvy.md §3.6)."""

    id: Id | None = None
    name: Name
    colour: Str20 = ""
    apply_to: ApplyTo
    is_active: StrictBool = True
    reasons: list[ReasonRecord] = []


class LeadSourceRecord(ConfigModel):
    """A lead source; ``defaultType`` names a lead type of the file, for one it adds."""

    id: Id | None = None
    name: Name
    description: LongText = ""
    cost: Money | None = None
    colour: Str20 = ""
    is_referral: StrictBool = False
    default_type_id: Id | None = None
    default_type: Name | None = Field(default=None, exclude=True)
    is_active: StrictBool = True

    @field_serializer("cost")
    def _cost_as_number(self, cost: Decimal | None) -> int | float | None:
        """A number in the file, as iVvy's lists show it (12 digits fit a float exactly)."""
        if cost is None:
            return None
        return int(cost) if cost == cost.to_integral_value() else float(cost)


class NamedRecord(ConfigModel):
    """A lead channel, industry or lost reason."""

    id: Id | None = None
    name: Name
    is_active: StrictBool = True


class QualityRecord(ConfigModel):
    """A lead quality (docs/ivvy.md §3.6)."""

    id: Id | None = None
    label: Name
    show_on_dash: StrictBool = False
    is_active: StrictBool = True


class CustomFieldRecord(ConfigModel):
    """A custom field definition (docs/ivvy.md §4.4); select options as a list or a map."""

    id: Id | None = None
    display_name: Name
    field_type: FieldType
    is_required: StrictBool = False
    sort_order: SortOrder = 0
    select_values: SelectValues | None = Field(default=None, validate_default=True)
    file_types: list[Str50] | None = Field(default=None, validate_default=True)
    is_active: StrictBool = True

    @field_validator("select_values")
    @classmethod
    def _options_of_select_fields(
        cls, value: dict[str, str] | None, info: ValidationInfo
    ) -> dict[str, str] | None:
        field_type = info.data.get("field_type")
        if field_type in SELECT_FIELD_TYPES and not value:
            raise PydanticCustomError("select_values", "required for a select field")
        if field_type is not None and field_type not in SELECT_FIELD_TYPES and value:
            raise PydanticCustomError("select_values", "only select fields (2, 3, 9) have them")
        return value

    @field_validator("file_types")
    @classmethod
    def _only_file_fields(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        field_type = info.data.get("field_type")
        if value is not None and field_type is not None and field_type != FieldTypeCode.FILE:
            raise PydanticCustomError("file_types", "only file fields (6) have them")
        return value

    @field_serializer("select_values")
    def _options_as_list(self, value: dict[str, str] | None) -> list[str] | dict[str, str] | None:
        """The shorter list form when every option is its own key, as in iVvy's examples."""
        if value is not None and all(key == option for key, option in value.items()):
            return list(value)
        return value


class CustomFields(ConfigModel):
    """Custom field definitions per record kind."""

    opportunity: list[CustomFieldRecord]
    contact: list[CustomFieldRecord]
    company: list[CustomFieldRecord]


class Defaults(ConfigModel):
    """What opportunities get when a client leaves a field out; each names a record of the file.

    ``stageId`` refers by id; ``stage`` by name (for a record the same file adds).
    """

    venue_id: Id | None = None
    venue: Name | None = Field(default=None, exclude=True)
    stage_id: Id | None = None
    stage: Name | None = Field(default=None, exclude=True)
    type_id: Id | None = None
    type: Name | None = Field(default=None, exclude=True)
    source_id: Id | None = None
    source: Name | None = Field(default=None, exclude=True)


class ApiKeyRecord(ConfigModel):
    """The settings of one active API key of the account; keys and secrets are made by
    ``venuecrm keys create``, never by a file, and secrets are never written to one."""

    key: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64)]
    php_dates: StrictBool = False
    time_zone: Annotated[str, StringConstraints(strict=True), AfterValidator(check_time_zone)] = (
        "UTC"
    )


class ConfigFile(ConfigModel):
    """An account's whole configuration, version 1."""

    version: Version
    venues: list[VenueRecord]
    users: list[UserRecord]
    lead_types: list[LeadTypeRecord]
    lead_stages: list[LeadStageRecord]
    lead_sources: list[LeadSourceRecord]
    lead_channels: list[NamedRecord]
    lead_qualities: list[QualityRecord]
    industries: list[NamedRecord]
    lost_reasons: list[NamedRecord]
    custom_fields: CustomFields
    defaults: Defaults
    api_keys: list[ApiKeyRecord] | None = None


_WIRE_NAMES = {
    name: to_camel(name)
    for model in (CustomFieldRecord,)
    for name, info in model.model_fields.items()
    if info.validate_default
}


def load_yaml(text: str) -> tuple[Any, list[str]]:
    """The YAML document, or the problem that stops it being read."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or "unreadable"
        return None, [f"file: not valid YAML{where}: {reason}"]
    if data is None:
        return None, ["file: is empty"]
    if not isinstance(data, dict):
        return None, ["file: must be a mapping of sections (version, venues, users, ...)"]
    return data, []


def _wire_loc(error: ErrorDetails) -> ErrorDetails:
    """Pydantic locates an error in a default value (``validate_default``) by attribute name."""
    loc = tuple(
        _WIRE_NAMES.get(part, part) if isinstance(part, str) else part for part in error["loc"]
    )
    return {**error, "loc": loc}


def check_structure(data: dict[str, Any]) -> Parsed[ConfigFile]:
    """The file as a model, or every problem the model finds, with the paths they are at."""
    try:
        return Parsed(ConfigFile.model_validate(data))
    except ValidationError as exc:
        errors = [_wire_loc(error) for error in exc.errors(include_url=False)]
    return Parsed(
        None,
        [describe(error) for error in errors],
        {format_path(error["loc"]) for error in errors},
    )


def dump_yaml(config: ConfigFile) -> str:
    """The file's text: keys in model order, records in the order given."""
    return yaml.safe_dump(
        config.model_dump(by_alias=True), sort_keys=False, allow_unicode=True, width=100
    )
