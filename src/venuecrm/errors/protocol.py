"""Errors of the protocol: signing, transport, /crm, idempotency, the database, parameters."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar

from .base import VenueCrmError


class StaleRequest(VenueCrmError):
    """The request date is missing, unparseable or outside the allowed window."""

    error_code = 401
    specific_code = 23005
    meaning = "Request is stale: `Date`/`IVVY-Date` missing, unparseable, or more than 300 s off"
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
    # One class, five codes: each with its own line in the error table.
    meanings: ClassVar[Mapping[int, str]] = MappingProxyType(
        {
            MISSING_HEADER: "no `X-Api-Authorization` header",
            MALFORMED_HEADER: "`X-Api-Authorization` is not `IWS {key}:{signature}`",
            UNKNOWN_KEY: "unknown API key",
            BAD_SIGNATURE: "the signature does not match",
            BAD_CONTENT_MD5: "`Content-MD5` missing, or not the MD5 of the body",
        }
    )


class KeyRevoked(VenueCrmError):
    """The API key exists but was revoked."""

    error_code = 463
    specific_code = 90107
    meaning = "the API key was revoked"
    default_message = "Key Revoked"


class UnknownAction(VenueCrmError):
    """No such API version, namespace or action."""

    error_code = 404
    specific_code = 90404
    meaning = "unknown API version, namespace or action"
    default_message = "Not Found"


class MethodNotAllowed(VenueCrmError):
    """iVvy routes accept POST only."""

    error_code = 405
    specific_code = 90405
    meaning = "a method other than POST on an iVvy route"
    default_message = "Method Not Allowed: iVvy API calls are POST requests"


class RequestTooLarge(VenueCrmError):
    """The body exceeds the configured limit."""

    error_code = 413
    specific_code = 90413
    meaning = "the body is over `VENUECRM_MAX_BODY_BYTES`"
    default_message = "Request body too large"


class RateLimited(VenueCrmError):
    """Too many requests: ``headers`` say when to retry (Retry-After) and the limit's state.

    iVvy documents 429 only as its booking action's race condition (24299); the limit is
    venuecrm's own, so its code is in the 90xxx range.
    """

    error_code = 429
    specific_code = 90429
    meaning = (
        "too many requests: the key's rate limit, or the address's failed-authentication "
        'limit (see "Limits"; `Retry-After` says when)'
    )
    default_message = "Too many requests"

    def __init__(self, message: str, headers: Mapping[str, str]) -> None:
        super().__init__(message)
        self.headers = dict(headers)


class InternalError(VenueCrmError):
    """An unexpected failure; details are only in the server log."""

    error_code = 500
    specific_code = 90500
    meaning = "unexpected failure; the message carries the request id the server logged it under"
    default_message = "An error has occurred"


class InvalidRequest(VenueCrmError):
    """A /crm body or query does not fit the unified CRM schema (Apideck's 400).

    ``type_name`` is Apideck's error type, e.g. RequestValidationError or InvalidCursorError.
    """

    specific_code = 90400
    meaning = "`/crm`: a body or query that the unified CRM schema rejects"
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
    meaning = "`/crm`: no such user, pipeline or note in your account"
    default_message = "Not Found"

    def __init__(self, entity: str, record_id: str) -> None:
        super().__init__(f"Unknown {entity} {record_id}")
        self.entity = entity
        self.record_id = record_id


class OperationNotSupported(VenueCrmError):
    """A /crm operation that does not map on venuecrm's data (Apideck's 501)."""

    error_code = 501
    specific_code = 90501
    meaning = "`/crm`: an operation venuecrm's data cannot carry out (writing users or pipelines)"
    default_message = "Not Implemented"


class InvalidIdempotencyKey(VenueCrmError):
    """The Idempotency-Key header cannot be used as a key."""

    specific_code = 90420
    meaning = (
        "`Idempotency-Key` (or `IVVY-Idempotency-Key`) empty, over 255 characters, not "
        "printable ASCII, or the two differ"
    )
    default_message = "Idempotency-Key must be 1 to 255 printable ASCII characters"


class RequestInProgress(VenueCrmError):
    """The first request with this Idempotency-Key or signature has not finished yet."""

    error_code = 409
    specific_code = 90409
    meaning = "a request with this idempotency key (or signature) is still running; retry later"
    default_message = (
        "A request with this Idempotency-Key (or signature) is still being processed; "
        "retry later to get its response"
    )


class IdempotencyKeyReused(VenueCrmError):
    """The Idempotency-Key was first used with a different request (method, path or body)."""

    error_code = 422
    specific_code = 90422
    meaning = "this idempotency key was first used with another request (method, path or body)"
    default_message = "This Idempotency-Key was already used with a different request"


class RaceCondition(VenueCrmError):
    """The request waited too long for a lock another request held, or ran too long (iVvy 24299).

    iVvy answers 429 / 24299 "race condition" on its booking action; the same contention here
    ends the same way. Nothing was written: the transaction rolled back.
    """

    error_code = 429
    specific_code = 24299
    meaning = (
        "race condition: a row lock or a statement outlasted its timeout; nothing was "
        'written, retry after `Retry-After` (see "Guarantees")'
    )
    default_message = "Race condition: the record is busy with another request; retry shortly"
    headers = MappingProxyType({"Retry-After": "1"})


class DatabaseUnavailable(VenueCrmError):
    """The database is unreachable or saturated; the request wrote nothing and can be retried."""

    error_code = 503
    specific_code = 90503
    meaning = (
        "the database is unreachable, or every connection or write slot stayed busy; nothing "
        "was written, retry after `Retry-After`"
    )
    default_message = "The database is unavailable; retry shortly"
    headers = MappingProxyType({"Retry-After": "2"})


class InvalidParameter(VenueCrmError):
    """A parameter failed validation (iVvy 23016)."""

    specific_code = 23016
    meaning = (
        "a parameter does not validate (contact namespace: every problem listed); also a "
        "query parameter sent twice or holding a NUL character, on any iVvy route"
    )
    default_message = "A parameter does not validate"


class MissingParameter(VenueCrmError):
    """A required parameter is missing (iVvy 23017)."""

    specific_code = 23017
    meaning = "a required parameter is missing (contact namespace: only missing ones)"
    default_message = "A required parameter is missing"


__all__ = [
    "AuthenticationFailed",
    "DatabaseUnavailable",
    "IdempotencyKeyReused",
    "InternalError",
    "InvalidIdempotencyKey",
    "InvalidParameter",
    "InvalidRequest",
    "KeyRevoked",
    "MethodNotAllowed",
    "MissingParameter",
    "OperationNotSupported",
    "RaceCondition",
    "RateLimited",
    "RecordNotFound",
    "RequestInProgress",
    "RequestTooLarge",
    "StaleRequest",
    "UnknownAction",
]
