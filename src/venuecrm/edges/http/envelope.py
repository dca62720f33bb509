"""Exceptions to error bodies: iVvy's envelope on /api, Apideck's error shape on /crm.

The only place an error body is built.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from venuecrm.errors import (
    AuthenticationFailed,
    IdempotencyKeyReused,
    InternalError,
    InvalidIdempotencyKey,
    InvalidNoteDetails,
    InvalidOpportunityDetails,
    InvalidParameter,
    InvalidRequest,
    KeyRevoked,
    MethodNotAllowed,
    OperationNotSupported,
    OpportunityNotFound,
    RaceCondition,
    RateLimited,
    RecordNotFound,
    RequestInProgress,
    StaleRequest,
    UnknownAction,
    VenueCrmError,
)
from venuecrm.platform.faults import retryable, sqlstate

logger = logging.getLogger("venuecrm.db")
IVVY_PREFIX = "/api/"
CRM_PREFIX = "/crm/"
# Apideck's HTTP status and type_name for each error (docs/unified.md §3 and C4).
_APIDECK: dict[type[VenueCrmError], tuple[int, str]] = {
    InvalidRequest: (400, ""),  # type_name: the error's own (RequestValidationError, ...)
    InvalidOpportunityDetails: (422, "InvalidStateError"),
    InvalidNoteDetails: (422, "InvalidStateError"),
    # /crm companies and contacts answer the contact namespace's rules as a broken state.
    InvalidParameter: (422, "InvalidStateError"),
    OpportunityNotFound: (404, "EntityNotFoundError"),
    RecordNotFound: (404, "EntityNotFoundError"),
    OperationNotSupported: (501, "ConnectorOperationUnsupportedError"),
    AuthenticationFailed: (401, "UnauthorizedError"),
    StaleRequest: (401, "UnauthorizedError"),
    KeyRevoked: (401, "UnauthorizedError"),
    UnknownAction: (404, "NotFoundError"),
    InvalidIdempotencyKey: (400, "RequestValidationError"),
    RequestInProgress: (409, "ConflictError"),
    IdempotencyKeyReused: (422, "InvalidStateError"),
    RateLimited: (429, "ConnectorRateLimitError"),
    # The type Apideck's 429 schema names; DatabaseUnavailable keeps 503 / UnexpectedError.
    RaceCondition: (429, "ConnectorRateLimitError"),
}


def envelope(error: VenueCrmError) -> dict[str, Any]:
    """iVvy's error body for ``error``."""
    return {
        "errorCode": error.error_code,
        "message": error.message,
        "specificCode": error.specific_code,
        "additionalMessages": error.additional_messages,
    }


def apideck_error(error: VenueCrmError) -> tuple[int, dict[str, Any]]:
    """Apideck's error status and body for ``error``; every problem is listed in ``detail``."""
    status, type_name = _APIDECK.get(type(error), (error.error_code, "UnexpectedError"))
    if isinstance(error, InvalidRequest):
        type_name = error.type_name
    detail: str | dict[str, Any] = error.message
    if isinstance(error, OpportunityNotFound) and error.additional_messages:
        detail = {"not_found": {"entity": "opportunity", "id": error.additional_messages[0]}}
    elif isinstance(error, RecordNotFound):
        detail = {"not_found": {"entity": error.entity, "id": error.record_id}}
    elif error.additional_messages:
        detail = {"problems": error.additional_messages}
    return status, {
        "status_code": status,
        "error": HTTPStatus(status).phrase,
        "type_name": type_name,
        "message": error.message,
        "detail": detail,
        "ref": f"https://developers.apideck.com/errors#{type_name.lower()}",
    }


def error_response(error: VenueCrmError, path: str = IVVY_PREFIX) -> JSONResponse:
    """The error in the shape of the API ``path`` belongs to (iVvy: status = errorCode)."""
    if path.startswith(CRM_PREFIX) or path == CRM_PREFIX.rstrip("/"):
        status, body = apideck_error(error)
        return JSONResponse(body, status_code=status, headers=dict(error.headers))
    return JSONResponse(envelope(error), status_code=error.error_code, headers=dict(error.headers))


def unexpected_error_response(request_id: str, path: str) -> JSONResponse:
    """A clean 500 that names the request id the server logged the traceback under."""
    return error_response(
        InternalError(
            f"An error has occurred; quote request id {request_id}",
            [f"requestId: {request_id}"],
        ),
        path,
    )


async def _venuecrm_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VenueCrmError)
    return error_response(exc, request.url.path)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """Contention and outages as 429 / 503 with Retry-After; any other database error is a bug."""
    error = retryable(exc)
    if error is None:
        raise exc
    # The SQLSTATE and kind only: a statement's parameters carry customer data.
    logger.warning(
        "database unavailable or busy",
        extra={
            "request_id": getattr(request.state, "request_id", None),
            "sqlstate": sqlstate(exc),
            "kind": type(exc).__name__,
            "specific_code": error.specific_code,
        },
    )
    return error_response(error, request.url.path)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    path = request.url.path
    if path.startswith((IVVY_PREFIX, CRM_PREFIX)):
        if exc.status_code == 405:
            return error_response(MethodNotAllowed(), path)
        if exc.status_code == 404:
            return error_response(UnknownAction(f"No such API route: {path}"), path)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into error bodies."""
    app.add_exception_handler(VenueCrmError, _venuecrm_error)
    app.add_exception_handler(SQLAlchemyError, _database_error)
    # The hot path's plain statements raise psycopg's own errors (platform.sql).
    app.add_exception_handler(psycopg.Error, _database_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
