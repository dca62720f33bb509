"""Reads of companies and contacts for the unified CRM view: filtered, sorted, keyset-paged.

Deleted companies and contacts are never read. A page reads one row more than it returns, so
the caller knows whether another page follows; the total comes in the same statement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from venuecrm.features.unified_lists import Filter, read_id, same_text, since
from venuecrm.platform.json_sql import custom_values
from venuecrm.platform.keyset import after, order_by, sort_keys
from venuecrm.platform.models import Company, CompanyContact, Contact, Industry, Opportunity

_FULL_NAME = func.trim(func.concat(Contact.first_name, " ", Contact.last_name))


def _in_company(company_id: int) -> ColumnElement[bool]:
    cc = CompanyContact
    return exists().where(
        cc.account_id == Contact.account_id,
        cc.contact_id == Contact.id,
        cc.company_id == company_id,
    )


@dataclass(frozen=True)
class PartyList:
    """A list's /crm name, its filters and its sorts by /crm name (docs/unified.md §7): the
    one place the reads, the checks and the OpenAPI parameters take them from."""

    resource: str
    entity: str  # "company" or "contact"
    filters: Mapping[str, Filter]
    sorts: Mapping[str, Any]


COMPANIES = PartyList(
    "companies",
    "company",
    {
        "name": same_text(Company.business_name, strip=False),
        "updated_since": since(Company.modified_at),
        "created_since": since(Company.created_at),
    },
    {"created_at": Company.created_at, "updated_at": Company.modified_at,
     "name": Company.business_name},
)  # fmt: skip
CONTACTS = PartyList(
    "contacts",
    "contact",
    {
        # Names, e-mails and phones match whatever their case and surrounding blanks.
        "name": same_text(_FULL_NAME),
        "first_name": same_text(Contact.first_name),
        "last_name": same_text(Contact.last_name),
        "email": same_text(Contact.email),
        "phone_number": same_text(Contact.phone),
        "company_id": Filter(read_id, _in_company),
        "owner_id": same_text(Contact.crm_extras["owner_id"].astext),
        "updated_since": since(Contact.modified_at),
        "created_since": since(Contact.created_at),
    },
    {"created_at": Contact.created_at, "updated_at": Contact.modified_at, "name": _FULL_NAME,
     "first_name": Contact.first_name, "last_name": Contact.last_name, "email": Contact.email},
)  # fmt: skip


@dataclass
class PartyQuery:
    """A list request: conditions, sort, and the keyset position of the last row seen."""

    conditions: dict[str, ColumnElement[bool]] = field(default_factory=dict)  # by filter
    sort: str | None = None
    descending: bool = False
    after: tuple[Any, ...] | None = None
    limit: int = 20


class CrmParties:
    """An account's live companies and contacts as the unified CRM view reads them."""

    def __init__(self, session: Session, account_id: int) -> None:
        self.session = session
        self.account_id = account_id

    def _company_select(self) -> Any:
        c, i = Company, Industry
        industry = (
            select(i.name).where(i.account_id == c.account_id, i.id == c.industry_id)
        ).scalar_subquery()
        custom = custom_values(self.account_id, "company", c.id.expression, value_key="value")
        return select(c, industry.label("industry"), custom.label("custom"))

    def _contact_select(self) -> Any:
        c, cc, co, o = Contact, CompanyContact, Company, Opportunity
        first_company = (
            select(cc.company_id)
            .where(cc.account_id == c.account_id, cc.contact_id == c.id)
            .order_by(cc.company_id)
            .limit(1)
            .scalar_subquery()
        )
        # Its own join rather than a subquery of first_company: a subquery nested two levels
        # deep would not correlate with the contact and would read another contact's company.
        company_name = (
            select(co.business_name)
            .join(cc, and_(cc.account_id == co.account_id, cc.company_id == co.id))
            .where(cc.account_id == c.account_id, cc.contact_id == c.id)
            .order_by(cc.company_id)
            .limit(1)
            .scalar_subquery()
        )
        opportunities = (
            select(func.coalesce(func.array_agg(aggregate_order_by(o.id, o.id)), []))
            .where(o.account_id == c.account_id, o.contact_id == c.id, o.deleted_at.is_(None))
            .scalar_subquery()
        )
        custom = custom_values(self.account_id, "contact", c.id.expression, value_key="value")
        return select(
            c,
            first_company.label("company_id"),
            company_name.label("company_name"),
            opportunities.label("opportunity_ids"),
            custom.label("custom"),
        )

    def _where(self, model: type[Company] | type[Contact], query: PartyQuery) -> list[Any]:
        return [
            model.account_id == self.account_id,
            model.deleted_at.is_(None),
            *query.conditions.values(),
        ]

    def _source(self, spec: PartyList) -> tuple[type[Company] | type[Contact], Any]:
        """The table of ``spec``'s list and the statement reading its rows: (company, industry
        name, custom values) or (contact, first company, its name, opportunities, custom)."""
        if spec.entity == "company":
            return Company, self._company_select()
        return Contact, self._contact_select()

    def page(self, spec: PartyList, query: PartyQuery) -> tuple[list[Any], int, bool]:
        """A page of ``spec``'s list, its total, and whether another page follows."""
        model, statement = self._source(spec)
        column = spec.sorts[query.sort] if query.sort else None
        return self._page(statement, model, column, self._where(model, query), query)

    def _page(
        self,
        statement: Any,
        model: type[Company] | type[Contact],
        column: Any,
        where: list[Any],
        query: PartyQuery,
    ) -> tuple[list[Any], int, bool]:
        keys = sort_keys(column, row_id=model.id, descending=query.descending)
        total = select(func.count()).select_from(model).where(*where).correlate(None)
        page = (
            statement.add_columns(total.scalar_subquery().label("total"))
            .where(*where, *([after(keys, query.after)] if query.after is not None else []))
            .order_by(*order_by(keys))
            .limit(query.limit + 1)
        )
        rows = list(self.session.execute(page))
        if rows:
            count = int(rows[0].total)
        elif query.after is None:
            count = 0
        else:  # past the last row: the page cannot carry the total
            count = int(self.session.execute(total).scalar_one())
        return rows[: query.limit], count, len(rows) > query.limit

    def one(self, spec: PartyList, record_id: int) -> Any | None:
        """One live record as ``page`` reads it, or None."""
        model, statement = self._source(spec)
        where = [model.account_id == self.account_id, model.deleted_at.is_(None)]
        return self.session.execute(statement.where(*where, model.id == record_id)).first()

    def referenced_by_opportunities(self, kind: str, record_id: int) -> int:
        """How many live opportunities name this company or contact (as party or referral)."""
        o = Opportunity
        columns = (
            (o.company_id, o.referral_company_id)
            if kind == "company"
            else (o.contact_id, o.referral_contact_id)
        )
        query = select(func.count()).where(
            o.account_id == self.account_id,
            o.deleted_at.is_(None),
            (columns[0] == record_id) | (columns[1] == record_id),
        )
        return int(self.session.execute(query).scalar_one())

    def delete(self, entity: str, row_id: int) -> None:
        """Soft-delete a company or contact the caller locked: its memberships go, and so does
        a primary-contact link to it, so nothing the APIs still show points at a record they no
        longer show."""
        cc = CompanyContact
        company = entity == "company"
        column = cc.company_id if company else cc.contact_id
        self.session.execute(delete(cc).where(cc.account_id == self.account_id, column == row_id))
        if not company:
            self.session.execute(
                update(Company)
                .where(Company.account_id == self.account_id)
                .where(Company.primary_contact_id == row_id)
                .values(primary_contact_id=None, modified_at=func.now())
            )
        model: type[Company] | type[Contact] = Company if company else Contact
        self.session.execute(
            update(model)
            .where(model.account_id == self.account_id, model.id == row_id)
            .values(deleted_at=func.now(), modified_at=func.now())
        )
