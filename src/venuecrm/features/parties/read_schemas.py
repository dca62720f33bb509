"""Reads of the contact namespace (docs/ivvy.md §4.5): getContact, getCompany and their lists.

An item carries the fields venuecrm stores, with iVvy's names; a list item and the single
record read are the same shape. Custom values are ``{fieldId, displayName, value}`` (4.4).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, JsonValue, model_validator
from pydantic.config import JsonDict

from venuecrm.features.parties.schemas import COMMISSION_KEYS
from venuecrm.features.reference.schemas import TIMESTAMP_NOTE
from venuecrm.wire.collections import ListReply, example_config, list_example
from venuecrm.wire.ivvy import Id, IvvyModel, ReplyModel

_CREATED = "2026-11-24 10:00:00 UTC"
_MODIFIED = "2026-11-24 11:30:00 UTC"
_URLS: list[JsonValue] = [{"ref": "crm", "url": "https://crm.example/42", "label": "CRM"}]


class CompanyName(ReplyModel):
    """A company a contact belongs to (``companiesData``)."""

    id: int
    business_name: str


class PartyCustomValue(ReplyModel):
    """A contact's or company's custom field value, with the field's display name."""

    field_id: int
    display_name: str
    value: Any


class _Stored(ReplyModel):
    """What contacts and companies both answer."""

    custom_fields: list[PartyCustomValue]
    external_urls: list[dict[str, Any]]
    created_date: str = Field(description=TIMESTAMP_NOTE)
    modified_date: str = Field(description=TIMESTAMP_NOTE)


CONTACT_ITEM: JsonDict = {
    "id": 33884, "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com",
    "phone": "0455 550 000", "status": 1, "smsStatus": None, "externalId": "crm-00042",
    "privacyConsent": True, "companies": [1618],
    "companiesData": [{"id": 1618, "businessName": "Business Name"}],
    "customFields": [{"fieldId": 33443, "displayName": "Newsletter", "value": "No"}],
    "externalUrls": _URLS, "createdDate": _CREATED, "modifiedDate": _MODIFIED,
}  # fmt: skip


class ContactItem(_Stored):
    """A contact: the fields of docs/ivvy.md §4.5 that venuecrm stores (no groups, events)."""

    model_config = example_config(CONTACT_ITEM)

    id: int
    first_name: str
    last_name: str
    email: str
    phone: str | None
    status: int | None = Field(
        description="Email status: 1 subscribed, 2 unsubscribed, 3 bounced, 5 no marketing."
    )
    sms_status: int | None = Field(
        description="1 subscribed, 2 unsubscribed, 3 failed, 4 no marketing."
    )
    external_id: str | None
    privacy_consent: bool | None = Field(description="As last sent; null when never sent.")
    companies: list[int] = Field(description="Ids of the companies the contact belongs to.")
    companies_data: list[CompanyName]


class ContactSummary(ReplyModel):
    """A company's primary contact."""

    id: int
    first_name: str
    last_name: str
    email: str
    phone: str | None


class UserSummary(ReplyModel):
    """A company's account manager."""

    id: int
    first_name: str
    last_name: str
    email: str


class IndustryName(ReplyModel):
    """A company's industry."""

    id: int
    name: str


COMPANY_ITEM: JsonDict = {
    "id": 1618, "externalId": None, "businessName": "Business Name",
    "tradingName": "Business Trading", "businessNumber": "1234586", "phone": "07 5555 0000",
    "otherPhone": None, "fax": None, "website": "www.example.com", "email": None,
    "address": {"line1": "1 Queen St", "city": "Brisbane", "stateCode": "QLD",
                "postalCode": "4000", "countryCode": "AU"},
    "primaryContactId": 33884,
    "primaryContact": {"id": 33884, "firstName": "Ada", "lastName": "Lovelace",
                       "email": "ada@example.com", "phone": None},
    "primaryAccountManagerId": None, "primaryAccountManager": None,
    "secondaryAccountManagerId": None, "secondaryAccountManager": None,
    "industryId": 77, "industry": {"id": 77, "name": "Technology"}, "isAgent": 0,
    **{key: None for key in COMMISSION_KEYS}, "commissionSpace": "10",
    "iataNumber": None,
    "customFields": [{"fieldId": 102, "displayName": "Tier", "value": "Gold"}],
    "externalUrls": _URLS, "createdDate": _CREATED, "modifiedDate": _MODIFIED,
}  # fmt: skip


class CompanyItem(_Stored):
    """A company: the fields of docs/ivvy.md §4.5 that venuecrm stores (no company hierarchy)."""

    model_config = example_config(COMPANY_ITEM)

    id: int
    external_id: str | None
    business_name: str
    trading_name: str | None
    business_number: str | None
    phone: str | None
    other_phone: str | None
    fax: str | None
    website: str | None
    email: str | None
    address: dict[str, Any] | None = Field(description="The address as last sent (4.3).")
    primary_contact_id: int | None
    primary_contact: ContactSummary | None
    primary_account_manager_id: int | None
    primary_account_manager: UserSummary | None
    secondary_account_manager_id: int | None
    secondary_account_manager: UserSummary | None
    industry_id: int | None
    industry: IndustryName | None
    is_agent: int = Field(description="1 when the company is an agent, else 0.")
    commission_space: int | str | None = None
    commission_space_type: int | str | None = None
    commission_food: int | str | None = None
    commission_food_type: int | str | None = None
    commission_beverage: int | str | None = None
    commission_beverage_type: int | str | None = None
    commission_audio_visual: int | str | None = None
    commission_audio_visual_type: int | str | None = None
    commission_accommodation: int | str | None = None
    commission_accommodation_type: int | str | None = None
    iata_number: str | None

    @model_validator(mode="before")
    @classmethod
    def _spread_commissions(cls, data: Any) -> Any:
        """The stored ``commissions`` object becomes the top-level keys it was sent as."""
        if isinstance(data, dict) and "commissions" in data:
            stored = data["commissions"] or {}
            data = {k: v for k, v in data.items() if k != "commissions"}
            data.update({key: stored.get(key) for key in COMMISSION_KEYS})
        return data


class ContactList(ListReply[ContactItem]):
    """Reply of contact getContactList."""

    model_config = example_config(list_example(CONTACT_ITEM))


class CompanyList(ListReply[CompanyItem]):
    """Reply of contact getCompanyList."""

    model_config = example_config(list_example(COMPANY_ITEM))


class GetContactIn(IvvyModel):
    """getContact: the contact's id."""

    id: Id | None = None
    use_event_sort_order: Any = Field(
        None, description="Accepted and ignored: venuecrm stores no event invitations."
    )


class GetCompanyIn(IvvyModel):
    """getCompany: the company's id."""

    id: Id | None = None
