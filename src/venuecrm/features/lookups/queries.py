"""Repository of an account's collections: each method is the SQL of one iVvy list.

Columns are labelled with their wire names (docs/ivvy.md §3.6-3.8); every query is filtered by the
account, so another account's rows never appear. Lookups marked inactive are not listed, as
they cannot be used either; users are, with ``currentStatus`` 2 (docs/ivvy.md §3.7).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, case, func, select, text
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from venuecrm.features.notes.queries import opportunity_note_list
from venuecrm.features.opportunities.list_query import opportunity_list
from venuecrm.features.parties.list_query import company_list, contact_list
from venuecrm.platform.base import Tenant
from venuecrm.platform.collections import Condition, ListQuery, Page, fetch_page
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


class Lists:
    """An account's collections, as ``ListQuery`` objects to page with ``page``."""

    def __init__(self, session: Session, account_id: int) -> None:
        self.session = session
        self.account_id = account_id

    def page(
        self, query: ListQuery, conditions: Sequence[Condition], *, start: int, limit: int
    ) -> Page:
        """One page of ``query`` and its total."""
        return fetch_page(self.session, query, conditions, start=start, limit=limit)

    def _mine(self, model: type[Tenant], *columns: ColumnElement[Any]) -> Select[Any]:
        return select(*columns).where(model.account_id == self.account_id)

    def _nested(
        self, model: type[Tenant], parent: ColumnElement[Any], fields: dict[str, Any]
    ) -> ColumnElement[Any]:
        """Active child rows of the page's row as a JSON array ``[{...}]`` in id order."""
        item = func.json_build_object(*[x for pair in fields.items() for x in pair])
        return (
            select(func.coalesce(func.json_agg(aggregate_order_by(item, model.id)), text("'[]'")))
            .where(model.account_id == self.account_id, parent, model.is_active)  # type: ignore[attr-defined]
            .scalar_subquery()
        )

    def lead_sources(self) -> ListQuery:
        """crm getLeadSourceList."""
        s = LeadSource
        return ListQuery(
            self._mine(
                s,
                s.id.label("id"),
                s.name.label("name"),
                s.description.label("description"),
                s.cost.label("cost"),
                s.is_referral.label("isReferral"),
                s.default_type_id.label("defaultType"),
            ).where(s.is_active)
        )

    def lead_types(self) -> ListQuery:
        """crm getLeadTypeList, with each type's active subtypes."""
        t, sub = LeadType, LeadSubtype

        def details(page: Subquery) -> list[ColumnElement[Any]]:
            fields = {"id": sub.id, "name": sub.name}
            return [self._nested(sub, sub.type_id == page.c.id, fields).label("subtypes")]

        rows = self._mine(t, t.id.label("id"), t.name.label("type")).where(t.is_active)
        return ListQuery(rows, details)

    def lead_stages(self) -> ListQuery:
        """crm getLeadStageList, with each stage's active reasons."""
        st, r = LeadStage, LeadStageReason

        def details(page: Subquery) -> list[ColumnElement[Any]]:
            fields = {"id": r.id, "reason": r.reason}
            return [self._nested(r, r.stage_id == page.c.id, fields).label("reasons")]

        rows = self._mine(
            st, st.id.label("id"), st.name.label("name"), st.apply_to.label("applyTo")
        ).where(st.is_active)
        return ListQuery(rows, details)

    def lead_channels(self) -> ListQuery:
        """crm getLeadChannelList."""
        c = LeadChannel
        return ListQuery(self._mine(c, c.id.label("id"), c.name.label("name")).where(c.is_active))

    def lead_qualities(self) -> ListQuery:
        """crm getLeadQualityList."""
        q = LeadQuality
        return ListQuery(
            self._mine(
                q, q.id.label("id"), q.label.label("label"), q.show_on_dash.label("showOnDash")
            ).where(q.is_active)
        )

    def industries(self) -> ListQuery:
        """account getIndustryList."""
        i = Industry
        return ListQuery(
            self._mine(
                i,
                i.id.label("id"),
                i.name.label("name"),
                i.created_at.label("createdDate"),
                i.modified_at.label("modifiedDate"),
            ).where(i.is_active)
        )

    def users(self) -> ListQuery:
        """account getUserList: active and inactive users, told apart by ``currentStatus``."""
        u = User
        status = case((u.is_active, USER_ACTIVE), else_=USER_INACTIVE)
        return ListQuery(
            self._mine(
                u,
                u.id.label("id"),
                u.first_name.label("firstName"),
                u.last_name.label("lastName"),
                u.email.label("email"),
                u.phone.label("phone"),
                status.label("currentStatus"),
                u.created_at.label("createdDate"),
                u.modified_at.label("modifiedDate"),
            )
        )

    def venues(self) -> ListQuery:
        """venue getVenueList (and getVenue, as the list filtered by id)."""
        v = Venue
        return ListQuery(
            self._mine(
                v,
                v.id.label("id"),
                v.name.label("businessName"),
                v.created_at.label("createdDate"),
                v.modified_at.label("modifiedDate"),
            ).where(v.is_active)
        )

    def opportunities(self) -> ListQuery:
        """crm getOpportunityList."""
        return opportunity_list(self.account_id)

    def contacts(self) -> ListQuery:
        """contact getContactList (and getContact)."""
        return contact_list(self.account_id)

    def companies(self) -> ListQuery:
        """contact getCompanyList (and getCompany)."""
        return company_list(self.account_id)

    def opportunity_notes(self) -> ListQuery:
        """crm getOpportunityNoteList."""
        return opportunity_note_list(self.account_id)

    def custom_field_definitions(self, entity: str) -> list[dict[str, Any]]:
        """Every custom field definition of ``entity``, active or not, in display order."""
        d = CustomFieldDefinition
        query = (
            self._mine(
                d,
                d.id.label("fieldId"),
                d.field_type.label("fieldType"),
                d.display_name.label("displayName"),
                d.is_required.label("isRequired"),
                d.is_active.label("isActive"),
                d.sort_order.label("sortOrder"),
                d.select_values.label("selectValues"),
                d.file_types.label("fileTypes"),
            )
            .where(d.entity == entity)
            .order_by(d.sort_order, d.id)
        )
        return [dict(row) for row in self.session.execute(query).mappings()]
