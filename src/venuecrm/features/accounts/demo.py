"""Two demo accounts with everything an opportunity needs, created idempotently."""

from __future__ import annotations

from typing import Any

from venuecrm.features.accounts.keys import new_key_pair
from venuecrm.platform import models
from venuecrm.platform.repositories import Lookups, T
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.ivvy import FieldType

DEMO_ACCOUNTS = ("Demo Venue Group A", "Demo Venue Group B")
DEMO_KEY_LABEL = "seed-demo"

# (fieldType, displayName, selectValues): optional opportunity fields both accounts get.
_OPTIONAL_FIELDS: tuple[tuple[int, str, list[str] | None], ...] = (
    (FieldType.TEXT, "Notes", None),
    (FieldType.SELECT, "Catering style", ["Buffet", "Plated", "Cocktail"]),
    (FieldType.MULTI_SELECT, "Extras", ["AV", "Parking", "Wifi"]),
    (FieldType.DATE, "Preferred date", None),
    (FieldType.NUMBER, "Expected guests", None),
)
_REQUIRED_FIELDS_B: tuple[tuple[int, str, list[str] | None], ...] = (
    (FieldType.TEXT, "Budget code", None),
)


def _ensure(lookups: Lookups, model: type[T], match: dict[str, Any], **values: Any) -> T:
    """The row matching ``match``, inserted with ``values`` the first time."""
    return lookups.find(model, **match) or lookups.add(model, **match, **values)


def _seed_account(uow: UnitOfWork, name: str, *, with_required_field: bool) -> dict[str, Any]:
    account = uow.accounts.find_by_name(name) or uow.accounts.add(name)
    lk = uow.lookups(account.id)
    venue = _ensure(lk, models.Venue, {"name": "Grand Hall"})
    other_venue = _ensure(lk, models.Venue, {"name": "Riverside Rooms"})
    owner = _ensure(
        lk, models.User, {"email": "sam.seller@example.com"}, first_name="Sam", last_name="Seller"
    )
    meeting = _ensure(lk, models.LeadType, {"name": "Meeting"})
    wedding = _ensure(lk, models.LeadType, {"name": "Wedding"})
    ceremony = _ensure(lk, models.LeadSubtype, {"type_id": wedding.id, "name": "Ceremony"})
    _ensure(lk, models.LeadSubtype, {"type_id": wedding.id, "name": "Reception"})
    source = _ensure(lk, models.LeadSource, {"name": "Website"}, default_type_id=meeting.id)
    referral = _ensure(lk, models.LeadSource, {"name": "Referral Program"}, is_referral=True)
    enquiry = _ensure(
        lk, models.LeadStage, {"name": "New Enquiry"}, apply_to=models.APPLY_TO_OPPORTUNITY
    )
    lost = _ensure(lk, models.LeadStage, {"name": "Lost"}, apply_to=models.APPLY_TO_OPPORTUNITY)
    _ensure(lk, models.LeadStage, {"name": "Lead Qualified"}, apply_to=models.APPLY_TO_LEAD)
    reason = _ensure(lk, models.LeadStageReason, {"stage_id": enquiry.id, "reason": "Website form"})
    foreign_reason = _ensure(lk, models.LeadStageReason, {"stage_id": lost.id, "reason": "Price"})
    channel = _ensure(lk, models.LeadChannel, {"name": "Email"})
    quality = _ensure(lk, models.LeadQuality, {"label": "Hot"}, show_on_dash=True)
    industry = _ensure(lk, models.Industry, {"name": "Technology"})
    _ensure(lk, models.LostReason, {"name": "Chose another venue"})

    specs = [(t, n, v, False) for t, n, v in _OPTIONAL_FIELDS]
    if with_required_field:
        specs += [(t, n, v, True) for t, n, v in _REQUIRED_FIELDS_B]
    fields = []
    for order, (field_type, display_name, options, required) in enumerate(specs):
        select_values = {option: option for option in options} if options else None
        definition = _ensure(
            lk,
            models.CustomFieldDefinition,
            {"entity": "opportunity", "display_name": display_name},
            field_type=field_type,
            is_required=required,
            sort_order=order,
            select_values=select_values,
        )
        fields.append(
            {
                "fieldId": definition.id,
                "fieldType": definition.field_type,
                "displayName": definition.display_name,
                "isRequired": definition.is_required,
                "selectValues": definition.select_values,
            }
        )

    if uow.session.get(models.AccountSettings, account.id) is None:
        uow.session.add(
            models.AccountSettings(
                account_id=account.id,
                default_stage_id=enquiry.id,
                default_venue_id=venue.id,
                default_type_id=meeting.id,
                default_source_id=source.id,
            )
        )
    api_key = uow.accounts.find_key_by_label(account.id, DEMO_KEY_LABEL)
    if api_key is None:
        key, secret = new_key_pair()
        api_key = uow.accounts.add_key(
            account_id=account.id, key=key, secret=secret, label=DEMO_KEY_LABEL
        )
    return {
        "accountId": account.id,
        "venueId": venue.id,
        "otherVenueId": other_venue.id,
        "sourceId": source.id,
        "referralSourceId": referral.id,
        "typeId": meeting.id,
        "typeWithSubtypesId": wedding.id,
        "subtypeId": ceremony.id,
        "stageId": enquiry.id,
        "stageReasonId": reason.id,
        "foreignStageReasonId": foreign_reason.id,
        "channelId": channel.id,
        "qualityId": quality.id,
        "industryId": industry.id,
        "ownerUserId": owner.id,
        "apiKey": api_key.key,
        "apiSecret": api_key.secret,
        "customFields": fields,
    }


def seed_account(
    uow: UnitOfWork, name: str, *, with_required_field: bool = False
) -> dict[str, Any]:
    """Create (or find) one account configured like a demo account; same shape as seed-demo."""
    with uow:
        uow.accounts.lock(f"venuecrm.seed-demo:{name}")
        seeded = _seed_account(uow, name, with_required_field=with_required_field)
        uow.commit()
    return seeded


def seed_demo(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Create (or find) demo accounts A and B; the same ids and keys on every run."""
    with uow:
        # Two seed-demo runs at once would otherwise both create account A.
        uow.accounts.lock("venuecrm.seed-demo")
        seeded = [
            _seed_account(uow, name, with_required_field=index == 1)
            for index, name in enumerate(DEMO_ACCOUNTS)
        ]
        uow.commit()
    return seeded


__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_KEY_LABEL",
    "seed_account",
    "seed_demo",
]
