"""The registry of iVvy actions: what each does, its request and reply models, its handler."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from venuecrm.errors import (
    CompanyNotFound,
    ContactNotFound,
    InvalidNoteDetails,
    InvalidNoteRequest,
    InvalidParameter,
    LeadNotFound,
    MissingParameter,
    OpportunityNoteNotFound,
    VenueNotFound,
)
from venuecrm.features.collections import Collection, get_collection
from venuecrm.features.lookups.service import LOOKUPS, LookupSpec, add_or_update_lookup
from venuecrm.features.notes.schemas import EXAMPLE as NOTE_EXAMPLE
from venuecrm.features.notes.schemas import OpportunityNoteIn
from venuecrm.features.notes.service import NOTES, add_or_update_opportunity_note
from venuecrm.features.opportunities.listing import OPPORTUNITIES
from venuecrm.features.opportunities.schemas import EXAMPLE as OPPORTUNITY_EXAMPLE
from venuecrm.features.opportunities.schemas import OpportunityIn
from venuecrm.features.opportunities.service import add_or_update_opportunity
from venuecrm.features.parties import contact_namespace as contacts
from venuecrm.features.parties.read_schemas import (
    CompanyItem,
    ContactItem,
    GetCompanyIn,
    GetContactIn,
)
from venuecrm.features.parties.schemas import COMPANY_EXAMPLE, CONTACT_EXAMPLE, CompanyIn, ContactIn
from venuecrm.features.reference import service as reference_data
from venuecrm.features.reference.schemas import CustomFieldDefinitionList, VenueIn, VenueItem
from venuecrm.platform.uow import UnitOfWork
from venuecrm.wire.collections import list_request_example
from venuecrm.wire.ivvy import Pong, SuccessReply, format_timestamp


@dataclass(frozen=True, slots=True)
class ActionContext:
    """One authenticated call: who made it, what it sent, and how to reach the database."""

    account_id: int
    api_key_id: int
    body: bytes
    now: datetime
    uow: Callable[[], UnitOfWork]


@dataclass(frozen=True, slots=True)
class Action:
    """An iVvy action: ``POST /api/1.0/{namespace}?action={name}``."""

    namespace: str
    name: str
    summary: str
    handler: Callable[[ActionContext], BaseModel]
    reply_model: type[BaseModel]
    request_model: type[BaseModel] | None = None
    request_example: Mapping[str, Any] | None = None
    error_codes: tuple[int, ...] = ()

    @property
    def writes(self) -> bool:
        """iVvy names every write addOrUpdate*; only writes are guarded against running twice."""
        return self.name.startswith("addOrUpdate")


def _ping(ctx: ActionContext) -> Pong:
    return Pong(ack=format_timestamp(ctx.now))


def _add_or_update_opportunity(ctx: ActionContext) -> SuccessReply:
    return SuccessReply(
        id=add_or_update_opportunity(
            ctx.uow(), account_id=ctx.account_id, api_key_id=ctx.api_key_id, body=ctx.body
        )
    )


def _add_or_update_opportunity_note(ctx: ActionContext) -> SuccessReply:
    return SuccessReply(
        id=add_or_update_opportunity_note(
            ctx.uow(), account_id=ctx.account_id, api_key_id=ctx.api_key_id, body=ctx.body
        )
    )


def _list_action(
    namespace: str,
    name: str,
    summary: str,
    collection: Collection[Any],
    example: Mapping[str, Any],
    error_codes: tuple[int, ...] = (),
) -> Action:
    """A collection action: paging and filter in, ``{meta, results}`` out."""

    def handler(ctx: ActionContext) -> BaseModel:
        reply: BaseModel = get_collection(
            ctx.uow(), collection, account_id=ctx.account_id, body=ctx.body
        )
        return reply

    return Action(
        namespace=namespace,
        name=name,
        summary=summary,
        handler=handler,
        reply_model=collection.reply,
        request_model=collection.request,
        request_example=example,
        error_codes=(InvalidParameter.specific_code, *error_codes),
    )


def _model_example(model: type[BaseModel]) -> Mapping[str, Any] | None:
    extra = model.model_config.get("json_schema_extra")
    example = extra.get("example") if isinstance(extra, dict) else None
    return example if isinstance(example, dict) else None


def _lookup_actions(spec: LookupSpec) -> tuple[Action, ...]:
    """getX List and addOrUpdateX of one CRM lookup (docs/ivvy.md §3.6)."""

    def add_or_update(ctx: ActionContext) -> SuccessReply:
        return SuccessReply(
            id=add_or_update_lookup(ctx.uow(), spec, account_id=ctx.account_id, body=ctx.body)
        )

    required = " and ".join(spec.required.values())
    name_field = next(iter(spec.required.values()))
    plural = spec.label[:-1] + "ies" if spec.label.endswith("y") else spec.label + "s"
    return (
        _list_action(
            "crm",
            f"get{spec.noun}List",
            f"List the account's active {plural}, with paging and filter.",
            spec.collection,
            list_request_example({f"{name_field}__CONTAINS": "a"}),
        ),
        Action(
            namespace="crm",
            name=f"addOrUpdate{spec.noun}",
            summary=f"Add a {spec.label} (no id; {required} required) or update one (id): "
            "only the keys sent change.",
            handler=add_or_update,
            reply_model=SuccessReply,
            request_model=spec.request,
            request_example=_model_example(spec.request),
            error_codes=(
                spec.not_found.specific_code,
                spec.invalid_request.specific_code,
                spec.invalid_details.specific_code,
            ),
        ),
    )


def _get_venue(ctx: ActionContext) -> VenueItem:
    return reference_data.get_venue(ctx.uow(), account_id=ctx.account_id, body=ctx.body)


def _definitions_action(namespace: str, name: str, entity: str, summary: str) -> Action:
    """A bare array of one entity's custom field definitions (docs/ivvy.md §4.4)."""

    def handler(ctx: ActionContext) -> CustomFieldDefinitionList:
        return reference_data.get_custom_field_definitions(
            ctx.uow(), account_id=ctx.account_id, entity=entity
        )

    return Action(
        namespace=namespace,
        name=name,
        summary=summary,
        handler=handler,
        reply_model=CustomFieldDefinitionList,
    )


def _add_or_update_contact(ctx: ActionContext) -> SuccessReply:
    return SuccessReply(
        id=contacts.add_or_update_contact(ctx.uow(), account_id=ctx.account_id, body=ctx.body)
    )


def _add_or_update_company(ctx: ActionContext) -> SuccessReply:
    return SuccessReply(
        id=contacts.add_or_update_company(ctx.uow(), account_id=ctx.account_id, body=ctx.body)
    )


def _get_contact(ctx: ActionContext) -> ContactItem:
    return contacts.get_contact(ctx.uow(), account_id=ctx.account_id, body=ctx.body)


def _get_company(ctx: ActionContext) -> CompanyItem:
    return contacts.get_company(ctx.uow(), account_id=ctx.account_id, body=ctx.body)


# docs/ivvy.md D29: problems are 23016 (23017 when only required values are missing).
_PARAMETER_CODES = (InvalidParameter.specific_code, MissingParameter.specific_code)

CONTACT_ACTIONS: tuple[Action, ...] = (
    Action(
        namespace="contact",
        name="addOrUpdateContact",
        summary="Add a contact (no id), update one (id), or update the one with the same "
        "firstName, lastName and email (updateIfExists): the same code as addOrUpdateOpportunity's "
        "nested contact. companies are added to; groups are ignored.",
        handler=_add_or_update_contact,
        reply_model=SuccessReply,
        request_model=ContactIn,
        request_example=CONTACT_EXAMPLE,
        error_codes=(*_PARAMETER_CODES, ContactNotFound.specific_code),
    ),
    Action(
        namespace="contact",
        name="addOrUpdateCompany",
        summary="Add a company (no id), update one (id), or update the one with the same "
        "businessName (updateIfExists), with its primaryContact: the same code as "
        "addOrUpdateOpportunity's nested company.",
        handler=_add_or_update_company,
        reply_model=SuccessReply,
        request_model=CompanyIn,
        request_example=COMPANY_EXAMPLE,
        error_codes=(*_PARAMETER_CODES, CompanyNotFound.specific_code),
    ),
    Action(
        namespace="contact",
        name="getContact",
        summary="One contact of the account, by id, with its companies and custom fields.",
        handler=_get_contact,
        reply_model=ContactItem,
        request_model=GetContactIn,
        request_example={"id": 33884},
        error_codes=(*_PARAMETER_CODES, ContactNotFound.specific_code),
    ),
    Action(
        namespace="contact",
        name="getCompany",
        summary="One company of the account, by id, with its primary contact, industry, "
        "account managers and custom fields.",
        handler=_get_company,
        reply_model=CompanyItem,
        request_model=GetCompanyIn,
        request_example={"id": 1618},
        error_codes=(*_PARAMETER_CODES, CompanyNotFound.specific_code),
    ),
    _list_action(
        "contact",
        "getContactList",
        "List the account's contacts, with paging and filter (fromModifiedDate, "
        "toModifiedDate, externalId, companyId, any result field); venueId and venueGroupId "
        "are accepted and ignored, as contacts are account-wide.",
        contacts.CONTACTS,
        list_request_example({"companyId": 1618, "fromModifiedDate": "2026-01-01 00:00:00"}),
    ),
    _list_action(
        "contact",
        "getCompanyList",
        "List the account's companies, with paging and filter (fromModifiedDate, "
        "toModifiedDate, any result field); venueId and venueGroupId are accepted and "
        "ignored, as companies are account-wide.",
        contacts.COMPANIES,
        list_request_example({"businessName__CONTAINS": "pty"}),
    ),
    _definitions_action(
        "contact",
        "getCustomFieldDefinition",
        "contact",
        "The account's contact custom field definitions (active or not), as a bare array.",
    ),
    _definitions_action(
        "contact",
        "getCompanyCustomFieldDefinition",
        "company",
        "The account's company custom field definitions (active or not), as a bare array.",
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
    Action(
        namespace="venue",
        name="addOrUpdateOpportunity",
        summary="Add an opportunity (no id) or update one (id), with its company, contact, "
        "referral and custom fields, in one transaction.",
        handler=_add_or_update_opportunity,
        reply_model=SuccessReply,
        request_model=OpportunityIn,
        request_example=OPPORTUNITY_EXAMPLE,
        error_codes=(24221, 24222, 24224),
    ),
    *(action for spec in LOOKUPS for action in _lookup_actions(spec)),
    _list_action(
        "crm",
        "getOpportunityList",
        "List the live opportunities of the account (or of venueIds), with their contact, "
        "company, names, custom fields and the unified CRM view's fields, by id.",
        OPPORTUNITIES,
        {"venueIds": [107], **list_request_example({"modifiedDate__GREATERTHAN": "2026-01-01"})},
    ),
    Action(
        namespace="venue",
        name="addOrUpdateOpportunityNote",
        summary="Add a note to an opportunity (no id) or replace a note's text (id); "
        "venueId, leadId and note are always required.",
        handler=_add_or_update_opportunity_note,
        reply_model=SuccessReply,
        request_model=OpportunityNoteIn,
        request_example=NOTE_EXAMPLE,
        error_codes=(
            InvalidNoteRequest.specific_code,
            VenueNotFound.specific_code,
            LeadNotFound.specific_code,
            OpportunityNoteNotFound.specific_code,
            InvalidNoteDetails.specific_code,
        ),
    ),
    _list_action(
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
        (LeadNotFound.specific_code,),
    ),
    _list_action(
        "account",
        "getIndustryList",
        "List the account's active industries, with paging and filter.",
        reference_data.INDUSTRIES,
        list_request_example({"name__BEGINS": "Tech"}),
    ),
    _list_action(
        "account",
        "getUserList",
        "List the account's users (currentStatus 1 active, 2 inactive), with paging and "
        "filter; venueId is accepted and ignored, as users are account-wide.",
        reference_data.USERS,
        {"venueId": 107, **list_request_example({"currentStatus": 1})},
    ),
    _list_action(
        "venue",
        "getVenueList",
        "List the account's active venues, with paging and filter.",
        reference_data.VENUES,
        list_request_example({"businessName__CONTAINS": "hall"}),
    ),
    Action(
        namespace="venue",
        name="getVenue",
        summary="One active venue of the account, by id.",
        handler=_get_venue,
        reply_model=VenueItem,
        request_model=VenueIn,
        request_example={"id": 107},
        error_codes=(
            InvalidParameter.specific_code,
            MissingParameter.specific_code,
            VenueNotFound.specific_code,
        ),
    ),
    _definitions_action(
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
