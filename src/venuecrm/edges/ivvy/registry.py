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
    MissingParameter,
    OpportunityNoteNotFound,
    OpportunityNotFound,
    VenueNotFound,
)
from venuecrm.features.events import operator as deliveries
from venuecrm.features.events import subscriptions
from venuecrm.features.events.schemas import (
    NotificationsIn,
    RedeliverIn,
    RedeliverReply,
    SubscribeReply,
    UnsubscribeReply,
)
from venuecrm.features.history import service as history
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
        namespace="contact",
        name="addOrUpdateContact",
        summary="Add a contact (no id), update one (id), or update the one with the same "
        "firstName, lastName and email (updateIfExists): the same code as addOrUpdateOpportunity's "
        "nested contact. companies are added to; groups are ignored.",
        request=ContactIn,
        example=examples.CONTACT,
        codes=parameter_codes(ContactNotFound),
        write=lambda uow, model, problems, who: contacts.add_or_update_party(uow, model, problems),
    ),
    write_action(
        namespace="contact",
        name="addOrUpdateCompany",
        summary="Add a company (no id), update one (id), or update the one with the same "
        "businessName (updateIfExists), with its primaryContact: the same code as "
        "addOrUpdateOpportunity's nested company.",
        request=CompanyIn,
        example=examples.COMPANY,
        codes=parameter_codes(CompanyNotFound),
        write=lambda uow, model, problems, who: contacts.add_or_update_party(uow, model, problems),
    ),
    one_action(
        namespace="contact",
        name="getContact",
        summary="One contact of the account, by id, with its companies and custom fields.",
        record=contacts.CONTACT,
        request=GetContactIn,
        example_id=33884,
    ),
    one_action(
        namespace="contact",
        name="getCompany",
        summary="One company of the account, by id, with its primary contact, industry, "
        "account managers and custom fields.",
        record=contacts.COMPANY,
        request=GetCompanyIn,
        example_id=1618,
    ),
    list_action(
        namespace="contact",
        name="getContactList",
        summary="List the account's contacts, with paging and filter (fromModifiedDate, "
        "toModifiedDate, externalId, companyId, any result field); venueId and venueGroupId "
        "are accepted and ignored, as contacts are account-wide.",
        collection=contacts.CONTACTS,
        example=list_request_example(
            {"companyId": 1618, "fromModifiedDate": "2026-01-01 00:00:00"}
        ),
    ),
    list_action(
        namespace="contact",
        name="getCompanyList",
        summary="List the account's companies, with paging and filter (fromModifiedDate, "
        "toModifiedDate, any result field); venueId and venueGroupId are accepted and "
        "ignored, as companies are account-wide.",
        collection=contacts.COMPANIES,
        example=list_request_example({"businessName__CONTAINS": "pty"}),
    ),
    list_action(
        namespace="contact",
        name="getContactHistory",
        summary="venuecrm extension: every change of one contact of the account (deleted ones "
        "too), newest first: who, when, the request id and each field's old and new value.",
        collection=history.CONTACT_HISTORY,
        example={"contactId": 33884, **list_request_example({"action": "updated"})},
        not_found=(ContactNotFound,),
        missing=MissingParameter,
    ),
    list_action(
        namespace="contact",
        name="getCompanyHistory",
        summary="venuecrm extension: every change of one company of the account (deleted ones "
        "too), newest first: who, when, the request id and each field's old and new value.",
        collection=history.COMPANY_HISTORY,
        example={"companyId": 1618, **list_request_example({"action": "updated"})},
        not_found=(CompanyNotFound,),
        missing=MissingParameter,
    ),
    definitions_action(
        namespace="contact",
        name="getCustomFieldDefinition",
        entity="contact",
        summary="The account's contact custom field definitions (active or not), as a bare array.",
    ),
    definitions_action(
        namespace="contact",
        name="getCompanyCustomFieldDefinition",
        entity="company",
        summary="The account's company custom field definitions (active or not), as a bare array.",
    ),
)


ACTIONS: tuple[Action, ...] = (
    Action(
        namespace="test",
        name="ping",
        summary="Check that the API answers and the request signature is accepted.",
        handler=_ping,
        reply_model=Pong,
    ),
    write_action(
        namespace="venue",
        name="addOrUpdateOpportunity",
        summary="Add an opportunity (no id) or update one (id), with its company, contact, "
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
        namespace="crm",
        name="getOpportunityList",
        summary="List the live opportunities of the account (or of venueIds), with their contact, "
        "company, names, custom fields and the unified CRM view's fields, by id.",
        collection=opportunities.OPPORTUNITIES,
        example={
            "venueIds": [107],
            **list_request_example({"modifiedDate__GREATERTHAN": "2026-01-01"}),
        },
    ),
    one_action(
        namespace="crm",
        name="getOpportunity",
        summary="venuecrm extension: one live opportunity of the account, by id, as "
        "getOpportunityList lists it.",
        record=opportunities.OPPORTUNITY,
        request=GetOpportunityIn,
        example_id=755,
    ),
    list_action(
        namespace="venue",
        name="getOpportunityHistory",
        summary="venuecrm extension: every change of one opportunity of the account (deleted "
        "ones too), newest first: who, when, the request id and each field's old and new value "
        "in iVvy's wire names (customFields.{fieldId} for custom fields).",
        collection=history.OPPORTUNITY_HISTORY,
        example={
            "venueId": 107,
            "opportunityId": 755,
            **list_request_example({"changedDate__GREATERTHAN": "2026-01-01"}),
        },
        not_found=(OpportunityNotFound,),
        missing=MissingParameter,
    ),
    write_action(
        namespace="venue",
        name="addOrUpdateOpportunityNote",
        summary="Add a note to an opportunity (no id) or replace a note's text (id); "
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
        namespace="crm",
        name="getOpportunityNoteList",
        summary="List the notes of one live opportunity (leadId), or of every live opportunity of "
        "the account (or of venueId), with paging and filter, by id.",
        collection=NOTES,
        example={
            "venueId": 107,
            "leadId": 755,
            **list_request_example({"modifiedDate__GREATERTHAN": "2026-01-01"}),
        },
        not_found=(LeadNotFound,),
    ),
    list_action(
        namespace="account",
        name="getIndustryList",
        summary="List the account's active industries, with paging and filter.",
        collection=reference_data.INDUSTRIES,
        example=list_request_example({"name__BEGINS": "Tech"}),
    ),
    list_action(
        namespace="account",
        name="getUserList",
        summary="List the account's users (currentStatus 1 active, 2 inactive), with paging and "
        "filter; venueId is accepted and ignored, as users are account-wide.",
        collection=reference_data.USERS,
        example={"venueId": 107, **list_request_example({"currentStatus": 1})},
    ),
    list_action(
        namespace="venue",
        name="getVenueList",
        summary="List the account's active venues, with paging and filter.",
        collection=reference_data.VENUES,
        example=list_request_example({"businessName__CONTAINS": "hall"}),
    ),
    one_action(
        namespace="venue",
        name="getVenue",
        summary="One active venue of the account, by id.",
        record=reference_data.VENUE,
        request=VenueIn,
        example_id=107,
    ),
    definitions_action(
        namespace="venue",
        name="getOpportunityCustomFieldDefinitionList",
        entity="opportunity",
        summary="venuecrm extension: the account's opportunity custom field definitions "
        "(active or not), as a bare array like iVvy's definition calls.",
    ),
    Action(
        namespace="account",
        name="subscribeToNotifications",
        summary="Subscribe endpoints to the account's crm, contacts and companies events "
        "(other topics answer as not requested): each gets a SubscriptionConfirmation to "
        "confirm, and its Standard Webhooks secret is in this reply only.",
        handler=lambda ctx: subscriptions.subscribe(
            ctx.uow(), ctx.input, api_key_id=ctx.api_key_id
        ),
        reply_model=SubscribeReply,
        request_model=NotificationsIn,
        request_example={"crmEndpoint": "https://hooks.example.com/ivvy"},
        codes=Codes(stop=Stop.ANY),
    ),
    Action(
        namespace="account",
        name="unsubscribeFromNotifications",
        summary="Unsubscribe endpoints, by topic: 1 success, 2 not requested, 4 not found, "
        "5 another API key subscribed it, 6 its receiver never confirmed it.",
        handler=lambda ctx: subscriptions.unsubscribe(
            ctx.uow(), ctx.input, api_key_id=ctx.api_key_id
        ),
        reply_model=UnsubscribeReply,
        request_model=NotificationsIn,
        request_example={"crmEndpoint": "https://hooks.example.com/ivvy"},
        codes=Codes(stop=Stop.ANY),
    ),
    list_action(
        namespace="account",
        name="getNotificationDeliveryList",
        summary="venuecrm extension: the account's event deliveries, newest first: subject, "
        "record, subscription, status (pending, delivered, parked), attempts and the last "
        "attempt's status code and error.",
        collection=deliveries.DELIVERIES,
        example=list_request_example({"status": "parked"}),
    ),
    Action(
        namespace="account",
        name="redeliverNotifications",
        summary="venuecrm extension: make one delivery (deliveryId), or every event since a "
        "time (since, optionally of one subscriptionId), due again now with a fresh retry "
        "window; a delivered event goes out again under the same webhook-id.",
        handler=lambda ctx: deliveries.redeliver(ctx.uow(), ctx.input),
        reply_model=RedeliverReply,
        request_model=RedeliverIn,
        request_example={"since": "2026-12-01 00:00:00"},
        codes=Codes(missing=MissingParameter, stop=Stop.ANY),
    ),
    *CONTACT_ACTIONS,
)


def registry(actions: tuple[Action, ...] = ACTIONS) -> dict[tuple[str, str], Action]:
    """Actions keyed by lower-cased (namespace, action): iVvy matches names case-insensitively."""
    return {(a.namespace.lower(), a.name.lower()): a for a in actions}
