"""An account's collections: each iVvy list is a field specification, its wire names to the
columns they read, from which the SQL is built (``ListSpec``), or a list query of its feature.

Columns are labelled with their wire names (docs/ivvy.md §3.6-3.8); every query is filtered by the
account, so another account's rows never appear. Lookups marked inactive are not listed, as
they cannot be used either; users are, with ``currentStatus`` 2 (docs/ivvy.md §3.7).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Subquery, case, select
from sqlalchemy.orm import Session

from venuecrm.features.notes.queries import opportunity_note_list
from venuecrm.features.opportunities.list_query import opportunity_list
from venuecrm.features.parties.list_query import company_list, contact_list
from venuecrm.platform.collections import Condition, ListQuery, Page, fetch_page
from venuecrm.platform.json_sql import json_array, json_object
from venuecrm.platform.models import (
    CustomFieldDefinition,
    Industry,
    LeadChannel,
    LeadQuality,
    LeadSource,
    LeadStage,
    LeadStageReason,
    LeadSubtype,
    LeadType,
    User,
    Venue,
)

USER_ACTIVE, USER_INACTIVE = 1, 2


@dataclass(frozen=True, kw_only=True)
class Nested:
    """Active child rows of each listed row, as a JSON array ``[{...}]`` in id order under
    ``label``: ``parent`` names the child's column holding the listed row's id."""

    label: str
    model: Any
    parent: str
    fields: Mapping[str, Any]

    def column(self, account_id: int, page: Subquery) -> ColumnElement[Any]:
        """The array for the page's row, labelled."""
        m = self.model
        where = (m.account_id == account_id, getattr(m, self.parent) == page.c.id, m.is_active)
        return json_array(json_object(self.fields), where, order_by=(m.id,)).label(self.label)


@dataclass(frozen=True)
class ListSpec:
    """An account-wide list: its wire names to the columns they read (filterable and sorted by
    those names), whether only active rows are listed, and its nested arrays."""

    model: Any
    fields: Mapping[str, Any]
    active_only: bool = True
    nested: tuple[Nested, ...] = ()

    def __call__(self, lists: Lists) -> ListQuery:
        """The list for ``lists``' account."""
        m, account_id = self.model, lists.account_id
        rows = select(*[column.label(name) for name, column in self.fields.items()])
        rows = rows.where(m.account_id == account_id)
        if self.active_only:
            rows = rows.where(m.is_active)
        if not self.nested:
            return ListQuery(rows)
        nested = self.nested
        return ListQuery(rows, lambda page: [n.column(account_id, page) for n in nested])


@dataclass(frozen=True)
class OfAccount:
    """A list its own feature builds for an account."""

    build: Callable[[int], ListQuery]

    def __call__(self, lists: Lists) -> ListQuery:
        """The list for ``lists``' account."""
        return self.build(lists.account_id)


S, T, ST, Q, IN, U, V = LeadSource, LeadType, LeadStage, LeadQuality, Industry, User, Venue
# The wire names of each list (docs/ivvy.md §3.6-3.8) and the columns they read.
LEAD_SOURCES = ListSpec(S, {"id": S.id, "name": S.name, "description": S.description,
                            "cost": S.cost, "isReferral": S.is_referral,
                            "defaultType": S.default_type_id})  # fmt: skip
LEAD_TYPES = ListSpec(T, {"id": T.id, "type": T.name}, nested=(
    Nested(label="subtypes", model=LeadSubtype, parent="type_id",
           fields={"id": LeadSubtype.id, "name": LeadSubtype.name}),
))  # fmt: skip
LEAD_STAGES = ListSpec(ST, {"id": ST.id, "name": ST.name, "applyTo": ST.apply_to}, nested=(
    Nested(label="reasons", model=LeadStageReason, parent="stage_id",
           fields={"id": LeadStageReason.id, "reason": LeadStageReason.reason}),
))  # fmt: skip
LEAD_CHANNELS = ListSpec(LeadChannel, {"id": LeadChannel.id, "name": LeadChannel.name})
LEAD_QUALITIES = ListSpec(Q, {"id": Q.id, "label": Q.label, "showOnDash": Q.show_on_dash})
INDUSTRIES = ListSpec(IN, {"id": IN.id, "name": IN.name, "createdDate": IN.created_at,
                           "modifiedDate": IN.modified_at})  # fmt: skip
# Active and inactive users, told apart by currentStatus.
USERS = ListSpec(U, {"id": U.id, "firstName": U.first_name, "lastName": U.last_name,
                     "email": U.email, "phone": U.phone,
                     "currentStatus": case((U.is_active, USER_ACTIVE), else_=USER_INACTIVE),
                     "createdDate": U.created_at, "modifiedDate": U.modified_at},
                 active_only=False)  # fmt: skip
VENUES = ListSpec(V, {"id": V.id, "businessName": V.name, "createdDate": V.created_at,
                      "modifiedDate": V.modified_at})  # fmt: skip


class Lists:
    """An account's collections: each attribute makes one list's ``ListQuery`` for the
    account, to page with ``page``."""

    lead_sources = LEAD_SOURCES  # crm getLeadSourceList
    lead_types = LEAD_TYPES  # crm getLeadTypeList, with each type's active subtypes
    lead_stages = LEAD_STAGES  # crm getLeadStageList, with each stage's active reasons
    lead_channels = LEAD_CHANNELS  # crm getLeadChannelList
    lead_qualities = LEAD_QUALITIES  # crm getLeadQualityList
    industries = INDUSTRIES  # account getIndustryList
    users = USERS  # account getUserList
    venues = VENUES  # venue getVenueList (and getVenue, as the list filtered by id)
    opportunities = OfAccount(opportunity_list)  # crm getOpportunityList
    contacts = OfAccount(contact_list)  # contact getContactList (and getContact)
    companies = OfAccount(company_list)  # contact getCompanyList (and getCompany)
    opportunity_notes = OfAccount(opportunity_note_list)  # crm getOpportunityNoteList

    def __init__(self, session: Session, account_id: int) -> None:
        self.session = session
        self.account_id = account_id

    def page(
        self, query: ListQuery, conditions: Sequence[Condition], *, start: int, limit: int
    ) -> Page:
        """One page of ``query`` and its total."""
        return fetch_page(self.session, query, conditions, start=start, limit=limit)

    def custom_field_definitions(self, entity: str) -> list[dict[str, Any]]:
        """Every custom field definition of ``entity``, active or not, in display order."""
        d = CustomFieldDefinition
        query = (
            select(
                d.id.label("fieldId"),
                d.field_type.label("fieldType"),
                d.display_name.label("displayName"),
                d.is_required.label("isRequired"),
                d.is_active.label("isActive"),
                d.sort_order.label("sortOrder"),
                d.select_values.label("selectValues"),
                d.file_types.label("fileTypes"),
            )
            .where(d.account_id == self.account_id, d.entity == entity)
            .order_by(d.sort_order, d.id)
        )
        return [dict(row) for row in self.session.execute(query).mappings()]
