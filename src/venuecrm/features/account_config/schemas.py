"""The account configuration file of ``venuecrm config``: a versioned model, as YAML.

Every section lists records. A record with an ``id`` is that row of the account; one without is
matched by its name, or created. Keys are camelCase like iVvy's (docs/ivvy.md §3.6-3.8, 4.4) and,
unlike in API requests, unknown keys are errors: a misspelt key must not silently drop a setting.
Every section is required (``[]`` for none), so leaving one out cannot deactivate its records;
``apiKeys`` and ``subscriptions`` alone are optional (files written before they existed), and
leaving one out changes nothing it holds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_serializer,
    field_validator,
)
from pydantic_core import PydanticCustomError

from venuecrm.features.account_config.fields import (
    SELECT_FIELD_TYPES,
    ApplyTo,
    ConfigModel,
    FieldType,
    LongText,
    Money,
    Name,
    Name100,
    SelectValues,
    SortOrder,
    Str20,
    Str50,
    Str100,
    Str320,
    Version,
)
from venuecrm.features.accounts.keys import check_time_zone
from venuecrm.features.events.schemas import Format, Topic, check_endpoint
from venuecrm.wire.ivvy import FieldType as FieldTypeCode
from venuecrm.wire.ivvy import Id


class NamedRecord(ConfigModel):
    """A record that is a name: a venue, subtype, lead channel, industry or lost reason."""

    id: Id | None = None
    name: Name
    is_active: StrictBool = True


class VenueRecord(NamedRecord):
    """A venue (docs/ivvy.md §3.8)."""


class UserRecord(ConfigModel):
    """A user (docs/ivvy.md §3.7); one without an id is matched by email."""

    id: Id | None = None
    first_name: Name100
    last_name: Str100 = ""
    email: Str320 = ""
    phone: Str50 = ""
    is_active: StrictBool = True


class SubtypeRecord(NamedRecord):
    """A subtype of the lead type it is listed under."""


class LeadTypeRecord(NamedRecord):
    """A lead type with its subtypes (docs/ivvy.md §3.6)."""

    subtypes: list[SubtypeRecord] = Field(default_factory=list)


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
    reasons: list[ReasonRecord] = Field(default_factory=list)


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


class SubscriptionRecord(ConfigModel):
    """A receiver of one topic's events (docs/ivvy.md §3.9), named by topic and endpoint.

    ``confirmed`` is what the receiver did, so applying a file never changes it; the signing
    secret is shown once, by the apply that subscribes, and never written to a file.
    """

    topic: Topic
    endpoint: Annotated[str, StringConstraints(strict=True), AfterValidator(check_endpoint)]
    format: Format = "ivvy"
    confirmed: StrictBool = False


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
    subscriptions: list[SubscriptionRecord] | None = None
