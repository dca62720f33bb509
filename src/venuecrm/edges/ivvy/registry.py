"""The registry of iVvy actions: each declares its input, codes, example, service and reply.

``edges.ivvy.action.read_input`` turns every request body into the declared input;
``edges.openapi`` documents each action from its declaration alone.
"""

from __future__ import annotations

from venuecrm.edges.ivvy import examples
from venuecrm.edges.ivvy.action import Action, ActionContext, Codes, Stop
from venuecrm.edges.ivvy.builders import (
    definitions_action,
    list_action,
    lookup_actions,
    one_action,
    parameter_codes,
    write_action,
)
from venuecrm.errors import (
    CompanyNotFound,
    ContactNotFound,
    EmptyRequest,
    InvalidNoteDetails,
    InvalidNoteRequest,
    InvalidOpportunityDetails,
    LeadNotFound,
    OpportunityNoteNotFound,
    OpportunityNotFound,
    VenueNotFound,
)
from venuecrm.features.lookups.service import LOOKUPS
from venuecrm.features.notes.schemas import OpportunityNoteIn
from venuecrm.features.notes.service import NOTES, add_or_update_opportunity_note
from venuecrm.features.opportunities import listing as opportunities
from venuecrm.features.opportunities.list_schemas import GetOpportunityIn
from venuecrm.features.opportunities.schemas import OpportunityIn
from venuecrm.features.opportunities.service import add_or_update_opportunity
from venuecrm.features.parties import contact_namespace as contacts
from venuecrm.features.parties.read_schemas import (
    GetCompanyIn,
    GetContactIn,
)
from venuecrm.features.parties.schemas import CompanyIn, ContactIn
from venuecrm.features.reference import service as reference_data
from venuecrm.features.reference.schemas import VenueIn
from venuecrm.wire.collections import list_request_example
from venuecrm.wire.ivvy import Pong, format_timestamp

__all__ = ["ACTIONS", "Action", "ActionContext", "registry"]


def _ping(ctx: ActionContext) -> Pong:
    return Pong(ack=format_timestamp(ctx.now))


CONTACT_ACTIONS: tuple[Action, ...] = (
    write_action(
        "contact",
        "addOrUpdateContact",
        "Add a contact (no id), update one (id), or update the one with the same "
        "firstName, lastName and email (updateIfExists): the same code as addOrUpdateOpportunity's "
        "nested contact. companies are added to; groups are ignored.",
        request=ContactIn,
        example=examples.CONTACT,
        codes=parameter_codes(ContactNotFound),
        write=lambda uow, model, problems, who: contacts.add_or_update_party(uow, model, problems),
    ),
    write_action(
        "contact",
        "addOrUpdateCompany",
        "Add a company (no id), update one (id), or update the one with the same "
        "businessName (updateIfExists), with its primaryContact: the same code as "
        "addOrUpdateOpportunity's nested company.",
        request=CompanyIn,
        example=examples.COMPANY,
        codes=parameter_codes(CompanyNotFound),
        write=lambda uow, model, problems, who: contacts.add_or_update_party(uow, model, problems),
    ),
    one_action(
        "contact",
        "getContact",
        "One contact of the account, by id, with its companies and custom fields.",
        contacts.CONTACT,
        request=GetContactIn,
        example_id=33884,
    ),
    one_action(
        "contact",
        "getCompany",
        "One company of the account, by id, with its primary contact, industry, "
        "account managers and custom fields.",
        contacts.COMPANY,
        request=GetCompanyIn,
        example_id=1618,
    ),
    list_action(
        "contact",
        "getContactList",
        "List the account's contacts, with paging and filter (fromModifiedDate, "
        "toModifiedDate, externalId, companyId, any result field); venueId and venueGroupId "
        "are accepted and ignored, as contacts are account-wide.",
        contacts.CONTACTS,
        list_request_example({"companyId": 1618, "fromModifiedDate": "2026-01-01 00:00:00"}),
    ),
    list_action(
        "contact",
        "getCompanyList",
        "List the account's companies, with paging and filter (fromModifiedDate, "
        "toModifiedDate, any result field); venueId and venueGroupId are accepted and "
        "ignored, as companies are account-wide.",
        contacts.COMPANIES,
        list_request_example({"businessName__CONTAINS": "pty"}),
    ),
    definitions_action(
        "contact",
        "getCustomFieldDefinition",
        "contact",
        "The account's contact custom field definitions (active or not), as a bare array.",
    ),
    definitions_action(
        "contact",
        "getCompanyCustomFieldDefinition",
        "company",
        "The account's company custom field definitions (active or not), as a bare array.",
    ),
)


ACTIONS: tuple[Action, ...] = (
    Action(
        "test",
        "ping",
        "Check that the API answers and the request signature is accepted.",
        _ping,
        Pong,
    ),
    write_action(
        "venue",
        "addOrUpdateOpportunity",
        "Add an opportunity (no id) or update one (id), with its company, contact, "
        "referral and custom fields, in one transaction.",
        request=OpportunityIn,
        example=examples.OPPORTUNITY,
        codes=Codes(
            invalid=InvalidOpportunityDetails,
            empty=EmptyRequest,
            not_found=(OpportunityNotFound,),
        ),
        write=lambda uow, model, problems, who: add_or_update_opportunity(
            uow, model, problems, api_key_id=who.api_key_id
        ),
    ),
    *(action for spec in LOOKUPS for action in lookup_actions(spec)),
    list_action(
        "crm",
        "getOpportunityList",
        "List the live opportunities of the account (or of venueIds), with their contact, "
        "company, names, custom fields and the unified CRM view's fields, by id.",
        opportunities.OPPORTUNITIES,
        {"venueIds": [107], **list_request_example({"modifiedDate__GREATERTHAN": "2026-01-01"})},
    ),
    one_action(
        "crm",
        "getOpportunity",
        "venuecrm extension: one live opportunity of the account, by id, as getOpportunityList "
        "lists it.",
        opportunities.OPPORTUNITY,
        request=GetOpportunityIn,
        example_id=755,
    ),
    write_action(
        "venue",
        "addOrUpdateOpportunityNote",
        "Add a note to an opportunity (no id) or replace a note's text (id); "
        "venueId, leadId and note are always required.",
        request=OpportunityNoteIn,
        example=examples.NOTE,
        codes=Codes(
            invalid=InvalidNoteDetails,
            unreadable=InvalidNoteRequest,
            empty=InvalidNoteRequest,
            not_found=(VenueNotFound, LeadNotFound, OpportunityNoteNotFound),
            stop=Stop.NEVER,
        ),
        write=lambda uow, model, problems, who: add_or_update_opportunity_note(
            uow, model, problems, api_key_id=who.api_key_id
        ),
    ),
    list_action(
        "crm",
        "getOpportunityNoteList",
        "List the notes of one live opportunity (leadId), or of every live opportunity of "
        "the account (or of venueId), with paging and filter, by id.",
        NOTES,
        {
            "venueId": 107,
            "leadId": 755,
            **list_request_example({"modifiedDate__GREATERTHAN": "2026-01-01"}),
        },
        (LeadNotFound,),
    ),
    list_action(
        "account",
        "getIndustryList",
        "List the account's active industries, with paging and filter.",
        reference_data.INDUSTRIES,
        list_request_example({"name__BEGINS": "Tech"}),
    ),
    list_action(
        "account",
        "getUserList",
        "List the account's users (currentStatus 1 active, 2 inactive), with paging and "
        "filter; venueId is accepted and ignored, as users are account-wide.",
        reference_data.USERS,
        {"venueId": 107, **list_request_example({"currentStatus": 1})},
    ),
    list_action(
        "venue",
        "getVenueList",
        "List the account's active venues, with paging and filter.",
        reference_data.VENUES,
        list_request_example({"businessName__CONTAINS": "hall"}),
    ),
    one_action(
        "venue",
        "getVenue",
        "One active venue of the account, by id.",
        reference_data.VENUE,
        request=VenueIn,
        example_id=107,
    ),
    definitions_action(
        "venue",
        "getOpportunityCustomFieldDefinitionList",
        "opportunity",
        "venuecrm extension: the account's opportunity custom field definitions "
        "(active or not), as a bare array like iVvy's definition calls.",
    ),
    *CONTACT_ACTIONS,
)


def registry(actions: tuple[Action, ...] = ACTIONS) -> dict[tuple[str, str], Action]:
    """Actions keyed by lower-cased (namespace, action): iVvy matches names case-insensitively."""
    return {(a.namespace.lower(), a.name.lower()): a for a in actions}
