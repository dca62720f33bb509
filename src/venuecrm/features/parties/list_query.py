"""The SQL of contact getContactList and getCompanyList (and getContact, getCompany, which are
one row of them): the fields venuecrm stores, labelled with iVvy's names (docs/ivvy.md §4.5).

Nested objects (companies of a contact, a company's primary contact, industry and account
managers, custom values) are computed only for the rows of the page.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, case, select

from venuecrm.platform.collections import Kind, ListQuery, ManyField
from venuecrm.platform.json_sql import custom_values, json_agg, json_object, or_empty, related
from venuecrm.platform.models import Company, CompanyContact, Contact, Industry, User

CONTACT, COMPANY = "contact", "company"


# Built once per account: constructing the statement costs more than a small page read.
@lru_cache(maxsize=1024)
def contact_list(account_id: int) -> ListQuery:
    """The account's contacts; ``companyId`` filters by membership."""
    c, cc = Contact, CompanyContact
    columns: dict[str, Any] = {
        "id": c.id, "firstName": c.first_name, "lastName": c.last_name, "email": c.email,
        "phone": c.phone, "status": c.status, "smsStatus": c.sms_status,
        "externalId": c.external_id, "privacyConsent": c.privacy_consent,
    }  # fmt: skip
    rows = _rows(c, account_id, columns)

    def memberships(contact_id: ColumnElement[Any]) -> Select[Any]:
        return select(cc.company_id).where(cc.account_id == account_id, cc.contact_id == contact_id)

    def details(page: Subquery) -> list[ColumnElement[Any]]:
        ids = select(json_agg(cc.company_id, (cc.company_id,))).where(
            cc.account_id == account_id, cc.contact_id == page.c.id
        )
        company = json_object({"id": Company.id, "businessName": Company.business_name})
        names = select(json_agg(company, (Company.id,))).where(
            Company.account_id == account_id, Company.id.in_(memberships(page.c.id))
        )
        return [
            or_empty(ids.scalar_subquery()).label("companies"),
            or_empty(names.scalar_subquery()).label("companiesData"),
            custom_values(account_id, CONTACT, page.c.id, value_key="value").label("customFields"),
        ]

    return ListQuery(rows, details, {"companyId": ManyField(Kind.INT, memberships)})


# Built once per account: constructing the statement costs more than a small page read.
@lru_cache(maxsize=1024)
def company_list(account_id: int) -> ListQuery:
    """The account's companies."""
    c = Company
    columns: dict[str, Any] = {
        "id": c.id, "externalId": c.external_id, "businessName": c.business_name,
        "tradingName": c.trading_name, "businessNumber": c.business_number, "phone": c.phone,
        "otherPhone": c.other_phone, "fax": c.fax, "website": c.website, "email": c.email,
        "primaryContactId": c.primary_contact_id,
        "primaryAccountManagerId": c.primary_account_manager_id,
        "secondaryAccountManagerId": c.secondary_account_manager_id,
        "industryId": c.industry_id,
        # An int, as addOrUpdateCompany takes it and the .NET SDK's model types it.
        "isAgent": case((c.is_agent, 1), else_=0), "iataNumber": c.iata_number,
        "address": c.address,
        # commissionSpace ... commissionAccommodationType, as sent; the reply spreads them.
        "commissions": c.commissions,
    }  # fmt: skip
    rows = _rows(c, account_id, columns)

    def details(page: Subquery) -> list[ColumnElement[Any]]:
        contact = {
            "id": Contact.id,
            "firstName": Contact.first_name,
            "lastName": Contact.last_name,
            "email": Contact.email,
            "phone": Contact.phone,
        }
        user = {
            "id": User.id,
            "firstName": User.first_name,
            "lastName": User.last_name,
            "email": User.email,
        }
        return [
            related(account_id, Contact, page.c.primaryContactId, contact).label("primaryContact"),
            related(account_id, Industry, page.c.industryId,
                    {"id": Industry.id, "name": Industry.name}).label("industry"),
            related(account_id, User, page.c.primaryAccountManagerId,
                    user).label("primaryAccountManager"),
            related(account_id, User, page.c.secondaryAccountManagerId,
                    user).label("secondaryAccountManager"),
            custom_values(account_id, COMPANY, page.c.id, value_key="value").label("customFields"),
        ]  # fmt: skip

    return ListQuery(rows, details)


def _rows(
    model: type[Company] | type[Contact], account_id: int, columns: dict[str, Any]
) -> Select[Any]:
    """The account's rows of ``model``: ``columns``, then what contacts and companies share."""
    shared = {"externalUrls": model.external_urls, "createdDate": model.created_at,
              "modifiedDate": model.modified_at}  # fmt: skip
    labelled = [column.label(key) for key, column in {**columns, **shared}.items()]
    return select(*labelled).where(model.account_id == account_id, model.deleted_at.is_(None))
