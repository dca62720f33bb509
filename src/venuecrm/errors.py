"""The one registry of error codes venuecrm answers with.

Every failure a client can see is a ``VenueCrmError``: ``error_code`` is iVvy's HTTP-like code
(and the HTTP status), ``specific_code`` the 5-digit code. iVvy's own codes come from
``docs/ivvy.md``; codes in the 90xxx range are ours, for cases iVvy documents no code for
(docs/ivvy.md D27).

    VenueCrmError
    +-- StaleRequest              401 / 23005  no usable Date/IVVY-Date, or off by > window
    +-- AuthenticationFailed      401 / 90101  no X-Api-Authorization header
    |                                   90102  header not of the form "IWS key:signature"
    |                                   90103  unknown API key
    |                                   90104  signature does not match
    |                                   90105  Content-MD5 missing or not the MD5 of the body
    +-- KeyRevoked                463 / 90107  the API key was revoked
    +-- UnknownAction             404 / 90404  unknown API version, namespace or action
    +-- MethodNotAllowed          405 / 90405  anything but POST on an iVvy route
    +-- RequestTooLarge           413 / 90413  body over VENUECRM_MAX_BODY_BYTES
    +-- RateLimited               429 / 90429  the key's request limit, or the source address's
    |                                          failed-authentication limit, is used up
    +-- InternalError             500 / 90500  unexpected failure; the request id is in the message
    +-- InvalidRequest            400 / 90400  /crm: a body or query the unified CRM schema rejects
    +-- RecordNotFound            404 / 90444  /crm: no such user, pipeline or note in the account
    +-- OperationNotSupported     501 / 90501  /crm: an operation venuecrm's data cannot carry out
    +-- InvalidIdempotencyKey     400 / 90420  Idempotency-Key empty, too long or not printable
    +-- RequestInProgress         409 / 90409  a request with this Idempotency-Key (or signature)
    |                                          is still running
    +-- IdempotencyKeyReused      422 / 90422  this Idempotency-Key came with another request
    +-- RaceCondition             429 / 24299  a row lock or a statement took longer than its
    |                                          timeout; Retry-After says when to try again
    +-- DatabaseUnavailable       503 / 90503  the database cannot be reached, or every connection
    |                                          (or write slot) stayed busy; Retry-After
    +-- InvalidParameter          400 / 23016  a parameter failed validation
    +-- MissingParameter          400 / 23017  a required parameter is missing
    +-- EmptyRequest              400 / 24221  addOrUpdateOpportunity with nothing in it
    +-- OpportunityNotFound       400 / 24222  addOrUpdateOpportunity on an unknown id
    +-- InvalidOpportunityDetails 400 / 24224  every problem found, one "path: reason" each
    +-- VenueNotFound             400 / 24438  getVenue, addOrUpdateOpportunityNote: no such
    |                                          active venue in the account
    +-- ContactNotFound           400 / 24096  getContact, addOrUpdateContact: no such contact
    +-- CompanyNotFound           400 / 24153  getCompany, addOrUpdateCompany: no such company
    +-- OpportunityNoteNotFound   400 / 24434  addOrUpdateOpportunityNote: no such note on that
    |                                          opportunity
    +-- InvalidNoteRequest        400 / 24436  addOrUpdateOpportunityNote: the body is empty or
    |                                          not a JSON object
    +-- InvalidNoteDetails        400 / 24437  addOrUpdateOpportunityNote: every problem found,
    |                                          one "path: reason" each
    +-- LeadNotFound              400 / 24441  addOrUpdateOpportunityNote, getOpportunityNoteList:
    |                                          leadId is no live opportunity of the account
    |                                          (in venueId)
    +-- LookupNotFound            400          addOrUpdateLead*: the id is not an active record
    |   +-- LeadStageNotFound           24320    of the account
    |   +-- LeadSourceNotFound          24325
    |   +-- LeadChannelNotFound         24376
    |   +-- LeadTypeNotFound            24381
    |   +-- LeadQualityNotFound         24304
    +-- InvalidLookupRequest      400          addOrUpdateLead*: the body is empty or not a JSON
    |   +-- InvalidLeadStageRequest     24323    object
    |   +-- InvalidLeadSourceRequest    24328
    |   +-- InvalidLeadChannelRequest   24379
    |   +-- InvalidLeadTypeRequest      24383
    |   +-- InvalidLeadQualityRequest   24306
    +-- InvalidLookupDetails      400          addOrUpdateLead*: every problem found, one
        +-- InvalidLeadStageDetails     24324    "path: reason" each
        +-- InvalidLeadSourceDetails    24329
        +-- InvalidLeadChannelDetails   24380
        +-- InvalidLeadTypeDetails      24384
        +-- InvalidLeadQualityDetails   24307

iVvy documents two "request contains invalid data" codes per lookup (docs/ivvy.md §3.6); venuecrm
gives the first to a body it cannot read and the second to details that fail validation.
24438 is iVvy's "venue does not exist" of addOrUpdateOpportunityNote (docs/ivvy.md §3.3): iVvy
documents no code for getVenue. 24096 and 24153 are getContact's and getCompany's codes
(docs/ivvy.md §4.5); D29 gives them to updates of an unknown id too. The note codes follow
the lookups' split: 24436 ("the request contains invalid") for a body that cannot be read, 24437
("invalid data") for details that fail validation. 24435 ("an error has occurred") is never
answered: failures are 500 / 90500.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar


class VenueCrmError(Exception):
    """A failure with an iVvy error code; rendered by ``edges.http.envelope`` only."""

    error_code: ClassVar[int] = 400
    specific_code: int = 0
    default_message: ClassVar[str] = "Bad request"
    # Extra response headers (Retry-After, RateLimit-*); most errors have none.
    headers: Mapping[str, str] = {}

    def __init__(
        self,
        message: str | None = None,
        additional_messages: list[str] | None = None,
        *,
        specific_code: int | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.additional_messages = list(additional_messages or [])
        if specific_code is not None:
            self.specific_code = specific_code
        super().__init__(self.message)


class StaleRequest(VenueCrmError):
    """The request date is missing, unparseable or outside the allowed window."""

    error_code = 401
    specific_code = 23005
    default_message = "Request is stale"


class AuthenticationFailed(VenueCrmError):
    """The request is not signed by a known key; ``specific_code`` says why."""

    error_code = 401
    MISSING_HEADER: ClassVar[int] = 90101
    MALFORMED_HEADER: ClassVar[int] = 90102
    UNKNOWN_KEY: ClassVar[int] = 90103
    BAD_SIGNATURE: ClassVar[int] = 90104
    BAD_CONTENT_MD5: ClassVar[int] = 90105
    specific_code = BAD_SIGNATURE
    default_message = "Unauthorized"


class KeyRevoked(VenueCrmError):
    """The API key exists but was revoked."""

    error_code = 463
    specific_code = 90107
    default_message = "Key Revoked"


class UnknownAction(VenueCrmError):
    """No such API version, namespace or action."""

    error_code = 404
    specific_code = 90404
    default_message = "Not Found"


class MethodNotAllowed(VenueCrmError):
    """iVvy routes accept POST only."""

    error_code = 405
    specific_code = 90405
    default_message = "Method Not Allowed: iVvy API calls are POST requests"


class RequestTooLarge(VenueCrmError):
    """The body exceeds the configured limit."""

    error_code = 413
    specific_code = 90413
    default_message = "Request body too large"


class RateLimited(VenueCrmError):
    """Too many requests: ``headers`` say when to retry (Retry-After) and the limit's state.

    iVvy documents 429 only as its booking action's race condition (24299); the limit is
    venuecrm's own, so its code is in the 90xxx range.
    """

    error_code = 429
    specific_code = 90429
    default_message = "Too many requests"

    def __init__(self, message: str, headers: Mapping[str, str]) -> None:
        super().__init__(message)
        self.headers = dict(headers)


class InternalError(VenueCrmError):
    """An unexpected failure; details are only in the server log."""

    error_code = 500
    specific_code = 90500
    default_message = "An error has occurred"


class InvalidRequest(VenueCrmError):
    """A /crm body or query does not fit the unified CRM schema (Apideck's 400).

    ``type_name`` is Apideck's error type, e.g. RequestValidationError or InvalidCursorError.
    """

    specific_code = 90400
    default_message = "Invalid Params"

    def __init__(
        self,
        message: str | None = None,
        additional_messages: list[str] | None = None,
        *,
        type_name: str = "RequestValidationError",
    ) -> None:
        super().__init__(message, additional_messages)
        self.type_name = type_name


class RecordNotFound(VenueCrmError):
    """A /crm record the account does not have; ``entity`` and ``record_id`` name it."""

    error_code = 404
    specific_code = 90444
    default_message = "Not Found"

    def __init__(self, entity: str, record_id: str) -> None:
        super().__init__(f"Unknown {entity} {record_id}")
        self.entity = entity
        self.record_id = record_id


class OperationNotSupported(VenueCrmError):
    """A /crm operation that does not map on venuecrm's data (Apideck's 501)."""

    error_code = 501
    specific_code = 90501
    default_message = "Not Implemented"


class InvalidIdempotencyKey(VenueCrmError):
    """The Idempotency-Key header cannot be used as a key."""

    specific_code = 90420
    default_message = "Idempotency-Key must be 1 to 255 printable ASCII characters"


class RequestInProgress(VenueCrmError):
    """The first request with this Idempotency-Key or signature has not finished yet."""

    error_code = 409
    specific_code = 90409
    default_message = (
        "A request with this Idempotency-Key (or signature) is still being processed; "
        "retry later to get its response"
    )


class IdempotencyKeyReused(VenueCrmError):
    """The Idempotency-Key was first used with a different request (method, path or body)."""

    error_code = 422
    specific_code = 90422
    default_message = "This Idempotency-Key was already used with a different request"


class RaceCondition(VenueCrmError):
    """The request waited too long for a lock another request held, or ran too long (iVvy 24299).

    iVvy answers 429 / 24299 "race condition" on its booking action; the same contention here
    ends the same way. Nothing was written: the transaction rolled back.
    """

    error_code = 429
    specific_code = 24299
    default_message = "Race condition: the record is busy with another request; retry shortly"
    headers = MappingProxyType({"Retry-After": "1"})


class DatabaseUnavailable(VenueCrmError):
    """The database is unreachable or saturated; the request wrote nothing and can be retried."""

    error_code = 503
    specific_code = 90503
    default_message = "The database is unavailable; retry shortly"
    headers = MappingProxyType({"Retry-After": "2"})


class InvalidParameter(VenueCrmError):
    """A parameter failed validation (iVvy 23016)."""

    specific_code = 23016
    default_message = "A parameter does not validate"


class MissingParameter(VenueCrmError):
    """A required parameter is missing (iVvy 23017)."""

    specific_code = 23017
    default_message = "A required parameter is missing"


class EmptyRequest(VenueCrmError):
    """addOrUpdateOpportunity received nothing to act on."""

    specific_code = 24221
    default_message = "The request is empty"


class OpportunityNotFound(VenueCrmError):
    """The opportunity to update does not exist in the caller's account and venue."""

    specific_code = 24222
    default_message = "The opportunity does not exist"


class InvalidOpportunityDetails(VenueCrmError):
    """The opportunity details are invalid; ``additional_messages`` lists every problem."""

    specific_code = 24224
    default_message = "The opportunity details are invalid"


class VenueNotFound(VenueCrmError):
    """getVenue or a note names a venue the account does not have (or has deactivated)."""

    specific_code = 24438
    default_message = "The venue does not exist"


class ContactNotFound(VenueCrmError):
    """The contact to read or update is not one of the account's (iVvy 24096)."""

    specific_code = 24096
    default_message = "Unable to find contact"


class CompanyNotFound(VenueCrmError):
    """The company to read or update is not one of the account's (iVvy 24153)."""

    specific_code = 24153
    default_message = "Unable to find company"


class OpportunityNoteNotFound(VenueCrmError):
    """addOrUpdateOpportunityNote: the note to update is not a note of that opportunity."""

    specific_code = 24434
    default_message = "The note does not exist"


class InvalidNoteRequest(VenueCrmError):
    """addOrUpdateOpportunityNote: the body is empty, not JSON, or not a JSON object."""

    specific_code = 24436
    default_message = "The note request is empty or not a JSON object"


class InvalidNoteDetails(VenueCrmError):
    """addOrUpdateOpportunityNote: the details are invalid; every problem is listed."""

    specific_code = 24437
    default_message = "The note details are invalid"


class LeadNotFound(VenueCrmError):
    """A ``leadId`` that is not a live opportunity of the account (in ``venueId``, if given)."""

    specific_code = 24441
    default_message = "The lead/opportunity does not exist"


class LookupNotFound(VenueCrmError):
    """addOrUpdateLead*: the id to update is not an active lookup of the account."""


class InvalidLookupRequest(VenueCrmError):
    """addOrUpdateLead*: the body is empty, not JSON, or not a JSON object."""


class InvalidLookupDetails(VenueCrmError):
    """addOrUpdateLead*: the details are invalid; ``additional_messages`` lists every problem."""


class LeadStageNotFound(LookupNotFound):
    specific_code = 24320
    default_message = "The lead stage does not exist"


class InvalidLeadStageRequest(InvalidLookupRequest):
    specific_code = 24323
    default_message = "The lead stage request is empty or not a JSON object"


class InvalidLeadStageDetails(InvalidLookupDetails):
    specific_code = 24324
    default_message = "The lead stage details are invalid"


class LeadSourceNotFound(LookupNotFound):
    specific_code = 24325
    default_message = "The lead source does not exist"


class InvalidLeadSourceRequest(InvalidLookupRequest):
    specific_code = 24328
    default_message = "The lead source request is empty or not a JSON object"


class InvalidLeadSourceDetails(InvalidLookupDetails):
    specific_code = 24329
    default_message = "The lead source details are invalid"


class LeadChannelNotFound(LookupNotFound):
    specific_code = 24376
    default_message = "The lead channel does not exist"


class InvalidLeadChannelRequest(InvalidLookupRequest):
    specific_code = 24379
    default_message = "The lead channel request is empty or not a JSON object"


class InvalidLeadChannelDetails(InvalidLookupDetails):
    specific_code = 24380
    default_message = "The lead channel details are invalid"


class LeadTypeNotFound(LookupNotFound):
    specific_code = 24381
    default_message = "The lead type does not exist"


class InvalidLeadTypeRequest(InvalidLookupRequest):
    specific_code = 24383
    default_message = "The lead type request is empty or not a JSON object"


class InvalidLeadTypeDetails(InvalidLookupDetails):
    specific_code = 24384
    default_message = "The lead type details are invalid"


class LeadQualityNotFound(LookupNotFound):
    specific_code = 24304
    default_message = "The lead quality does not exist"


class InvalidLeadQualityRequest(InvalidLookupRequest):
    specific_code = 24306
    default_message = "The lead quality request is empty or not a JSON object"


class InvalidLeadQualityDetails(InvalidLookupDetails):
    specific_code = 24307
    default_message = "The lead quality details are invalid"


ALL_ERRORS: tuple[type[VenueCrmError], ...] = (
    StaleRequest,
    AuthenticationFailed,
    KeyRevoked,
    UnknownAction,
    MethodNotAllowed,
    RequestTooLarge,
    RateLimited,
    InternalError,
    InvalidRequest,
    RecordNotFound,
    OperationNotSupported,
    InvalidIdempotencyKey,
    RequestInProgress,
    IdempotencyKeyReused,
    RaceCondition,
    DatabaseUnavailable,
    InvalidParameter,
    MissingParameter,
    EmptyRequest,
    OpportunityNotFound,
    InvalidOpportunityDetails,
    VenueNotFound,
    ContactNotFound,
    CompanyNotFound,
    OpportunityNoteNotFound,
    InvalidNoteRequest,
    InvalidNoteDetails,
    LeadNotFound,
    LeadStageNotFound,
    InvalidLeadStageRequest,
    InvalidLeadStageDetails,
    LeadSourceNotFound,
    InvalidLeadSourceRequest,
    InvalidLeadSourceDetails,
    LeadChannelNotFound,
    InvalidLeadChannelRequest,
    InvalidLeadChannelDetails,
    LeadTypeNotFound,
    InvalidLeadTypeRequest,
    InvalidLeadTypeDetails,
    LeadQualityNotFound,
    InvalidLeadQualityRequest,
    InvalidLeadQualityDetails,
)

BY_SPECIFIC_CODE: dict[int, type[VenueCrmError]] = {e.specific_code: e for e in ALL_ERRORS}
