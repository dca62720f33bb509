"""The addOrUpdateOpportunity request (docs/ivvy.md §3.1)."""

from __future__ import annotations

from venuecrm.features.parties.schemas import CompanyIn, ContactIn, CustomFieldIn, ExternalUrls
from venuecrm.wire.ivvy import Id, IvvyDate, IvvyModel, Str255, Text, WholeNumber


class OpportunityIn(IvvyModel):
    """An opportunity to add (no ``id``) or update (``id``: only the keys sent change).

    Adding requires venueId, name, typeId, sourceId, and subtypeId when the type has
    subtypes; a contact or company is optional; a missing stageId takes the account's default
    stage. Updating requires id and venueId.
    """

    # Every key is optional here: what is required depends on create or update and on the
    # account, which the service knows.

    id: Id | None = None
    venue_id: Id | None = None
    name: Str255 | None = None
    description: Text | None = None
    company_id: Id | None = None
    company: CompanyIn | None = None
    company_lead_contact_id: Id | None = None
    contact_id: Id | None = None
    contact: ContactIn | None = None
    quality_id: Id | None = None
    industry_id: Id | None = None
    source_id: Id | None = None
    owner_user_id: Id | None = None
    type_id: Id | None = None
    subtype_id: Id | None = None
    stage_id: Id | None = None
    stage_reason_id: Id | None = None
    channel_id: Id | None = None
    utm_source: Str255 | None = None
    utm_medium: Str255 | None = None
    utm_campaign: Str255 | None = None
    utm_term: Str255 | None = None
    utm_content: Str255 | None = None
    referral_contact_id: Id | None = None
    referral_contact: ContactIn | None = None
    referral_company_id: Id | None = None
    referral_company: CompanyIn | None = None
    confirmed_quote_id: Id | None = None
    confirmed_quote_status: WholeNumber | None = None
    cancelled_quote_id: Id | None = None
    lost_to_competition: Id | None = None
    closed_date: IvvyDate | None = None
    custom_fields: list[CustomFieldIn] | None = None
    external_urls: ExternalUrls | None = None
