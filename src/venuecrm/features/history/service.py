"""getOpportunityHistory, getContactHistory and getCompanyHistory: one record's change records.

Each is an iVvy collection (paging and filter as every list) of the record's changes, newest
first. The record must be the account's, but may since have been deleted: its history, the
deletion included, stays readable. Another account's id is the namespace's "not found", the
same answer as an id that never existed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic.alias_generators import to_snake
from sqlalchemy import select

from venuecrm.errors import (
    CompanyNotFound,
    ContactNotFound,
    MissingParameter,
    OpportunityNotFound,
    VenueCrmError,
)
from venuecrm.features.collections import Collection
from venuecrm.features.history.fields import COMPANY, CONTACT, OPPORTUNITY
from venuecrm.features.history.queries import change_list
from venuecrm.features.history.schemas import (
    CompanyHistory,
    CompanyHistoryIn,
    ContactHistory,
    ContactHistoryIn,
    OpportunityHistory,
    OpportunityHistoryIn,
)
from venuecrm.platform.collections import Condition, Op
from venuecrm.platform.models import Company, Contact, Opportunity
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.collections import ListIn, ListReply

R = TypeVar("R", bound=ListReply[Any])


@dataclass(frozen=True)
class _Subject:
    """What has a history: its table, the wire key of its id, and its "not found"."""

    entity: str
    model: Any
    key: str
    not_found: type[VenueCrmError]
    message: str

    @property
    def attribute(self) -> str:
        """The request model's attribute holding the id."""
        return to_snake(self.key)

    def check(self, uow: UnitOfWork, account_id: int, request: Any) -> None:
        """The record is named and is the account's (in the venue, when one is given)."""
        record_id = getattr(request, self.attribute)
        if record_id is None:
            raise MissingParameter(f"'{self.key}' is required", [f"{self.key}: is required"])
        model = self.model
        query = select(model.id).where(model.account_id == account_id, model.id == record_id)
        venue_id = getattr(request, "venue_id", None)
        if venue_id is not None:
            query = query.where(model.venue_id == venue_id)
        if uow.session.execute(query).first() is None:
            where = f" in venue {venue_id}" if venue_id is not None else ""
            raise self.not_found(self.message.format(id=record_id) + where)

    def conditions(self, request: Any) -> list[Condition]:
        """The record's change records only."""
        return [Condition(self.key, Op.EQ, getattr(request, self.attribute))]

    def collection(self, reply: type[R], request: type[ListIn]) -> Collection[R]:
        """The history action's collection."""
        return Collection(
            lambda lists: change_list(lists.account_id, self.entity, self.key),
            reply,
            request,
            conditions=self.conditions,
            check=self.check,
        )


_OPPORTUNITY = _Subject(OPPORTUNITY, Opportunity, "opportunityId", OpportunityNotFound,
                        "Opportunity {id} does not exist")  # fmt: skip
_CONTACT = _Subject(CONTACT, Contact, "contactId", ContactNotFound, "Unable to find contact {id}")
_COMPANY = _Subject(COMPANY, Company, "companyId", CompanyNotFound, "Unable to find company {id}")
OPPORTUNITY_HISTORY = _OPPORTUNITY.collection(OpportunityHistory, OpportunityHistoryIn)
CONTACT_HISTORY = _CONTACT.collection(ContactHistory, ContactHistoryIn)
COMPANY_HISTORY = _COMPANY.collection(CompanyHistory, CompanyHistoryIn)
