"""The SQL of crm getOpportunityList: one labelled row per live opportunity (docs/ivvy.md §3.4).

Names come from joins, so they can be filtered; the nested objects (owner, contact, company,
custom fields) are computed only for the rows of the page.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Subquery, and_, cast, func, select
from sqlalchemy.orm import aliased

from venuecrm.platform.collections import ListQuery
from venuecrm.platform.json_sql import custom_values, related
from venuecrm.platform.models import (
    Company,
    Contact,
    LeadChannel,
    LeadQuality,
    LeadSource,
    LeadStage,
    LeadStageReason,
    LeadType,
    LostReason,
    Opportunity,
    User,
)


# Built once per account: constructing the statement costs more than a small page read.
@lru_cache(maxsize=1024)
def opportunity_list(account_id: int) -> ListQuery:
    """getOpportunityList's rows: iVvy's item, the utm fields and the unified CRM's extras."""
    o = Opportunity
    names = {
        "quality": (aliased(LeadQuality), o.quality_id, "label"),
        "stageName": (aliased(LeadStage), o.stage_id, "name"),
        "stageReasonName": (aliased(LeadStageReason), o.stage_reason_id, "reason"),
        "type": (aliased(LeadType), o.type_id, "name"),
        "sourceName": (aliased(LeadSource), o.source_id, "name"),
        "channelName": (aliased(LeadChannel), o.channel_id, "name"),
        "lostToCompetitionName": (aliased(LostReason), o.lost_reason_id, "name"),
    }
    # docs/ivvy.md D14: closedDate reads as the timestamp of that day's start, UTC.
    closed = func.timezone("UTC", cast(o.closed_date, DateTime()), type_=DateTime(timezone=True))
    columns: dict[str, Any] = {
        "id": o.id, "venueId": o.venue_id, "name": o.name, "description": o.description,
        "qualityId": o.quality_id, "stageId": o.stage_id, "stageReasonId": o.stage_reason_id,
        "adminStatusChangedDate": o.stage_changed_at, "typeId": o.type_id,
        "subtypeId": o.subtype_id, "sourceId": o.source_id, "channelId": o.channel_id,
        "contactType": o.contact_type, "contactId": o.contact_id, "companyId": o.company_id,
        "ownerUserId": o.owner_user_id, "closedDate": closed,
        "lostToCompetition": o.lost_reason_id, "referralContactId": o.referral_contact_id,
        "referralCompanyId": o.referral_company_id, "confirmedQuoteId": o.confirmed_quote_id,
        "confirmedQuoteStatus": o.confirmed_quote_status,
        "cancelledQuoteId": o.cancelled_quote_id, "utmSource": o.utm_source,
        "utmMedium": o.utm_medium, "utmCampaign": o.utm_campaign, "utmTerm": o.utm_term,
        "utmContent": o.utm_content, "createdDate": o.created_at, "modifiedDate": o.modified_at,
        "externalUrls": o.external_urls,
        # The unified CRM view's own fields, as extra keys (docs/unified.md C5).
        "monetaryAmount": o.monetary_amount, "currency": o.currency,
        "winProbability": o.win_probability, "priority": o.priority, "status": o.status,
        "statusId": o.status_id, "tags": o.tags, "wonReasonId": o.won_reason_id,
        "wonReason": o.won_reason, "leadId": o.lead_id,
        "stageLastChangedAt": o.stage_last_changed_at,
    }  # fmt: skip
    query = select(
        *[column.label(key) for key, column in columns.items()],
        *[getattr(model, attr).label(key) for key, (model, _, attr) in names.items()],
    ).select_from(o)
    for model, key, _ in names.values():
        query = query.outerjoin(model, and_(model.account_id == o.account_id, model.id == key))
    rows = query.where(o.account_id == account_id, o.deleted_at.is_(None))

    def details(page: Subquery) -> list[ColumnElement[Any]]:
        return [
            related(account_id, User, page.c.ownerUserId,
                    {"id": User.id, "firstName": User.first_name, "lastName": User.last_name,
                     "email": User.email, "phone": User.phone}).label("ownerUser"),
            related(account_id, Contact, page.c.contactId,
                    {"id": Contact.id, "firstName": Contact.first_name,
                     "lastName": Contact.last_name, "email": Contact.email,
                     "phone": Contact.phone}).label("contact"),
            related(account_id, Company, page.c.companyId,
                    {"id": Company.id, "businessName": Company.business_name,
                     "businessNumber": Company.business_number, "phone": Company.phone,
                     "email": Company.email}).label("company"),
            custom_values(account_id, "opportunity", page.c.id,
                          value_key="fieldValue").label("customFields"),
        ]  # fmt: skip

    return ListQuery(rows, details)
