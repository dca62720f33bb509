"""Nested contact, company, address, custom field and URL models (docs/ivvy.md §4.1-4.4)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    AliasChoices,
    BeforeValidator,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

from venuecrm.wire.ivvy import Flag, Id, IvvyModel, Str50, Str100, Str255, WholeNumber


def _email(value: str) -> str:
    if value == "":
        return value
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise PydanticCustomError("email", "not a valid email address") from None
    return value


def _https_url(value: str | None) -> str | None:
    if value is not None and not (value.startswith("https://") and len(value) > len("https://")):
        raise PydanticCustomError("url", "must be an https:// URL")
    return value


def _digits_as_number(value: Any) -> Any:
    """Codes such as ``status`` may come as digit strings ("2"), like ids (docs/ivvy.md D10)."""
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else value


Email = Annotated[Str255, AfterValidator(_email)]
EmailStatus = Annotated[Literal[1, 2, 3, 5], BeforeValidator(_digits_as_number)]
SmsStatus = Annotated[Literal[1, 2, 3, 4], BeforeValidator(_digits_as_number)]
HttpsUrl = Annotated[
    str, StringConstraints(strict=True, max_length=2000), AfterValidator(_https_url)
]


class Address(IvvyModel):
    """An address (docs/ivvy.md §4.3); the .NET SDK's ``id: 0`` is ignored like any unknown key."""

    line1: Str255 | None = None
    line2: Str255 | None = None
    line3: Str255 | None = None
    line4: Str255 | None = None
    city: Str100 | None = None
    postal_code: Str50 | None = None
    country_code: Str50 | None = None
    state_code: Str50 | None = None
    state_name: Str100 | None = None

    @field_validator("postal_code", mode="before")
    @classmethod
    def _postal_code_as_text(cls, value: Any) -> Any:
        """Postcodes are text, but venue data shows them as numbers too."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ExternalUrl(IvvyModel):
    """A link to the record elsewhere; ``url: null`` deletes that ``ref``."""

    ref: Annotated[Str100, Field(min_length=1)]
    url: HttpsUrl | None = None
    label: Str255 | None = None


def _id_schema(schema: dict[str, Any]) -> None:
    """Document an id that the service, not pydantic, checks (no null default on the wire)."""
    schema.pop("default", None)
    schema["anyOf"] = [{"type": "integer"}, {"type": "string", "pattern": r"^\d+$"}]


class CustomFieldIn(IvvyModel):
    """A custom field value; ``value`` is accepted for ``fieldValue``; null clears it."""

    # Typed Any and checked against the field's definition by the service, so that one bad
    # item does not hide the problems of the others.
    field_id: Any = Field(
        None,
        description="Id of the custom field (required).",
        json_schema_extra=_id_schema,
    )
    field_value: Any = Field(
        None,
        validation_alias=AliasChoices("fieldValue", "value"),
        description="Value for the field's type: text, a select value, an array of select "
        "values, an address object, a date or timestamp, or a whole number (required).",
    )


ExternalUrls = Annotated[list[ExternalUrl], Field(max_length=3)]


class ContactIn(IvvyModel):
    """A contact to add (no ``id``: firstName, lastName and email required) or update (``id``,
    or ``updateIfExists`` matching firstName + lastName + email): only the keys sent change."""

    id: Id | None = None
    external_id: Str255 | None = None
    first_name: Str255 | None = None
    last_name: Str255 | None = Field(None, validation_alias=AliasChoices("lastName", "LastName"))
    email: Email | None = None
    phone: Str50 | None = None
    status: EmailStatus | None = Field(
        None, description="Email status: 1 subscribed, 2 unsubscribed, 3 bounced, 5 no marketing."
    )
    sms_status: SmsStatus | None = Field(
        None, description="1 subscribed, 2 unsubscribed, 3 failed, 4 no marketing."
    )
    companies: list[Id] | None = Field(
        None, description="Companies of the account to add the contact to; none is removed."
    )
    groups: Any = Field(
        None, description="Accepted and ignored: venuecrm does not store subscription groups."
    )
    custom_fields: list[CustomFieldIn] | None = None
    update_if_exists: Flag = False
    external_urls: ExternalUrls | None = None
    privacy_consent: Flag | None = None


COMMISSION_KEYS = tuple(
    f"commission{kind}{suffix}"
    for kind in ("Space", "Food", "Beverage", "AudioVisual", "Accommodation")
    for suffix in ("", "Type")
)


class CompanyIn(IvvyModel):
    """A company to add (no ``id``: businessName required) or update (``id``, or
    ``updateIfExists`` matching businessName): only the keys sent change."""

    id: Id | None = None
    external_id: Str255 | None = None
    business_name: Str255 | None = None
    trading_name: Str255 | None = None
    business_number: Str100 | None = None
    phone: Str50 | None = None
    other_phone: Str50 | None = None
    fax: Str50 | None = None
    website: Str255 | None = None
    email: Email | None = None
    address: Address | None = None
    primary_contact_id: Id | None = None
    primary_contact: ContactIn | None = None
    primary_account_manager_id: Id | None = None
    secondary_account_manager_id: Id | None = None
    industry_id: Id | None = None
    is_agent: Flag | None = None
    commission_space: WholeNumber | None = None
    commission_food: WholeNumber | None = None
    commission_beverage: WholeNumber | None = None
    commission_audio_visual: WholeNumber | None = None
    commission_accommodation: WholeNumber | None = None
    commission_space_type: Str50 | WholeNumber | None = None
    commission_food_type: Str50 | WholeNumber | None = None
    commission_beverage_type: Str50 | WholeNumber | None = None
    commission_audio_visual_type: Str50 | WholeNumber | None = None
    commission_accommodation_type: Str50 | WholeNumber | None = None
    iata_number: Str50 | None = None
    custom_fields: list[CustomFieldIn] | None = None
    update_if_exists: Flag = False
    external_urls: ExternalUrls | None = None
