"""Errors of the iVvy actions: opportunities, venues, contacts, companies, notes, lookups."""

from __future__ import annotations

from typing import TypeVar

from .base import VenueCrmError

_E = TypeVar("_E", bound=VenueCrmError)


class EmptyRequest(VenueCrmError):
    """addOrUpdateOpportunity received nothing to act on."""

    specific_code = 24221
    meaning = "addOrUpdateOpportunity: the request is empty"
    default_message = "The request is empty"


class OpportunityNotFound(VenueCrmError):
    """The opportunity to update does not exist in the caller's account and venue."""

    specific_code = 24222
    meaning = "addOrUpdateOpportunity: the opportunity does not exist"
    default_message = "The opportunity does not exist"


class InvalidOpportunityDetails(VenueCrmError):
    """The opportunity details are invalid; ``additional_messages`` lists every problem."""

    specific_code = 24224
    meaning = "addOrUpdateOpportunity: the details are invalid (every problem listed)"
    default_message = "The opportunity details are invalid"


class VenueNotFound(VenueCrmError):
    """getVenue or a note names a venue the account does not have (or has deactivated)."""

    specific_code = 24438
    meaning = (
        "getVenue, addOrUpdateOpportunityNote: no such active venue in your account (iVvy's "
        '"venue does not exist")'
    )
    default_message = "The venue does not exist"


class ContactNotFound(VenueCrmError):
    """The contact to read or update is not one of the account's (iVvy 24096)."""

    specific_code = 24096
    meaning = "getContact, addOrUpdateContact: no such contact in your account"
    default_message = "Unable to find contact"


class CompanyNotFound(VenueCrmError):
    """The company to read or update is not one of the account's (iVvy 24153)."""

    specific_code = 24153
    meaning = "getCompany, addOrUpdateCompany: no such company in your account"
    default_message = "Unable to find company"


class OpportunityNoteNotFound(VenueCrmError):
    """addOrUpdateOpportunityNote: the note to update is not a note of that opportunity."""

    specific_code = 24434
    meaning = "addOrUpdateOpportunityNote: the note does not exist on that opportunity"
    default_message = "The note does not exist"


class InvalidNoteRequest(VenueCrmError):
    """addOrUpdateOpportunityNote: the body is empty, not JSON, or not a JSON object."""

    specific_code = 24436
    meaning = "addOrUpdateOpportunityNote: the body is empty or not a JSON object"
    default_message = "The note request is empty or not a JSON object"


class InvalidNoteDetails(VenueCrmError):
    """addOrUpdateOpportunityNote: the details are invalid; every problem is listed."""

    specific_code = 24437
    meaning = "addOrUpdateOpportunityNote: the details are invalid (every problem listed)"
    default_message = "The note details are invalid"


class LeadNotFound(VenueCrmError):
    """A ``leadId`` that is not a live opportunity of the account (in ``venueId``, if given)."""

    specific_code = 24441
    meaning = (
        "addOrUpdateOpportunityNote, getOpportunityNoteList: `leadId` is no live opportunity "
        "of your account (in `venueId`)"
    )
    default_message = "The lead/opportunity does not exist"


class LookupNotFound(VenueCrmError):
    """addOrUpdateLead*: the id to update is not an active lookup of the account."""


class InvalidLookupRequest(VenueCrmError):
    """addOrUpdateLead*: the body is empty, not JSON, or not a JSON object."""


class InvalidLookupDetails(VenueCrmError):
    """addOrUpdateLead*: the details are invalid; ``additional_messages`` lists every problem."""


def _lookup_errors(
    name: str, codes: tuple[int, int, int]
) -> tuple[type[LookupNotFound], type[InvalidLookupRequest], type[InvalidLookupDetails]]:
    """The three errors of a lookup's addOrUpdate action ("lead stage": addOrUpdateLeadStage)."""
    title = name.title().replace(" ", "")
    action = f"addOrUpdate{title}"

    def make(base: type[_E], class_name: str, code: int, message: str, meaning: str) -> type[_E]:
        attributes = {
            "__doc__": f"{action}: {meaning}.",
            "__module__": __name__,
            "specific_code": code,
            "default_message": message,
            "meaning": f"{action}: {meaning}",
        }
        return type(class_name, (base,), attributes)

    not_found, request, details = codes
    return (
        make(LookupNotFound, f"{title}NotFound", not_found, f"The {name} does not exist",
             f"the {name} does not exist (or is inactive)"),
        make(InvalidLookupRequest, f"Invalid{title}Request", request,
             f"The {name} request is empty or not a JSON object",
             "the body is empty or not a JSON object"),
        make(InvalidLookupDetails, f"Invalid{title}Details", details,
             f"The {name} details are invalid", "the details are invalid (every problem listed)"),
    )  # fmt: skip


LeadSourceNotFound, InvalidLeadSourceRequest, InvalidLeadSourceDetails = _lookup_errors(
    "lead source", (24325, 24328, 24329)
)
LeadTypeNotFound, InvalidLeadTypeRequest, InvalidLeadTypeDetails = _lookup_errors(
    "lead type", (24381, 24383, 24384)
)
LeadStageNotFound, InvalidLeadStageRequest, InvalidLeadStageDetails = _lookup_errors(
    "lead stage", (24320, 24323, 24324)
)
LeadChannelNotFound, InvalidLeadChannelRequest, InvalidLeadChannelDetails = _lookup_errors(
    "lead channel", (24376, 24379, 24380)
)
LeadQualityNotFound, InvalidLeadQualityRequest, InvalidLeadQualityDetails = _lookup_errors(
    "lead quality", (24304, 24306, 24307)
)

__all__ = [
    "CompanyNotFound",
    "ContactNotFound",
    "EmptyRequest",
    "InvalidLeadChannelDetails",
    "InvalidLeadChannelRequest",
    "InvalidLeadQualityDetails",
    "InvalidLeadQualityRequest",
    "InvalidLeadSourceDetails",
    "InvalidLeadSourceRequest",
    "InvalidLeadStageDetails",
    "InvalidLeadStageRequest",
    "InvalidLeadTypeDetails",
    "InvalidLeadTypeRequest",
    "InvalidLookupDetails",
    "InvalidLookupRequest",
    "InvalidNoteDetails",
    "InvalidNoteRequest",
    "InvalidOpportunityDetails",
    "LeadChannelNotFound",
    "LeadNotFound",
    "LeadQualityNotFound",
    "LeadSourceNotFound",
    "LeadStageNotFound",
    "LeadTypeNotFound",
    "LookupNotFound",
    "OpportunityNotFound",
    "OpportunityNoteNotFound",
    "VenueNotFound",
]
